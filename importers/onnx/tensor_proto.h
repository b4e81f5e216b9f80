// TensorProto <-> Tensor: the one conversion shared by initializers, Constant nodes, tensor
// attributes, tensor files (tensor_file.h) and the fine-tuning exporter.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>

#include "engine/core/dtype.h"
#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace fovea {

// Where a TensorProto comes from, for messages and for resolving external data.
struct TensorSource {
  std::string source;    // the model or tensor file ("model.onnx"), prefixed to every message
  std::string base_dir;  // external data is resolved here; empty: external data is refused
  int64_t max_tensor_bytes = int64_t{4} << 30;
};

// Maps an ONNX TensorProto::DataType value to the engine's dtype (kOther when Fovea cannot
// hold it: strings, complex, bfloat16, float8, int4, ...).
DType dtype_from_onnx(int32_t onnx_type);
// The ONNX data type for an engine dtype; UNDEFINED for kUndefined and kOther.
int32_t dtype_to_onnx(DType dtype);
// "bfloat16", "string", ...: the ONNX name of a data type, for messages.
std::string onnx_type_name(int32_t onnx_type);

// Converts `proto` to an owned host tensor. `what` names it in messages ("initializer 'w'").
// Validates dims (no negatives, no overflow, within max_tensor_bytes) before allocating and
// checks that the stored data matches the shape.
Result<Tensor> tensor_from_proto(const onnx::TensorProto& proto, const std::string& what,
                                 const TensorSource& from);

// Same, but a tensor stored as raw_data takes over the proto's buffer instead of copying it
// (proto's raw_data is left empty): a model's weights are then never held twice while importing.
Result<Tensor> take_tensor_from_proto(onnx::TensorProto& proto, const std::string& what,
                                      const TensorSource& from);

// Fills `proto` with `tensor` (dims, data type, little-endian raw_data) named `name`.
Status tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto);

}  // namespace fovea
