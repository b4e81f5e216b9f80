#include "engine/core/shape.h"

#include <limits>

namespace fovea {

bool is_static(const Shape& shape) {
  for (int64_t d : shape) {
    if (d < 0) return false;
  }
  return true;
}

std::optional<int64_t> element_count(const Shape& shape) {
  // The non-zero dims must multiply within int64 even when another dim is zero: strides of an
  // empty tensor are still computed (row_major_strides), and [0, 2^62, 8] would overflow them.
  int64_t nonzero = 1;
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0) return std::nullopt;
    if (d == 0) {
      empty = true;
      continue;
    }
    if (nonzero > std::numeric_limits<int64_t>::max() / d) return std::nullopt;
    nonzero *= d;
  }
  return empty ? 0 : nonzero;
}

std::string shape_to_string(const Shape& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ",";
    if (shape[i] < 0) {
      out += (i == 0) ? "N" : "?";
    } else {
      out += std::to_string(shape[i]);
    }
  }
  return out + "]";
}

std::vector<int64_t> row_major_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i) {
    strides[i] = strides[i + 1] * shape[i + 1];
  }
  return strides;
}

std::optional<int64_t> normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else if (db == 1) {
      out[i] = da;
    } else if (da < 0) {
      out[i] = db;  // the dynamic side must equal db at run time
    } else if (db < 0) {
      out[i] = da;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace fovea
