// MaxPool and AveragePool: windowed max / mean over 1 to 3 spatial dims, with strides,
// dilations, explicit or automatic padding and ceil_mode (geometry in spatial_params.cpp).
// MaxPool's optional Indices output is not supported.
#include <algorithm>
#include <limits>
#include <string>

#include "engine/ops/op_schema.h"
#include "engine/ops/spatial_params.h"

namespace fovea {
namespace {

constexpr size_t kMaxSpatialDims = 3;

Status infer_pool(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  if (x.dtype != DType::kFloat32) {
    return ctx.unsupported_error(std::string("input dtype ") + dtype_name(x.dtype) +
                                 "; only float32 is supported");
  }
  if (ctx.node->outputs.size() > 1 && ctx.node->outputs[1] != kNoValue) {
    return ctx.unsupported_error("the Indices output of MaxPool is not supported");
  }
  ctx.set_output(0, DType::kFloat32, {});
  if (!x.rank_known) {
    ctx.outputs[0].rank_known = false;
    return Status::ok();
  }
  if (x.shape.size() > kMaxSpatialDims + 2) {
    return ctx.unsupported_error("pooling over " + std::to_string(x.shape.size() - 2) +
                                 " spatial dims (at most 3 are supported)");
  }
  auto params = resolve_pool(*ctx.node, x.shape);
  if (!params.is_ok()) return ctx.error(params.status().message());
  Shape y = {x.shape[0], x.shape[1]};
  y.insert(y.end(), params->output_spatial.begin(), params->output_spatial.end());
  ctx.set_output(0, DType::kFloat32, std::move(y));
  return Status::ok();
}

enum class PoolKind { kMax, kAverage };

// For each output element, visits the window taps; taps outside the input are skipped (max)
// or counted only when count_include_pad and inside the explicit pads (average). The extra
// right-hand padding that ceil_mode implies is never counted.
Status pool_reference(const Node& node, std::span<const Tensor> inputs, std::span<Tensor> outputs,
                      PoolKind kind) {
  const Tensor& x = inputs[0];
  FOVEA_ASSIGN_OR_RETURN(SpatialParams params, resolve_pool(node, x.shape()));
  const Spatial3d g = lift_to_3d(params, x.shape());
  const bool count_include_pad = node.attrs.get_int("count_include_pad", 0) != 0;
  const int64_t planes = x.dim(0) * x.dim(1);
  const float* src = x.data<float>();
  float* dst = outputs[0].data<float>();

  for (int64_t p = 0; p < planes; ++p) {
    const float* plane = src + p * g.in_size();
    for (int64_t od = 0; od < g.out[0]; ++od) {
      for (int64_t oh = 0; oh < g.out[1]; ++oh) {
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          float max_value = -std::numeric_limits<float>::infinity();
          float sum = 0.0f;
          int64_t inside = 0;         // taps on the input
          int64_t inside_padded = 0;  // taps on the input or the explicit pads
          const int64_t start[3] = {od * g.strides[0] - g.pads_begin[0],
                                    oh * g.strides[1] - g.pads_begin[1],
                                    ow * g.strides[2] - g.pads_begin[2]};
          for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
            const int64_t id = start[0] + kd * g.dilations[0];
            for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
              const int64_t ih = start[1] + kh * g.dilations[1];
              for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                const int64_t iw = start[2] + kw * g.dilations[2];
                const bool on_input =
                    id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1] && iw >= 0 && iw < g.in[2];
                const bool on_padded = id >= -g.pads_begin[0] && id < g.in[0] + g.pads_end[0] &&
                                       ih >= -g.pads_begin[1] && ih < g.in[1] + g.pads_end[1] &&
                                       iw >= -g.pads_begin[2] && iw < g.in[2] + g.pads_end[2];
                if (on_padded) ++inside_padded;
                if (!on_input) continue;
                const float value = plane[(id * g.in[1] + ih) * g.in[2] + iw];
                max_value = std::max(max_value, value);
                sum += value;
                ++inside;
              }
            }
          }
          const int64_t divisor = count_include_pad ? inside_padded : inside;
          float& out = dst[p * g.out_size() + (od * g.out[1] + oh) * g.out[2] + ow];
          if (kind == PoolKind::kMax) {
            out = max_value;
          } else {
            out = divisor > 0 ? sum / static_cast<float>(divisor) : 0.0f;
          }
        }
      }
    }
  }
  return Status::ok();
}

Status max_pool_reference(const Node& node, std::span<const Tensor> inputs,
                          std::span<Tensor> outputs) {
  return pool_reference(node, inputs, outputs, PoolKind::kMax);
}

Status average_pool_reference(const Node& node, std::span<const Tensor> inputs,
                              std::span<Tensor> outputs) {
  return pool_reference(node, inputs, outputs, PoolKind::kAverage);
}

}  // namespace

const OpSchema& max_pool_schema() {
  static const OpSchema schema{
      .type = "MaxPool",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 1,
      .min_outputs = 1,
      .max_outputs = 2,
      .attributes = {{"auto_pad", AttrType::kString},
                     {"ceil_mode", AttrType::kInt},
                     {"dilations", AttrType::kInts},
                     {"kernel_shape", AttrType::kInts},
                     {"pads", AttrType::kInts},
                     {"storage_order", AttrType::kInt},
                     {"strides", AttrType::kInts}},
      .infer = infer_pool,
      .reference = max_pool_reference,
  };
  return schema;
}

const OpSchema& average_pool_schema() {
  static const OpSchema schema{
      .type = "AveragePool",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 1,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"auto_pad", AttrType::kString},
                     {"ceil_mode", AttrType::kInt},
                     {"count_include_pad", AttrType::kInt},
                     {"dilations", AttrType::kInts},
                     {"kernel_shape", AttrType::kInts},
                     {"pads", AttrType::kInts},
                     {"strides", AttrType::kInts}},
      .infer = infer_pool,
      .reference = average_pool_reference,
  };
  return schema;
}

}  // namespace fovea
