// Integer Add, Sub and Mul that wrap around on overflow (two's complement), as numpy and ONNX
// Runtime do. Signed overflow is undefined behaviour in C++, so these compute unsigned, where
// wrapping is defined, and convert back (modular since C++20). For int32 and int64.
#pragma once

#include <type_traits>

namespace fovea {

template <typename T>
T wrapping_add(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}

template <typename T>
T wrapping_sub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}

template <typename T>
T wrapping_mul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}

}  // namespace fovea
