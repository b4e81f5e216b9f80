// fold_constants: constant subgraphs and shape chains become graph constants.
#include <gtest/gtest.h>

#include "engine/passes/passes.h"
#include "tests/common/tensor_testing.h"
#include "tests/passes/pass_testing.h"

namespace fovea::testing {
namespace {

Pass fold(int64_t limit) {
  return [limit](Graph& g, std::vector<FusionRecord>* r) { return fold_constants(g, limit, r); };
}

Tensor scalar_float(float v) { return float_tensor({1}, {v}); }

// torchvision's flatten: Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])).
TEST(FoldConstants, FoldsTheShapeGatherUnsqueezeConcatChain) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 3, 4, 4});
  const ValueId shape = b.op("Shape", {x});
  const ValueId batch = b.op("Gather", {shape, b.constant("zero", int64_tensor({}, {0}))},
                             attrs({{"axis", int64_t{0}}}));
  const ValueId batch_1d = b.op("Unsqueeze", {batch, b.constant("axes", int64_tensor({1}, {0}))});
  const ValueId target =
      b.op("Concat", {batch_1d, b.constant("minus_one", int64_tensor({1}, {-1}))},
           attrs({{"axis", int64_t{0}}}));
  b.output(b.op("Reshape", {x, target}));
  const Graph before = build_graph(b);
  ASSERT_EQ(before.nodes.size(), 5u);

  bool changed = false;
  std::vector<FusionRecord> records;
  const Graph after = apply_pass(before, fold(1 << 24), &changed, &records);
  EXPECT_TRUE(changed);
  ASSERT_EQ(after.nodes.size(), 1u);
  EXPECT_EQ(after.nodes[0].op_type, "Reshape");
  const Value& folded_shape = after.value(after.nodes[0].inputs[1]);
  ASSERT_TRUE(folded_shape.is_constant());
  ASSERT_EQ(folded_shape.constant.element_count(), 2);
  EXPECT_EQ(folded_shape.constant.int_at(0), 2);
  EXPECT_EQ(folded_shape.constant.int_at(1), -1);
  EXPECT_EQ(records.size(), 4u);
  expect_same_outputs(before, after, 0.0);
}

TEST(FoldConstants, MaterialisesConstantOfShapeWeightsWithinTheLimit) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 3, 5, 5});
  const ValueId w =
      b.op("ConstantOfShape", {b.constant("w_shape", int64_tensor({4}, {4, 3, 3, 3}))},
           attrs({{"value", scalar_float(0.25f)}}));
  b.output(b.op("Conv", {x, w}));
  const Graph before = build_graph(b);

  const Graph folded = apply_pass(before, fold(1 << 24));
  ASSERT_EQ(folded.nodes.size(), 1u);
  const Value& weights = folded.value(folded.nodes[0].inputs[1]);
  ASSERT_TRUE(weights.is_constant());
  EXPECT_EQ(weights.constant.shape(), (Shape{4, 3, 3, 3}));
  EXPECT_EQ(weights.constant.data<float>()[107], 0.25f);
  expect_same_outputs(before, folded, 0.0);

  // 108 elements exceed a limit of 100: left for run time.
  bool changed = true;
  const Graph limited = apply_pass(before, fold(100), &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(limited.nodes.size(), 2u);
}

TEST(FoldConstants, FoldsArithmeticOnConstantsButNotAGraphOutput) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {3});
  const ValueId c1 = b.constant("c1", float_tensor({3}, {1, 2, 3}));
  const ValueId c2 = b.constant("c2", float_tensor({3}, {10, 20, 30}));
  const ValueId sum = b.op("Add", {c1, c2});
  b.output(b.op("Mul", {x, sum}));
  b.output(b.op("Sub", {c2, c1}));  // constant, but a graph output: stays a node
  const Graph before = build_graph(b);

  const Graph after = apply_pass(before, fold(1 << 24));
  EXPECT_EQ(count_ops(after, "Add"), 0);
  EXPECT_EQ(count_ops(after, "Mul"), 1);
  EXPECT_EQ(count_ops(after, "Sub"), 1);
  const Value& folded = after.value(after.nodes[0].inputs[1]);
  ASSERT_TRUE(folded.is_constant());
  EXPECT_EQ(folded.constant.data<float>()[2], 33.0f);
  expect_same_outputs(before, after, 0.0);
}

TEST(FoldConstants, LeavesNodesReadingRunTimeValues) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 3});
  b.output(b.op("Relu", {b.op("Add", {x, b.constant("one", float_tensor({1}, {1}))})}));
  const Graph before = build_graph(b);
  bool changed = true;
  const Graph after = apply_pass(before, fold(1 << 24), &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(after.nodes.size(), 2u);
}

}  // namespace
}  // namespace fovea::testing
