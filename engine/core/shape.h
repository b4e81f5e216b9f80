// Shapes are plain dimension vectors. A dimension of kDynamicDim is not known until run time
// (the free batch dimension, or a size that depends on a run-time value).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fovea {

using Shape = std::vector<int64_t>;
inline constexpr int64_t kDynamicDim = -1;

// True when every dimension is known (>= 0).
bool is_static(const Shape& shape);

// Product of the dimensions; nullopt when a dimension is dynamic or negative, or the product
// overflows int64 (a malicious model must not wrap around into a small allocation).
std::optional<int64_t> element_count(const Shape& shape);

// "[1,3,224,224]", dynamic dims printed as "N" for the first and "?" elsewhere.
std::string shape_to_string(const Shape& shape);

// Row-major strides in elements.
std::vector<int64_t> row_major_strides(const Shape& shape);

// Normalises a possibly negative axis against rank; nullopt when out of [-rank, rank).
std::optional<int64_t> normalize_axis(int64_t axis, int64_t rank);

// Numpy-style broadcast of two shapes; nullopt when incompatible. Dynamic dims broadcast to
// dynamic unless the other side is a known dim > 1.
std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b);

}  // namespace fovea
