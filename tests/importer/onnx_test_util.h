// Builds small ONNX ModelProtos in C++ for importer tests, and a temporary folder to write them.
#pragma once

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/graph.h"
#include "engine/core/status.h"

namespace fovea::testing {

// A fresh folder under the system temp dir, removed (recursively) when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A model importing the default domain at `opset` with an empty graph.
onnx::ModelProto make_model(int64_t opset);

// Declares a tensor input/output; a dim of -1 is written as dim_param "N".
void add_input(onnx::ModelProto& model, const std::string& name, int32_t elem_type,
               const std::vector<int64_t>& dims);
void add_output(onnx::ModelProto& model, const std::string& name, int32_t elem_type,
                const std::vector<int64_t>& dims);
onnx::NodeProto* add_node(onnx::ModelProto& model, const std::string& op_type,
                          const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs, const std::string& name = "");

void set_int(onnx::NodeProto* node, const std::string& name, int64_t value);
void set_float(onnx::NodeProto* node, const std::string& name, float value);
void set_ints(onnx::NodeProto* node, const std::string& name, const std::vector<int64_t>& values);
void set_floats(onnx::NodeProto* node, const std::string& name, const std::vector<float>& values);
void set_string(onnx::NodeProto* node, const std::string& name, const std::string& value);

// A float32 TensorProto stored as raw_data (raw = true) or in float_data.
onnx::TensorProto float_proto(const std::string& name, const std::vector<int64_t>& dims,
                              const std::vector<float>& values, bool raw);

// Serializes `model` to `path` (fails the test on error).
void write_model(const onnx::ModelProto& model, const std::string& path);
// Writes raw bytes to `path`.
void write_bytes(const std::string& path, const std::string& bytes);

// Serializes and imports through import_onnx_bytes with source "model.onnx".
Result<Graph> import_model(const onnx::ModelProto& model, const std::string& base_dir = "");

// Success when `status` is an error of `code` whose message contains `fragment`.
::testing::AssertionResult is_error(const Status& status, StatusCode code,
                                    const std::string& fragment);

// Reads a constant's float values.
std::vector<float> float_values(const Tensor& tensor);
std::vector<int64_t> int64_values(const Tensor& tensor);

}  // namespace fovea::testing
