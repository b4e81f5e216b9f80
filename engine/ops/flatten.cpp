// Flatten: reshapes to 2-D [prod(dims[:axis]), prod(dims[axis:])]; axis in [-rank, rank],
// negative counts from the end, 0 gives [1, all]. Any dtype.
#include <cstring>

#include "engine/ops/shape_values.h"

namespace fovea {
namespace {

Status infer_flatten(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  FOVEA_RETURN_IF_ERROR(require_holdable_dtype(ctx, x.dtype));
  if (!x.rank_known) {
    ctx.set_output(0, x.dtype, {kDynamicDim, kDynamicDim});
    return Status::ok();
  }
  const auto rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = ctx.node->attrs.get_int("axis", 1);
  if (axis < -rank || axis > rank) {
    return ctx.error("axis " + std::to_string(axis) + " is out of range for rank " +
                     std::to_string(rank));
  }
  if (axis < 0) axis += rank;
  const auto split = static_cast<size_t>(axis);
  ctx.set_output(0, x.dtype,
                 {dims_product(x.shape, 0, split), dims_product(x.shape, split, x.shape.size())});
  return Status::ok();
}

Status flatten_reference(const Node& /*node*/, std::span<const Tensor> inputs,
                         std::span<Tensor> outputs) {
  if (inputs[0].byte_size() > 0) {
    std::memcpy(outputs[0].raw_data(), inputs[0].raw_data(), inputs[0].byte_size());
  }
  return Status::ok();
}

}  // namespace

const OpSchema& flatten_schema() {
  static const OpSchema schema{
      .type = "Flatten",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 1,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"axis", AttrType::kInt}},
      .infer = infer_flatten,
      .reference = flatten_reference,
  };
  return schema;
}

}  // namespace fovea
