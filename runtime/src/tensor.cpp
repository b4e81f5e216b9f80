// Public tensor types and error names.
#include "fovea/tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>

namespace fovea {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kOutOfRange: return "out of range";
    case ErrorCode::kIoError: return "I/O error";
    case ErrorCode::kInternal: return "internal error";
  }
  return "error";
}

const char* data_type_name(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32: return "float32";
    case DataType::kInt64: return "int64";
    case DataType::kInt32: return "int32";
    case DataType::kUInt8: return "uint8";
    case DataType::kInt8: return "int8";
    case DataType::kBool: return "bool";
    case DataType::kFloat16: return "float16";
    case DataType::kFloat64: return "float64";
  }
  return "unknown";
}

size_t data_type_size(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32:
    case DataType::kInt32: return 4;
    case DataType::kInt64:
    case DataType::kFloat64: return 8;
    case DataType::kFloat16: return 2;
    case DataType::kUInt8:
    case DataType::kInt8:
    case DataType::kBool: return 1;
  }
  return 0;
}

int64_t count_elements(const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      throw Error(ErrorCode::kInvalidArgument,
                  "shape " + shape_string(shape) + " has a free or negative dimension");
    }
    if (d != 0 && count > std::numeric_limits<int64_t>::max() / d) {
      throw Error(ErrorCode::kOutOfRange, "shape " + shape_string(shape) + " is too large");
    }
    count *= d;
  }
  return count;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ",";
    s += shape[i] < 0 ? std::string("N") : std::to_string(shape[i]);
  }
  return s + "]";
}

HostTensor::HostTensor(DataType dtype, std::vector<int64_t> shape, std::string name)
    : name_(std::move(name)), dtype_(dtype), shape_(std::move(shape)) {
  const size_t bytes = static_cast<size_t>(count_elements(shape_)) * data_type_size(dtype);
  constexpr size_t kAlignment = 64;
  const size_t rounded = (std::max<size_t>(bytes, 1) + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (p == nullptr) {
    throw Error(ErrorCode::kOutOfRange, "cannot allocate " + std::to_string(bytes) + " bytes");
  }
  std::memset(p, 0, rounded);
  owner_ = std::shared_ptr<void>(p, std::free);
  data_ = p;
}

HostTensor::HostTensor(DataType dtype, std::vector<int64_t> shape, std::shared_ptr<void> owner,
                       void* data, std::string name)
    : name_(std::move(name)),
      dtype_(dtype),
      shape_(std::move(shape)),
      owner_(std::move(owner)),
      data_(data) {}

void HostTensor::check_type(DataType wanted) const {
  if (wanted != dtype_) {
    throw Error(ErrorCode::kInvalidArgument, "tensor '" + name_ + "' holds " +
                                                 data_type_name(dtype_) + ", not " +
                                                 data_type_name(wanted));
  }
}

}  // namespace fovea
