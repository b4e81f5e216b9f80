// ConvTranspose: the gradient of Conv with respect to its input, used for upsampling.
// x [N,C,D1..], w [C,M/group,k1..], b [M] → y [N,M,O1..]; output_shape, output_padding and
// auto_pad are resolved in spatial_params.cpp.
#include <algorithm>
#include <string>

#include "engine/ops/op_schema.h"
#include "engine/ops/spatial_params.h"

namespace fovea {
namespace {

constexpr size_t kMaxSpatialDims = 3;

Status infer_conv_transpose(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  const ValueInfo& w = ctx.inputs[1];
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    if (ctx.has_input(i) && ctx.inputs[i].dtype != DType::kFloat32) {
      return ctx.unsupported_error(std::string("input ") + std::to_string(i) + " has dtype " +
                                   dtype_name(ctx.inputs[i].dtype) + "; only float32 is supported");
    }
  }
  ctx.set_output(0, DType::kFloat32, {});
  if (!x.rank_known || !w.rank_known) {
    ctx.outputs[0].rank_known = false;
    return Status::ok();
  }
  if (x.shape.size() < 3) {
    return ctx.error("input shape " + shape_to_string(x.shape) +
                     " needs a batch, a channel and at least one spatial dim");
  }
  if (x.shape.size() > kMaxSpatialDims + 2) {
    return ctx.unsupported_error("transposed convolution over " +
                                 std::to_string(x.shape.size() - 2) +
                                 " spatial dims (at most 3 are supported)");
  }
  if (!is_static(w.shape)) {
    // Weights are constants in practice; with a symbolic weight dim only the rank is known.
    Shape y(x.shape.size(), kDynamicDim);
    y[0] = x.shape[0];
    ctx.set_output(0, DType::kFloat32, std::move(y));
    return Status::ok();
  }
  auto params = resolve_conv_transpose(*ctx.node, x.shape, w.shape);
  if (!params.is_ok()) return ctx.error(params.status().message());
  const int64_t out_channels = w.shape[1] * params->group;
  if (ctx.has_input(2)) {
    const Shape& b = ctx.inputs[2].shape;
    if (ctx.inputs[2].rank_known && (b.size() != 1 || b[0] != out_channels)) {
      return ctx.error("bias shape " + shape_to_string(b) + " does not match " +
                       std::to_string(out_channels) + " output channels");
    }
  }
  Shape y = {x.shape[0], out_channels};
  y.insert(y.end(), params->output_spatial.begin(), params->output_spatial.end());
  ctx.set_output(0, DType::kFloat32, std::move(y));
  return Status::ok();
}

// Scatter form: every input element adds x * w into the output positions its kernel taps
// reach (output position = input position * stride + tap * dilation - pad_begin); positions
// outside the output are cropped away. Output starts at the bias.
Status conv_transpose_reference(const Node& node, std::span<const Tensor> inputs,
                                std::span<Tensor> outputs) {
  const Tensor& x = inputs[0];
  const Tensor& w = inputs[1];
  const bool has_bias = inputs.size() > 2 && !inputs[2].empty();
  FOVEA_ASSIGN_OR_RETURN(SpatialParams params, resolve_conv_transpose(node, x.shape(), w.shape()));
  const Spatial3d g = lift_to_3d(params, x.shape());
  const int64_t batch = x.dim(0);
  const int64_t in_channels = x.dim(1);
  const int64_t group_in = in_channels / params.group;
  const int64_t group_out = w.dim(1);
  const int64_t out_channels = group_out * params.group;
  const float* src = x.data<float>();
  const float* weights = w.data<float>();
  float* dst = outputs[0].data<float>();

  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t m = 0; m < out_channels; ++m) {
      float* plane = dst + (n * out_channels + m) * g.out_size();
      std::fill(plane, plane + g.out_size(), has_bias ? inputs[2].data<float>()[m] : 0.0f);
    }
    for (int64_t c = 0; c < in_channels; ++c) {
      const int64_t group = c / group_in;
      const float* src_plane = src + (n * in_channels + c) * g.in_size();
      for (int64_t mg = 0; mg < group_out; ++mg) {
        const int64_t m = group * group_out + mg;
        float* dst_plane = dst + (n * out_channels + m) * g.out_size();
        const float* kernel = weights + (c * group_out + mg) * g.kernel_size();
        for (int64_t id = 0; id < g.in[0]; ++id) {
          for (int64_t ih = 0; ih < g.in[1]; ++ih) {
            for (int64_t iw = 0; iw < g.in[2]; ++iw) {
              const float value = src_plane[(id * g.in[1] + ih) * g.in[2] + iw];
              for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
                const int64_t od = id * g.strides[0] + kd * g.dilations[0] - g.pads_begin[0];
                if (od < 0 || od >= g.out[0]) continue;
                for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
                  const int64_t oh = ih * g.strides[1] + kh * g.dilations[1] - g.pads_begin[1];
                  if (oh < 0 || oh >= g.out[1]) continue;
                  for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                    const int64_t ow = iw * g.strides[2] + kw * g.dilations[2] - g.pads_begin[2];
                    if (ow < 0 || ow >= g.out[2]) continue;
                    dst_plane[(od * g.out[1] + oh) * g.out[2] + ow] +=
                        value * kernel[(kd * g.kernel[1] + kh) * g.kernel[2] + kw];
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return Status::ok();
}

}  // namespace

const OpSchema& conv_transpose_schema() {
  static const OpSchema schema{
      .type = "ConvTranspose",
      .since_opset = 1,
      .min_inputs = 2,
      .max_inputs = 3,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"auto_pad", AttrType::kString},
                     {"dilations", AttrType::kInts},
                     {"group", AttrType::kInt},
                     {"kernel_shape", AttrType::kInts},
                     {"output_padding", AttrType::kInts},
                     {"output_shape", AttrType::kInts},
                     {"pads", AttrType::kInts},
                     {"strides", AttrType::kInts}},
      .infer = infer_conv_transpose,
      .reference = conv_transpose_reference,
  };
  return schema;
}

}  // namespace fovea
