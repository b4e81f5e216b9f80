// Opsets 1 to 6: each old spelling, imported from a hand-built model, must reach its canonical
// form (engine/ops/README.md) and compute what the old operator definition says, checked
// against loops written from the old spec on the reference backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "importers/onnx/onnx_importer.h"
#include "tests/common/tensor_testing.h"
#include "tests/importer/onnx_test_util.h"

namespace fovea::testing {
namespace {

using onnx::TensorProto;

void add_float_initializer(onnx::ModelProto& model, const std::string& name,
                           const std::vector<int64_t>& dims, const std::vector<float>& values) {
  model.mutable_graph()->add_initializer()->CopyFrom(float_proto(name, dims, values, true));
}

const Node* node_of_type(const Graph& graph, const std::string& op_type) {
  for (const Node& node : graph.nodes) {
    if (node.op_type == op_type) return &node;
  }
  return nullptr;
}

// Imports, checks success, runs on the reference backend and returns output 0.
Tensor import_and_run(const onnx::ModelProto& model, const std::vector<Tensor>& inputs,
                      Graph* imported = nullptr) {
  auto graph = import_model(model);
  EXPECT_TRUE(graph.is_ok()) << graph.status().message();
  if (!graph.is_ok()) return Tensor();
  auto outputs = run_graph(*graph, "reference", inputs);
  EXPECT_TRUE(outputs.is_ok()) << outputs.status().message();
  if (imported != nullptr) *imported = *graph;
  return outputs.is_ok() ? (*outputs)[0] : Tensor();
}

std::vector<float> values_of(const Tensor& t) {
  return std::vector<float>(t.data<float>(), t.data<float>() + t.element_count());
}

TEST(LegacyOpset, AddWithAxisAlignsConstantBInTheMiddle) {
  auto model = make_model(6);
  add_input(model, "a", TensorProto::FLOAT, {2, 3, 4});
  add_float_initializer(model, "b", {3}, {10.0f, 20.0f, 30.0f});
  auto* add = add_node(model, "Add", {"a", "b"}, {"y"});
  set_int(add, "broadcast", 1);
  set_int(add, "axis", 1);  // b[j] goes with a[:, j, :]
  add_output(model, "y", TensorProto::FLOAT, {2, 3, 4});
  const Tensor a = random_tensor({2, 3, 4}, 1);
  Graph graph;
  const Tensor y = import_and_run(model, {a}, &graph);
  const Node* node = node_of_type(graph, "Add");
  ASSERT_NE(node, nullptr);
  EXPECT_FALSE(node->attrs.has("broadcast"));
  EXPECT_FALSE(node->attrs.has("axis"));
  EXPECT_EQ(graph.value(node->inputs[1]).constant.shape(), (Shape{3, 1}));
  EXPECT_EQ(graph.nodes.size(), 1u);  // the constant was reshaped, no node added
  const float b[] = {10.0f, 20.0f, 30.0f};
  std::vector<float> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) expected.push_back(a.data<float>()[(i * 3 + j) * 4 + k] + b[j]);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(values_of(y), expected);
}

TEST(LegacyOpset, MulWithAxisZeroUnsqueezesAComputedB) {
  auto model = make_model(1);
  add_input(model, "a", TensorProto::FLOAT, {2, 3, 4});
  add_input(model, "b", TensorProto::FLOAT, {2, 3});
  auto* mul = add_node(model, "Mul", {"a", "b"}, {"y"});
  set_int(mul, "broadcast", 1);
  set_int(mul, "axis", 0);  // b[i, j] goes with a[i, j, :]
  set_ints(mul, "consumed_inputs", {0, 0});
  add_output(model, "y", TensorProto::FLOAT, {2, 3, 4});
  const Tensor a = random_tensor({2, 3, 4}, 2);
  const Tensor b = random_tensor({2, 3}, 3);
  Graph graph;
  const Tensor y = import_and_run(model, {a, b}, &graph);
  ASSERT_EQ(graph.nodes.size(), 2u);
  EXPECT_EQ(graph.nodes[0].op_type, "Unsqueeze");
  EXPECT_EQ(int64_values(graph.value(graph.nodes[0].inputs[1]).constant),
            (std::vector<int64_t>{2}));
  EXPECT_TRUE(graph.nodes[1].attrs.all().empty());  // broadcast, axis, consumed_inputs gone
  std::vector<float> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        expected.push_back(a.data<float>()[(i * 3 + j) * 4 + k] * b.data<float>()[i * 3 + j]);
  EXPECT_EQ(values_of(y), expected);
}

TEST(LegacyOpset, InsertedNodeNamesStayUnique) {
  auto model = make_model(6);
  add_input(model, "a", TensorProto::FLOAT, {2, 3});
  add_input(model, "b", TensorProto::FLOAT, {2});
  add_node(model, "Identity", {"b"}, {"b2"}, "m_legacy_Unsqueeze");
  auto* mul = add_node(model, "Mul", {"a", "b2"}, {"y"}, "m");
  set_int(mul, "broadcast", 1);
  set_int(mul, "axis", 0);
  add_output(model, "y", TensorProto::FLOAT, {2, 3});
  auto graph = import_model(model);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  std::set<std::string> names;
  for (const Node& node : graph->nodes) names.insert(node.name);
  EXPECT_EQ(names.size(), graph->nodes.size());
  EXPECT_EQ(names.count("m_legacy_Unsqueeze_1"), 1u);
}

TEST(LegacyOpset, SubWithoutAxisMatchesSuffix) {
  auto model = make_model(6);
  add_input(model, "a", TensorProto::FLOAT, {2, 3});
  add_float_initializer(model, "b", {3}, {1.0f, 2.0f, 4.0f});
  set_int(add_node(model, "Sub", {"a", "b"}, {"y"}), "broadcast", 1);
  add_output(model, "y", TensorProto::FLOAT, {2, 3});
  const Tensor a = random_tensor({2, 3}, 4);
  const Tensor y = import_and_run(model, {a});
  const float b[] = {1.0f, 2.0f, 4.0f};
  std::vector<float> expected;
  for (int i = 0; i < 6; ++i) expected.push_back(a.data<float>()[i] - b[i % 3]);
  EXPECT_EQ(values_of(y), expected);
}

TEST(LegacyOpset, BroadcastErrors) {
  {
    auto model = make_model(6);  // broadcast = 0 (default) needs equal shapes
    add_input(model, "a", TensorProto::FLOAT, {2, 3});
    add_float_initializer(model, "b", {3}, {1.0f, 2.0f, 3.0f});
    add_node(model, "Div", {"a", "b"}, {"y"}, "div");
    add_output(model, "y", TensorProto::FLOAT, {2, 3});
    EXPECT_TRUE(is_error(import_model(model).status(), StatusCode::kInvalidArgument,
                         "node 'div' (Div): inputs [2,3] and [3] differ, but broadcast = 0"));
  }
  {
    auto model = make_model(6);
    add_input(model, "a", TensorProto::FLOAT, {2, 3});
    add_float_initializer(model, "b", {3}, {1.0f, 2.0f, 3.0f});
    auto* add = add_node(model, "Add", {"a", "b"}, {"y"}, "add");
    set_int(add, "broadcast", 1);
    set_int(add, "axis", 2);
    add_output(model, "y", TensorProto::FLOAT, {2, 3});
    EXPECT_TRUE(is_error(import_model(model).status(), StatusCode::kInvalidArgument,
                         "broadcast axis 2 does not fit input B [3] into input A [2,3]"));
  }
  {
    auto model = make_model(6);  // rank of a unknown: cannot place b
    auto* a = model.mutable_graph()->add_input();
    a->set_name("a");
    a->mutable_type()->mutable_tensor_type()->set_elem_type(TensorProto::FLOAT);
    add_float_initializer(model, "b", {3}, {1.0f, 2.0f, 3.0f});
    auto* add = add_node(model, "Add", {"a", "b"}, {"y"}, "add");
    set_int(add, "broadcast", 1);
    set_int(add, "axis", 1);
    add_output(model, "y", TensorProto::FLOAT, {2, 3});
    EXPECT_TRUE(is_error(import_model(model).status(), StatusCode::kUnsupported,
                         "needs the ranks of both inputs"));
  }
}

// PRelu-6 reference: slope per channel (axis 1).
std::vector<float> prelu_per_channel(const Tensor& x, const std::vector<float>& slope) {
  std::vector<float> out;
  const int64_t inner = x.dim(2);
  for (int64_t i = 0; i < x.element_count(); ++i) {
    const float v = x.data<float>()[i];
    const float s = slope.size() == 1 ? slope[0] : slope[(i / inner) % x.dim(1)];
    out.push_back(v >= 0.0f ? v : s * v);
  }
  return out;
}

TEST(LegacyOpset, PReluSlopeIsPerChannel) {
  for (const bool constant : {true, false}) {
    auto model = make_model(6);
    add_input(model, "x", TensorProto::FLOAT, {2, 3, 4});
    const std::vector<float> slope = {0.1f, 0.2f, 0.3f};
    if (constant) {
      add_float_initializer(model, "slope", {3}, slope);
    } else {
      add_input(model, "slope", TensorProto::FLOAT, {3});
    }
    add_node(model, "PRelu", {"x", "slope"}, {"y"});
    add_output(model, "y", TensorProto::FLOAT, {2, 3, 4});
    const Tensor x = random_tensor({2, 3, 4}, 5);
    std::vector<Tensor> inputs = {x};
    if (!constant) inputs.push_back(float_tensor({3}, slope));
    Graph graph;
    const Tensor y = import_and_run(model, inputs, &graph);
    const Node* prelu = node_of_type(graph, "PRelu");
    ASSERT_NE(prelu, nullptr);
    EXPECT_EQ(graph.value(prelu->inputs[1]).shape, (Shape{3, 1}));
    EXPECT_EQ(graph.nodes.size(), constant ? 1u : 2u);  // a Reshape for the computed slope
    EXPECT_EQ(values_of(y), prelu_per_channel(x, slope)) << "constant slope: " << constant;
  }
}

TEST(LegacyOpset, PReluSharedSlopeAndWrongSlopeSize) {
  auto model = make_model(1);
  add_input(model, "x", TensorProto::FLOAT, {2, 3, 4});
  add_float_initializer(model, "slope", {1}, {0.25f});
  add_node(model, "PRelu", {"x", "slope"}, {"y"}, "prelu");
  add_output(model, "y", TensorProto::FLOAT, {2, 3, 4});
  const Tensor x = random_tensor({2, 3, 4}, 6);
  EXPECT_EQ(values_of(import_and_run(model, {x})), prelu_per_channel(x, {0.25f}));
  model.mutable_graph()->mutable_initializer(0)->CopyFrom(
      float_proto("slope", {2}, {0.1f, 0.2f}, true));
  EXPECT_TRUE(is_error(import_model(model).status(), StatusCode::kInvalidArgument,
                       "before opset 7 it holds 1 or one per channel (3)"));
}

TEST(LegacyOpset, GemmBroadcastOfC) {
  auto model = make_model(6);
  add_input(model, "a", TensorProto::FLOAT, {2, 3});
  add_float_initializer(model, "b", {3, 2}, {1, 2, 3, 4, 5, 6});
  add_float_initializer(model, "c", {2}, {100.0f, 200.0f});
  set_int(add_node(model, "Gemm", {"a", "b", "c"}, {"y"}), "broadcast", 1);
  add_output(model, "y", TensorProto::FLOAT, {2, 2});
  const Tensor a = float_tensor({2, 3}, {1, 0, -1, 2, 1, 0});
  Graph graph;
  const Tensor y = import_and_run(model, {a}, &graph);
  EXPECT_FALSE(graph.nodes[0].attrs.has("broadcast"));
  // [1,0,-1]·B = [1-5, 2-6], [2,1,0]·B = [2+3, 4+4]; plus c per column.
  EXPECT_EQ(values_of(y), (std::vector<float>{96, 196, 105, 208}));
}

TEST(LegacyOpset, BatchNormInTestMode) {
  auto model = make_model(1);
  add_input(model, "x", TensorProto::FLOAT, {1, 2, 2});
  add_float_initializer(model, "scale", {2}, {2.0f, 1.0f});
  add_float_initializer(model, "bias", {2}, {0.5f, -1.0f});
  add_float_initializer(model, "mean", {2}, {1.0f, 0.0f});
  add_float_initializer(model, "var", {2}, {4.0f, 1.0f});
  auto* bn = add_node(model, "BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"y"});
  set_int(bn, "is_test", 1);
  set_ints(bn, "consumed_inputs", {0, 0, 0, 1, 1});
  set_float(bn, "epsilon", 0.0f);
  add_output(model, "y", TensorProto::FLOAT, {1, 2, 2});
  Graph graph;
  const Tensor y = import_and_run(model, {float_tensor({1, 2, 2}, {3, 5, 2, -2})}, &graph);
  const Attributes& attrs = graph.nodes[0].attrs;
  EXPECT_FALSE(attrs.has("is_test") || attrs.has("consumed_inputs"));
  EXPECT_EQ(attrs.get_int("training_mode", 0), 0);
  // channel 0: 2 * (x - 1) / 2 + 0.5; channel 1: x - 1.
  EXPECT_EQ(values_of(y), (std::vector<float>{2.5f, 4.5f, 1.0f, -3.0f}));
}

TEST(LegacyOpset, BatchNormTrainingModeUsesBatchStatistics) {
  auto model = make_model(6);  // is_test absent: training mode
  add_input(model, "x", TensorProto::FLOAT, {2, 1, 1});
  for (const char* name : {"scale", "bias", "mean", "var"}) {
    add_float_initializer(model, name, {1}, {std::string(name) == "scale" ? 1.0f : 0.0f});
  }
  add_node(model, "BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"y"});
  set_float(model.mutable_graph()->mutable_node(0), "epsilon", 0.0f);
  add_output(model, "y", TensorProto::FLOAT, {2, 1, 1});
  Graph graph;
  const Tensor y = import_and_run(model, {float_tensor({2, 1, 1}, {1.0f, 3.0f})}, &graph);
  EXPECT_EQ(graph.nodes[0].attrs.get_int("training_mode", 0), 1);
  // Batch mean 2, biased variance 1.
  EXPECT_EQ(values_of(y), (std::vector<float>{-1.0f, 1.0f}));
  model.mutable_graph()->mutable_node(0)->add_output("running_mean");
  EXPECT_TRUE(is_error(import_model(model).status(), StatusCode::kUnsupported,
                       "training-mode BatchNormalization (is_test = 0 before opset 7)"));
}

TEST(LegacyOpset, DropoutIsIdentityWhateverItsIsTestFlag) {
  auto model = make_model(6);
  add_input(model, "x", TensorProto::FLOAT, {2, 3});
  auto* dropout = add_node(model, "Dropout", {"x"}, {"y"});
  set_int(dropout, "is_test", 1);
  set_float(dropout, "ratio", 0.3f);
  add_output(model, "y", TensorProto::FLOAT, {2, 3});
  const Tensor x = random_tensor({2, 3}, 7);
  Graph graph;
  EXPECT_EQ(values_of(import_and_run(model, {x}, &graph)), values_of(x));
  EXPECT_TRUE(graph.nodes[0].attrs.all().empty());
  EXPECT_EQ(graph.nodes[0].inputs.size(), 1u);
  set_int(model.mutable_graph()->mutable_node(0), "is_test", 0);  // the old default
  EXPECT_EQ(values_of(import_and_run(model, {x}, &graph)), values_of(x));
}

TEST(LegacyOpset, ReshapeShapeAttributeBecomesInput) {
  auto model = make_model(4);
  add_input(model, "x", TensorProto::FLOAT, {2, 3, 4});
  set_ints(add_node(model, "Reshape", {"x"}, {"y"}), "shape", {0, -1});
  add_output(model, "y", TensorProto::FLOAT, {2, 12});
  const Tensor x = random_tensor({2, 3, 4}, 8);
  Graph graph;
  const Tensor y = import_and_run(model, {x}, &graph);
  const Node& reshape = graph.nodes[0];
  EXPECT_FALSE(reshape.attrs.has("shape"));
  ASSERT_EQ(reshape.inputs.size(), 2u);
  EXPECT_EQ(int64_values(graph.value(reshape.inputs[1]).constant), (std::vector<int64_t>{0, -1}));
  EXPECT_EQ(y.shape(), (Shape{2, 12}));
  EXPECT_EQ(values_of(y), values_of(x));
}

TEST(LegacyOpset, PadPaddingsAndConcatDefaultAxis) {
  auto model = make_model(1);
  add_input(model, "x", TensorProto::FLOAT, {1, 2});
  auto* pad = add_node(model, "Pad", {"x"}, {"p"});
  set_ints(pad, "paddings", {0, 1, 0, 0});  // one column before
  set_float(pad, "value", 9.0f);
  add_node(model, "Concat", {"p", "p"}, {"y"});  // axis 1 by default before opset 4
  add_output(model, "y", TensorProto::FLOAT, {1, 6});
  Graph graph;
  const Tensor y = import_and_run(model, {float_tensor({1, 2}, {1, 2})}, &graph);
  EXPECT_EQ(int64_values(graph.value(node_of_type(graph, "Pad")->inputs[1]).constant),
            (std::vector<int64_t>{0, 1, 0, 0}));
  EXPECT_EQ(node_of_type(graph, "Concat")->attrs.get_int("axis", -1), 1);
  EXPECT_EQ(y.shape(), (Shape{1, 6}));
  EXPECT_EQ(values_of(y), (std::vector<float>{9, 1, 2, 9, 1, 2}));
}

TEST(LegacyOpset, SeluOpset1DefaultsAndReluConsumedInputs) {
  auto model = make_model(1);
  add_input(model, "x", TensorProto::FLOAT, {4});
  set_ints(add_node(model, "Relu", {"x"}, {"r"}), "consumed_inputs", {0});
  add_node(model, "Selu", {"x"}, {"s"});
  add_node(model, "Add", {"r", "s"}, {"y"});
  add_output(model, "y", TensorProto::FLOAT, {4});
  const std::vector<float> x = {-2.0f, -0.5f, 0.0f, 1.5f};
  Graph graph;
  const Tensor y = import_and_run(model, {float_tensor({4}, x)}, &graph);
  EXPECT_FALSE(node_of_type(graph, "Relu")->attrs.has("consumed_inputs"));
  for (size_t i = 0; i < x.size(); ++i) {
    // Selu-1: gamma * (alpha * (e^x - 1)) for x <= 0, gamma * x otherwise; 1.6732, 1.0507.
    const double selu = x[i] > 0 ? 1.0507 * x[i] : 1.0507 * 1.6732 * (std::exp(x[i]) - 1.0);
    const double expected = std::max(0.0f, x[i]) + selu;
    EXPECT_NEAR(y.data<float>()[i], expected, 1e-6) << i;
  }
}

}  // namespace
}  // namespace fovea::testing
