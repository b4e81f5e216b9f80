// Serialized TensorProto files (the ONNX test-data convention: input_0.pb, output_0.pb).
#pragma once

#include <string>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace fovea {

// Reads a serialized TensorProto; errors name the file. Supports the dtypes Fovea holds
// (float32, int64, int32, bool, uint8, int8, float64); others are kUnsupported.
Result<Tensor> read_tensor_file(const std::string& path);

// Reads a TensorProto from bytes (`source` names it in messages).
Result<Tensor> parse_tensor_bytes(const void* data, size_t size, const std::string& source);

// Writes `tensor` as a serialized TensorProto named `name` with write_file_atomic
// (engine/core/atomic_file.h). Refuses to replace an existing file unless `overwrite`.
Status write_tensor_file(const Tensor& tensor, const std::string& name, const std::string& path,
                         bool overwrite);

}  // namespace fovea
