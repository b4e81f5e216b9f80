// GlobalAveragePool and GlobalMaxPool: mean / max over all spatial dims of [N,C,D1..] (any
// rank >= 3), keeping them as size-1 dims: y [N,C,1,..,1].
#include <algorithm>
#include <limits>
#include <string>

#include "engine/ops/op_schema.h"

namespace fovea {
namespace {

Status infer_global_pool(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  if (x.dtype != DType::kFloat32) {
    return ctx.unsupported_error(std::string("input dtype ") + dtype_name(x.dtype) +
                                 "; only float32 is supported");
  }
  ctx.set_output(0, DType::kFloat32, {});
  if (!x.rank_known) {
    ctx.outputs[0].rank_known = false;
    return Status::ok();
  }
  if (x.shape.size() < 3) {
    return ctx.error("input shape " + shape_to_string(x.shape) + " needs rank >= 3 [N,C,D1,...]");
  }
  Shape y(x.shape.size(), 1);
  y[0] = x.shape[0];
  y[1] = x.shape[1];
  ctx.set_output(0, DType::kFloat32, std::move(y));
  return Status::ok();
}

// Each (n, c) plane is contiguous in [N,C,D1..]: reduce it to one value.
int64_t plane_size(const Tensor& x) { return x.element_count() / (x.dim(0) * x.dim(1)); }

Status global_average_pool_reference(const Node& /*node*/, std::span<const Tensor> inputs,
                                     std::span<Tensor> outputs) {
  const Tensor& x = inputs[0];
  if (x.element_count() == 0) return Status::ok();
  const int64_t size = plane_size(x);
  const int64_t planes = x.dim(0) * x.dim(1);
  for (int64_t p = 0; p < planes; ++p) {
    const float* plane = x.data<float>() + p * size;
    double sum = 0.0;
    for (int64_t i = 0; i < size; ++i) sum += plane[i];
    outputs[0].data<float>()[p] = static_cast<float>(sum / static_cast<double>(size));
  }
  return Status::ok();
}

Status global_max_pool_reference(const Node& /*node*/, std::span<const Tensor> inputs,
                                 std::span<Tensor> outputs) {
  const Tensor& x = inputs[0];
  if (x.element_count() == 0) return Status::ok();
  const int64_t size = plane_size(x);
  const int64_t planes = x.dim(0) * x.dim(1);
  for (int64_t p = 0; p < planes; ++p) {
    const float* plane = x.data<float>() + p * size;
    float max_value = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < size; ++i) max_value = std::max(max_value, plane[i]);
    outputs[0].data<float>()[p] = max_value;
  }
  return Status::ok();
}

}  // namespace

const OpSchema& global_average_pool_schema() {
  static const OpSchema schema{
      .type = "GlobalAveragePool",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 1,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {},
      .infer = infer_global_pool,
      .reference = global_average_pool_reference,
  };
  return schema;
}

const OpSchema& global_max_pool_schema() {
  static const OpSchema schema{
      .type = "GlobalMaxPool",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 1,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {},
      .infer = infer_global_pool,
      .reference = global_max_pool_reference,
  };
  return schema;
}

}  // namespace fovea
