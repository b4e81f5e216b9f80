// Every import error: each test asserts the code and the key words of its message.
#include <gtest/gtest.h>

#include <random>

#include "importers/onnx/onnx_importer.h"
#include "tests/importer/onnx_test_util.h"

namespace fovea::testing {
namespace {

using onnx::TensorProto;

#define EXPECT_ERROR(result, status_code, fragment) \
  EXPECT_TRUE(is_error((result).status(), status_code, fragment))

// x → Identity → y at `opset`.
onnx::ModelProto identity_model(int64_t opset = 13) {
  auto model = make_model(opset);
  add_input(model, "x", TensorProto::FLOAT, {-1, 2});
  add_node(model, "Identity", {"x"}, {"y"}, "id");
  add_output(model, "y", TensorProto::FLOAT, {-1, 2});
  return model;
}

TEST(ImportErrors, NonexistentFile) {
  TempDir dir;
  auto graph = import_onnx_file(dir.file("missing.onnx"));
  EXPECT_ERROR(graph, StatusCode::kNotFound, dir.file("missing.onnx") + ": cannot open");
}

TEST(ImportErrors, EmptyFile) {
  TempDir dir;
  write_bytes(dir.file("model.onnx"), "");
  auto graph = import_onnx_file(dir.file("model.onnx"));
  EXPECT_ERROR(graph, StatusCode::kInvalidArgument, dir.file("model.onnx") + ": the file is empty");
}

TEST(ImportErrors, TruncatedFile) {
  auto model = identity_model();
  *model.mutable_graph()->add_initializer() =
      float_proto("w", {64}, std::vector<float>(64, 1.0f), true);
  std::string bytes;
  ASSERT_TRUE(model.SerializeToString(&bytes));
  TempDir dir;
  write_bytes(dir.file("model.onnx"), bytes.substr(0, bytes.size() - 100));
  auto graph = import_onnx_file(dir.file("model.onnx"));
  ASSERT_FALSE(graph.is_ok());
  EXPECT_EQ(graph.status().message(),
            dir.file("model.onnx") + ": not a valid ONNX model: protobuf parsing failed");
}

TEST(ImportErrors, RandomBytes) {
  std::mt19937 rng(1234);
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
  auto graph = import_onnx_bytes(bytes.data(), bytes.size(), "model.onnx", "");
  ASSERT_FALSE(graph.is_ok());
  EXPECT_EQ(graph.status().message(),
            "model.onnx: not a valid ONNX model: protobuf parsing failed");
}

TEST(ImportErrors, MissingGraph) {
  auto model = make_model(13);
  model.clear_graph();
  auto graph = import_model(model);
  EXPECT_ERROR(graph, StatusCode::kInvalidArgument, "model.onnx: the model has no graph");
}

TEST(ImportErrors, FileOverSizeLimitIsRefusedBeforeReading) {
  TempDir dir;
  write_model(identity_model(), dir.file("model.onnx"));
  ImportOptions options;
  options.max_model_bytes = 10;
  auto graph = import_onnx_file(dir.file("model.onnx"), options);
  EXPECT_ERROR(graph, StatusCode::kOutOfRange, "over the limit of 10 bytes");
}

TEST(ImportErrors, OpsetOutsideSupportedRange) {
  for (int64_t opset : {0, 26}) {
    auto graph = import_model(identity_model(opset));
    EXPECT_ERROR(graph, StatusCode::kUnsupported, "opset " + std::to_string(opset));
    EXPECT_NE(graph.status().message().find("1 to 25"), std::string::npos)
        << graph.status().message();
  }
  auto no_default = identity_model();
  no_default.mutable_opset_import(0)->set_domain("com.example");
  EXPECT_ERROR(import_model(no_default), StatusCode::kUnsupported, "1 to 25");
  for (int64_t opset : {1, 6, 25}) EXPECT_TRUE(import_model(identity_model(opset)).is_ok());
  auto ai_onnx = identity_model();
  ai_onnx.mutable_opset_import(0)->set_domain("ai.onnx");  // the default domain's other name
  EXPECT_TRUE(import_model(ai_onnx).is_ok());
}

TEST(ImportErrors, AllUnsupportedOperatorsInOneMessage) {
  auto model = make_model(16);
  add_input(model, "x", TensorProto::FLOAT, {1, 4});
  add_node(model, "NonMaxSuppression", {"x", "undefined_scores"}, {"a"}, "nms_1");
  add_node(model, "Identity", {"x"}, {"b"}, "fine");
  add_node(model, "RoiAlign", {"a", "undefined_rois"}, {"c"}, "roi");
  add_output(model, "c", TensorProto::FLOAT, {});
  auto graph = import_model(model);
  ASSERT_FALSE(graph.is_ok());
  EXPECT_EQ(graph.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(graph.status().message(),
            "model.onnx: unsupported operators: NonMaxSuppression (node 'nms_1', opset 16), "
            "RoiAlign (node 'roi', opset 16)");
}

TEST(ImportErrors, OperatorNewerThanModelOpset) {
  auto model = make_model(8);  // ConstantOfShape arrived in opset 9
  add_input(model, "shape", TensorProto::INT64, {2});
  add_node(model, "ConstantOfShape", {"shape"}, {"y"});
  add_output(model, "y", TensorProto::FLOAT, {});
  auto graph = import_model(model);
  EXPECT_ERROR(graph, StatusCode::kUnsupported,
               "unsupported operators: ConstantOfShape (node 'ConstantOfShape_0', opset 8)");
}

TEST(ImportErrors, OtherDomainIsUnsupported) {
  auto model = identity_model();
  auto* node = add_node(model, "QLinearAdd", {"x", "x"}, {"q"}, "qadd");
  node->set_domain("com.microsoft");
  auto graph = import_model(model);
  EXPECT_ERROR(graph, StatusCode::kUnsupported, "QLinearAdd (node 'qadd', domain 'com.microsoft')");
}

TEST(ImportErrors, ValueProducedTwice) {
  auto model = identity_model();
  add_node(model, "Identity", {"x"}, {"y"}, "again");
  auto graph = import_model(model);
  EXPECT_ERROR(graph, StatusCode::kInvalidArgument,
               "'y' is produced by both node 'id' and node 'again'");
}

TEST(ImportErrors, NodeOutputShadowsGraphInput) {
  auto model = identity_model();
  add_node(model, "Identity", {"y"}, {"x"}, "shadow");
  auto graph = import_model(model);
  EXPECT_ERROR(graph, StatusCode::kInvalidArgument, "node 'shadow' (Identity): output 'x'");
}

TEST(ImportErrors, UndefinedInput) {
  auto model = identity_model();
  add_node(model, "Identity", {"ghost"}, {"z"}, "reader");
  auto graph = import_model(model);
  EXPECT_ERROR(graph, StatusCode::kInvalidArgument, "node 'reader' (Identity): input 'ghost'");
}

TEST(ImportErrors, UndefinedGraphOutput) {
  auto model = identity_model();
  add_output(model, "nowhere", TensorProto::FLOAT, {});
  EXPECT_ERROR(import_model(model), StatusCode::kInvalidArgument, "graph output 'nowhere'");
}

TEST(ImportErrors, Cycle) {
  auto model = make_model(13);
  add_input(model, "x", TensorProto::FLOAT, {2});
  add_node(model, "Identity", {"b"}, {"a"}, "one");
  add_node(model, "Identity", {"a"}, {"b"}, "two");
  add_output(model, "b", TensorProto::FLOAT, {2});
  EXPECT_ERROR(import_model(model), StatusCode::kInvalidArgument, "cycle");
}

TEST(ImportErrors, AttributeOfWrongType) {
  auto model = make_model(13);
  add_input(model, "x", TensorProto::FLOAT, {1, 1, 4, 4});
  *model.mutable_graph()->add_initializer() = float_proto("w", {1, 1, 1, 1}, {1.0f}, true);
  set_floats(add_node(model, "Conv", {"x", "w"}, {"y"}, "conv_1"), "group", {1.0f});
  add_output(model, "y", TensorProto::FLOAT, {});
  auto graph = import_model(model);
  ASSERT_FALSE(graph.is_ok());
  EXPECT_EQ(graph.status().message(),
            "model.onnx: node 'conv_1' (Conv): attribute 'group' must be int, got floats");
}

// An initializer read by an Identity node, for the data-size errors below.
onnx::ModelProto model_with_initializer(const TensorProto& init) {
  auto model = make_model(13);
  *model.mutable_graph()->add_initializer() = init;
  add_node(model, "Identity", {init.name()}, {"y"});
  add_output(model, "y", TensorProto::FLOAT, {});
  return model;
}

TEST(ImportErrors, InitializerDataSizeMismatch) {
  auto typed =
      import_model(model_with_initializer(float_proto("w", {2, 3}, {1, 2, 3, 4, 5}, false)));
  EXPECT_ERROR(typed, StatusCode::kInvalidArgument, "initializer 'w': float_data holds 5 elements");
  EXPECT_NE(typed.status().message().find("needs 6"), std::string::npos)
      << typed.status().message();
  auto raw = import_model(model_with_initializer(float_proto("w", {2, 3}, {1, 2, 3, 4, 5}, true)));
  EXPECT_ERROR(raw, StatusCode::kInvalidArgument, "initializer 'w': raw_data holds 20 bytes");
  EXPECT_NE(raw.status().message().find("needs 24"), std::string::npos) << raw.status().message();
}

TEST(ImportErrors, InitializerNegativeOrHugeShape) {
  auto negative = import_model(model_with_initializer(float_proto("w", {2, -3}, {}, true)));
  EXPECT_ERROR(negative, StatusCode::kInvalidArgument, "initializer 'w' has a negative dimension");
  // 2^40 x 2^40 elements overflow int64 bytes; must fail before any allocation is attempted.
  auto huge = import_model(
      model_with_initializer(float_proto("w", {int64_t{1} << 40, int64_t{1} << 40}, {}, true)));
  EXPECT_ERROR(huge, StatusCode::kOutOfRange, "initializer 'w'");
  // Within int64 but over the per-tensor limit.
  std::string bytes;
  ASSERT_TRUE(model_with_initializer(float_proto("w", {8}, std::vector<float>(8, 1.0f), true))
                  .SerializeToString(&bytes));
  ImportOptions options;
  options.max_tensor_bytes = 16;
  auto limited = import_onnx_bytes(bytes.data(), bytes.size(), "model.onnx", "", options);
  EXPECT_ERROR(limited, StatusCode::kOutOfRange, "exceeds the limit of 16 bytes");
}

TEST(ImportErrors, InitializerOfUnsupportedTypeWhenUsed) {
  TensorProto bf16;
  bf16.set_name("w");
  bf16.set_data_type(TensorProto::BFLOAT16);
  bf16.add_dims(1);
  bf16.add_int32_data(0);
  auto used = import_model(model_with_initializer(bf16));
  EXPECT_ERROR(used, StatusCode::kUnsupported, "initializer 'w' has data type bfloat16");
  // The same initializer, unused, is simply dropped.
  auto model = make_model(13);
  *model.mutable_graph()->add_initializer() = bf16;
  add_input(model, "x", TensorProto::FLOAT, {1});
  add_node(model, "Identity", {"x"}, {"y"});
  add_output(model, "y", TensorProto::FLOAT, {1});
  EXPECT_TRUE(import_model(model).is_ok());
}

TEST(ImportErrors, UnsupportedConstantForms) {
  for (const char* attr_name : {"sparse_value", "value_string"}) {
    auto model = make_model(13);
    auto* node = add_node(model, "Constant", {}, {"c"}, "const");
    auto* attr = node->add_attribute();
    attr->set_name(attr_name);
    attr->set_type(std::string(attr_name) == "value_string" ? onnx::AttributeProto::STRING
                                                            : onnx::AttributeProto::SPARSE_TENSOR);
    add_node(model, "Identity", {"c"}, {"y"});
    add_output(model, "y", TensorProto::FLOAT, {});
    EXPECT_ERROR(import_model(model), StatusCode::kUnsupported,
                 std::string("node 'const' (Constant): Constant attribute '") + attr_name);
  }
}

}  // namespace
}  // namespace fovea::testing
