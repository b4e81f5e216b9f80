// Canonicalization, one rewrite at a time, on hand-built nodes (no ops needed), plus two
// whole-model imports that go through the registered Clip and Softmax schemas.
#include "importers/onnx/canonicalize.h"

#include <gtest/gtest.h>

#include "importers/onnx/onnx_importer.h"
#include "tests/importer/onnx_test_util.h"

namespace fovea::testing {
namespace {

// A graph holding one input "x" and a node of `op_type` reading it.
struct OneNode {
  Graph graph;
  Node node;

  explicit OneNode(const std::string& op_type, Attributes attrs = {}) {
    graph.source = "model.onnx";
    Value x;
    x.name = "x";
    x.dtype = DType::kFloat32;
    x.shape = {1, 3, 4, 4};
    x.rank_known = true;
    node.name = "n";
    node.op_type = op_type;
    node.inputs = {graph.add_value(std::move(x))};
    node.attrs = std::move(attrs);
  }
  const Tensor& input_constant(size_t i) const { return graph.value(node.inputs.at(i)).constant; }
};

Attributes make_attrs(std::initializer_list<std::pair<std::string, AttrValue>> list) {
  Attributes a;
  for (const auto& [name, value] : list) a.set(name, value);
  return a;
}

TEST(Canonicalize, ClipAttributesBecomeInputsBeforeOpset11) {
  OneNode t("Clip", make_attrs({{"min", -1.5f}, {"max", 6.0f}}));
  ASSERT_TRUE(canonicalize_node(t.graph, t.node, 6).is_ok());
  ASSERT_EQ(t.node.inputs.size(), 3u);
  EXPECT_EQ(float_values(t.input_constant(1)), (std::vector<float>{-1.5f}));
  EXPECT_TRUE(t.input_constant(1).shape().empty());  // scalar bounds
  EXPECT_EQ(float_values(t.input_constant(2)), (std::vector<float>{6.0f}));
  EXPECT_TRUE(t.node.attrs.all().empty());
}

TEST(Canonicalize, ClipWithOnlyMaxLeavesMinOmitted) {
  OneNode t("Clip", make_attrs({{"max", 6.0f}}));
  ASSERT_TRUE(canonicalize_node(t.graph, t.node, 10).is_ok());
  ASSERT_EQ(t.node.inputs.size(), 3u);
  EXPECT_EQ(t.node.inputs[1], kNoValue);
  EXPECT_EQ(float_values(t.input_constant(2)), (std::vector<float>{6.0f}));
}

TEST(Canonicalize, ClipFromOpset11IsUntouched) {
  OneNode t("Clip");
  ASSERT_TRUE(canonicalize_node(t.graph, t.node, 11).is_ok());
  EXPECT_EQ(t.node.inputs.size(), 1u);
  EXPECT_EQ(t.graph.values.size(), 1u);
}

TEST(Canonicalize, ClipAttributeOfWrongType) {
  OneNode t("Clip", make_attrs({{"min", std::vector<int64_t>{0}}}));
  const Status status = canonicalize_node(t.graph, t.node, 6);
  EXPECT_TRUE(is_error(status, StatusCode::kInvalidArgument,
                       "model.onnx: node 'n' (Clip): attribute 'min' must be float, got ints"));
}

TEST(Canonicalize, NewConstantNamesAreUnique) {
  OneNode t("Clip", make_attrs({{"min", 0.0f}}));
  Value taken;
  taken.name = "n_min";
  t.graph.add_value(std::move(taken));
  ASSERT_TRUE(canonicalize_node(t.graph, t.node, 6).is_ok());
  EXPECT_EQ(t.graph.value(t.node.inputs[1]).name, "n_min_1");
}

TEST(Canonicalize, SoftmaxBefore13GetsAxis1AndCoerce2d) {
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    OneNode defaulted(op);
    ASSERT_TRUE(canonicalize_node(defaulted.graph, defaulted.node, 11).is_ok());
    EXPECT_EQ(defaulted.node.attrs.get_int("axis", -99), 1) << op;
    EXPECT_EQ(defaulted.node.attrs.get_int("coerce_2d", 0), 1) << op;
    OneNode explicit_axis(op, make_attrs({{"axis", int64_t{2}}}));
    ASSERT_TRUE(canonicalize_node(explicit_axis.graph, explicit_axis.node, 7).is_ok());
    EXPECT_EQ(explicit_axis.node.attrs.get_int("axis", -99), 2) << op;
    EXPECT_EQ(explicit_axis.node.attrs.get_int("coerce_2d", 0), 1) << op;
  }
}

TEST(Canonicalize, SoftmaxFrom13DefaultsToLastAxis) {
  OneNode t("Softmax", make_attrs({{"coerce_2d", int64_t{1}}}));  // not ONNX; must not leak in
  ASSERT_TRUE(canonicalize_node(t.graph, t.node, 13).is_ok());
  EXPECT_EQ(t.node.attrs.get_int("axis", -99), -1);
  EXPECT_FALSE(t.node.attrs.has("coerce_2d"));
}

TEST(Canonicalize, SqueezeUnsqueezeAxesBecomeInt64Input) {
  for (const char* op : {"Squeeze", "Unsqueeze"}) {
    OneNode t(op, make_attrs({{"axes", std::vector<int64_t>{0, -1}}}));
    ASSERT_TRUE(canonicalize_node(t.graph, t.node, 11).is_ok());
    ASSERT_EQ(t.node.inputs.size(), 2u) << op;
    const Tensor& axes = t.input_constant(1);
    EXPECT_EQ(axes.dtype(), DType::kInt64);
    EXPECT_EQ(axes.shape(), (Shape{2}));
    EXPECT_EQ(int64_values(axes), (std::vector<int64_t>{0, -1}));
    EXPECT_FALSE(t.node.attrs.has("axes"));
  }
  OneNode no_axes("Squeeze");
  ASSERT_TRUE(canonicalize_node(no_axes.graph, no_axes.node, 11).is_ok());
  EXPECT_EQ(no_axes.node.inputs.size(), 1u);  // squeeze every 1-dim
  OneNode modern("Unsqueeze");
  ASSERT_TRUE(canonicalize_node(modern.graph, modern.node, 13).is_ok());
  EXPECT_EQ(modern.node.inputs.size(), 1u);
}

TEST(Canonicalize, ReduceMeanAxesBecomeInputBefore18) {
  OneNode t("ReduceMean",
            make_attrs({{"axes", std::vector<int64_t>{2, 3}}, {"keepdims", int64_t{0}}}));
  ASSERT_TRUE(canonicalize_node(t.graph, t.node, 13).is_ok());
  ASSERT_EQ(t.node.inputs.size(), 2u);
  EXPECT_EQ(int64_values(t.input_constant(1)), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t.node.attrs.get_int("keepdims", 1), 0);
  EXPECT_FALSE(t.node.attrs.has("axes"));
  OneNode modern("ReduceMean", make_attrs({{"keepdims", int64_t{1}}}));
  ASSERT_TRUE(canonicalize_node(modern.graph, modern.node, 18).is_ok());
  EXPECT_EQ(modern.node.inputs.size(), 1u);
}

TEST(Canonicalize, PadAttributesBecomeInputsBefore11) {
  const std::vector<int64_t> pads = {0, 0, 1, 2, 0, 0, 3, 4};
  OneNode zero("Pad", make_attrs({{"pads", pads}, {"mode", std::string("reflect")}}));
  ASSERT_TRUE(canonicalize_node(zero.graph, zero.node, 2).is_ok());
  ASSERT_EQ(zero.node.inputs.size(), 2u);  // a zero fill is the default: no constant_value
  EXPECT_EQ(int64_values(zero.input_constant(1)), pads);
  EXPECT_EQ(zero.node.attrs.get_string("mode", ""), "reflect");
  EXPECT_FALSE(zero.node.attrs.has("pads"));

  OneNode filled("Pad", make_attrs({{"pads", pads}, {"value", 2.5f}}));
  ASSERT_TRUE(canonicalize_node(filled.graph, filled.node, 10).is_ok());
  ASSERT_EQ(filled.node.inputs.size(), 3u);
  EXPECT_EQ(float_values(filled.input_constant(2)), (std::vector<float>{2.5f}));
  EXPECT_FALSE(filled.node.attrs.has("value"));

  OneNode missing("Pad");
  EXPECT_TRUE(is_error(canonicalize_node(missing.graph, missing.node, 10),
                       StatusCode::kInvalidArgument, "attribute 'pads' is required"));
  OneNode modern("Pad", make_attrs({{"mode", std::string("edge")}}));
  ASSERT_TRUE(canonicalize_node(modern.graph, modern.node, 11).is_ok());
  EXPECT_EQ(modern.node.inputs.size(), 1u);
}

TEST(Canonicalize, DropoutRatioDroppedBefore12) {
  OneNode old("Dropout", make_attrs({{"ratio", 0.3f}, {"is_test", int64_t{1}}}));
  ASSERT_TRUE(canonicalize_node(old.graph, old.node, 10).is_ok());
  EXPECT_TRUE(old.node.attrs.all().empty());
  EXPECT_EQ(old.node.inputs.size(), 1u);
}

TEST(Canonicalize, BatchNormDropsLegacyAttributesKeepsSpatial) {
  OneNode t("BatchNormalization",
            make_attrs({{"is_test", int64_t{1}},
                        {"consumed_inputs", std::vector<int64_t>{0, 0, 0, 1, 1}},
                        {"spatial", int64_t{0}},
                        {"epsilon", 1e-3f}}));
  ASSERT_TRUE(canonicalize_node(t.graph, t.node, 7).is_ok());
  EXPECT_FALSE(t.node.attrs.has("is_test"));
  EXPECT_FALSE(t.node.attrs.has("consumed_inputs"));
  EXPECT_EQ(t.node.attrs.get_int("spatial", 1), 0);
  EXPECT_EQ(t.node.attrs.get_float("epsilon", 0.0f), 1e-3f);
}

// Through the whole importer (needs the Clip and Softmax schemas).
TEST(Canonicalize, ImportedOpset10ClipAndSoftmax) {
  auto model = make_model(10);
  add_input(model, "x", onnx::TensorProto::FLOAT, {-1, 10});
  auto* clip = add_node(model, "Clip", {"x"}, {"c"}, "relu6");
  set_float(clip, "min", 0.0f);
  set_float(clip, "max", 6.0f);
  add_node(model, "Softmax", {"c"}, {"y"}, "prob");
  add_output(model, "y", onnx::TensorProto::FLOAT, {-1, 10});
  auto graph = import_model(model);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  ASSERT_EQ(graph->nodes.size(), 2u);
  const Node& c = graph->nodes[0];
  ASSERT_EQ(c.inputs.size(), 3u);
  EXPECT_EQ(float_values(graph->value(c.inputs[1]).constant), (std::vector<float>{0.0f}));
  EXPECT_EQ(float_values(graph->value(c.inputs[2]).constant), (std::vector<float>{6.0f}));
  const Node& s = graph->nodes[1];
  EXPECT_EQ(s.attrs.get_int("axis", -99), 1);
  EXPECT_EQ(s.attrs.get_int("coerce_2d", 0), 1);
  EXPECT_EQ(graph->value(graph->outputs[0]).shape, (Shape{kDynamicDim, 10}));
}

}  // namespace
}  // namespace fovea::testing
