// fuse_conv_add: the shortcut Add becomes the Conv's fused `sum` input.
#include <gtest/gtest.h>

#include "engine/passes/passes.h"
#include "tests/common/tensor_testing.h"
#include "tests/passes/pass_testing.h"

namespace fovea::testing {
namespace {

const Pass kConvAdd = fuse_conv_add;

ValueId conv3x3(GraphBuilder& b, ValueId x, int64_t in, int64_t out, uint64_t seed) {
  return b.op("Conv",
              {x, b.constant("w" + std::to_string(seed), random_tensor({out, in, 3, 3}, seed)),
               b.constant("b" + std::to_string(seed), random_tensor({out}, seed + 1))},
              attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
}

const Node* find_node(const Graph& graph, const std::string& name) {
  for (const Node& n : graph.nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

TEST(ConvAddFusion, TakesTheShortcutAsSumInEitherOperandOrder) {
  for (bool conv_first : {true, false}) {
    GraphBuilder b;
    const ValueId x = b.input("x", DType::kFloat32, {2, 4, 5, 5});
    const ValueId y = conv3x3(b, x, 4, 4, 1);
    const ValueId sum = conv_first ? b.op("Add", {y, x}) : b.op("Add", {x, y});
    b.output(b.op("Relu", {sum}));
    const Graph before = build_graph(b);

    std::vector<FusionRecord> records;
    const Graph after = apply_pass(before, kConvAdd, nullptr, &records);
    ASSERT_EQ(after.nodes.size(), 2u);
    EXPECT_EQ(count_ops(after, "Add"), 0);
    const Node& conv = after.nodes[0];
    ASSERT_EQ(conv.op_type, "Conv");
    ASSERT_EQ(conv.inputs.size(), 4u);
    EXPECT_EQ(conv.inputs[3], x);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].pass, "fuse_conv_add");
    expect_same_outputs(before, after, 0.0);
  }
}

TEST(ConvAddFusion, BetweenTwoConvsFusesIntoTheLaterOne) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 3, 6, 6});
  const ValueId first = conv3x3(b, x, 3, 4, 10);   // Conv_0
  const ValueId second = conv3x3(b, x, 3, 4, 20);  // Conv_1
  b.output(b.op("Add", {second, first}));
  const Graph before = build_graph(b);
  const Graph after = apply_pass(before, kConvAdd);
  ASSERT_EQ(after.nodes.size(), 2u);
  const Node* later = find_node(after, "Conv_1");
  ASSERT_NE(later, nullptr);
  ASSERT_EQ(later->inputs.size(), 4u);
  EXPECT_EQ(later->inputs[3], first);
  expect_same_outputs(before, after, 0.0);
}

TEST(ConvAddFusion, FusesTheConvThatReadsTheOtherOperand) {
  // Add(a, conv(a)) where a is itself a Conv: only the second Conv may take the sum.
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 4, 5, 5});
  const ValueId a = conv3x3(b, x, 4, 4, 30);
  const ValueId c = conv3x3(b, a, 4, 4, 40);
  b.output(b.op("Add", {a, c}));
  const Graph before = build_graph(b);
  const Graph after = apply_pass(before, kConvAdd);
  ASSERT_EQ(after.nodes.size(), 2u);
  EXPECT_EQ(after.nodes[1].inputs.size(), 4u);
  EXPECT_EQ(after.nodes[1].inputs[3], a);
  expect_same_outputs(before, after, 0.0);
}

TEST(ConvAddFusion, MustNotFuseABroadcastingAdd) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 3, 5, 5});
  const ValueId bias = b.input("channel_bias", DType::kFloat32, {1, 4, 1, 1});
  b.output(b.op("Add", {conv3x3(b, x, 3, 4, 50), bias}));
  const Graph before = build_graph(b);
  bool changed = true;
  apply_pass(before, kConvAdd, &changed);
  EXPECT_FALSE(changed);
}

TEST(ConvAddFusion, MustNotFuseWhenTheConvOutputIsReadElsewhereOrIsAnOutput) {
  for (bool as_output : {true, false}) {
    GraphBuilder b;
    const ValueId x = b.input("x", DType::kFloat32, {1, 4, 5, 5});
    const ValueId y = conv3x3(b, x, 4, 4, 60);
    b.output(b.op("Add", {y, x}));
    b.output(as_output ? y : b.op("Relu", {y}));
    const Graph before = build_graph(b);
    bool changed = true;
    apply_pass(before, kConvAdd, &changed);
    EXPECT_FALSE(changed) << (as_output ? "conv output is a graph output" : "second reader");
  }
}

TEST(ConvAddFusion, MustNotFuseAConvThatAlreadyHasAnActivation) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 4, 5, 5});
  const ValueId y = conv3x3(b, x, 4, 4, 70);
  b.output(b.op("Add", {y, x}));
  auto built = b.build();
  ASSERT_TRUE(built.is_ok());
  Graph before = std::move(built).value();
  before.nodes[0].attrs.set("activation", std::string("Relu"));
  bool changed = true;
  apply_pass(before, kConvAdd, &changed);
  EXPECT_FALSE(changed);  // relu(conv) + x is not relu(conv + x)
}

}  // namespace
}  // namespace fovea::testing
