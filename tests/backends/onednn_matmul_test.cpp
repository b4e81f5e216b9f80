// Gemm and MatMul on oneDNN against the reference: alpha/beta, transposes, bias broadcasts,
// batch broadcasting; and the cases that must decline.
#include <gtest/gtest.h>

#include "tests/backends/onednn_test_util.h"

namespace fovea::testing {
namespace {

struct GemmCase {
  int64_t m, k, n;
  int64_t trans_a = 0, trans_b = 0;
  float alpha = 1.0f, beta = 1.0f;
  Shape c{};  // empty: no C
  bool b_constant = true;
  bool c_constant = true;
  std::string expected_backend = "onednn";
};

class OneDnnGemm : public ::testing::TestWithParam<GemmCase> {};

TEST_P(OneDnnGemm, MatchesReference) {
  const GemmCase& g = GetParam();
  const Shape a_shape = g.trans_a ? Shape{g.k, g.m} : Shape{g.m, g.k};
  const Shape b_shape = g.trans_b ? Shape{g.n, g.k} : Shape{g.k, g.n};
  GraphBuilder builder;
  std::vector<Tensor> inputs{random_tensor(a_shape, 40)};
  std::vector<ValueId> node_inputs{builder.input("a", DType::kFloat32, a_shape)};
  if (g.b_constant) {
    node_inputs.push_back(builder.constant("b", random_tensor(b_shape, 41)));
  } else {
    node_inputs.push_back(builder.input("b", DType::kFloat32, b_shape));
    inputs.push_back(random_tensor(b_shape, 41));
  }
  if (!g.c.empty() && g.c_constant) {
    node_inputs.push_back(builder.constant("c", random_tensor(g.c, 42)));
  } else if (!g.c.empty()) {
    node_inputs.push_back(builder.input("c", DType::kFloat32, g.c));
    inputs.push_back(random_tensor(g.c, 42));
  }
  builder.output(builder.op(
      "Gemm", node_inputs,
      attrs({{"transA", g.trans_a}, {"transB", g.trans_b}, {"alpha", g.alpha}, {"beta", g.beta}})));
  auto graph = builder.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  expect_onednn_matches_reference(*graph, inputs, g.expected_backend);
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, OneDnnGemm,
    ::testing::Values(GemmCase{3, 5, 4}, GemmCase{3, 5, 4, 0, 1, 1.0f, 1.0f, {4}},
                      GemmCase{3, 5, 4, 1, 0, 0.5f, 2.0f, {1, 4}},
                      GemmCase{3, 5, 4, 1, 1, 1.5f, 0.5f, {3, 4}},
                      GemmCase{3, 5, 4, 0, 1, 1.0f, -1.0f, {3, 1}},
                      GemmCase{3, 5, 4, 0, 0, 2.0f, 3.0f, {1}},
                      GemmCase{2, 17, 9, 0, 1, 1.0f, 0.0f, {2, 9}},
                      // more than 16 rows: constant B goes to oneDNN's preferred layout
                      // (up to 16 it is used in place, without a copy), both transposes
                      GemmCase{20, 33, 7, 0, 1, 1.0f, 1.0f, {7}},
                      GemmCase{20, 33, 7, 0, 0, 1.0f, 1.0f, {7}},
                      GemmCase{16, 33, 7, 0, 0, 1.0f, 1.0f, {7}},
                      GemmCase{4, 6, 3, 0, 1, 1.0f, 1.0f, {3}, false},  // run-time B
                      GemmCase{4, 6, 3, 1, 0, 1.0f, 1.0f, {}, false},
                      // run-time C with beta 1 is bound as the bias, in each broadcast shape
                      GemmCase{4, 6, 3, 0, 1, 1.0f, 1.0f, {3}, true, false},
                      GemmCase{4, 6, 3, 0, 1, 1.0f, 1.0f, {4, 3}, false, false},
                      GemmCase{4, 6, 3, 0, 1, 1.0f, 1.0f, {4, 1}, true, false},
                      GemmCase{4, 6, 3, 0, 1, 1.0f, 1.0f, {1}, true, false},
                      // a run-time C with beta != 1 cannot be scaled: declined.
                      GemmCase{4, 6, 3, 0, 1, 1.0f, 0.5f, {3}, true, false, "reference"},
                      // alpha needs B constant to fold into: declined.
                      GemmCase{4, 6, 3, 0, 0, 2.0f, 1.0f, {}, false, true, "reference"}));

struct MatMulCase {
  Shape a{};
  Shape b{};
  std::string expected_backend = "onednn";
};

class OneDnnMatMul : public ::testing::TestWithParam<MatMulCase> {};

TEST_P(OneDnnMatMul, MatchesReference) {
  const MatMulCase& c = GetParam();
  GraphBuilder builder;
  const ValueId a = builder.input("a", DType::kFloat32, c.a);
  const ValueId b = builder.input("b", DType::kFloat32, c.b);
  builder.output(builder.op("MatMul", {a, b}));
  auto graph = builder.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  expect_onednn_matches_reference(*graph, {random_tensor(c.a, 43), random_tensor(c.b, 44)},
                                  c.expected_backend);
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, OneDnnMatMul,
    ::testing::Values(MatMulCase{{3, 4}, {4, 5}}, MatMulCase{{2, 3, 4}, {2, 4, 5}},
                      MatMulCase{{2, 3, 4}, {1, 4, 5}}, MatMulCase{{1, 3, 4}, {3, 4, 6}},
                      MatMulCase{{2, 3, 4}, {4, 5}},  // rank padding
                      MatMulCase{{3, 4}, {2, 2, 4, 5}}, MatMulCase{{2, 1, 3, 4}, {1, 3, 4, 2}},
                      MatMulCase{{4}, {4, 5}, "reference"},  // 1-D
                      MatMulCase{{3, 4}, {4}, "reference"}));

}  // namespace
}  // namespace fovea::testing
