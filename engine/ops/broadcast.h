// Numpy broadcasting for the ops: shape inference over several inputs, and a walker that gives,
// for each output element in row-major order, the matching element offset in every input.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/core/shape.h"
#include "engine/ops/op_schema.h"

namespace fovea {

// Broadcasts every present input's shape into ctx's output 0 with `dtype`. An input of unknown
// rank makes the output's rank unknown; incompatible shapes are an error.
inline Status infer_broadcast_output(InferContext& ctx, DType dtype) {
  Shape out;
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    if (!ctx.has_input(i)) continue;
    if (!ctx.inputs[i].rank_known) {
      ctx.set_output(0, dtype, {});
      ctx.outputs[0].rank_known = false;
      return Status::ok();
    }
    const auto merged = broadcast_shapes(out, ctx.inputs[i].shape);
    if (!merged) {
      return ctx.error("shapes " + shape_to_string(out) + " and " +
                       shape_to_string(ctx.inputs[i].shape) + " do not broadcast");
    }
    out = *merged;
  }
  ctx.set_output(0, dtype, std::move(out));
  return Status::ok();
}

// Walks the output's elements in row-major order; offset(k) is the element of input k that
// broadcasts onto the current output element.
class BroadcastWalker {
 public:
  BroadcastWalker(const Shape& output, const std::vector<Shape>& inputs)
      : dims_(output), index_(output.size(), 0), offsets_(inputs.size(), 0) {
    for (const Shape& input : inputs) {
      // Input dims align with the output's trailing dims; a dim of 1 (or a missing leading
      // dim) repeats the same element, so its stride is 0.
      std::vector<int64_t> strides(output.size(), 0);
      const std::vector<int64_t> own = row_major_strides(input);
      const size_t lead = output.size() - input.size();
      for (size_t d = 0; d < input.size(); ++d) strides[lead + d] = input[d] == 1 ? 0 : own[d];
      strides_.push_back(std::move(strides));
    }
  }

  int64_t offset(size_t input) const { return offsets_[input]; }

  // Moves to the next output element (an odometer over the output's index).
  void next() {
    for (size_t d = dims_.size(); d-- > 0;) {
      ++index_[d];
      for (size_t k = 0; k < offsets_.size(); ++k) offsets_[k] += strides_[k][d];
      if (index_[d] < dims_[d]) return;
      for (size_t k = 0; k < offsets_.size(); ++k) offsets_[k] -= strides_[k][d] * dims_[d];
      index_[d] = 0;
    }
  }

 private:
  Shape dims_;
  std::vector<int64_t> index_;
  std::vector<int64_t> offsets_;
  std::vector<std::vector<int64_t>> strides_;
};

}  // namespace fovea
