// Tensor: a dtype, a static shape and a reference-counted buffer.
// Copies share the buffer (cheap, like a shared_ptr); clone() copies the data.
// A tensor either owns its memory (64-byte aligned, zero-filled) or views memory owned
// elsewhere (wrap()); the viewer must not outlive the owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/core/dtype.h"
#include "engine/core/shape.h"
#include "engine/core/status.h"

namespace fovea {

// Where a tensor's bytes live. Host memory is directly addressable; device memory belongs to a
// backend (see engine/backends/backend.h) and is only touched through that backend.
enum class MemoryKind : uint8_t { kHost, kDevice };

class Tensor {
 public:
  Tensor() = default;

  // Allocates zero-filled host memory. Fails for dynamic or overflowing shapes.
  static Result<Tensor> allocate(DType dtype, Shape shape);
  // Like allocate() but for callers that have already validated the shape (aborts on failure).
  Tensor(DType dtype, Shape shape);
  // A non-owning view of `data`; the caller keeps the memory alive.
  static Tensor wrap(DType dtype, Shape shape, void* data, MemoryKind memory = MemoryKind::kHost);
  // Takes shared ownership of a buffer allocated by someone else (e.g. a device allocator).
  static Tensor adopt(DType dtype, Shape shape, std::shared_ptr<void> buffer, MemoryKind memory);

  // True for a default-constructed tensor (no dtype, no data).
  bool empty() const { return dtype_ == DType::kUndefined; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t dim(int64_t i) const { return shape_[static_cast<size_t>(i)]; }
  int64_t element_count() const { return element_count_; }
  size_t byte_size() const { return static_cast<size_t>(element_count_) * dtype_size(dtype_); }
  MemoryKind memory() const { return memory_; }

  void* raw_data() { return data_; }
  const void* raw_data() const { return data_; }
  template <typename T>
  T* data() {
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data() const {
    return static_cast<const T*>(data_);
  }

  // Same buffer, different shape with the same element count.
  Tensor reshaped(Shape shape) const;
  // A deep copy in freshly allocated host memory.
  Tensor clone() const;

  // Reads element i of an integer tensor (int64/int32) as int64; for attribute-like inputs.
  int64_t int_at(int64_t i) const;
  // Reads element i of a numeric tensor as double.
  double as_double(int64_t i) const;

 private:
  DType dtype_ = DType::kUndefined;
  Shape shape_;
  int64_t element_count_ = 0;
  MemoryKind memory_ = MemoryKind::kHost;
  std::shared_ptr<void> buffer_;  // null for views
  void* data_ = nullptr;
};

// A short human-readable description: "float32[1,3,224,224]".
std::string describe(const Tensor& tensor);

}  // namespace fovea
