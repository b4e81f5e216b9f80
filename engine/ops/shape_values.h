// Helpers shared by the tensor-manipulation ops: dtype checks for ops that copy bytes, and
// reading small integer inputs (shapes, axes, pads, indices) that may or may not be known before
// run time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/ops/op_schema.h"

namespace fovea {

// Ops that only move elements handle every dtype the engine can hold.
inline Status require_holdable_dtype(const InferContext& ctx, DType dtype) {
  if (dtype_size(dtype) == 0) {
    return ctx.unsupported_error(std::string("dtype ") + dtype_name(dtype) + " is not supported");
  }
  return Status::ok();
}

inline bool is_index_dtype(DType dtype) { return dtype == DType::kInt64 || dtype == DType::kInt32; }

// The elements of an integer tensor as int64.
inline std::vector<int64_t> int_values(const Tensor& t) {
  std::vector<int64_t> values(static_cast<size_t>(t.element_count()));
  for (int64_t i = 0; i < t.element_count(); ++i) values[static_cast<size_t>(i)] = t.int_at(i);
  return values;
}

// Input i's integer values when known before run time; nullopt otherwise.
inline std::optional<std::vector<int64_t>> known_ints(const InferContext& ctx, size_t i) {
  if (!ctx.has_input(i) || ctx.inputs[i].value == nullptr) return std::nullopt;
  return int_values(*ctx.inputs[i].value);
}

// Length of a 1-D input whose values are unknown, when its shape tells (else nullopt).
inline std::optional<int64_t> known_length(const InferContext& ctx, size_t i) {
  const ValueInfo& info = ctx.inputs[i];
  if (!info.rank_known) return std::nullopt;
  if (info.shape.empty()) return 1;
  if (info.shape.size() != 1 || info.shape[0] < 0) return std::nullopt;
  return info.shape[0];
}

// Sets output i to `dtype` with unknown rank.
inline void set_output_unknown_rank(InferContext& ctx, size_t i, DType dtype) {
  ctx.set_output(i, dtype, {});
  ctx.outputs[i].rank_known = false;
}

// Product of dims [begin, end), kDynamicDim when one of them is dynamic.
inline int64_t dims_product(const Shape& shape, size_t begin, size_t end) {
  int64_t product = 1;
  for (size_t d = begin; d < end; ++d) {
    if (shape[d] < 0) return kDynamicDim;
    product *= shape[d];
  }
  return product;
}

}  // namespace fovea
