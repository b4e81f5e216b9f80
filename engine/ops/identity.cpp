// Identity: output = input. Also the canonical form of inference-time Dropout's first output.
#include <cstring>

#include "engine/ops/op_schema.h"

namespace fovea {
namespace {

Status infer_identity(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  ctx.set_output(0, x.dtype, x.shape);
  ctx.outputs[0].rank_known = x.rank_known;
  return Status::ok();
}

Status identity_reference(const Node& /*node*/, std::span<const Tensor> inputs,
                          std::span<Tensor> outputs) {
  std::memcpy(outputs[0].raw_data(), inputs[0].raw_data(), inputs[0].byte_size());
  return Status::ok();
}

}  // namespace

const OpSchema& identity_schema() {
  static const OpSchema schema{
      .type = "Identity",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 1,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {},
      .infer = infer_identity,
      .reference = identity_reference,
  };
  return schema;
}

}  // namespace fovea
