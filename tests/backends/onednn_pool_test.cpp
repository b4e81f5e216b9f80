// MaxPool / AveragePool / global pools / LRN on oneDNN against the reference, including
// ceil_mode with and without count_include_pad, and the combinations that must decline.
#include <gtest/gtest.h>

#include "tests/backends/onednn_test_util.h"

namespace fovea::testing {
namespace {

using Ints = std::vector<int64_t>;

struct PoolCase {
  std::string op{};
  Shape x{};
  Ints kernel{};
  Ints strides{};
  Ints pads{};
  int64_t ceil_mode = 0;
  int64_t count_include_pad = 0;
  Ints dilations{};
  std::string expected_backend = "onednn";
};

class OneDnnPool : public ::testing::TestWithParam<PoolCase> {};

TEST_P(OneDnnPool, MatchesReference) {
  const PoolCase& c = GetParam();
  Attributes a;
  a.set("kernel_shape", c.kernel);
  if (!c.strides.empty()) a.set("strides", c.strides);
  if (!c.pads.empty()) a.set("pads", c.pads);
  if (c.ceil_mode != 0) a.set("ceil_mode", c.ceil_mode);
  if (c.op == "AveragePool" && c.count_include_pad != 0) {
    a.set("count_include_pad", c.count_include_pad);
  }
  if (!c.dilations.empty()) a.set("dilations", c.dilations);
  const Graph graph = single_op_graph(c.op, c.x, a);
  expect_onednn_matches_reference(graph, {random_tensor(c.x, 30)}, c.expected_backend);
}

INSTANTIATE_TEST_SUITE_P(
    Max, OneDnnPool,
    ::testing::Values(PoolCase{"MaxPool", {1, 3, 8, 8}, {2, 2}, {2, 2}},
                      PoolCase{"MaxPool", {2, 2, 7, 7}, {3, 3}, {2, 2}, {1, 1, 1, 1}},
                      PoolCase{"MaxPool", {1, 2, 7, 8}, {3, 3}, {2, 2}, {0, 1, 1, 0}},
                      PoolCase{"MaxPool", {1, 2, 8, 8}, {3, 3}, {2, 2}, {}, 1},  // ceil
                      PoolCase{"MaxPool", {1, 2, 9, 10}, {3, 2}, {2, 3}, {1, 0, 0, 1}, 1},
                      PoolCase{"MaxPool", {1, 2, 9, 9}, {2, 2}, {1, 1}, {}, 0, 0, {2, 2}},
                      PoolCase{"MaxPool", {1, 2, 10}, {3}, {2}, {1, 1}},
                      PoolCase{"MaxPool", {1, 2, 5, 6, 7}, {2, 2, 2}, {2, 2, 2}, {}, 1}));

INSTANTIATE_TEST_SUITE_P(
    Average, OneDnnPool,
    ::testing::Values(
        PoolCase{"AveragePool", {1, 3, 8, 8}, {2, 2}, {2, 2}},
        PoolCase{"AveragePool", {1, 2, 7, 7}, {3, 3}, {2, 2}, {1, 1, 1, 1}},
        PoolCase{"AveragePool", {1, 2, 7, 7}, {3, 3}, {2, 2}, {1, 1, 1, 1}, 0, 1},
        PoolCase{"AveragePool", {1, 2, 7, 8}, {3, 3}, {1, 2}, {0, 2, 1, 0}, 0, 1},
        PoolCase{"AveragePool", {1, 2, 8, 8}, {3, 3}, {2, 2}, {}, 1, 0},  // ceil, exclude
        PoolCase{"AveragePool", {1, 2, 8, 9}, {3, 3}, {2, 2}, {1, 1, 1, 1}, 1, 0},
        // ceil_mode whose overhang stays inside the model's padding: include_padding matches.
        PoolCase{"AveragePool", {1, 2, 7, 7}, {3, 3}, {2, 2}, {1, 1, 1, 1}, 1, 1},
        // ceil_mode overhang past the padding with count_include_pad: must decline.
        PoolCase{"AveragePool", {1, 2, 8, 8}, {3, 3}, {2, 2}, {}, 1, 1, {}, "reference"},
        PoolCase{"AveragePool", {1, 2, 8, 8}, {3, 3}, {2, 2}, {1, 1, 1, 1}, 1, 1, {}, "reference"},
        PoolCase{"AveragePool", {1, 2, 12}, {4}, {3}, {2, 1}},
        PoolCase{"AveragePool", {1, 2, 4, 5, 6}, {2, 3, 2}, {1, 2, 2}, {}, 1}));

class OneDnnGlobalPool : public ::testing::TestWithParam<std::tuple<std::string, Shape>> {};

TEST_P(OneDnnGlobalPool, MatchesReference) {
  const auto& [op, shape] = GetParam();
  const Graph graph = single_op_graph(op, shape, {});
  expect_onednn_matches_reference(graph, {random_tensor(shape, 31)}, "onednn");
}

INSTANTIATE_TEST_SUITE_P(Sweep, OneDnnGlobalPool,
                         ::testing::Combine(::testing::Values("GlobalAveragePool", "GlobalMaxPool"),
                                            ::testing::Values(Shape{1, 3, 5, 5}, Shape{2, 4, 7, 3},
                                                              Shape{1, 2, 9},
                                                              Shape{1, 2, 3, 4, 5})));

// 2x2 average of 1..16 laid out in a 4x4 image, by hand.
TEST(OneDnnPoolHand, AverageOfQuadrants) {
  std::vector<float> values(16);
  for (int i = 0; i < 16; ++i) values[i] = static_cast<float>(i + 1);
  const Graph graph = single_op_graph(
      "AveragePool", {1, 1, 4, 4}, attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
  auto out = run_graph(graph, "onednn", {float_tensor({1, 1, 4, 4}, values)});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_TRUE(tensors_close((*out)[0], float_tensor({1, 1, 2, 2}, {3.5f, 5.5f, 11.5f, 13.5f})));
}

class OneDnnLrn : public ::testing::TestWithParam<std::tuple<int64_t, float, float, float>> {};

TEST_P(OneDnnLrn, MatchesReference) {
  const auto& [size, alpha, beta, bias] = GetParam();
  const Shape shape{2, 7, 4, 5};
  const Graph graph = single_op_graph(
      "LRN", shape, attrs({{"size", size}, {"alpha", alpha}, {"beta", beta}, {"bias", bias}}));
  // Even sizes have an asymmetric ONNX window that oneDNN does not express.
  expect_onednn_matches_reference(graph, {random_tensor(shape, 32, -2.0f, 2.0f)},
                                  size % 2 == 1 ? "onednn" : "reference");
}

INSTANTIATE_TEST_SUITE_P(Sweep, OneDnnLrn,
                         ::testing::Values(std::make_tuple(int64_t{3}, 1e-4f, 0.75f, 1.0f),
                                           std::make_tuple(int64_t{5}, 0.5f, 0.75f, 2.0f),
                                           std::make_tuple(int64_t{1}, 0.3f, 0.5f, 1.0f),
                                           std::make_tuple(int64_t{7}, 0.9f, 1.0f, 1.5f),
                                           std::make_tuple(int64_t{4}, 0.5f, 0.75f, 1.0f)));

}  // namespace
}  // namespace fovea::testing
