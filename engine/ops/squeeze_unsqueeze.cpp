// Squeeze and Unsqueeze: inputs (data, axes?) with axes int64 (the canonical form; opset < 13
// attributes become a constant input). Squeeze removes the listed size-1 dims, or every size-1
// dim when axes is omitted; Unsqueeze inserts size-1 dims at the listed output positions.
// Any dtype; the data is copied unchanged.
#include <algorithm>
#include <cstring>

#include "engine/ops/shape_values.h"

namespace fovea {
namespace {

Status check_axes_dtype(const InferContext& ctx) {
  if (ctx.has_input(1) && ctx.inputs[1].dtype != DType::kInt64) {
    return ctx.error(std::string("axes must be int64, got ") + dtype_name(ctx.inputs[1].dtype));
  }
  return Status::ok();
}

// Normalises axes against `rank`; an error on out-of-range or repeated axes.
Result<std::vector<int64_t>> normalize_axes(const InferContext& ctx, std::vector<int64_t> axes,
                                            int64_t rank) {
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t& axis : axes) {
    const auto normalized = normalize_axis(axis, rank);
    if (!normalized) {
      return ctx.error("axis " + std::to_string(axis) + " is out of range for rank " +
                       std::to_string(rank));
    }
    if (seen[static_cast<size_t>(*normalized)]) {
      return ctx.error("axis " + std::to_string(axis) + " is repeated");
    }
    seen[static_cast<size_t>(*normalized)] = true;
    axis = *normalized;
  }
  return axes;
}

Status infer_squeeze(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  FOVEA_RETURN_IF_ERROR(require_holdable_dtype(ctx, x.dtype));
  FOVEA_RETURN_IF_ERROR(check_axes_dtype(ctx));
  if (!x.rank_known) {
    set_output_unknown_rank(ctx, 0, x.dtype);
    return Status::ok();
  }
  const auto rank = static_cast<int64_t>(x.shape.size());
  if (!ctx.has_input(1)) {
    Shape out;
    for (int64_t d : x.shape) {
      if (d < 0) {  // might be 1 at run time: which dims go is not known yet
        set_output_unknown_rank(ctx, 0, x.dtype);
        return Status::ok();
      }
      if (d != 1) out.push_back(d);
    }
    ctx.set_output(0, x.dtype, std::move(out));
    return Status::ok();
  }
  const auto axes_values = known_ints(ctx, 1);
  if (!axes_values) {
    const auto length = known_length(ctx, 1);
    if (!length || *length > rank) {
      set_output_unknown_rank(ctx, 0, x.dtype);
    } else {
      ctx.set_output(0, x.dtype, Shape(static_cast<size_t>(rank - *length), kDynamicDim));
    }
    return Status::ok();
  }
  FOVEA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, normalize_axes(ctx, *axes_values, rank));
  Shape out;
  for (int64_t d = 0; d < rank; ++d) {
    const bool squeezed = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (!squeezed) {
      out.push_back(x.shape[d]);
    } else if (x.shape[d] > 1 || x.shape[d] == 0) {
      return ctx.error("cannot squeeze dim " + std::to_string(d) + " of shape " +
                       shape_to_string(x.shape) + ": its size is not 1");
    }
  }
  ctx.set_output(0, x.dtype, std::move(out));
  return Status::ok();
}

Status infer_unsqueeze(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  FOVEA_RETURN_IF_ERROR(require_holdable_dtype(ctx, x.dtype));
  FOVEA_RETURN_IF_ERROR(check_axes_dtype(ctx));
  if (!ctx.has_input(1)) return ctx.error("axes input is required");
  const auto axes_values = known_ints(ctx, 1);
  if (!x.rank_known || !axes_values) {
    const auto length = known_length(ctx, 1);
    if (!x.rank_known || !length) {
      set_output_unknown_rank(ctx, 0, x.dtype);
    } else {
      ctx.set_output(0, x.dtype, Shape(x.shape.size() + static_cast<size_t>(*length), kDynamicDim));
    }
    return Status::ok();
  }
  const auto out_rank = static_cast<int64_t>(x.shape.size() + axes_values->size());
  FOVEA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, normalize_axes(ctx, *axes_values, out_rank));
  Shape out;
  size_t next_input_dim = 0;
  for (int64_t d = 0; d < out_rank; ++d) {
    if (std::find(axes.begin(), axes.end(), d) != axes.end()) {
      out.push_back(1);
    } else {
      out.push_back(x.shape[next_input_dim++]);
    }
  }
  ctx.set_output(0, x.dtype, std::move(out));
  return Status::ok();
}

// Both ops only relabel dims: the bytes are unchanged.
Status copy_reference(const Node& node, std::span<const Tensor> inputs, std::span<Tensor> outputs) {
  if (inputs[0].byte_size() != outputs[0].byte_size()) {
    return internal_error("node '" + node.name + "': output size differs from input");
  }
  if (inputs[0].byte_size() > 0) {
    std::memcpy(outputs[0].raw_data(), inputs[0].raw_data(), inputs[0].byte_size());
  }
  return Status::ok();
}

}  // namespace

const OpSchema& squeeze_schema() {
  static const OpSchema schema{
      .type = "Squeeze",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 2,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {},
      .infer = infer_squeeze,
      .reference = copy_reference,
  };
  return schema;
}

const OpSchema& unsqueeze_schema() {
  static const OpSchema schema{
      .type = "Unsqueeze",
      .since_opset = 1,
      .min_inputs = 1,  // axes is required, but checked in inference to name the problem
      .max_inputs = 2,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {},
      .infer = infer_unsqueeze,
      .reference = copy_reference,
  };
  return schema;
}

}  // namespace fovea
