// MaxPool / AveragePool / GlobalMaxPool / GlobalAveragePool → pooling_v2_forward, LRN →
// lrn_forward. ceil_mode is expressed by enlarging the end padding until oneDNN's output size
// equals ours; the cases where that would change the result are declined.
#include "engine/backends/onednn/onednn_common.h"
#include "engine/ops/spatial_params.h"

namespace fovea::onednn {
namespace {

constexpr size_t kMinRank = 3;
constexpr size_t kMaxRank = 5;

struct PoolGeometry {
  dims kernel, strides, dilations, pads_begin, pads_end;  // oneDNN conventions
  bool end_padding_grown = false;  // pads_end exceeds the model's (ceil_mode overhang)
};

// The end padding that makes floor((in + pl + pr - extent) / s) + 1 == out, or nullopt.
std::optional<PoolGeometry> pool_geometry(const SpatialParams& p, const Shape& x, const Shape& y) {
  PoolGeometry g;
  for (size_t i = 0; i < p.kernel.size(); ++i) {
    const int64_t in = x[i + 2];
    const int64_t out = y[i + 2];
    const int64_t s = p.strides[i];
    const int64_t extent = (p.kernel[i] - 1) * p.dilations[i] + 1;
    const int64_t pl = p.pads_begin[i];
    if (s < 1 || p.dilations[i] < 1 || pl < 0 || p.pads_end[i] < 0) return std::nullopt;
    if (out != p.output_spatial[i] || out < 1) return std::nullopt;
    // A last window that starts past the input would see only padding; its value is a
    // convention we leave to the reference.
    if ((out - 1) * s - pl >= in) return std::nullopt;
    int64_t pr = std::max<int64_t>(0, (out - 1) * s + extent - in - pl);
    if ((in + pl + pr - extent) / s + 1 != out) return std::nullopt;
    // oneDNN requires padding smaller than the kernel extent.
    if (pl >= extent || pr >= extent) return std::nullopt;
    g.end_padding_grown = g.end_padding_grown || pr > p.pads_end[i];
    g.kernel.push_back(p.kernel[i]);
    g.strides.push_back(s);
    g.dilations.push_back(p.dilations[i] - 1);
    g.pads_begin.push_back(pl);
    g.pads_end.push_back(pr);
  }
  return g;
}

// A one-source, one-destination primitive whose output layout is the destination's.
KernelPtr layout_kernel(const ContextPtr& ctx, dnnl::primitive primitive, const md& src_md,
                        const md& dst_md, const KernelRequest& r) {
  auto kernel = std::make_unique<PrimitiveKernel>(
      ctx, std::move(primitive),
      std::vector<PrimitiveKernel::Binding>{in_arg(DNNL_ARG_SRC, 0, src_md),
                                            out_arg(DNNL_ARG_DST, 0, dst_md)},
      ConstantArgs{}, r.describe());
  kernel->set_output_layouts({layout_of(dst_md, r.outputs[0].shape)});
  return kernel;
}

bool rank_ok(const KernelRequest& r) {
  const size_t rank = r.inputs[0].shape.size();
  return rank >= kMinRank && rank <= kMaxRank && r.outputs[0].shape.size() == rank;
}

struct PoolChoice {
  dnnl::algorithm algorithm;
  PoolGeometry geometry;
};

std::optional<PoolChoice> choose_pool(const KernelRequest& r) {
  const Node& node = *r.node;
  const bool is_max = node.op_type == "MaxPool";
  if (r.inputs.size() != 1 || r.outputs.size() != 1 || !rank_ok(r)) return std::nullopt;
  auto params = resolve_pool(node, r.inputs[0].shape);
  if (!params.is_ok()) return std::nullopt;
  auto geometry = pool_geometry(*params, r.inputs[0].shape, r.outputs[0].shape);
  if (!geometry) return std::nullopt;
  if (is_max) return PoolChoice{dnnl::algorithm::pooling_max, *geometry};
  for (int64_t d : params->dilations) {
    if (d != 1) return std::nullopt;  // dilated averaging: divisor conventions not verified
  }
  if (node.attrs.get_int("count_include_pad", 0) != 0) {
    // oneDNN divides by the whole kernel, also for windows running into the ceil overhang,
    // where ONNX counts only the model's padding.
    if (geometry->end_padding_grown) return std::nullopt;
    return PoolChoice{dnnl::algorithm::pooling_avg_include_padding, *geometry};
  }
  return PoolChoice{dnnl::algorithm::pooling_avg_exclude_padding, *geometry};
}

Result<KernelPtr> make_pool_kernel(const ContextPtr& ctx, const KernelRequest& r,
                                   dnnl::algorithm algorithm, const PoolGeometry& g) {
  // The source keeps the layout it arrives in; the destination follows it (format any).
  const md src_md = input_md(r, 0);
  const md dst_md = r.input_layout(0) ? any_md(r.outputs[0].shape) : plain_md(r.outputs[0].shape);
  dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, src_md, dst_md,
                                      g.strides, g.kernel, g.dilations, g.pads_begin, g.pads_end);
  dnnl::pooling_v2_forward::primitive_desc pd(desc, ctx->engine);
  return layout_kernel(ctx, dnnl::pooling_v2_forward(pd), src_md, pd.dst_desc(), r);
}

}  // namespace

bool pool_supports(const KernelRequest& r) {
  const bool is_max = r.node->op_type == "MaxPool";
  // storage_order only matters for MaxPool's Indices output, which we decline.
  const bool attrs_ok =
      is_max ? plain_float_request(r, {"kernel_shape", "strides", "dilations", "pads", "auto_pad",
                                       "ceil_mode", "storage_order"})
             : plain_float_request(r, {"kernel_shape", "strides", "dilations", "pads", "auto_pad",
                                       "ceil_mode", "count_include_pad"});
  return attrs_ok && choose_pool(r).has_value();
}

Result<KernelPtr> pool_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  auto choice = choose_pool(r);
  if (!choice) return unsupported(r.describe() + ": pooling geometry not supported by oneDNN");
  return make_pool_kernel(ctx, r, choice->algorithm, choice->geometry);
}

bool global_pool_supports(const KernelRequest& r) {
  return plain_float_request(r, {}) && r.inputs.size() == 1 && r.outputs.size() == 1 && rank_ok(r);
}

Result<KernelPtr> global_pool_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  const Shape& x = r.inputs[0].shape;
  PoolGeometry g;
  g.kernel = dims(x.begin() + 2, x.end());
  g.strides = dims(g.kernel.size(), 1);
  g.dilations = dims(g.kernel.size(), 0);
  g.pads_begin = dims(g.kernel.size(), 0);
  g.pads_end = g.pads_begin;
  const auto algorithm = r.node->op_type == "GlobalMaxPool"
                             ? dnnl::algorithm::pooling_max
                             : dnnl::algorithm::pooling_avg_exclude_padding;
  return make_pool_kernel(ctx, r, algorithm, g);
}

// LRN: ONNX y = x / (bias + alpha/size * sum x^2)^beta over channels
// [c - floor((size-1)/2), c + ceil((size-1)/2)]; oneDNN's across-channel LRN uses the same
// alpha/size scaling and a symmetric window, so only odd sizes match.
bool lrn_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"size", "alpha", "beta", "bias"})) return false;
  const int64_t size = r.node->attrs.get_int("size", 0);
  constexpr size_t kLrnRank = 4;
  return r.inputs.size() == 1 && r.inputs[0].shape.size() == kLrnRank && size > 0 && size % 2 == 1;
}

Result<KernelPtr> lrn_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  const Attributes& a = r.node->attrs;
  const md data_md = input_md(r, 0);
  dnnl::lrn_forward::desc desc(dnnl::prop_kind::forward_inference,
                               dnnl::algorithm::lrn_across_channels, data_md, a.get_int("size", 1),
                               a.get_float("alpha", 1e-4f), a.get_float("beta", 0.75f),
                               a.get_float("bias", 1.0f));
  dnnl::lrn_forward::primitive_desc pd(desc, ctx->engine);
  return layout_kernel(ctx, dnnl::lrn_forward(pd), data_md, pd.dst_desc(), r);
}

}  // namespace fovea::onednn
