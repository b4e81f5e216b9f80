// External tensor data: the happy path and every refusal (escape, absolute, missing, short).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "importers/onnx/onnx_importer.h"
#include "tests/importer/onnx_test_util.h"

namespace fovea::testing {
namespace {

using onnx::TensorProto;

const std::vector<float> kWeights = {1.0f, -2.0f, 3.5f, 4.0f, -5.25f, 6.0f};

// A model whose initializer "w" [2,3] lives in `location` at `offset` (length when >= 0).
onnx::ModelProto external_model(const std::string& location, int64_t offset, int64_t length) {
  auto model = make_model(13);
  TensorProto* w = model.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(TensorProto::FLOAT);
  w->add_dims(2);
  w->add_dims(3);
  w->set_data_location(TensorProto::EXTERNAL);
  auto add_entry = [w](const std::string& key, const std::string& value) {
    auto* entry = w->add_external_data();
    entry->set_key(key);
    entry->set_value(value);
  };
  add_entry("location", location);
  add_entry("offset", std::to_string(offset));
  if (length >= 0) add_entry("length", std::to_string(length));
  add_node(model, "Identity", {"w"}, {"y"});
  add_output(model, "y", TensorProto::FLOAT, {2, 3});
  return model;
}

// `pad` zero bytes, then the weights.
std::string weights_file_bytes(size_t pad) {
  std::string bytes(pad, '\0');
  bytes.append(reinterpret_cast<const char*>(kWeights.data()), kWeights.size() * sizeof(float));
  return bytes;
}

constexpr int64_t kWeightBytes = 6 * sizeof(float);

TEST(ExternalData, ReadsAtOffset) {
  TempDir dir;
  write_bytes(dir.file("weights.bin"), weights_file_bytes(8));
  write_model(external_model("weights.bin", 8, kWeightBytes), dir.file("model.onnx"));
  auto graph = import_onnx_file(dir.file("model.onnx"));
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  const Value& w = graph->value(graph->find_value("w"));
  EXPECT_EQ(w.shape, (Shape{2, 3}));
  EXPECT_EQ(float_values(w.constant), kWeights);
}

TEST(ExternalData, SubfolderAndImplicitLength) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("data"));
  write_bytes(dir.file("data/w.bin"), weights_file_bytes(4));
  write_model(external_model("data/w.bin", 4, -1), dir.file("model.onnx"));
  auto graph = import_onnx_file(dir.file("model.onnx"));
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  EXPECT_EQ(float_values(graph->value(graph->find_value("w")).constant), kWeights);
}

TEST(ExternalData, EscapingTheModelFolderIsRefused) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("model"));
  write_bytes(dir.file("outside.bin"), weights_file_bytes(0));  // exists, but outside
  const std::string model_path = dir.file("model/model.onnx");
  write_model(external_model("../outside.bin", 0, kWeightBytes), model_path);
  auto graph = import_onnx_file(model_path);
  ASSERT_FALSE(graph.is_ok());
  EXPECT_EQ(graph.status().message(),
            model_path +
                ": external data '../outside.bin' resolves outside the model's folder; "
                "refusing to read it");

  write_model(external_model(dir.file("outside.bin"), 0, kWeightBytes), model_path);
  EXPECT_TRUE(is_error(import_onnx_file(model_path).status(), StatusCode::kInvalidArgument,
                       "resolves outside the model's folder"));

  // A symlink inside the folder that points outside is resolved and refused too.
  std::filesystem::create_symlink(dir.file("outside.bin"), dir.file("model/link.bin"));
  write_model(external_model("link.bin", 0, kWeightBytes), model_path);
  EXPECT_TRUE(is_error(import_onnx_file(model_path).status(), StatusCode::kInvalidArgument,
                       "external data 'link.bin' resolves outside"));
}

TEST(ExternalData, MissingFile) {
  TempDir dir;
  write_model(external_model("absent.bin", 0, kWeightBytes), dir.file("model.onnx"));
  EXPECT_TRUE(is_error(import_onnx_file(dir.file("model.onnx")).status(), StatusCode::kNotFound,
                       "external data 'absent.bin' for initializer 'w' not found"));
}

TEST(ExternalData, FileShorterThanOffsetPlusLength) {
  TempDir dir;
  write_bytes(dir.file("weights.bin"), weights_file_bytes(0).substr(0, 20));
  write_model(external_model("weights.bin", 0, kWeightBytes), dir.file("model.onnx"));
  EXPECT_TRUE(is_error(import_onnx_file(dir.file("model.onnx")).status(),
                       StatusCode::kInvalidArgument, "too short"));
  // A length disagreeing with the shape is caught before reading.
  write_bytes(dir.file("weights.bin"), weights_file_bytes(0));
  write_model(external_model("weights.bin", 0, 12), dir.file("model.onnx"));
  EXPECT_TRUE(is_error(import_onnx_file(dir.file("model.onnx")).status(),
                       StatusCode::kInvalidArgument,
                       "holds 12 bytes, the tensor's shape needs 24"));
}

TEST(ExternalData, BytesWithoutBaseDirAreRefused) {
  auto graph = import_model(external_model("weights.bin", 0, kWeightBytes), "");
  EXPECT_TRUE(is_error(graph.status(), StatusCode::kInvalidArgument,
                       "model.onnx: external data 'weights.bin' cannot be read"));
}

TEST(ExternalData, BytesWithBaseDir) {
  TempDir dir;
  write_bytes(dir.file("weights.bin"), weights_file_bytes(0));
  auto graph = import_model(external_model("weights.bin", 0, kWeightBytes), dir.path());
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  EXPECT_EQ(float_values(graph->value(graph->find_value("w")).constant), kWeights);
}

}  // namespace
}  // namespace fovea::testing
