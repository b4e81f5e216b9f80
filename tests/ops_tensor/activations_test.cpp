// Pointwise activations against hand-computed values and the ONNX formulas.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/ops_tensor/op_test_util.h"

namespace fovea::testing {
namespace {

TEST(Activations, ReluZeroesNegatives) {
  Tensor y = run_one("Relu", {feed(float_tensor({2, 2}, {-2.0f, -0.5f, 0.0f, 1.5f}))});
  EXPECT_TRUE(tensors_close(y, float_tensor({2, 2}, {0.0f, 0.0f, 0.0f, 1.5f})));
}

TEST(Activations, LeakyReluDefaultAndExplicitAlpha) {
  Tensor x = float_tensor({3}, {-2.0f, 0.0f, 3.0f});
  EXPECT_TRUE(
      tensors_close(run_one("LeakyRelu", {feed(x)}), float_tensor({3}, {-0.02f, 0.0f, 3.0f})));
  EXPECT_TRUE(tensors_close(run_one("LeakyRelu", {feed(x)}, attrs({{"alpha", 0.5f}})),
                            float_tensor({3}, {-1.0f, 0.0f, 3.0f})));
}

TEST(Activations, EluAndSelu) {
  Tensor x = float_tensor({3}, {-1.0f, 0.0f, 2.0f});
  const float em1 = std::exp(-1.0f) - 1.0f;
  EXPECT_TRUE(tensors_close(run_one("Elu", {feed(x)}), float_tensor({3}, {em1, 0.0f, 2.0f})));
  EXPECT_TRUE(tensors_close(run_one("Elu", {feed(x)}, attrs({{"alpha", 2.0f}})),
                            float_tensor({3}, {2.0f * em1, 0.0f, 2.0f})));
  // Selu defaults from the ONNX spec: alpha = 1.6732632, gamma = 1.0507010.
  const float a = 1.6732632f;
  const float g = 1.0507010f;
  EXPECT_TRUE(tensors_close(run_one("Selu", {feed(x)}),
                            float_tensor({3}, {g * a * em1, 0.0f, g * 2.0f}), 1e-5));
  EXPECT_TRUE(tensors_close(run_one("Selu", {feed(x)}, attrs({{"alpha", 2.0f}, {"gamma", 3.0f}})),
                            float_tensor({3}, {3.0f * 2.0f * em1, 0.0f, 6.0f}), 1e-5));
}

TEST(Activations, SigmoidAndTanh) {
  Tensor x = float_tensor({4}, {0.0f, 2.0f, -100.0f, 100.0f});
  EXPECT_TRUE(tensors_close(run_one("Sigmoid", {feed(x)}),
                            float_tensor({4}, {0.5f, 0.8807971f, 0.0f, 1.0f}), 1e-5, 1e-6));
  EXPECT_TRUE(tensors_close(run_one("Tanh", {feed(float_tensor({2}, {0.5f, -0.5f}))}),
                            float_tensor({2}, {0.46211716f, -0.46211716f}), 1e-5));
}

TEST(Activations, HardSigmoidDefaultsAndAttributes) {
  Tensor x = float_tensor({4}, {-3.0f, 0.0f, 1.0f, 4.0f});
  // Defaults alpha = 0.2, beta = 0.5, clamped to [0, 1].
  EXPECT_TRUE(tensors_close(run_one("HardSigmoid", {feed(x)}),
                            float_tensor({4}, {0.0f, 0.5f, 0.7f, 1.0f}), 1e-6));
  EXPECT_TRUE(
      tensors_close(run_one("HardSigmoid", {feed(x)}, attrs({{"alpha", 0.5f}, {"beta", 0.6f}})),
                    float_tensor({4}, {0.0f, 0.6f, 1.0f, 1.0f}), 1e-6));
}

TEST(Activations, HardSwish) {
  // x * clamp(x / 6 + 0.5, 0, 1)
  Tensor x = float_tensor({5}, {-4.0f, -1.0f, 1.0f, 3.0f, 4.0f});
  EXPECT_TRUE(tensors_close(run_one("HardSwish", {feed(x)}),
                            float_tensor({5}, {0.0f, -1.0f / 3.0f, 2.0f / 3.0f, 3.0f, 4.0f}),
                            1e-6));
}

TEST(Activations, KeepTheFreeBatchDynamic) {
  auto g = infer_op("Sigmoid", {declared(DType::kFloat32, {kDynamicDim, 3})});
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  const Value& out = g->value(g->outputs[0]);
  EXPECT_EQ(out.shape, (Shape{kDynamicDim, 3}));
  EXPECT_EQ(out.dtype, DType::kFloat32);
}

TEST(Activations, NonFloatIsUnsupported) {
  auto g = infer_op("Relu", {feed(int64_tensor({2}, {1, -1}))});
  ASSERT_FALSE(g.is_ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(g.status().message().find("int64"), std::string::npos) << g.status().message();
}

}  // namespace
}  // namespace fovea::testing
