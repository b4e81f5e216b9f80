#include "tests/importer/onnx_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "importers/onnx/onnx_importer.h"

namespace fovea::testing {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  const auto base = std::filesystem::temp_directory_path();
  path_ =
      (base / ("fovea_importer_" + std::to_string(::getpid()) + "_" + std::to_string(counter++)))
          .string();
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

onnx::ModelProto make_model(int64_t opset) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("fovea-test");
  auto* op = model.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  model.mutable_graph()->set_name("test");
  return model;
}

namespace {

void fill_value_info(onnx::ValueInfoProto* info, const std::string& name, int32_t elem_type,
                     const std::vector<int64_t>& dims) {
  info->set_name(name);
  auto* tensor_type = info->mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(elem_type);
  auto* shape = tensor_type->mutable_shape();
  for (int64_t d : dims) {
    auto* dim = shape->add_dim();
    if (d < 0) {
      dim->set_dim_param("N");
    } else {
      dim->set_dim_value(d);
    }
  }
}

onnx::AttributeProto* add_attr(onnx::NodeProto* node, const std::string& name,
                               onnx::AttributeProto::AttributeType type) {
  auto* attr = node->add_attribute();
  attr->set_name(name);
  attr->set_type(type);
  return attr;
}

}  // namespace

void add_input(onnx::ModelProto& model, const std::string& name, int32_t elem_type,
               const std::vector<int64_t>& dims) {
  fill_value_info(model.mutable_graph()->add_input(), name, elem_type, dims);
}

void add_output(onnx::ModelProto& model, const std::string& name, int32_t elem_type,
                const std::vector<int64_t>& dims) {
  fill_value_info(model.mutable_graph()->add_output(), name, elem_type, dims);
}

onnx::NodeProto* add_node(onnx::ModelProto& model, const std::string& op_type,
                          const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs, const std::string& name) {
  auto* node = model.mutable_graph()->add_node();
  node->set_op_type(op_type);
  if (!name.empty()) node->set_name(name);
  for (const auto& in : inputs) node->add_input(in);
  for (const auto& out : outputs) node->add_output(out);
  return node;
}

void set_int(onnx::NodeProto* node, const std::string& name, int64_t value) {
  add_attr(node, name, onnx::AttributeProto::INT)->set_i(value);
}
void set_float(onnx::NodeProto* node, const std::string& name, float value) {
  add_attr(node, name, onnx::AttributeProto::FLOAT)->set_f(value);
}
void set_ints(onnx::NodeProto* node, const std::string& name, const std::vector<int64_t>& values) {
  auto* attr = add_attr(node, name, onnx::AttributeProto::INTS);
  for (int64_t v : values) attr->add_ints(v);
}
void set_floats(onnx::NodeProto* node, const std::string& name, const std::vector<float>& values) {
  auto* attr = add_attr(node, name, onnx::AttributeProto::FLOATS);
  for (float v : values) attr->add_floats(v);
}
void set_string(onnx::NodeProto* node, const std::string& name, const std::string& value) {
  add_attr(node, name, onnx::AttributeProto::STRING)->set_s(value);
}

onnx::TensorProto float_proto(const std::string& name, const std::vector<int64_t>& dims,
                              const std::vector<float>& values, bool raw) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) proto.add_dims(d);
  if (raw) {
    proto.set_raw_data(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  } else {
    for (float v : values) proto.add_float_data(v);
  }
  return proto;
}

void write_model(const onnx::ModelProto& model, const std::string& path) {
  std::string bytes;
  ASSERT_TRUE(model.SerializeToString(&bytes));
  write_bytes(path, bytes);
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

Result<Graph> import_model(const onnx::ModelProto& model, const std::string& base_dir) {
  std::string bytes;
  if (!model.SerializeToString(&bytes)) return internal_error("serialization failed");
  return import_onnx_bytes(bytes.data(), bytes.size(), "model.onnx", base_dir);
}

::testing::AssertionResult is_error(const Status& status, StatusCode code,
                                    const std::string& fragment) {
  if (status.is_ok()) {
    return ::testing::AssertionFailure()
           << "succeeded; expected an error containing '" << fragment << "'";
  }
  if (status.code() != code) {
    return ::testing::AssertionFailure()
           << "code " << status_code_name(status.code()) << " instead of " << status_code_name(code)
           << ": " << status.message();
  }
  if (status.message().find(fragment) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "message '" << status.message() << "' lacks '" << fragment << "'";
  }
  return ::testing::AssertionSuccess();
}

std::vector<float> float_values(const Tensor& tensor) {
  if (tensor.dtype() != DType::kFloat32) return {};
  const float* p = tensor.data<float>();
  return std::vector<float>(p, p + tensor.element_count());
}

std::vector<int64_t> int64_values(const Tensor& tensor) {
  if (tensor.dtype() != DType::kInt64) return {};
  const int64_t* p = tensor.data<int64_t>();
  return std::vector<int64_t>(p, p + tensor.element_count());
}

}  // namespace fovea::testing
