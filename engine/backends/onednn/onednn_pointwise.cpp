// Activations → eltwise_forward (on a flat view: they are elementwise), Softmax/LogSoftmax →
// softmax_v2_forward, inference BatchNormalization → batch_normalization_forward with global
// statistics.
#include <limits>
#include <numeric>
#include <optional>

#include "engine/backends/onednn/onednn_common.h"

namespace fovea::onednn {
namespace {

struct EltwiseOp {
  dnnl::algorithm algorithm;
  float alpha = 0.0f;
  float beta = 0.0f;
  bool clip_to_unit = false;  // HardSigmoid: clip(0, 1) after the linear part
};

// Two eltwise primitives back to back, the second in place on dst. oneDNN 2.6's reference
// eltwise ignores eltwise post-ops, so HardSigmoid's clip cannot be a post-op.
class EltwiseChainKernel final : public Kernel {
 public:
  EltwiseChainKernel(ContextPtr ctx, dnnl::primitive first, dnnl::primitive second, md data_md,
                     LayoutPtr layout, std::string name)
      : ctx_(std::move(ctx)),
        first_(std::move(first)),
        second_(std::move(second)),
        data_md_(std::move(data_md)),
        layout_(std::move(layout)),
        name_(std::move(name)) {}

  LayoutPtr output_layout(size_t /*i*/) const override { return layout_; }
  std::optional<size_t> inplace_input(size_t /*i*/) const override { return 0; }

  Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    apply_threads(*ctx_);
    try {
      dnnl::memory src(data_md_, ctx_->engine, const_cast<void*>(inputs[0].raw_data()));
      dnnl::memory dst(data_md_, ctx_->engine, outputs[0].raw_data());
      first_.execute(ctx_->stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
      second_.execute(ctx_->stream, {{DNNL_ARG_SRC, dst}, {DNNL_ARG_DST, dst}});
      ctx_->stream.wait();
    } catch (const dnnl::error& e) {
      return internal_error(name_ + ": oneDNN execution failed: " + e.what());
    }
    return Status::ok();
  }

 private:
  ContextPtr ctx_;
  dnnl::primitive first_;
  dnnl::primitive second_;
  md data_md_;
  LayoutPtr layout_;
  std::string name_;
};

dnnl::primitive make_eltwise(const ContextPtr& ctx, dnnl::algorithm algorithm, const md& data_md,
                             float alpha, float beta) {
  dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, data_md, alpha,
                                   beta);
  return dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(desc, ctx->engine));
}

// Reads a scalar Clip bound from a constant input; nullopt when it is not a constant scalar.
std::optional<float> clip_bound(const KernelRequest& r, size_t i, float absent) {
  if (!has_input(r, i)) return absent;
  const Tensor* t = constant_input(r, i);
  if (t == nullptr || t->element_count() != 1) return std::nullopt;
  return t->data<float>()[0];
}

std::optional<EltwiseOp> eltwise_op(const KernelRequest& r) {
  const std::string& op = r.node->op_type;
  const Attributes& a = r.node->attrs;
  using dnnl::algorithm;
  if (op == "Relu") return EltwiseOp{algorithm::eltwise_relu};
  if (op == "LeakyRelu") return EltwiseOp{algorithm::eltwise_relu, a.get_float("alpha", 0.01f)};
  if (op == "Elu") return EltwiseOp{algorithm::eltwise_elu, a.get_float("alpha", 1.0f)};
  if (op == "Sigmoid") return EltwiseOp{algorithm::eltwise_logistic};
  if (op == "Tanh") return EltwiseOp{algorithm::eltwise_tanh};
  if (op == "HardSwish") return EltwiseOp{algorithm::eltwise_hardswish};
  if (op == "HardSigmoid") {
    return EltwiseOp{algorithm::eltwise_linear, a.get_float("alpha", 0.2f),
                     a.get_float("beta", 0.5f), true};
  }
  if (op == "Clip") {
    const auto lo = clip_bound(r, 1, std::numeric_limits<float>::lowest());
    const auto hi = clip_bound(r, 2, std::numeric_limits<float>::max());
    if (!lo || !hi || *lo > *hi) return std::nullopt;
    return EltwiseOp{algorithm::eltwise_clip, *lo, *hi};
  }
  return std::nullopt;
}

md flat_md(const Shape& shape) {
  const auto count = element_count(shape);
  return plain_md({count.value_or(0)});
}

}  // namespace

bool eltwise_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"alpha", "beta"}) || r.outputs.size() != 1) return false;
  if (r.node->op_type != "Clip" && r.inputs.size() != 1) return false;
  return eltwise_op(r).has_value();
}

Result<KernelPtr> eltwise_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  const auto op = eltwise_op(r);
  if (!op) return unsupported(r.describe() + ": activation not supported by oneDNN");
  // Elementwise: a plain input is viewed flat, a blocked one keeps its layout for the output.
  const LayoutPtr layout = r.input_layout(0);
  const md data_md = layout ? input_md(r, 0) : flat_md(r.inputs[0].shape);
  dnnl::primitive first = make_eltwise(ctx, op->algorithm, data_md, op->alpha, op->beta);
  if (op->clip_to_unit) {
    return KernelPtr(new EltwiseChainKernel(
        ctx, std::move(first),
        make_eltwise(ctx, dnnl::algorithm::eltwise_clip, data_md, 0.0f, 1.0f), data_md, layout,
        r.describe()));
  }
  auto kernel = std::make_unique<PrimitiveKernel>(
      ctx, std::move(first),
      std::vector<PrimitiveKernel::Binding>{in_arg(DNNL_ARG_SRC, 0, data_md),
                                            out_arg(DNNL_ARG_DST, 0, data_md)},
      ConstantArgs{}, r.describe());
  kernel->set_output_layouts({layout});
  kernel->set_inplace_input(0);
  return KernelPtr(std::move(kernel));
}

namespace {

// The shape softmax runs on and its axis: coerce_2d flattens to [outer, inner] around axis.
std::optional<std::pair<Shape, int>> softmax_view(const KernelRequest& r) {
  const Shape& x = r.inputs[0].shape;
  const auto rank = static_cast<int64_t>(x.size());
  if (rank == 0) return std::nullopt;
  const auto axis = normalize_axis(r.node->attrs.get_int("axis", -1), rank);
  if (!axis) return std::nullopt;
  if (r.node->attrs.get_int("coerce_2d", 0) == 0) return std::make_pair(x, static_cast<int>(*axis));
  const int64_t outer =
      std::accumulate(x.begin(), x.begin() + *axis, int64_t{1}, std::multiplies<>());
  const int64_t inner =
      std::accumulate(x.begin() + *axis, x.end(), int64_t{1}, std::multiplies<>());
  return std::make_pair(Shape{outer, inner}, 1);
}

}  // namespace

bool softmax_supports(const KernelRequest& r) {
  return plain_float_request(r, {"axis", "coerce_2d"}) && r.inputs.size() == 1 &&
         softmax_view(r).has_value();
}

Result<KernelPtr> softmax_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  const auto view = softmax_view(r);
  if (!view) return unsupported(r.describe() + ": softmax axis not supported");
  const md data_md = plain_md(view->first);
  const auto algorithm = r.node->op_type == "LogSoftmax" ? dnnl::algorithm::softmax_log
                                                         : dnnl::algorithm::softmax_accurate;
  dnnl::softmax_v2_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, data_md,
                                      data_md, view->second);
  dnnl::softmax_v2_forward::primitive_desc pd(desc, ctx->engine);
  return KernelPtr(new PrimitiveKernel(
      ctx, dnnl::softmax_v2_forward(pd),
      {in_arg(DNNL_ARG_SRC, 0, data_md), out_arg(DNNL_ARG_DST, 0, data_md)}, {}, r.describe()));
}

// Inference-mode BatchNormalization with per-channel statistics; scale, bias, mean and var
// are bound at run time, so they need not be constants.
bool batch_norm_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"epsilon", "momentum", "training_mode", "spatial"})) return false;
  const Attributes& a = r.node->attrs;
  if (a.get_int("training_mode", 0) != 0 || a.get_int("spatial", 1) != 1) return false;
  if (r.inputs.size() != 5 || r.outputs.size() != 1) return false;
  const Shape& x = r.inputs[0].shape;
  constexpr size_t kMinRank = 2;
  constexpr size_t kMaxRank = 5;
  if (x.size() < kMinRank || x.size() > kMaxRank) return false;
  for (size_t i = 1; i < 5; ++i) {
    if (r.inputs[i].shape != Shape{x[1]}) return false;
  }
  return true;
}

Result<KernelPtr> batch_norm_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  const md data_md = input_md(r, 0);
  const md channel_md = plain_md({r.inputs[0].shape[1]});
  const auto flags = dnnl::normalization_flags::use_global_stats |
                     dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  dnnl::batch_normalization_forward::desc desc(dnnl::prop_kind::forward_inference, data_md,
                                               r.node->attrs.get_float("epsilon", 1e-5f), flags);
  dnnl::batch_normalization_forward::primitive_desc pd(desc, ctx->engine);
  auto kernel = std::make_unique<PrimitiveKernel>(
      ctx, dnnl::batch_normalization_forward(pd),
      std::vector<PrimitiveKernel::Binding>{
          in_arg(DNNL_ARG_SRC, 0, data_md), in_arg(DNNL_ARG_SCALE, 1, channel_md),
          in_arg(DNNL_ARG_SHIFT, 2, channel_md), in_arg(DNNL_ARG_MEAN, 3, channel_md),
          in_arg(DNNL_ARG_VARIANCE, 4, channel_md), out_arg(DNNL_ARG_DST, 0, pd.dst_desc())},
      ConstantArgs{}, r.describe());
  kernel->set_output_layouts({layout_of(pd.dst_desc(), r.outputs[0].shape)});
  kernel->set_inplace_input(0);
  return KernelPtr(std::move(kernel));
}

}  // namespace fovea::onednn
