#include "runtime/src/engine_bridge.h"

#include <memory>

namespace fovea::api {

DType to_engine(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32: return DType::kFloat32;
    case DataType::kInt64: return DType::kInt64;
    case DataType::kInt32: return DType::kInt32;
    case DataType::kUInt8: return DType::kUInt8;
    case DataType::kInt8: return DType::kInt8;
    case DataType::kBool: return DType::kBool;
    case DataType::kFloat16: return DType::kFloat16;
    case DataType::kFloat64: return DType::kFloat64;
  }
  return DType::kUndefined;
}

DataType from_engine(DType dtype, const std::string& what) {
  switch (dtype) {
    case DType::kFloat32: return DataType::kFloat32;
    case DType::kInt64: return DataType::kInt64;
    case DType::kInt32: return DataType::kInt32;
    case DType::kUInt8: return DataType::kUInt8;
    case DType::kInt8: return DataType::kInt8;
    case DType::kBool: return DataType::kBool;
    case DType::kFloat16: return DataType::kFloat16;
    case DType::kFloat64: return DataType::kFloat64;
    default: break;
  }
  throw Error(ErrorCode::kUnsupported,
              what + ": element type " + dtype_name(dtype) + " is not supported by the API");
}

void throw_status(const Status& status) {
  ErrorCode code = ErrorCode::kInternal;
  switch (status.code()) {
    case StatusCode::kInvalidArgument: code = ErrorCode::kInvalidArgument; break;
    case StatusCode::kUnsupported: code = ErrorCode::kUnsupported; break;
    case StatusCode::kNotFound: code = ErrorCode::kNotFound; break;
    case StatusCode::kOutOfRange: code = ErrorCode::kOutOfRange; break;
    case StatusCode::kIoError: code = ErrorCode::kIoError; break;
    case StatusCode::kOk:
    case StatusCode::kInternal: code = ErrorCode::kInternal; break;
  }
  throw Error(code, status.message());
}

Tensor wrap_view(const TensorView& view, const std::string& name) {
  if (view.data() == nullptr && view.element_count() > 0) {
    throw Error(ErrorCode::kInvalidArgument, "input '" + name + "': null data pointer");
  }
  return Tensor::wrap(to_engine(view.dtype()), view.shape(), const_cast<void*>(view.data()));
}

HostTensor to_host_tensor(const Tensor& tensor, const std::string& name) {
  auto holder = std::make_shared<Tensor>(tensor);  // keeps the engine's buffer alive
  void* data = holder->raw_data();
  return HostTensor(from_engine(tensor.dtype(), "output '" + name + "'"), tensor.shape(),
                    std::shared_ptr<void>(holder, data), data, name);
}

}  // namespace fovea::api
