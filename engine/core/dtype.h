// Element types the engine knows. Compute is float32; int64 carries shapes and indices;
// bool appears as Dropout's mask. Other types are recognised so errors can name them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fovea {

enum class DType : uint8_t {
  kUndefined,
  kFloat32,
  kInt64,
  kInt32,
  kBool,
  kUInt8,
  kInt8,
  kFloat16,
  kFloat64,
  kOther,  // a type the engine cannot hold (strings, complex, ...)
};

// Bytes per element; 0 for kUndefined and kOther.
size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);

template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() { return DType::kFloat32; }
template <>
constexpr DType dtype_of<int64_t>() { return DType::kInt64; }
template <>
constexpr DType dtype_of<int32_t>() { return DType::kInt32; }
template <>
constexpr DType dtype_of<bool>() { return DType::kBool; }
template <>
constexpr DType dtype_of<uint8_t>() { return DType::kUInt8; }
template <>
constexpr DType dtype_of<int8_t>() { return DType::kInt8; }
template <>
constexpr DType dtype_of<double>() { return DType::kFloat64; }

}  // namespace fovea
