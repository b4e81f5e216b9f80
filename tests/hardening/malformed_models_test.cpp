// The malformed-model corpus not already in tests/importer (truncated, random, empty, missing
// graph, undefined value, cycle, attribute type, data size, external data and unsupported
// op/domain/opset live there): each case is built here and must fail with its exact error.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "importers/onnx/onnx_importer.h"
#include "tests/importer/onnx_test_util.h"

namespace fovea::testing {
namespace {

using onnx::TensorProto;

// An int64 initializer (Reshape shapes, Expand shapes).
TensorProto int64_proto(const std::string& name, const std::vector<int64_t>& values) {
  TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(TensorProto::INT64);
  proto.add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) proto.add_int64_data(v);
  return proto;
}

std::string message_of(const Result<Graph>& graph) {
  return graph.is_ok() ? "(imported)" : graph.status().message();
}

TEST(MalformedModels, DuplicateOutputNamesInOneNode) {
  auto model = make_model(13);
  add_input(model, "x", TensorProto::FLOAT, {2, 4});
  add_node(model, "Dropout", {"x"}, {"out", "out"}, "dropout");  // output and mask, one name
  add_output(model, "out", TensorProto::FLOAT, {2, 4});
  auto graph = import_model(model);
  EXPECT_EQ(graph.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(message_of(graph),
            "model.onnx: value 'out' is produced by both node 'dropout' and node 'dropout'");
}

TEST(MalformedModels, NegativeInputDimension) {
  auto model = make_model(13);
  add_input(model, "x", TensorProto::FLOAT, {1, 3});
  // add_input writes -1 as a dim_param; a stored negative dim_value is malformed.
  model.mutable_graph()
      ->mutable_input(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(1)
      ->set_dim_value(-3);
  add_node(model, "Identity", {"x"}, {"y"}, "id");
  add_output(model, "y", TensorProto::FLOAT, {});
  auto graph = import_model(model);
  EXPECT_EQ(graph.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(message_of(graph), "model.onnx: 'x' has a negative dimension (-3)");
}

TEST(MalformedModels, ZeroSizedInitializerIsAnEmptyTensor) {
  // Zero is a legal dimension: the tensor exists and holds nothing.
  auto model = make_model(13);
  *model.mutable_graph()->add_initializer() = float_proto("w", {0, 3}, {}, true);
  add_node(model, "Identity", {"w"}, {"y"});
  add_output(model, "y", TensorProto::FLOAT, {});
  auto graph = import_model(model);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  EXPECT_EQ(graph->value(graph->find_value("w")).shape, (Shape{0, 3}));
}

TEST(MalformedModels, ConstantOfShapeWithOverflowingShape) {
  // 2^32 · 2^32 elements overflow int64: refused while inferring shapes, before any allocation.
  auto model = make_model(13);
  *model.mutable_graph()->add_initializer() =
      int64_proto("shape", {int64_t{1} << 32, int64_t{1} << 32});
  add_node(model, "ConstantOfShape", {"shape"}, {"y"}, "fill");
  add_output(model, "y", TensorProto::FLOAT, {});
  auto graph = import_model(model);
  EXPECT_EQ(graph.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(message_of(graph),
            "model.onnx: node 'fill' (ConstantOfShape): output shape [4294967296,4294967296] has "
            "more elements than int64 can count");
}

TEST(MalformedModels, ReshapeWithTwoInferredDimensions) {
  auto model = make_model(13);
  add_input(model, "x", TensorProto::FLOAT, {2, 3, 4});
  *model.mutable_graph()->add_initializer() = int64_proto("shape", {-1, -1});
  add_node(model, "Reshape", {"x", "shape"}, {"y"}, "reshape");
  add_output(model, "y", TensorProto::FLOAT, {});
  auto graph = import_model(model);
  EXPECT_EQ(graph.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(message_of(graph),
            "model.onnx: node 'reshape' (Reshape): shape [-1,-1] has more than one -1");
}

TEST(MalformedModels, ConvWeightsDisagreeWithInputChannels) {
  auto model = make_model(13);
  add_input(model, "x", TensorProto::FLOAT, {1, 3, 8, 8});
  *model.mutable_graph()->add_initializer() =
      float_proto("w", {4, 2, 3, 3}, std::vector<float>(72, 0.5f), true);
  add_node(model, "Conv", {"x", "w"}, {"y"}, "conv");
  add_output(model, "y", TensorProto::FLOAT, {});
  auto graph = import_model(model);
  EXPECT_EQ(graph.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(message_of(graph),
            "model.onnx: node 'conv' (Conv): weight shape [4,2,3,3] does not match input "
            "channels 3");
}

// A sparse file of `size` bytes: nothing is written, so the test stays fast.
void make_sparse_file(const std::string& path, off_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, size), 0);
  ::close(fd);
}

TEST(MalformedModels, ModelOver2GiBIsRefusedBeforeReading) {
  TempDir dir;
  const std::string path = dir.file("huge.onnx");
  make_sparse_file(path, (off_t{2} << 30) + 1);
  auto graph = import_onnx_file(path);
  EXPECT_EQ(graph.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(message_of(graph),
            path + ": the file is 2147483649 bytes, over the limit of 2147483648 bytes");
  // Raising the limit does not make protobuf able to parse it: still refused, with the reason.
  ImportOptions options;
  options.max_model_bytes = int64_t{8} << 30;
  auto raised = import_onnx_file(path, options);
  EXPECT_EQ(raised.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(message_of(raised), path + ": protobuf cannot parse models over 2 GiB");
}

}  // namespace
}  // namespace fovea::testing
