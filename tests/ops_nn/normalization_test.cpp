// BatchNormalization (inference, per-activation spatial = 0, training mode) and LRN.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"
#include "tests/ops_nn/nn_test_util.h"

namespace fovea::testing {
namespace {

TEST(BatchNormalization, InferenceFormulaPerChannel) {
  const Tensor x = float_tensor({1, 2, 1, 2}, {1, 2, 3, 4});
  const Tensor scale = float_tensor({2}, {1, 2});
  const Tensor bias = float_tensor({2}, {0, 1});
  const Tensor mean = float_tensor({2}, {1, 3});
  const Tensor var = float_tensor({2}, {4, 1});
  auto out =
      run_node("BatchNormalization", {x, scale, bias, mean, var}, attrs({{"epsilon", 0.0f}}));
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  // c0: (x - 1) / 2; c1: 2 (x - 3) + 1.
  EXPECT_TRUE(tensors_close((*out)[0], expected({1, 2, 1, 2}, {0, 0.5f, 1, 3})));
}

TEST(BatchNormalization, EpsilonIsAddedToVariance) {
  const Tensor x = float_tensor({1, 1, 1}, {3});
  const Tensor one = float_tensor({1}, {1});
  const Tensor zero = float_tensor({1}, {0});
  const Tensor var = float_tensor({1}, {0.5f});
  auto out = run_node("BatchNormalization", {x, one, zero, zero, var}, attrs({{"epsilon", 0.5f}}));
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_TRUE(tensors_close((*out)[0], expected({1, 1, 1}, {3})));
}

TEST(BatchNormalization, PerActivationParametersWhenNotSpatial) {
  // spatial = 0: parameters are [C, D1] = [1, 2], one set per position, broadcast over N.
  const Tensor x = float_tensor({2, 1, 2}, {1, 2, 3, 4});
  const Tensor scale = float_tensor({1, 2}, {1, 10});
  const Tensor bias = float_tensor({1, 2}, {0, 0});
  const Tensor mean = float_tensor({1, 2}, {1, 2});
  const Tensor var = float_tensor({1, 2}, {1, 4});
  auto out = run_node("BatchNormalization", {x, scale, bias, mean, var},
                      attrs({{"epsilon", 0.0f}, {"spatial", int64_t{0}}}));
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  // position 0: x - 1; position 1: 10 (x - 2) / 2.
  EXPECT_TRUE(tensors_close((*out)[0], expected({2, 1, 2}, {0, 0, 2, 10})));
}

TEST(BatchNormalization, TrainingModeUsesBatchStatisticsAndUpdatesRunningOnes) {
  // One channel holding 1,2,3,4: batch mean 2.5, biased variance 1.25.
  const Tensor x = float_tensor({2, 1, 2}, {1, 2, 3, 4});
  const Tensor one = float_tensor({1}, {1});
  const Tensor zero = float_tensor({1}, {0});
  const float epsilon = 1e-5f;
  auto out =
      run_node("BatchNormalization", {x, one, zero, zero, one},
               attrs({{"epsilon", epsilon}, {"momentum", 0.9f}, {"training_mode", int64_t{1}}}), 3);
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  const float sd = std::sqrt(1.25f + epsilon);
  EXPECT_TRUE(tensors_close((*out)[0],
                            expected({2, 1, 2}, {-1.5f / sd, -0.5f / sd, 0.5f / sd, 1.5f / sd})));
  // running = input * momentum + batch * (1 - momentum).
  EXPECT_TRUE(tensors_close((*out)[1], expected({1}, {0.25f})));
  EXPECT_TRUE(tensors_close((*out)[2], expected({1}, {0.9f + 0.125f})));
}

TEST(BatchNormalization, ParameterShapeMismatchIsAnError) {
  auto shape = infer_node_shape("BatchNormalization", {{kDynamicDim, 2, 4, 4}, {3}, {2}, {2}, {2}});
  ASSERT_FALSE(shape.is_ok());
  EXPECT_EQ(shape.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(shape.status().message().find("[3]"), std::string::npos) << shape.status().message();
}

TEST(BatchNormalization, ShapeKeepsFreeBatch) {
  auto shape = infer_node_shape("BatchNormalization", {{kDynamicDim, 2, 4, 4}, {2}, {2}, {2}, {2}});
  ASSERT_TRUE(shape.is_ok()) << shape.status().message();
  EXPECT_EQ(*shape, (Shape{kDynamicDim, 2, 4, 4}));
}

TEST(LRN, SymmetricWindowAlphaDividedBySize) {
  const Tensor x = float_tensor({1, 3, 1, 1}, {1, 2, 3});
  // size 3, alpha / size = 1, beta 1, bias 1: y = x / (1 + sum of squares of neighbours).
  auto out = run_node(
      "LRN", {x}, attrs({{"size", int64_t{3}}, {"alpha", 3.0f}, {"beta", 1.0f}, {"bias", 1.0f}}));
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_TRUE(tensors_close((*out)[0], expected({1, 3, 1, 1}, {1.0f / 6, 2.0f / 15, 3.0f / 14})));
}

TEST(LRN, EvenSizeWindowLeansForward) {
  // size 2: window [c, c+1] (floor((2-1)/2) = 0 before, ceil = 1 after); beta 0.5.
  const Tensor x = float_tensor({1, 3, 1}, {1, 2, 3});
  auto out = run_node(
      "LRN", {x}, attrs({{"size", int64_t{2}}, {"alpha", 2.0f}, {"beta", 0.5f}, {"bias", 0.0f}}));
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_TRUE(tensors_close(
      (*out)[0],
      expected({1, 3, 1}, {1 / std::sqrt(5.0f), 2 / std::sqrt(13.0f), 3 / std::sqrt(9.0f)})));
}

TEST(LRN, SizeIsRequired) {
  auto shape = infer_node_shape("LRN", {{1, 3, 4, 4}});
  ASSERT_FALSE(shape.is_ok());
  EXPECT_NE(shape.status().message().find("size"), std::string::npos);
}

}  // namespace
}  // namespace fovea::testing
