// Conv → convolution_forward, ConvTranspose → deconvolution_forward. Geometry comes from
// engine/ops/spatial_params.h so oneDNN and the reference agree on padding and output size.
// Constant weights are reordered once into the layout the primitive prefers; weights that
// arrive at run time are read in ONNX's own layout, described to oneDNN by strides.
#include <algorithm>
#include <numeric>
#include <optional>

#include "engine/backends/onednn/onednn_common.h"
#include "engine/ops/spatial_params.h"

namespace fovea::onednn {
namespace {

constexpr size_t kMinRank = 3;  // N, C and one spatial dim
constexpr size_t kMaxRank = 5;  // three spatial dims

// oneDNN counts dilation from 0 (dense kernel), ONNX from 1.
dims onednn_dilations(const SpatialParams& p) {
  dims d;
  for (int64_t v : p.dilations) d.push_back(v - 1);
  return d;
}

bool geometry_ok(const SpatialParams& p) {
  for (size_t i = 0; i < p.kernel.size(); ++i) {
    if (p.pads_begin[i] < 0 || p.pads_end[i] < 0 || p.strides[i] < 1 || p.dilations[i] < 1) {
      return false;
    }
  }
  return true;
}

// Binds weights (input 1) and the optional bias (input 2): constants are prepared now, run-time
// tensors are bound by descriptor. `pd_weights` is the layout the primitive chose.
void bind_weights_and_bias(const ContextPtr& ctx, const KernelRequest& r, const md& user_weights,
                           const md& pd_weights, int64_t channels, ConstantArgs& constants,
                           std::vector<PrimitiveKernel::Binding>& bindings) {
  if (const Tensor* w = constant_input(r, 1)) {
    constants.add_copy(*ctx, DNNL_ARG_WEIGHTS, user_weights, w->raw_data(), pd_weights);
  } else {
    bindings.push_back(in_arg(DNNL_ARG_WEIGHTS, 1, user_weights));
  }
  if (!has_input(r, 2)) return;
  const md bias_md = plain_md({channels});
  if (const Tensor* b = constant_input(r, 2)) {
    constants.add_copy(*ctx, DNNL_ARG_BIAS, bias_md, b->raw_data(), bias_md);
  } else {
    bindings.push_back(in_arg(DNNL_ARG_BIAS, 2, bias_md));
  }
}

// Constant weights let the primitive pick its layout; run-time ones keep ONNX's.
md weights_md_for(const KernelRequest& r, const md& user_weights, const dims& weight_dims) {
  if (constant_input(r, 1) == nullptr) return user_weights;
  return md(weight_dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
}

std::vector<PrimitiveKernel::Binding> src_dst_bindings(const md& src_md, const md& dst_md) {
  return {in_arg(DNNL_ARG_SRC, 0, src_md), out_arg(DNNL_ARG_DST, 0, dst_md)};
}

bool rank_ok(const KernelRequest& r) {
  const size_t rank = r.inputs[0].shape.size();
  return rank >= kMinRank && rank <= kMaxRank && r.inputs[1].shape.size() == rank &&
         r.outputs.size() == 1 && r.outputs[0].shape.size() == rank;
}

Result<SpatialParams> conv_params(const KernelRequest& r) {
  return resolve_conv(*r.node, r.inputs[0].shape, r.inputs[1].shape);
}

}  // namespace

namespace {

constexpr size_t kSumInput = 3;  // the fused form's 4th input (engine/ops/README.md)

// 3x3, stride 1, undilated, ungrouped 2-D: where oneDNN may offer Winograd.
bool winograd_shape(const SpatialParams& p) {
  if (p.kernel.size() != 2 || p.group != 1) return false;
  for (size_t i = 0; i < 2; ++i) {
    if (p.kernel[i] != 3 || p.strides[i] != 1 || p.dilations[i] != 1) return false;
  }
  return true;
}

// A 1x1 convolution with stride > 1 and no padding reads only every s-th pixel. oneDNN 2.6's
// strided 1x1 kernel runs some shapes at half speed: ResNet-50's 512→1024 channels at 28×28,
// stride 2, took 10–14 ms at batch 8 and 1.2–1.8 ms at batch 1 in the plan, against 7.9–8.6
// and 1.0–1.07 ms when the input is subsampled first and convolved at stride 1. Of the other
// ResNet shapes, one lost 0.4–0.8 ms (256→512 at 56×56, batch 8), the rest came out even; so the
// kernel always subsamples first (docs/benchmarks.md, "Strided 1x1 convolutions").
bool subsample_first(const SpatialParams& p) {
  bool strided = false;
  for (size_t i = 0; i < p.kernel.size(); ++i) {
    if (p.kernel[i] != 1 || p.pads_begin[i] != 0 || p.pads_end[i] != 0) return false;
    strided = strided || p.strides[i] > 1;
  }
  return strided;
}

// 16-channel blocks (nChw16c) for source and destination instead of oneDNN's pick (`any`, which
// gives channels-last brgconv kernels on AVX-512 CPUs), where they pay (docs/benchmarks.md,
// "Channel blocks from batch 4"):
// - From batch 4: oneDNN 2.6's blocked kernels (jit, jit_1x1) ran ResNet-50 4.3% and
//   MobileNetV2 20% faster at batch 8, 5.8% and 12% at batch 4; GoogLeNet, AlexNet and VGG-16
//   came out even. At batch 1 and 2 brgconv is as fast or up to 2.6% faster.
// - At batch 1 in graphs that concatenate channels (Inception): a channel slice of a blocked
//   tensor is contiguous there, so the branches write their slices in place and the Concat
//   disappears (Plan::place_concat_inputs); channels-last interleaves the branches per pixel.
// LRN runs about 1.8x slower on blocks, and the Caffe-style models with it lost 0.3–3%, so
// graphs with an LRN keep `any`.
constexpr int64_t kChannelBlocksFromBatch = 4;
constexpr int64_t kChannelBlock = 16;

bool prefer_channel_blocks(const KernelRequest& r, const Shape& x) {
  if (x.size() != 4) return false;
  if (r.graph == nullptr) return x[0] >= kChannelBlocksFromBatch;
  auto graph_has = [&](auto&& predicate) {
    return std::any_of(r.graph->nodes.begin(), r.graph->nodes.end(), predicate);
  };
  if (graph_has([](const Node& n) { return n.op_type == "LRN"; })) return false;
  if (x[0] >= kChannelBlocksFromBatch) return true;
  return x[0] == 1 && graph_has([](const Node& n) {
           return n.op_type == "Concat" && n.attrs.get_int("axis", 0) == 1;
         });
}

// nChw16c where the channels fill whole blocks, else `any` (e.g. a first layer's 3 channels,
// which the blocked kernels read as they arrive).
md channel_blocks_md(const Shape& shape) {
  if (shape[1] % kChannelBlock != 0) return any_md(shape);
  return md(to_dims(shape), dnnl::memory::data_type::f32, dnnl::memory::format_tag::nChw16c);
}

}  // namespace

bool conv_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"kernel_shape", "strides", "dilations", "pads", "auto_pad", "group",
                               "activation", "activation_alpha", "activation_beta"})) {
    return false;
  }
  if (r.inputs.size() < 2 || r.inputs.size() > kSumInput + 1 || !rank_ok(r)) return false;
  if (has_input(r, kSumInput) && r.inputs[kSumInput].shape != r.outputs[0].shape) return false;
  dnnl::post_ops ops;
  if (!append_fused_activation(*r.node, ops)) return false;
  auto params = conv_params(r);
  if (!params.is_ok() || !geometry_ok(*params)) return false;
  const Shape& y = r.outputs[0].shape;
  return std::equal(params->output_spatial.begin(), params->output_spatial.end(), y.begin() + 2);
}

// Source, weights and destination in format `any` (source and destination in 16-channel blocks
// where prefer_channel_blocks says): oneDNN picks its blocked layouts; the source is
// reordered per run only when it arrives in another one, the destination's layout becomes the
// output's (consumers on this backend read it as is).
Result<KernelPtr> conv_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(SpatialParams p, conv_params(r));
  const Shape& w = r.inputs[1].shape;
  const int64_t group = p.group;
  dims weight_dims = to_dims(w);
  if (group > 1) {  // [M, C/g, k..] is the same memory as [g, M/g, C/g, k..]
    weight_dims.insert(weight_dims.begin(), group);
    weight_dims[1] /= group;
  }
  const Shape& y = r.outputs[0].shape;
  const md user_weights = strided_md(weight_dims, plain_strides(weight_dims));
  const md bias_md = has_input(r, 2) ? plain_md({w[0]}) : md();
  const bool has_sum = has_input(r, kSumInput);
  dnnl::post_ops ops;
  if (has_sum) ops.append_sum(1.0f);  // y = act(conv + bias + sum): sum first
  if (!append_fused_activation(*r.node, ops)) {
    return unsupported(r.describe() + ": fused activation not supported by oneDNN");
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  const Shape& x = r.inputs[0].shape;
  const bool channel_blocks = prefer_channel_blocks(r, x);
  // `src` is what the primitive reads: the input, or the input subsampled by `strides`.
  auto make_pd = [&](dnnl::algorithm algorithm, const Shape& src, const dims& strides) {
    auto make = [&](const md& src_md, const md& dst_md) {
      dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, src_md,
                                           weights_md_for(r, user_weights, weight_dims), bias_md,
                                           dst_md, strides, onednn_dilations(p),
                                           to_dims(p.pads_begin), to_dims(p.pads_end));
      return dnnl::convolution_forward::primitive_desc(desc, attr, ctx->engine);
    };
    if (channel_blocks) {
      try {
        auto blocked = make(channel_blocks_md(src), channel_blocks_md(y));
        // A reference kernel on blocks would be far slower than oneDNN's own pick.
        if (!is_reference_impl(blocked)) return blocked;
      } catch (const dnnl::error&) {
        // No kernel for this shape on blocks: let oneDNN pick below.
      }
    }
    return make(any_md(src), any_md(y));
  };
  std::optional<dnnl::convolution_forward::primitive_desc> pd;
  std::optional<PrimitiveKernel::Binding> src;
  if (subsample_first(p)) {
    Shape subsampled = x;
    std::copy(p.output_spatial.begin(), p.output_spatial.end(), subsampled.begin() + 2);
    pd = make_pd(dnnl::algorithm::convolution_direct, subsampled, dims(p.strides.size(), 1));
    src = subsampled_in_arg(*ctx, DNNL_ARG_SRC, 0, pd->src_desc(), input_md(r, 0),
                            to_dims(p.strides));
    if (!src) pd.reset();
  } else if (r.fast_math && winograd_shape(p)) {
    try {
      pd = make_pd(dnnl::algorithm::convolution_winograd, x, to_dims(p.strides));
    } catch (const dnnl::error&) {
      // No Winograd implementation for this shape or CPU: direct below.
    }
  }
  if (!pd) pd = make_pd(dnnl::algorithm::convolution_direct, x, to_dims(p.strides));
  if (!src) src = converted_in_arg(*ctx, DNNL_ARG_SRC, 0, pd->src_desc(), input_md(r, 0));

  ConstantArgs constants(shares_prepared_constants(r));
  std::vector<PrimitiveKernel::Binding> bindings{*src, out_arg(DNNL_ARG_DST, 0, pd->dst_desc())};
  bind_weights_and_bias(ctx, r, user_weights, pd->weights_desc(), w[0], constants, bindings);
  auto kernel = std::make_unique<PrimitiveKernel>(
      ctx, dnnl::convolution_forward(*pd), std::move(bindings), std::move(constants), r.describe());
  kernel->set_output_layouts({layout_of(pd->dst_desc(), y)});
  if (has_sum) kernel->set_prefill(kSumInput, input_md(r, kSumInput), pd->dst_desc());
  return KernelPtr(std::move(kernel));
}

namespace {

Result<SpatialParams> conv_transpose_params(const KernelRequest& r) {
  return resolve_conv_transpose(*r.node, r.inputs[0].shape, r.inputs[1].shape);
}

// oneDNN's deconvolution output is (in-1)*s - pl - pr + (k-1)*d + 1; ONNX adds output_padding
// at the end, which is the same as shrinking the end padding by it.
dims deconv_pads_end(const SpatialParams& p) {
  dims pr;
  for (size_t i = 0; i < p.pads_end.size(); ++i) pr.push_back(p.pads_end[i] - p.output_padding[i]);
  return pr;
}

}  // namespace

bool conv_transpose_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"kernel_shape", "strides", "dilations", "pads", "auto_pad", "group",
                               "output_padding", "output_shape"})) {
    return false;
  }
  if (r.inputs.size() < 2 || !rank_ok(r)) return false;
  auto params = conv_transpose_params(r);
  if (!params.is_ok() || !geometry_ok(*params)) return false;
  const SpatialParams& p = *params;
  const dims pr = deconv_pads_end(p);
  const Shape& x = r.inputs[0].shape;
  const Shape& y = r.outputs[0].shape;
  for (size_t i = 0; i < p.kernel.size(); ++i) {
    if (pr[i] < 0) return false;  // output_padding larger than the end padding
    const int64_t out = (x[i + 2] - 1) * p.strides[i] - p.pads_begin[i] - pr[i] +
                        (p.kernel[i] - 1) * p.dilations[i] + 1;
    if (out != y[i + 2] || out != p.output_spatial[i]) return false;
  }
  return true;
}

Result<KernelPtr> conv_transpose_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(SpatialParams p, conv_transpose_params(r));
  const Shape& w = r.inputs[1].shape;  // [C, M/g, k..]
  const int64_t group = p.group;
  const int64_t in_per_group = w[0] / group;
  const int64_t out_per_group = w[1];
  const int64_t kernel_size =
      std::accumulate(w.begin() + 2, w.end(), int64_t{1}, std::multiplies<>());
  // oneDNN wants [g, OC/g, IC/g, k..]; ONNX stores [g, IC/g, OC/g, k..]: describe it by strides.
  dims weight_dims{group, out_per_group, in_per_group};
  dims weight_strides{in_per_group * out_per_group * kernel_size, kernel_size,
                      out_per_group * kernel_size};
  const dims spatial(w.begin() + 2, w.end());
  const dims spatial_strides = plain_strides(spatial);
  weight_dims.insert(weight_dims.end(), spatial.begin(), spatial.end());
  weight_strides.insert(weight_strides.end(), spatial_strides.begin(), spatial_strides.end());
  if (group == 1) {
    weight_dims.erase(weight_dims.begin());
    weight_strides.erase(weight_strides.begin());
  }
  const int64_t out_channels = out_per_group * group;
  const md src_md = plain_md(r.inputs[0].shape);
  const md dst_md = plain_md(r.outputs[0].shape);
  const md user_weights = strided_md(weight_dims, weight_strides);
  const md bias_md = has_input(r, 2) ? plain_md({out_channels}) : md();
  dnnl::deconvolution_forward::desc desc(
      dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct, src_md,
      weights_md_for(r, user_weights, weight_dims), bias_md, dst_md, to_dims(p.strides),
      onednn_dilations(p), to_dims(p.pads_begin), deconv_pads_end(p));
  dnnl::deconvolution_forward::primitive_desc pd(desc, ctx->engine);

  ConstantArgs constants(shares_prepared_constants(r));
  auto bindings = src_dst_bindings(src_md, dst_md);
  bind_weights_and_bias(ctx, r, user_weights, pd.weights_desc(), out_channels, constants, bindings);
  return KernelPtr(new PrimitiveKernel(ctx, dnnl::deconvolution_forward(pd), std::move(bindings),
                                       std::move(constants), r.describe()));
}

}  // namespace fovea::onednn
