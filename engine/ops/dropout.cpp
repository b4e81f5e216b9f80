// Dropout at inference: inputs (data, ratio?, training_mode?), outputs (output, mask?).
// output = data and the mask is all true. training_mode = true is not supported (inference only).
#include <cstring>

#include "engine/ops/shape_values.h"

namespace fovea {
namespace {

Status infer_dropout(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  if (x.dtype != DType::kFloat32) {
    return ctx.unsupported_error(std::string("dtype ") + dtype_name(x.dtype) +
                                 " is not supported (float32 only)");
  }
  if (ctx.has_input(2)) {
    const ValueInfo& mode = ctx.inputs[2];
    if (mode.value == nullptr) {
      return ctx.unsupported_error("training_mode must be a constant (inference only)");
    }
    if (mode.value->element_count() > 0 && mode.value->as_double(0) != 0.0) {
      return ctx.unsupported_error("training_mode = true is not supported (inference only)");
    }
  }
  ctx.set_output(0, x.dtype, x.shape);
  ctx.outputs[0].rank_known = x.rank_known;
  if (ctx.outputs.size() > 1) {
    ctx.set_output(1, DType::kBool, x.shape);
    ctx.outputs[1].rank_known = x.rank_known;
  }
  return Status::ok();
}

Status dropout_reference(const Node& /*node*/, std::span<const Tensor> inputs,
                         std::span<Tensor> outputs) {
  if (inputs[0].byte_size() > 0) {
    std::memcpy(outputs[0].raw_data(), inputs[0].raw_data(), inputs[0].byte_size());
  }
  if (outputs.size() > 1 && !outputs[1].empty()) {
    bool* mask = outputs[1].data<bool>();
    for (int64_t i = 0; i < outputs[1].element_count(); ++i) mask[i] = true;
  }
  return Status::ok();
}

}  // namespace

const OpSchema& dropout_schema() {
  static const OpSchema schema{
      .type = "Dropout",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 3,
      .min_outputs = 1,
      .max_outputs = 2,
      .attributes = {{"seed", AttrType::kInt}},
      .infer = infer_dropout,
      .reference = dropout_reference,
  };
  return schema;
}

}  // namespace fovea
