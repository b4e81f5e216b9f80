// Clip: y = min(max(x, min), max), with min and max as optional scalar inputs (the canonical
// form; the importer turns opset < 11 attributes into constant inputs). An omitted bound does
// not clip. When min > max every element becomes max, as in ONNX's reference.
#include <limits>

#include "engine/ops/op_schema.h"

namespace fovea {
namespace {

Status infer_clip(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  if (x.dtype != DType::kFloat32) {
    return ctx.unsupported_error(std::string("dtype ") + dtype_name(x.dtype) +
                                 " is not supported (float32 only)");
  }
  for (size_t i = 1; i < 3; ++i) {
    if (!ctx.has_input(i)) continue;
    const ValueInfo& bound = ctx.inputs[i];
    if (bound.dtype != x.dtype) {
      return ctx.error(std::string(i == 1 ? "min" : "max") + " has dtype " +
                       dtype_name(bound.dtype) + ", input has " + dtype_name(x.dtype));
    }
    if (bound.rank_known && element_count(bound.shape).value_or(1) != 1) {
      return ctx.error(std::string(i == 1 ? "min" : "max") + " must be a scalar, got shape " +
                       shape_to_string(bound.shape));
    }
  }
  ctx.set_output(0, x.dtype, x.shape);
  ctx.outputs[0].rank_known = x.rank_known;
  return Status::ok();
}

Status clip_reference(const Node& node, std::span<const Tensor> inputs, std::span<Tensor> outputs) {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  for (size_t i = 1; i < inputs.size(); ++i) {
    if (inputs[i].empty()) continue;
    if (inputs[i].element_count() != 1) {
      return invalid_argument("node '" + node.name + "' (Clip): bounds must be scalars");
    }
    (i == 1 ? lo : hi) = inputs[i].data<float>()[0];
  }
  const float* src = inputs[0].data<float>();
  float* dst = outputs[0].data<float>();
  for (int64_t i = 0; i < inputs[0].element_count(); ++i) {
    float v = src[i] < lo ? lo : src[i];
    dst[i] = v > hi ? hi : v;
  }
  return Status::ok();
}

}  // namespace

const OpSchema& clip_schema() {
  static const OpSchema schema{
      .type = "Clip",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 3,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {},
      .infer = infer_clip,
      .reference = clip_reference,
  };
  return schema;
}

}  // namespace fovea
