// Conv: 1-D to 3-D convolution with groups, dilations, asymmetric pads, auto_pad and an
// optional bias. x [N,C,D1..], w [M,C/group,k1..], b [M] → y [N,M,O1..].
// Fused form (engine/passes): optional 4th input `sum` shaped like y and attribute
// `activation`: y = activation(conv(x, w) + b + sum).
#include <algorithm>
#include <string>

#include "engine/ops/fused_activation.h"
#include "engine/ops/op_schema.h"
#include "engine/ops/spatial_params.h"

namespace fovea {
namespace {

constexpr size_t kMaxSpatialDims = 3;
constexpr size_t kSumInput = 3;

// The fused `sum` input must have the output's shape (dims unknown on either side pass).
Status check_sum_shape(const InferContext& ctx, const Shape& y) {
  if (!ctx.has_input(kSumInput) || !ctx.inputs[kSumInput].rank_known) return Status::ok();
  const Shape& sum = ctx.inputs[kSumInput].shape;
  bool matches = sum.size() == y.size();
  for (size_t d = 0; matches && d < y.size(); ++d) {
    matches = sum[d] == y[d] || sum[d] == kDynamicDim || y[d] == kDynamicDim;
  }
  if (!matches) {
    return ctx.error("fused sum input shape " + shape_to_string(sum) +
                     " differs from the output shape " + shape_to_string(y));
  }
  return Status::ok();
}

Status infer_conv(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  const ValueInfo& w = ctx.inputs[1];
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    if (ctx.has_input(i) && ctx.inputs[i].dtype != DType::kFloat32) {
      return ctx.unsupported_error(std::string("input ") + std::to_string(i) + " has dtype " +
                                   dtype_name(ctx.inputs[i].dtype) + "; only float32 is supported");
    }
  }
  FOVEA_RETURN_IF_ERROR(check_fused_activation(ctx));
  ctx.set_output(0, DType::kFloat32, {});
  if (!x.rank_known || !w.rank_known) {
    ctx.outputs[0].rank_known = false;
    return Status::ok();
  }
  if (x.shape.size() > kMaxSpatialDims + 2) {
    return ctx.unsupported_error("convolution over " + std::to_string(x.shape.size() - 2) +
                                 " spatial dims (at most 3 are supported)");
  }
  if (!is_static(w.shape)) {
    // Weights are constants in practice; with a symbolic weight dim only the rank is known.
    Shape y(x.shape.size(), kDynamicDim);
    y[0] = x.shape[0];
    ctx.set_output(0, DType::kFloat32, std::move(y));
    return Status::ok();
  }
  auto params = resolve_conv(*ctx.node, x.shape, w.shape);
  if (!params.is_ok()) return ctx.error(params.status().message());
  if (ctx.has_input(2)) {
    const Shape& b = ctx.inputs[2].shape;
    if (ctx.inputs[2].rank_known && (b.size() != 1 || b[0] != w.shape[0])) {
      return ctx.error("bias shape " + shape_to_string(b) + " does not match " +
                       std::to_string(w.shape[0]) + " output channels");
    }
  }
  Shape y = {x.shape[0], w.shape[0]};
  y.insert(y.end(), params->output_spatial.begin(), params->output_spatial.end());
  FOVEA_RETURN_IF_ERROR(check_sum_shape(ctx, y));
  ctx.set_output(0, DType::kFloat32, std::move(y));
  return Status::ok();
}

// Direct convolution, tap by tap: every output plane starts at its bias, then for each input
// channel of its group and each kernel tap adds weight × the input under that tap. Each output
// element thus sums exactly the definition's terms, in the order (c, kd, kh, kw); a tap over
// padding adds nothing, so its output range is clipped instead of testing every element (which
// also keeps the innermost loop a plain strided sweep).
Status conv_reference(const Node& node, std::span<const Tensor> inputs, std::span<Tensor> outputs) {
  const Tensor& x = inputs[0];
  const Tensor& w = inputs[1];
  const bool has_bias = inputs.size() > 2 && !inputs[2].empty();
  const bool has_sum = inputs.size() > kSumInput && !inputs[kSumInput].empty();
  if (has_sum && inputs[kSumInput].shape() != outputs[0].shape()) {
    return invalid_argument("node '" + node.name + "' (Conv): fused sum input " +
                            describe(inputs[kSumInput]) + " does not match the output " +
                            describe(outputs[0]));
  }
  FOVEA_ASSIGN_OR_RETURN(SpatialParams params, resolve_conv(node, x.shape(), w.shape()));
  const Spatial3d g = lift_to_3d(params, x.shape());
  const int64_t batch = x.dim(0);
  const int64_t in_channels = x.dim(1);
  const int64_t out_channels = w.dim(0);
  const int64_t group_in = in_channels / params.group;
  const int64_t group_out = out_channels / params.group;
  const float* src = x.data<float>();
  const float* weights = w.data<float>();
  float* dst = outputs[0].data<float>();

  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t m = 0; m < out_channels; ++m) {
      float* out = dst + (n * out_channels + m) * g.out_size();
      std::fill(out, out + g.out_size(), has_bias ? inputs[2].data<float>()[m] : 0.0f);
      const int64_t first_channel = (m / group_out) * group_in;
      for (int64_t c = 0; c < group_in; ++c) {
        const float* plane = src + (n * in_channels + first_channel + c) * g.in_size();
        const float* kernel = weights + (m * group_in + c) * g.kernel_size();
        for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
          const auto [od_first, od_last] = g.outputs_reading_input(0, kd);
          for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
            const auto [oh_first, oh_last] = g.outputs_reading_input(1, kh);
            for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
              const auto [ow_first, ow_last] = g.outputs_reading_input(2, kw);
              const float tap = kernel[(kd * g.kernel[1] + kh) * g.kernel[2] + kw];
              for (int64_t od = od_first; od < od_last; ++od) {
                const int64_t id = od * g.strides[0] - g.pads_begin[0] + kd * g.dilations[0];
                for (int64_t oh = oh_first; oh < oh_last; ++oh) {
                  const int64_t ih = oh * g.strides[1] - g.pads_begin[1] + kh * g.dilations[1];
                  const float* in_row = plane + (id * g.in[1] + ih) * g.in[2] - g.pads_begin[2] +
                                        kw * g.dilations[2];
                  float* out_row = out + (od * g.out[1] + oh) * g.out[2];
                  for (int64_t ow = ow_first; ow < ow_last; ++ow) {
                    out_row[ow] += tap * in_row[ow * g.strides[2]];
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  if (has_sum) {
    const float* addend = inputs[kSumInput].data<float>();
    for (int64_t i = 0; i < outputs[0].element_count(); ++i) dst[i] += addend[i];
  }
  return apply_fused_activation(node, outputs[0]);
}

}  // namespace

const OpSchema& conv_schema() {
  static const OpSchema schema{
      .type = "Conv",
      .since_opset = 1,
      .min_inputs = 2,
      .max_inputs = 4,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"activation", AttrType::kString},
                     {"activation_alpha", AttrType::kFloat},
                     {"activation_beta", AttrType::kFloat},
                     {"auto_pad", AttrType::kString},
                     {"dilations", AttrType::kInts},
                     {"group", AttrType::kInt},
                     {"kernel_shape", AttrType::kInts},
                     {"pads", AttrType::kInts},
                     {"strides", AttrType::kInts}},
      .infer = infer_conv,
      .reference = conv_reference,
  };
  return schema;
}

}  // namespace fovea
