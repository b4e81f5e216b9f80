// Tensors at the public surface: metadata (TensorInfo), non-owning views over the caller's
// memory (TensorView, used for inputs so nothing is copied) and owning tensors (HostTensor, used
// for outputs; copies share the buffer).
//
// Shapes are row-major (C order) dimension lists. In TensorInfo a dimension of -1 is free (the
// batch dimension of most image models): any size is accepted there at run time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fovea/error.h"

namespace fovea {

enum class DataType { kFloat32, kInt64, kInt32, kUInt8, kInt8, kBool, kFloat16, kFloat64 };

// "float32", "int64", ... (ONNX's lower-case names).
FOVEA_API const char* data_type_name(DataType dtype);
// Bytes per element.
FOVEA_API size_t data_type_size(DataType dtype);

template <typename T>
constexpr DataType data_type_of();
template <>
constexpr DataType data_type_of<float>() {
  return DataType::kFloat32;
}
template <>
constexpr DataType data_type_of<int64_t>() {
  return DataType::kInt64;
}
template <>
constexpr DataType data_type_of<int32_t>() {
  return DataType::kInt32;
}
template <>
constexpr DataType data_type_of<uint8_t>() {
  return DataType::kUInt8;
}
template <>
constexpr DataType data_type_of<int8_t>() {
  return DataType::kInt8;
}
template <>
constexpr DataType data_type_of<bool>() {
  return DataType::kBool;
}
template <>
constexpr DataType data_type_of<double>() {
  return DataType::kFloat64;
}

// Product of the dimensions (1 for a scalar); throws Error for a negative dimension or
// overflow.
FOVEA_API int64_t count_elements(const std::vector<int64_t>& shape);
// "[1,3,224,224]"; a free dimension prints as "N".
FOVEA_API std::string shape_string(const std::vector<int64_t>& shape);

// A model input or output as the model declares it.
struct TensorInfo {
  std::string name;
  DataType dtype = DataType::kFloat32;
  std::vector<int64_t> shape;  // -1: free (e.g. the batch dimension)
};

// A read-only view of the caller's memory: the caller keeps it alive and unchanged for the
// duration of the call it is passed to. Fovea never writes through it.
class TensorView {
 public:
  TensorView() = default;
  TensorView(DataType dtype, std::vector<int64_t> shape, const void* data)
      : dtype_(dtype), shape_(std::move(shape)), data_(data) {}
  template <typename T>
  TensorView(const T* data, std::vector<int64_t> shape)
      : TensorView(data_type_of<T>(), std::move(shape), data) {}

  DataType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  const void* data() const { return data_; }
  int64_t element_count() const { return count_elements(shape_); }
  size_t byte_size() const { return static_cast<size_t>(element_count()) * data_type_size(dtype_); }

 private:
  DataType dtype_ = DataType::kFloat32;
  std::vector<int64_t> shape_;
  const void* data_ = nullptr;
};

// An owning tensor in host memory (64-byte aligned). (Named HostTensor because the engine
// inside the library already has a fovea::Tensor.) Copies are cheap and share the buffer; outputs
// of a run are fresh buffers that later runs never overwrite.
class FOVEA_API HostTensor {
 public:
  HostTensor() = default;
  // Allocates a zero-filled tensor.
  HostTensor(DataType dtype, std::vector<int64_t> shape, std::string name = {});
  // Adopts a buffer someone else allocated (kept alive by `owner`).
  HostTensor(DataType dtype, std::vector<int64_t> shape, std::shared_ptr<void> owner, void* data,
             std::string name = {});

  const std::string& name() const { return name_; }
  DataType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t element_count() const { return count_elements(shape_); }
  size_t byte_size() const { return static_cast<size_t>(element_count()) * data_type_size(dtype_); }
  bool empty() const { return data_ == nullptr; }

  const void* raw_data() const { return data_; }
  void* raw_data() { return data_; }
  // Typed access; throws Error when T does not match dtype().
  template <typename T>
  std::span<const T> values() const {
    check_type(data_type_of<T>());
    return {static_cast<const T*>(data_), static_cast<size_t>(element_count())};
  }
  template <typename T>
  std::span<T> values() {
    check_type(data_type_of<T>());
    return {static_cast<T*>(data_), static_cast<size_t>(element_count())};
  }
  // A view of this tensor's memory (valid while this tensor or a copy lives).
  TensorView view() const { return TensorView(dtype_, shape_, data_); }

 private:
  void check_type(DataType wanted) const;

  std::string name_;
  DataType dtype_ = DataType::kFloat32;
  std::vector<int64_t> shape_;
  std::shared_ptr<void> owner_;
  void* data_ = nullptr;
};

}  // namespace fovea
