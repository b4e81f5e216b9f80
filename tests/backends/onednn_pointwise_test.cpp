// Activations, Softmax/LogSoftmax and BatchNormalization on oneDNN against the reference.
#include <gtest/gtest.h>

#include "tests/backends/onednn_test_util.h"

namespace fovea::testing {
namespace {

struct ActivationCase {
  std::string op{};
  Attributes attributes;
  std::string name{};
};

class OneDnnActivation : public ::testing::TestWithParam<ActivationCase> {};

TEST_P(OneDnnActivation, MatchesReference) {
  const ActivationCase& c = GetParam();
  for (const Shape& shape : {Shape{2, 3, 4, 5}, Shape{7}, Shape{3, 1, 9}}) {
    SCOPED_TRACE(dims_name(shape));
    const Graph graph = single_op_graph(c.op, shape, c.attributes);
    // [-4, 4) reaches the flat parts of the clipping activations.
    expect_onednn_matches_reference(graph, {random_tensor(shape, 50, -4.0f, 4.0f)}, "onednn");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, OneDnnActivation,
    ::testing::Values(ActivationCase{"Relu", {}, "Relu"},
                      ActivationCase{"LeakyRelu", {}, "LeakyReluDefault"},
                      ActivationCase{"LeakyRelu", attrs({{"alpha", 0.3f}}), "LeakyRelu03"},
                      ActivationCase{"Elu", {}, "EluDefault"},
                      ActivationCase{"Elu", attrs({{"alpha", 0.5f}}), "Elu05"},
                      ActivationCase{"Sigmoid", {}, "Sigmoid"}, ActivationCase{"Tanh", {}, "Tanh"},
                      ActivationCase{"HardSigmoid", {}, "HardSigmoidDefault"},
                      ActivationCase{"HardSigmoid", attrs({{"alpha", 0.3f}, {"beta", 0.4f}}),
                                     "HardSigmoid0304"},
                      ActivationCase{"HardSwish", {}, "HardSwish"}),
    [](const auto& info) { return info.param.name; });

class OneDnnClip : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(OneDnnClip, ConstantBounds) {
  const auto& [with_min, with_max] = GetParam();
  const Shape shape{2, 3, 4};
  std::vector<Tensor> bounds{with_min ? float_tensor({}, {-0.5f}) : Tensor(),
                             with_max ? float_tensor({}, {0.25f}) : Tensor()};
  if (!with_max) bounds.pop_back();
  const Graph graph = single_op_graph("Clip", shape, {}, bounds);
  expect_onednn_matches_reference(graph, {random_tensor(shape, 51)}, "onednn");
}

INSTANTIATE_TEST_SUITE_P(Bounds, OneDnnClip,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()));

// Clip's bounds arriving at run time cannot be baked into the primitive: decline.
TEST(OneDnnClipDecline, RuntimeBoundFallsBack) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {4, 5});
  const ValueId lo = b.input("lo", DType::kFloat32, {});
  b.output(b.op("Clip", {x, lo}));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok());
  expect_onednn_matches_reference(*graph, {random_tensor({4, 5}, 52), float_tensor({}, {0.1f})},
                                  "reference");
}

struct SoftmaxCase {
  std::string op{};
  Shape shape{};
  int64_t axis;
  int64_t coerce_2d;
};

class OneDnnSoftmax : public ::testing::TestWithParam<SoftmaxCase> {};

TEST_P(OneDnnSoftmax, MatchesReference) {
  const SoftmaxCase& c = GetParam();
  Attributes a = attrs({{"axis", c.axis}});
  if (c.coerce_2d != 0) a.set("coerce_2d", c.coerce_2d);
  const Graph graph = single_op_graph(c.op, c.shape, a);
  expect_onednn_matches_reference(graph, {random_tensor(c.shape, 53, -5.0f, 5.0f)}, "onednn");
}

INSTANTIATE_TEST_SUITE_P(Sweep, OneDnnSoftmax,
                         ::testing::Values(SoftmaxCase{"Softmax", {2, 10}, -1, 0},
                                           SoftmaxCase{"Softmax", {2, 3, 4}, 1, 0},
                                           SoftmaxCase{"Softmax", {2, 3, 4}, 0, 0},
                                           SoftmaxCase{"Softmax", {2, 3, 4, 5}, 1, 1},
                                           SoftmaxCase{"Softmax", {2, 3, 4, 5}, 2, 1},
                                           SoftmaxCase{"LogSoftmax", {3, 7}, -1, 0},
                                           SoftmaxCase{"LogSoftmax", {2, 3, 4}, -2, 0},
                                           SoftmaxCase{"LogSoftmax", {2, 3, 4}, 1, 1}));

class OneDnnBatchNorm : public ::testing::TestWithParam<Shape> {};

TEST_P(OneDnnBatchNorm, MatchesReference) {
  const Shape& shape = GetParam();
  const int64_t c = shape[1];
  const Graph graph = single_op_graph("BatchNormalization", shape, attrs({{"epsilon", 1e-3f}}),
                                      {random_tensor({c}, 61), random_tensor({c}, 62),
                                       random_tensor({c}, 63), random_tensor({c}, 64, 0.5f, 2.0f)});
  expect_onednn_matches_reference(graph, {random_tensor(shape, 60)}, "onednn");
}

INSTANTIATE_TEST_SUITE_P(Sweep, OneDnnBatchNorm,
                         ::testing::Values(Shape{1, 3, 5, 5}, Shape{2, 4, 3, 6}, Shape{2, 5},
                                           Shape{1, 3, 7}, Shape{1, 2, 3, 4, 5}));

}  // namespace
}  // namespace fovea::testing
