#include "engine/core/tensor.h"

#include <cstdlib>
#include <cstring>

#include "engine/core/host_memory.h"

namespace fovea {

Result<Tensor> Tensor::allocate(DType dtype, Shape shape) {
  const auto count = ::fovea::element_count(shape);
  if (!count) {
    return Status(StatusCode::kOutOfRange,
                  "cannot allocate a tensor of shape " + shape_to_string(shape));
  }
  const size_t elem = dtype_size(dtype);
  if (elem == 0) {
    return unsupported(std::string("cannot allocate a tensor of type ") + dtype_name(dtype));
  }
  if (*count > static_cast<int64_t>(SIZE_MAX / elem / 2)) {
    return Status(StatusCode::kOutOfRange, "tensor of shape " + shape_to_string(shape) +
                                               " is too large to allocate");
  }
  Tensor t;
  t.buffer_ = allocate_host(static_cast<size_t>(*count) * elem);
  if (!t.buffer_) {
    return Status(StatusCode::kOutOfRange,
                  "out of memory allocating " + std::to_string(*count * elem) + " bytes");
  }
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.element_count_ = *count;
  t.data_ = t.buffer_.get();
  return t;
}

Tensor::Tensor(DType dtype, Shape shape) {
  auto result = allocate(dtype, std::move(shape));
  if (!result.is_ok()) std::abort();  // callers promised a valid shape
  *this = std::move(result).value();
}

Tensor Tensor::wrap(DType dtype, Shape shape, void* data, MemoryKind memory) {
  Tensor t;
  t.dtype_ = dtype;
  t.element_count_ = ::fovea::element_count(shape).value_or(0);
  t.shape_ = std::move(shape);
  t.memory_ = memory;
  t.data_ = data;
  return t;
}

Tensor Tensor::adopt(DType dtype, Shape shape, std::shared_ptr<void> buffer, MemoryKind memory) {
  Tensor t = wrap(dtype, std::move(shape), buffer.get(), memory);
  t.buffer_ = std::move(buffer);
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  Tensor t = *this;
  t.element_count_ = ::fovea::element_count(shape).value_or(0);
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (byte_size() > 0) std::memcpy(t.data_, data_, byte_size());
  return t;
}

int64_t Tensor::int_at(int64_t i) const {
  switch (dtype_) {
    case DType::kInt64: return data<int64_t>()[i];
    case DType::kInt32: return data<int32_t>()[i];
    default: return static_cast<int64_t>(as_double(i));
  }
}

double Tensor::as_double(int64_t i) const {
  switch (dtype_) {
    case DType::kFloat32: return data<float>()[i];
    case DType::kFloat64: return data<double>()[i];
    case DType::kInt64: return static_cast<double>(data<int64_t>()[i]);
    case DType::kInt32: return data<int32_t>()[i];
    case DType::kBool: return data<bool>()[i] ? 1.0 : 0.0;
    case DType::kUInt8: return data<uint8_t>()[i];
    case DType::kInt8: return data<int8_t>()[i];
    default: return 0.0;
  }
}

std::string describe(const Tensor& tensor) {
  return std::string(dtype_name(tensor.dtype())) + shape_to_string(tensor.shape());
}

}  // namespace fovea
