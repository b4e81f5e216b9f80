// Gather: picks slices of `data` along `axis` at the given int32/int64 indices (negative counts
// from the end). Output shape: data[:axis] + indices.shape + data[axis+1:]. Any data dtype; an
// index out of range is an error.
#include <cstring>

#include "engine/ops/shape_values.h"

namespace fovea {
namespace {

Status infer_gather(InferContext& ctx) {
  const ValueInfo& data = ctx.inputs[0];
  const ValueInfo& indices = ctx.inputs[1];
  FOVEA_RETURN_IF_ERROR(require_holdable_dtype(ctx, data.dtype));
  if (!is_index_dtype(indices.dtype)) {
    return ctx.error(std::string("indices must be int64 or int32, got ") +
                     dtype_name(indices.dtype));
  }
  if (!data.rank_known || !indices.rank_known) {
    set_output_unknown_rank(ctx, 0, data.dtype);
    return Status::ok();
  }
  const auto rank = static_cast<int64_t>(data.shape.size());
  const int64_t attr_axis = ctx.node->attrs.get_int("axis", 0);
  const auto axis = normalize_axis(attr_axis, rank);
  if (!axis) {
    return ctx.error("axis " + std::to_string(attr_axis) + " is out of range for data shape " +
                     shape_to_string(data.shape));
  }
  const int64_t dim = data.shape[*axis];
  if (indices.value != nullptr && dim >= 0) {
    for (int64_t i = 0; i < indices.value->element_count(); ++i) {
      const int64_t index = indices.value->int_at(i);
      if (index < -dim || index >= dim) {
        return ctx.error("index " + std::to_string(index) + " is out of range for axis " +
                         std::to_string(*axis) + " of size " + std::to_string(dim));
      }
    }
  }
  Shape out(data.shape.begin(), data.shape.begin() + *axis);
  out.insert(out.end(), indices.shape.begin(), indices.shape.end());
  out.insert(out.end(), data.shape.begin() + *axis + 1, data.shape.end());
  ctx.set_output(0, data.dtype, std::move(out));
  return Status::ok();
}

Status gather_reference(const Node& node, std::span<const Tensor> inputs,
                        std::span<Tensor> outputs) {
  const Tensor& data = inputs[0];
  const Tensor& indices = inputs[1];
  const int64_t axis = *normalize_axis(node.attrs.get_int("axis", 0), data.rank());
  const int64_t dim = data.dim(axis);
  const auto rank = static_cast<size_t>(data.rank());
  const int64_t outer = dims_product(data.shape(), 0, static_cast<size_t>(axis));
  const int64_t inner = dims_product(data.shape(), static_cast<size_t>(axis) + 1, rank);
  const size_t slice_bytes = static_cast<size_t>(inner) * dtype_size(data.dtype());
  const auto* src = static_cast<const char*>(data.raw_data());
  auto* dst = static_cast<char*>(outputs[0].raw_data());
  // For each outer slice, copy the inner block at each index in turn.
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < indices.element_count(); ++i) {
      int64_t index = indices.int_at(i);
      if (index < -dim || index >= dim) {
        return invalid_argument("node '" + node.name + "' (Gather): index " +
                                std::to_string(index) + " is out of range for axis " +
                                std::to_string(axis) + " of size " + std::to_string(dim));
      }
      if (index < 0) index += dim;
      std::memcpy(dst, src + static_cast<size_t>(o * dim + index) * slice_bytes, slice_bytes);
      dst += slice_bytes;
    }
  }
  return Status::ok();
}

}  // namespace

const OpSchema& gather_schema() {
  static const OpSchema schema{
      .type = "Gather",
      .since_opset = 1,
      .min_inputs = 2,
      .max_inputs = 2,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"axis", AttrType::kInt}},
      .infer = infer_gather,
      .reference = gather_reference,
  };
  return schema;
}

}  // namespace fovea
