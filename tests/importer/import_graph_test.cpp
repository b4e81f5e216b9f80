// Whole-graph imports: values, inputs, free batch, initializers in every storage form,
// Constant nodes, node naming, optional inputs, attributes.
#include <gtest/gtest.h>

#include <cstring>

#include "importers/onnx/onnx_importer.h"
#include "importers/onnx/tensor_proto.h"
#include "tests/importer/onnx_test_util.h"

namespace fovea::testing {
namespace {

using onnx::TensorProto;

const Value& value_named(const Graph& graph, const std::string& name) {
  const ValueId id = graph.find_value(name);
  EXPECT_NE(id, kNoValue) << name;
  return graph.value(id == kNoValue ? 0 : id);
}

TEST(ImportGraph, IdentityWithFreeBatch) {
  auto model = make_model(13);
  add_input(model, "x", TensorProto::FLOAT, {-1, 3, 4, 4});
  add_node(model, "Identity", {"x"}, {"y"});
  add_output(model, "y", TensorProto::FLOAT, {-1, 3, 4, 4});
  TempDir dir;
  write_model(model, dir.file("model.onnx"));
  auto graph = import_onnx_file(dir.file("model.onnx"));
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  EXPECT_EQ(graph->source, dir.file("model.onnx"));
  EXPECT_EQ(graph->opset, 13);
  ASSERT_EQ(graph->inputs.size(), 1u);
  const Value& x = graph->value(graph->inputs[0]);
  EXPECT_EQ(x.name, "x");
  EXPECT_EQ(x.dtype, DType::kFloat32);
  EXPECT_TRUE(x.rank_known);
  EXPECT_EQ(x.shape, (Shape{kDynamicDim, 3, 4, 4}));
  ASSERT_EQ(graph->outputs.size(), 1u);
  const Value& y = graph->value(graph->outputs[0]);
  EXPECT_EQ(y.shape, (Shape{kDynamicDim, 3, 4, 4}));  // from shape inference
  ASSERT_EQ(graph->nodes.size(), 1u);
  EXPECT_EQ(graph->nodes[0].name, "Identity_0");  // unnamed nodes get <OpType>_<index>
}

TEST(ImportGraph, MissingShapeAndAbsentDims) {
  auto model = make_model(13);
  auto* no_shape = model.mutable_graph()->add_input();
  no_shape->set_name("a");
  no_shape->mutable_type()->mutable_tensor_type()->set_elem_type(TensorProto::FLOAT);
  auto* partial = model.mutable_graph()->add_input();
  partial->set_name("b");
  auto* shape = partial->mutable_type()->mutable_tensor_type()->mutable_shape();
  partial->mutable_type()->mutable_tensor_type()->set_elem_type(TensorProto::INT64);
  shape->add_dim();  // neither dim_value nor dim_param
  shape->add_dim()->set_dim_value(5);
  add_node(model, "Identity", {"a"}, {"y"}, "first");
  add_node(model, "Identity", {"b"}, {"z"}, "second");
  add_output(model, "y", TensorProto::FLOAT, {});
  add_output(model, "z", TensorProto::INT64, {});
  auto graph = import_model(model);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  EXPECT_FALSE(value_named(*graph, "a").rank_known);
  EXPECT_TRUE(value_named(*graph, "b").rank_known);
  EXPECT_EQ(value_named(*graph, "b").shape, (Shape{kDynamicDim, 5}));
  EXPECT_EQ(value_named(*graph, "b").dtype, DType::kInt64);
}

TEST(ImportGraph, ElemTypeMapping) {
  EXPECT_EQ(dtype_from_onnx(TensorProto::FLOAT), DType::kFloat32);
  EXPECT_EQ(dtype_from_onnx(TensorProto::INT64), DType::kInt64);
  EXPECT_EQ(dtype_from_onnx(TensorProto::INT32), DType::kInt32);
  EXPECT_EQ(dtype_from_onnx(TensorProto::BOOL), DType::kBool);
  EXPECT_EQ(dtype_from_onnx(TensorProto::UINT8), DType::kUInt8);
  EXPECT_EQ(dtype_from_onnx(TensorProto::INT8), DType::kInt8);
  EXPECT_EQ(dtype_from_onnx(TensorProto::FLOAT16), DType::kFloat16);
  EXPECT_EQ(dtype_from_onnx(TensorProto::DOUBLE), DType::kFloat64);
  EXPECT_EQ(dtype_from_onnx(TensorProto::STRING), DType::kOther);
  EXPECT_EQ(dtype_from_onnx(TensorProto::BFLOAT16), DType::kOther);
  EXPECT_EQ(dtype_from_onnx(TensorProto::COMPLEX64), DType::kOther);
  EXPECT_EQ(dtype_from_onnx(17), DType::kOther);  // float8e4m3fn, newer than these headers
  EXPECT_EQ(onnx_type_name(TensorProto::BFLOAT16), "bfloat16");
}

// One initializer per storage form, each passed through an Identity to a graph output.
TEST(ImportGraph, InitializerForms) {
  auto model = make_model(13);
  auto* g = model.mutable_graph();
  *g->add_initializer() = float_proto("raw_f", {2, 2}, {1.5f, -2.0f, 3.25f, 0.0f}, true);
  *g->add_initializer() = float_proto("typed_f", {3}, {7.0f, 8.0f, -9.5f}, false);
  TensorProto i64;
  i64.set_name("typed_i64");
  i64.set_data_type(TensorProto::INT64);
  i64.add_dims(2);
  i64.add_int64_data(-4);
  i64.add_int64_data(int64_t{1} << 40);
  *g->add_initializer() = i64;
  TensorProto raw_i64 = i64;
  raw_i64.set_name("raw_i64");
  raw_i64.clear_int64_data();
  const int64_t raw_values[] = {11, -12};
  raw_i64.set_raw_data(reinterpret_cast<const char*>(raw_values), sizeof(raw_values));
  *g->add_initializer() = raw_i64;
  struct Int32Case {
    const char* name;
    int32_t type;
  };
  for (const Int32Case& c : {Int32Case{"i32", TensorProto::INT32},
                             {"b", TensorProto::BOOL},
                             {"u8", TensorProto::UINT8},
                             {"i8", TensorProto::INT8},
                             {"f16", TensorProto::FLOAT16}}) {
    TensorProto t;
    t.set_name(c.name);
    t.set_data_type(c.type);
    t.add_dims(2);
    t.add_int32_data(c.type == TensorProto::INT8 ? -3 : 1);
    t.add_int32_data(c.type == TensorProto::FLOAT16 ? 0x3C00 : 0);  // 0x3C00 = 1.0 in half
    *g->add_initializer() = t;
  }
  TensorProto f64;
  f64.set_name("f64");
  f64.set_data_type(TensorProto::DOUBLE);
  f64.add_double_data(0.125);  // a scalar: no dims
  *g->add_initializer() = f64;

  const char* names[] = {"raw_f", "typed_f", "typed_i64", "raw_i64", "i32",
                         "b",     "u8",      "i8",        "f16",     "f64"};
  for (const char* name : names) {
    add_node(model, "Identity", {name}, {std::string(name) + "_out"});
    add_output(model, std::string(name) + "_out", TensorProto::UNDEFINED, {});
  }
  auto graph = import_model(model);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  EXPECT_TRUE(graph->inputs.empty());
  EXPECT_EQ(float_values(value_named(*graph, "raw_f").constant),
            (std::vector<float>{1.5f, -2.0f, 3.25f, 0.0f}));
  EXPECT_EQ(value_named(*graph, "raw_f").shape, (Shape{2, 2}));
  EXPECT_EQ(float_values(value_named(*graph, "typed_f").constant),
            (std::vector<float>{7.0f, 8.0f, -9.5f}));
  EXPECT_EQ(int64_values(value_named(*graph, "typed_i64").constant),
            (std::vector<int64_t>{-4, int64_t{1} << 40}));
  EXPECT_EQ(int64_values(value_named(*graph, "raw_i64").constant), (std::vector<int64_t>{11, -12}));
  const Tensor& i32 = value_named(*graph, "i32").constant;
  ASSERT_EQ(i32.dtype(), DType::kInt32);
  EXPECT_EQ(i32.data<int32_t>()[0], 1);
  const Tensor& b = value_named(*graph, "b").constant;
  ASSERT_EQ(b.dtype(), DType::kBool);
  EXPECT_EQ(b.data<uint8_t>()[0], 1);
  EXPECT_EQ(b.data<uint8_t>()[1], 0);
  const Tensor& i8 = value_named(*graph, "i8").constant;
  ASSERT_EQ(i8.dtype(), DType::kInt8);
  EXPECT_EQ(i8.data<int8_t>()[0], -3);
  EXPECT_EQ(value_named(*graph, "u8").constant.dtype(), DType::kUInt8);
  const Tensor& f16 = value_named(*graph, "f16").constant;
  ASSERT_EQ(f16.dtype(), DType::kFloat16);
  EXPECT_EQ(f16.data<uint16_t>()[1], 0x3C00);
  const Tensor& d = value_named(*graph, "f64").constant;
  ASSERT_EQ(d.dtype(), DType::kFloat64);
  EXPECT_TRUE(d.shape().empty());
  EXPECT_EQ(d.data<double>()[0], 0.125);
}

TEST(ImportGraph, InitializerListedAsInputIsAConstant) {
  auto model = make_model(13);
  add_input(model, "x", TensorProto::FLOAT, {-1, 2});
  add_input(model, "w", TensorProto::FLOAT, {2});
  *model.mutable_graph()->add_initializer() = float_proto("w", {2}, {1.0f, 2.0f}, true);
  *model.mutable_graph()->add_initializer() = float_proto("unused", {1}, {5.0f}, true);
  add_node(model, "Identity", {"x"}, {"y"});
  add_node(model, "Identity", {"w"}, {"z"});
  add_output(model, "y", TensorProto::FLOAT, {-1, 2});
  add_output(model, "z", TensorProto::FLOAT, {2});
  auto graph = import_model(model);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  ASSERT_EQ(graph->inputs.size(), 1u);
  EXPECT_EQ(graph->value(graph->inputs[0]).name, "x");
  EXPECT_TRUE(value_named(*graph, "w").is_constant());
  EXPECT_EQ(graph->find_value("unused"), kNoValue);  // weights nothing reads are dropped
}

TEST(ImportGraph, ConstantNodesBecomeConstants) {
  auto model = make_model(13);
  auto* tensor_node = add_node(model, "Constant", {}, {"c_tensor"});
  auto* attr = tensor_node->add_attribute();
  attr->set_name("value");
  attr->set_type(onnx::AttributeProto::TENSOR);
  *attr->mutable_t() = float_proto("", {2}, {4.0f, 5.0f}, false);
  set_float(add_node(model, "Constant", {}, {"c_float"}), "value_float", 2.5f);
  set_floats(add_node(model, "Constant", {}, {"c_floats"}), "value_floats", {1.0f, -1.0f, 3.0f});
  set_int(add_node(model, "Constant", {}, {"c_int"}), "value_int", 42);
  set_ints(add_node(model, "Constant", {}, {"c_ints"}), "value_ints", {3, 1, 2});
  for (const char* name : {"c_tensor", "c_float", "c_floats", "c_int", "c_ints"}) {
    add_node(model, "Identity", {name}, {std::string(name) + "_out"});
    add_output(model, std::string(name) + "_out", TensorProto::UNDEFINED, {});
  }
  auto graph = import_model(model);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  for (const Node& node : graph->nodes) EXPECT_NE(node.op_type, "Constant");
  EXPECT_EQ(graph->nodes.size(), 5u);
  EXPECT_EQ(float_values(value_named(*graph, "c_tensor").constant),
            (std::vector<float>{4.0f, 5.0f}));
  const Tensor& scalar = value_named(*graph, "c_float").constant;
  EXPECT_TRUE(scalar.shape().empty());
  EXPECT_EQ(float_values(scalar), (std::vector<float>{2.5f}));
  EXPECT_EQ(value_named(*graph, "c_floats").shape, (Shape{3}));
  EXPECT_EQ(float_values(value_named(*graph, "c_floats").constant),
            (std::vector<float>{1.0f, -1.0f, 3.0f}));
  EXPECT_EQ(int64_values(value_named(*graph, "c_int").constant), (std::vector<int64_t>{42}));
  EXPECT_EQ(int64_values(value_named(*graph, "c_ints").constant), (std::vector<int64_t>{3, 1, 2}));
  // Shape inference saw the constants: the Identity output has the constant's shape.
  EXPECT_EQ(value_named(*graph, "c_ints_out").shape, (Shape{3}));
}

TEST(ImportGraph, NodesOutOfOrderAreSortedAndAttributesConverted) {
  auto model = make_model(13);
  add_input(model, "x", TensorProto::FLOAT, {1, 2});
  auto* second = add_node(model, "Identity", {"mid"}, {"y"}, "second");
  set_int(second, "unlisted_int", 7);
  set_floats(second, "unlisted_floats", {0.5f});
  set_string(second, "unlisted_string", "hello");
  set_ints(second, "unlisted_ints", {1, 2});
  add_node(model, "Identity", {"x"}, {"mid"}, "first");
  add_output(model, "y", TensorProto::FLOAT, {1, 2});
  auto graph = import_model(model);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  ASSERT_EQ(graph->nodes.size(), 2u);
  EXPECT_EQ(graph->nodes[0].name, "first");
  EXPECT_EQ(graph->nodes[1].name, "second");
  const Attributes& attrs = graph->nodes[1].attrs;
  EXPECT_EQ(attrs.get_int("unlisted_int", 0), 7);
  EXPECT_EQ(attrs.get_floats("unlisted_floats"), (std::vector<float>{0.5f}));
  EXPECT_EQ(attrs.get_string("unlisted_string", ""), "hello");
  EXPECT_EQ(attrs.get_ints("unlisted_ints"), (std::vector<int64_t>{1, 2}));
}

TEST(ImportGraph, EmptyNamesAreOmittedOptionalValues) {
  auto model = make_model(13);
  add_input(model, "x", TensorProto::FLOAT, {-1, 4});
  *model.mutable_graph()->add_initializer() = float_proto("hi", {}, {6.0f}, true);
  add_node(model, "Clip", {"x", "", "hi"}, {"y"}, "clip");
  add_node(model, "Dropout", {"y"}, {"z", ""}, "drop");
  add_output(model, "z", TensorProto::FLOAT, {-1, 4});
  auto graph = import_model(model);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  const Node& clip = graph->nodes[0];
  ASSERT_EQ(clip.inputs.size(), 3u);
  EXPECT_EQ(clip.inputs[1], kNoValue);
  EXPECT_EQ(graph->value(clip.inputs[2]).name, "hi");
  const Node& drop = graph->nodes[1];
  EXPECT_FALSE(drop.outputs.size() > 1 && drop.outputs[1] != kNoValue);
}

TEST(ImportGraph, DuplicateNodeNamesAreMadeUnique) {
  auto model = make_model(13);
  add_input(model, "x", TensorProto::FLOAT, {2});
  add_node(model, "Identity", {"x"}, {"a"}, "same");
  add_node(model, "Identity", {"a"}, {"b"}, "same");
  add_output(model, "b", TensorProto::FLOAT, {2});
  auto graph = import_model(model);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  EXPECT_NE(graph->nodes[0].name, graph->nodes[1].name);
}

}  // namespace
}  // namespace fovea::testing

namespace fovea::testing {
namespace {

// Protobuf's historical 64 MiB stream limit must not stop a large model.
TEST(ImportGraph, ModelOver64MiB) {
  constexpr int64_t kElements = int64_t{18} << 20;  // 72 MiB of float32
  std::vector<float> weights(static_cast<size_t>(kElements));
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<float>(i % 1000);
  auto model = make_model(13);
  *model.mutable_graph()->add_initializer() = float_proto("big", {kElements}, weights, true);
  weights = {};
  add_node(model, "Identity", {"big"}, {"y"});
  add_output(model, "y", onnx::TensorProto::FLOAT, {kElements});
  TempDir dir;
  write_model(model, dir.file("big.onnx"));
  model.Clear();
  auto graph = import_onnx_file(dir.file("big.onnx"));
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  const Tensor& big = graph->value(graph->find_value("big")).constant;
  ASSERT_EQ(big.element_count(), kElements);
  EXPECT_EQ(big.data<float>()[1234567], static_cast<float>(1234567 % 1000));
  EXPECT_EQ(big.data<float>()[kElements - 1], static_cast<float>((kElements - 1) % 1000));
}

}  // namespace
}  // namespace fovea::testing

namespace fovea::testing {
namespace {

// A graph output that is a graph input of unknown shape keeps what the model declares.
TEST(ImportGraph, DeclaredOutputTypeFillsWhatInferenceLeavesOpen) {
  auto model = make_model(13);
  auto* x = model.mutable_graph()->add_input();
  x->set_name("x");  // no type at all
  add_node(model, "Identity", {"x"}, {"y"});
  add_output(model, "y", onnx::TensorProto::FLOAT, {-1, 7});
  auto graph = import_model(model);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  const Value& y = graph->value(graph->outputs[0]);
  EXPECT_EQ(y.dtype, DType::kFloat32);
  EXPECT_TRUE(y.rank_known);
  EXPECT_EQ(y.shape, (Shape{kDynamicDim, 7}));
}

}  // namespace
}  // namespace fovea::testing
