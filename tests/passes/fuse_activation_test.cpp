// fuse_activation: Conv, Gemm and MatMul absorb the activation that follows them.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/passes/passes.h"
#include "tests/common/tensor_testing.h"
#include "tests/passes/pass_testing.h"

namespace fovea::testing {
namespace {

const Pass kFuseActivation = fuse_activation;

struct ActivationCase {
  const char* op;
  Attributes attributes;
  std::vector<float> clip_bounds;  // Clip only: {min} or {min, max}; NaN skips a bound
  float expected_alpha;
  float expected_beta;
};

ValueId add_activation(GraphBuilder& b, const ActivationCase& c, ValueId x) {
  std::vector<ValueId> inputs = {x};
  for (size_t i = 0; i < c.clip_bounds.size(); ++i) {
    inputs.push_back(
        std::isnan(c.clip_bounds[i])
            ? kNoValue
            : b.constant("bound" + std::to_string(i), float_tensor({}, {c.clip_bounds[i]})));
  }
  return b.op(c.op, inputs, c.attributes);
}

// Builds producer → activation for producer Conv, Gemm or MatMul.
Graph producer_then(const std::string& producer, const ActivationCase& c) {
  GraphBuilder b;
  ValueId y;
  if (producer == "Conv") {
    const ValueId x = b.input("x", DType::kFloat32, {1, 3, 6, 6});
    y = b.op("Conv", {x, b.constant("w", random_tensor({5, 3, 3, 3}, 1, -2, 2)),
                      b.constant("b", random_tensor({5}, 2))});
  } else {
    const ValueId a = b.input("a", DType::kFloat32, {4, 6});
    const ValueId w = b.constant("w", random_tensor({6, 5}, 3, -2, 2));
    y = producer == "Gemm" ? b.op("Gemm", {a, w}) : b.op("MatMul", {a, w});
  }
  b.output(add_activation(b, c, y));
  return build_graph(b);
}

const float kInf = std::numeric_limits<float>::infinity();
const float kSkip = std::numeric_limits<float>::quiet_NaN();

std::vector<ActivationCase> activation_cases() {
  return {
      {"Relu", {}, {}, 0, 0},
      {"LeakyRelu", attrs({{"alpha", 0.2f}}), {}, 0.2f, 0},
      {"LeakyRelu", {}, {}, 0.01f, 0},
      {"Elu", attrs({{"alpha", 0.7f}}), {}, 0.7f, 0},
      {"Sigmoid", {}, {}, 0, 0},
      {"Tanh", {}, {}, 0, 0},
      {"HardSigmoid", attrs({{"alpha", 0.3f}, {"beta", 0.4f}}), {}, 0.3f, 0.4f},
      {"HardSwish", {}, {}, 0, 0},
      {"Clip", {}, {0.0f, 6.0f}, 0.0f, 6.0f},  // ReLU6
      {"Clip", {}, {-0.5f}, -0.5f, kInf},
      {"Clip", {}, {kSkip, 0.25f}, -kInf, 0.25f},
  };
}

class ActivationFusion : public ::testing::TestWithParam<std::tuple<std::string, ActivationCase>> {
};

TEST_P(ActivationFusion, BecomesTheProducersAttributeWithIdenticalOutputs) {
  const auto& [producer, c] = GetParam();
  const Graph before = producer_then(producer, c);
  std::vector<FusionRecord> records;
  bool changed = false;
  const Graph after = apply_pass(before, kFuseActivation, &changed, &records);
  EXPECT_TRUE(changed);
  ASSERT_EQ(after.nodes.size(), 1u);
  const Node& fused = after.nodes[0];
  EXPECT_EQ(fused.op_type, producer);
  EXPECT_EQ(fused.attrs.get_string("activation", ""), c.op);
  EXPECT_EQ(fused.attrs.get_float("activation_alpha", kSkip), c.expected_alpha);
  EXPECT_EQ(fused.attrs.get_float("activation_beta", kSkip), c.expected_beta);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].kept_node, fused.name);
  // The fused kernel runs the activation's own reference math: bit-identical.
  expect_same_outputs(before, after, 0.0);
}

INSTANTIATE_TEST_SUITE_P(All, ActivationFusion,
                         ::testing::Combine(::testing::Values("Conv", "Gemm", "MatMul"),
                                            ::testing::ValuesIn(activation_cases())),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_" + std::get<1>(info.param).op + "_" +
                                  std::to_string(info.index);
                         });

TEST(ActivationFusion, MustNotFuseWhenTheProductHasASecondReader) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 3, 6, 6});
  const ValueId y = b.op("Conv", {x, b.constant("w", random_tensor({5, 3, 3, 3}, 1))});
  b.output(b.op("Relu", {y}));
  b.output(b.op("Sigmoid", {y}));
  const Graph before = build_graph(b);
  bool changed = true;
  const Graph after = apply_pass(before, kFuseActivation, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(after.nodes.size(), 3u);
}

TEST(ActivationFusion, MustNotFuseWhenTheProductIsAGraphOutput) {
  GraphBuilder b;
  const ValueId a = b.input("a", DType::kFloat32, {4, 6});
  const ValueId y = b.op("Gemm", {a, b.constant("w", random_tensor({6, 5}, 3))});
  b.output(y);
  b.output(b.op("Relu", {y}));
  const Graph before = build_graph(b);
  bool changed = true;
  apply_pass(before, kFuseActivation, &changed);
  EXPECT_FALSE(changed);
}

TEST(ActivationFusion, MustNotFuseClipWithRunTimeBoundsOrUnlistedActivations) {
  GraphBuilder b;
  const ValueId a = b.input("a", DType::kFloat32, {4, 6});
  const ValueId hi = b.input("hi", DType::kFloat32, {});
  const ValueId w = b.constant("w", random_tensor({6, 5}, 3));
  b.output(b.op("Clip", {b.op("MatMul", {a, w}), b.constant("lo", float_tensor({}, {0})), hi}));
  b.output(b.op("Selu", {b.op("MatMul", {a, w})}));
  b.output(b.op("Relu", {b.op("Add", {a, a})}));  // Add is not a fusable producer
  const Graph before = build_graph(b);
  bool changed = true;
  const Graph after = apply_pass(before, kFuseActivation, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(after.nodes.size(), before.nodes.size());
}

TEST(ActivationFusion, MustNotFuseASecondActivation) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 3, 6, 6});
  const ValueId y = b.op("Conv", {x, b.constant("w", random_tensor({5, 3, 3, 3}, 1))});
  b.output(b.op("Sigmoid", {b.op("Relu", {y})}));
  const Graph before = build_graph(b);
  const Graph after = apply_pass(before, kFuseActivation);
  ASSERT_EQ(after.nodes.size(), 2u);  // Relu fused, Sigmoid stays
  EXPECT_EQ(count_ops(after, "Sigmoid"), 1);
  expect_same_outputs(before, after, 0.0);
}

}  // namespace
}  // namespace fovea::testing
