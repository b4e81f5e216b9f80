// eliminate_identities and eliminate_dead_nodes.
#include <gtest/gtest.h>

#include "engine/passes/passes.h"
#include "tests/common/tensor_testing.h"
#include "tests/passes/pass_testing.h"

namespace fovea::testing {
namespace {

const Pass kIdentities = eliminate_identities;
const Pass kDeadNodes = eliminate_dead_nodes;

TEST(EliminateIdentities, RewiresReadersPastAnIdentityAndAnInferenceDropout) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 4});
  const ValueId copy = b.op("Identity", {b.op("Relu", {x})});
  const ValueId dropped = b.op("Dropout", {b.op("Tanh", {copy})});
  b.output(b.op("Sigmoid", {dropped}));
  const Graph before = build_graph(b);

  bool changed = false;
  const Graph after = apply_pass(before, kIdentities, &changed);
  EXPECT_TRUE(changed);
  EXPECT_EQ(after.nodes.size(), 3u);
  EXPECT_EQ(count_ops(after, "Identity"), 0);
  EXPECT_EQ(count_ops(after, "Dropout"), 0);
  expect_same_outputs(before, after, 0.0);
}

TEST(EliminateIdentities, KeepsTheGraphOutputNameWhenTheIdentityWritesIt) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 4});
  const ValueId y = b.op("Identity", {b.op("Relu", {x})});
  b.output(y);
  const Graph before = build_graph(b);
  const Graph after = apply_pass(before, kIdentities);
  ASSERT_EQ(after.nodes.size(), 1u);
  EXPECT_EQ(after.nodes[0].op_type, "Relu");
  EXPECT_EQ(after.nodes[0].outputs[0], after.outputs[0]);
  expect_same_outputs(before, after, 0.0);
}

TEST(EliminateIdentities, MustNotRemoveACopyFromAGraphInputToAGraphOutput) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {3});
  b.output(b.op("Identity", {x}));
  const Graph before = build_graph(b);
  bool changed = true;
  const Graph after = apply_pass(before, kIdentities, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(after.nodes.size(), 1u);
}

TEST(EliminateIdentities, MustNotRemoveADropoutWhoseMaskIsRead) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {3});
  const auto outs = b.node("Dropout", {x}, {}, 2);
  b.output(outs[0]);
  b.output(outs[1]);
  const Graph before = build_graph(b);
  bool changed = true;
  const Graph after = apply_pass(before, kIdentities, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(count_ops(after, "Dropout"), 1);
}

TEST(EliminateDeadNodes, RemovesBranchesThatReachNoOutput) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 3});
  const ValueId unused_weight = b.constant("unused_w", random_tensor({3, 3}, 1));
  b.op("Relu", {b.op("MatMul", {x, unused_weight})});  // dead chain
  b.output(b.op("Sigmoid", {x}));
  const Graph before = build_graph(b);

  std::vector<FusionRecord> records;
  bool changed = false;
  const Graph after = apply_pass(before, kDeadNodes, &changed, &records);
  EXPECT_TRUE(changed);
  ASSERT_EQ(after.nodes.size(), 1u);
  EXPECT_EQ(after.nodes[0].op_type, "Sigmoid");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].removed_nodes.size(), 2u);
  // The weight only the dead chain read no longer holds data.
  EXPECT_FALSE(after.value(after.find_value("unused_w")).is_constant());
  expect_same_outputs(before, after, 0.0);
}

TEST(EliminateDeadNodes, KeepsEverythingThatFeedsAnOutput) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 3});
  const ValueId r = b.op("Relu", {x});
  b.output(r);
  b.output(b.op("Tanh", {r}));
  const Graph before = build_graph(b);
  bool changed = true;
  const Graph after = apply_pass(before, kDeadNodes, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(after.nodes.size(), 2u);
}

}  // namespace
}  // namespace fovea::testing
