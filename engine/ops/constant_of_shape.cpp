// ConstantOfShape: an int64 shape input; every element of the output equals the one-element
// `value` tensor attribute (default float32 0). Any dtype the engine holds.
#include <cstring>

#include "engine/ops/shape_values.h"

namespace fovea {
namespace {

Status infer_constant_of_shape(InferContext& ctx) {
  if (ctx.inputs[0].dtype != DType::kInt64) {
    return ctx.error(std::string("shape input must be int64, got ") +
                     dtype_name(ctx.inputs[0].dtype));
  }
  DType dtype = DType::kFloat32;
  if (const Tensor* value = ctx.node->attrs.get_tensor("value")) {
    if (value->element_count() != 1) {
      return ctx.error("value must have exactly one element, got " + describe(*value));
    }
    dtype = value->dtype();
    FOVEA_RETURN_IF_ERROR(require_holdable_dtype(ctx, dtype));
  }
  const auto dims = known_ints(ctx, 0);
  if (!dims) {
    const auto length = known_length(ctx, 0);
    if (!length) {
      set_output_unknown_rank(ctx, 0, dtype);
    } else {
      ctx.set_output(0, dtype, Shape(static_cast<size_t>(*length), kDynamicDim));
    }
    return Status::ok();
  }
  for (int64_t d : *dims) {
    if (d < 0) return ctx.error("shape " + shape_to_string(*dims) + " has a negative dim");
  }
  ctx.set_output(0, dtype, *dims);
  return Status::ok();
}

Status constant_of_shape_reference(const Node& node, std::span<const Tensor> /*inputs*/,
                                   std::span<Tensor> outputs) {
  Tensor& out = outputs[0];
  const Tensor* value = node.attrs.get_tensor("value");
  if (value == nullptr) return Status::ok();  // outputs arrive zero-filled: float 0
  const size_t elem = dtype_size(out.dtype());
  auto* dst = static_cast<char*>(out.raw_data());
  for (int64_t i = 0; i < out.element_count(); ++i) {
    std::memcpy(dst + static_cast<size_t>(i) * elem, value->raw_data(), elem);
  }
  return Status::ok();
}

}  // namespace

const OpSchema& constant_of_shape_schema() {
  static const OpSchema schema{
      .type = "ConstantOfShape",
      .since_opset = 9,
      .min_inputs = 1,
      .max_inputs = 1,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"value", AttrType::kTensor}},
      .infer = infer_constant_of_shape,
      .reference = constant_of_shape_reference,
  };
  return schema;
}

}  // namespace fovea
