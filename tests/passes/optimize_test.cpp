// optimize_graph: the whole pipeline on a ResNet-like block and on real model graphs.
#include "engine/passes/optimize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "importers/onnx/onnx_importer.h"
#include "tests/common/generated_models.h"
#include "tests/common/tensor_testing.h"
#include "tests/passes/pass_testing.h"

namespace fovea::testing {
namespace {

ValueId add_bn(GraphBuilder& b, ValueId x, int64_t channels, uint64_t seed) {
  const std::string tag = std::to_string(seed);
  return b.op("BatchNormalization",
              {x, b.constant("scale" + tag, random_tensor({channels}, seed, 0.5f, 1.5f)),
               b.constant("bias" + tag, random_tensor({channels}, seed + 1)),
               b.constant("mean" + tag, random_tensor({channels}, seed + 2)),
               b.constant("var" + tag, random_tensor({channels}, seed + 3, 0.5f, 1.5f))});
}

ValueId conv3x3(GraphBuilder& b, ValueId x, int64_t channels, uint64_t seed) {
  return b.op("Conv",
              {x, b.constant("w" + std::to_string(seed),
                             random_tensor({channels, channels, 3, 3}, seed, -0.3f, 0.3f))},
              attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
}

int count_records(const OptimizeReport& report, const std::string& pass) {
  return static_cast<int>(std::count_if(report.records.begin(), report.records.end(),
                                        [&](const FusionRecord& r) { return r.pass == pass; }));
}

TEST(OptimizeGraph, ResNetBasicBlockBecomesTwoFusedConvs) {
  constexpr int64_t kChannels = 8;
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, kChannels, 6, 6});
  const ValueId h = b.op("Relu", {add_bn(b, conv3x3(b, x, kChannels, 1), kChannels, 10)});
  const ValueId y = add_bn(b, conv3x3(b, b.op("Identity", {h}), kChannels, 2), kChannels, 20);
  b.output(b.op("Relu", {b.op("Add", {y, x})}));
  const Graph before = build_graph(b);
  ASSERT_EQ(before.nodes.size(), 8u);

  Graph after = before;
  OptimizeReport report;
  const Status status = optimize_graph(after, {}, &report);
  ASSERT_TRUE(status.is_ok()) << status.message();
  ASSERT_EQ(after.nodes.size(), 2u);
  ASSERT_EQ(count_ops(after, "Conv"), 2);
  const Node& first = after.nodes[0];
  const Node& second = after.nodes[1];
  EXPECT_EQ(first.attrs.get_string("activation", ""), "Relu");
  EXPECT_EQ(first.inputs.size(), 3u);  // no sum
  EXPECT_EQ(second.attrs.get_string("activation", ""), "Relu");
  ASSERT_EQ(second.inputs.size(), 4u);
  EXPECT_EQ(second.inputs[3], x);
  EXPECT_EQ(second.outputs[0], after.outputs[0]);
  EXPECT_EQ(count_records(report, "fuse_conv_bn"), 2);
  EXPECT_EQ(count_records(report, "fuse_activation"), 2);
  EXPECT_EQ(count_records(report, "fuse_conv_add"), 1);
  EXPECT_EQ(count_records(report, "eliminate_identities"), 1);
  expect_same_outputs(before, after, 1e-5);

  // Running it again changes nothing: the pipeline reached its fixed point.
  Graph again = after;
  OptimizeReport second_report;
  ASSERT_TRUE(optimize_graph(again, {}, &second_report).is_ok());
  EXPECT_EQ(again.nodes.size(), 2u);
  EXPECT_TRUE(second_report.records.empty());
}

TEST(OptimizeGraph, ClassifierHeadBecomesOneGemm) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {3, 6});
  const ValueId product = b.op("MatMul", {x, b.constant("w", random_tensor({6, 4}, 1))});
  const ValueId biased = b.op("Add", {product, b.constant("bias", random_tensor({4}, 2))});
  b.output(b.op("Clip", {b.op("Dropout", {biased}), b.constant("lo", float_tensor({}, {0.0f})),
                         b.constant("hi", float_tensor({}, {0.5f}))}));
  const Graph before = build_graph(b);
  Graph after = before;
  ASSERT_TRUE(optimize_graph(after).is_ok());
  ASSERT_EQ(after.nodes.size(), 1u);
  EXPECT_EQ(after.nodes[0].op_type, "Gemm");
  EXPECT_EQ(after.nodes[0].attrs.get_string("activation", ""), "Clip");
  expect_same_outputs(before, after, 0.0);
}

// Imports a model file with its input resized to `input_shape` (smaller inputs keep the
// reference backend fast; the models end in global pooling).
Graph import_with_input(const std::string& path, const Shape& input_shape) {
  auto imported = import_onnx_file(path);
  if (!imported.is_ok()) {
    ADD_FAILURE() << imported.status().message();
    return Graph();
  }
  Graph graph = std::move(imported).value();
  EXPECT_EQ(graph.inputs.size(), 1u);
  if (!input_shape.empty()) {
    Value& input = graph.value(graph.inputs[0]);
    input.shape = input_shape;
    input.rank_known = true;
  }
  // Intermediate shapes declared in the file would not match the resized input.
  for (Value& v : graph.values) {
    if (!v.is_constant() && std::find(graph.inputs.begin(), graph.inputs.end(),
                                      graph.find_value(v.name)) == graph.inputs.end()) {
      v.rank_known = false;
      v.shape.clear();
    }
  }
  return graph;
}

TEST(OptimizeGraph, GeneratedResNet18KeepsItsOutput) {
  std::string why;
  const auto path = generated_model("resnet18", why);
  if (!path) GTEST_SKIP() << why;
  const Graph before = import_with_input(*path, {1, 3, 64, 64});
  ASSERT_FALSE(before.nodes.empty());
  Graph after = before;
  OptimizeReport report;
  const Status status = optimize_graph(after, {}, &report);
  ASSERT_TRUE(status.is_ok()) << status.message();
  // Every BN folds, every Relu and shortcut Add fuses into a Conv.
  EXPECT_EQ(count_ops(after, "BatchNormalization"), 0);
  EXPECT_EQ(count_ops(after, "Relu"), 0);
  EXPECT_EQ(count_ops(after, "Add"), 0);
  EXPECT_EQ(count_ops(after, "Conv"), count_ops(before, "Conv"));
  EXPECT_EQ(count_records(report, "fuse_conv_add"), 8);
  expect_same_outputs(before, after, 1e-5);
}

TEST(OptimizeGraph, LightResNet50FoldsItsConstantWeights) {
  FOVEA_REQUIRE_SHARED(shared);
  const std::string path = shared + "/onnx-light/light_resnet50.onnx";
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  const Graph before = import_with_input(path, {});
  ASSERT_GT(count_ops(before, "ConstantOfShape"), 0);
  Graph after = before;
  const Status status = optimize_graph(after);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(count_ops(after, "ConstantOfShape"), 0);
  EXPECT_EQ(count_ops(after, "BatchNormalization"), 0);
  EXPECT_EQ(count_ops(after, "Relu"), 0);
  EXPECT_EQ(count_ops(after, "Sum"), 0);  // the shortcuts, as two-input Sums
  EXPECT_EQ(count_ops(after, "Conv"), count_ops(before, "Conv"));
  for (const Node& conv : after.nodes) {
    if (conv.op_type == "Conv") {
      EXPECT_TRUE(after.value(conv.inputs[1]).is_constant());
    }
  }
}

}  // namespace
}  // namespace fovea::testing
