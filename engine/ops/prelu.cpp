// PRelu: y = x where x >= 0, slope * x elsewhere; slope broadcasts to x's shape
// (unidirectional: the output always has x's shape). float32 only.
#include "engine/ops/broadcast.h"
#include "engine/ops/op_schema.h"

namespace fovea {
namespace {

Status infer_prelu(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  const ValueInfo& slope = ctx.inputs[1];
  if (x.dtype != DType::kFloat32 || slope.dtype != DType::kFloat32) {
    return ctx.unsupported_error(std::string("dtype ") + dtype_name(x.dtype) + "/" +
                                 dtype_name(slope.dtype) + " is not supported (float32 only)");
  }
  if (x.rank_known && slope.rank_known) {
    const auto merged = broadcast_shapes(x.shape, slope.shape);
    if (!merged || merged->size() != x.shape.size()) {
      return ctx.error("slope shape " + shape_to_string(slope.shape) +
                       " does not broadcast to input shape " + shape_to_string(x.shape));
    }
    for (size_t d = 0; d < x.shape.size(); ++d) {
      if (x.shape[d] >= 0 && (*merged)[d] != x.shape[d]) {
        return ctx.error("slope shape " + shape_to_string(slope.shape) +
                         " does not broadcast to input shape " + shape_to_string(x.shape));
      }
    }
  }
  ctx.set_output(0, x.dtype, x.shape);
  ctx.outputs[0].rank_known = x.rank_known;
  return Status::ok();
}

Status prelu_reference(const Node& node, std::span<const Tensor> inputs,
                       std::span<Tensor> outputs) {
  const Tensor& x = inputs[0];
  const Tensor& slope = inputs[1];
  if (slope.rank() > x.rank()) {
    return invalid_argument("node '" + node.name + "' (PRelu): slope has higher rank than x");
  }
  const float* src = x.data<float>();
  const float* slopes = slope.data<float>();
  float* dst = outputs[0].data<float>();
  BroadcastWalker walk(x.shape(), {x.shape(), slope.shape()});
  for (int64_t i = 0; i < x.element_count(); ++i, walk.next()) {
    const float v = src[walk.offset(0)];
    dst[i] = v >= 0.0f ? v : slopes[walk.offset(1)] * v;
  }
  return Status::ok();
}

}  // namespace

const OpSchema& prelu_schema() {
  static const OpSchema schema{
      .type = "PRelu",
      .since_opset = 7,  // unidirectional broadcasting of the slope
      .min_inputs = 2,
      .max_inputs = 2,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {},
      .infer = infer_prelu,
      .reference = prelu_reference,
  };
  return schema;
}

}  // namespace fovea
