#include "engine/backends/onednn/onednn_common.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <string_view>

namespace fovea::onednn {

dims to_dims(const Shape& shape) { return dims(shape.begin(), shape.end()); }

dims plain_strides(const dims& sizes) {
  dims strides(sizes.size(), 1);
  for (size_t i = sizes.size(); i-- > 1;) strides[i - 1] = strides[i] * sizes[i];
  return strides;
}

md strided_md(const dims& sizes, const dims& strides) {
  return md(sizes, dnnl::memory::data_type::f32, strides);
}

md plain_md(const Shape& shape) {
  const dims sizes = shape.empty() ? dims{1} : to_dims(shape);
  return strided_md(sizes, plain_strides(sizes));
}

md any_md(const Shape& shape) {
  return md(to_dims(shape), dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
}

bool OneDnnLayout::equals(const TensorLayout& other) const {
  const auto* o = dynamic_cast<const OneDnnLayout*>(&other);
  return o != nullptr && o->desc_ == desc_;
}

std::string OneDnnLayout::describe() const {
  // Outer dims by decreasing stride, then the inner blocks: e.g. "abcd:16b" for nChw16c.
  const dnnl_memory_desc_t& d = desc_.data;
  if (d.format_kind != dnnl_blocked) return "onednn-opaque";
  const auto& blocking = d.format_desc.blocking;
  std::vector<int> order(static_cast<size_t>(d.ndims));
  for (int i = 0; i < d.ndims; ++i) order[static_cast<size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return blocking.strides[a] > blocking.strides[b]; });
  std::string text;
  for (int i : order) text += static_cast<char>('a' + i);
  for (int b = 0; b < blocking.inner_nblks; ++b) {
    text += (b == 0 ? ":" : "") + std::to_string(blocking.inner_blks[b]) +
            static_cast<char>('a' + blocking.inner_idxs[b]);
  }
  return "onednn " + text;
}

LayoutPtr layout_of(const md& desc, const Shape& shape) {
  if (desc == plain_md(shape)) return nullptr;
  return std::make_shared<OneDnnLayout>(desc);
}

md input_md(const KernelRequest& request, size_t i) {
  if (const auto* layout = dynamic_cast<const OneDnnLayout*>(request.input_layout(i).get())) {
    return layout->desc();
  }
  return plain_md(request.inputs[i].shape);
}

bool append_fused_activation(const Node& node, dnnl::post_ops& ops) {
  const std::string name = node.attrs.get_string("activation", "");
  // Defaults as the reference (engine/ops/fused_activation.cpp) reads them.
  const float alpha = node.attrs.get_float("activation_alpha", 0.0f);
  const float beta = node.attrs.get_float("activation_beta", 0.0f);
  using dnnl::algorithm;
  constexpr float kScale = 1.0f;
  if (name.empty()) return true;
  if (name == "Relu") {
    ops.append_eltwise(kScale, algorithm::eltwise_relu, 0.0f, 0.0f);
  } else if (name == "LeakyRelu") {
    ops.append_eltwise(kScale, algorithm::eltwise_relu, alpha, 0.0f);
  } else if (name == "Elu") {
    ops.append_eltwise(kScale, algorithm::eltwise_elu, alpha, 0.0f);
  } else if (name == "Sigmoid") {
    ops.append_eltwise(kScale, algorithm::eltwise_logistic, 0.0f, 0.0f);
  } else if (name == "Tanh") {
    ops.append_eltwise(kScale, algorithm::eltwise_tanh, 0.0f, 0.0f);
  } else if (name == "HardSigmoid") {  // max(0, min(1, alpha * x + beta)); 2.6 has no hardsigmoid
    ops.append_eltwise(kScale, algorithm::eltwise_linear, alpha, beta);
    ops.append_eltwise(kScale, algorithm::eltwise_clip, 0.0f, 1.0f);
  } else if (name == "HardSwish") {  // 2.6: x * max(0, min(1, x / 6 + 1 / 2)), as ONNX
    ops.append_eltwise(kScale, algorithm::eltwise_hardswish, 0.0f, 0.0f);
  } else if (name == "Clip") {  // alpha = min, beta = max; ONNX gives max when min > max
    if (alpha > beta) return false;
    ops.append_eltwise(kScale, algorithm::eltwise_clip, alpha, beta);
  } else {
    return false;
  }
  return true;
}

PrimitiveKernel::Binding converted_in_arg(const Context& ctx, int arg, size_t index, const md& want,
                                          const md& have) {
  PrimitiveKernel::Binding b = in_arg(arg, index, want);
  if (want != have) {
    b.arrives_as = have;
    b.convert = std::make_shared<dnnl::reorder>(
        dnnl::reorder::primitive_desc(ctx.engine, have, ctx.engine, want));
  }
  return b;
}

bool is_reference_impl(const dnnl::primitive_desc_base& pd) {
  return std::string_view(pd.impl_info_str()).starts_with("ref");
}

// Averaging over a 1-element window copies the element exactly (x / 1), NaN included, where a
// max pool's NaN handling depends on operand order.
std::optional<PrimitiveKernel::Binding> subsampled_in_arg(const Context& ctx, int arg, size_t index,
                                                          const md& want, const md& have,
                                                          const dims& strides) {
  const dims ones(strides.size(), 1);
  const dims zeros(strides.size(), 0);
  try {
    dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference,
                                        dnnl::algorithm::pooling_avg_exclude_padding, have, want,
                                        strides, ones, zeros, zeros, zeros);
    dnnl::pooling_v2_forward::primitive_desc pd(desc, ctx.engine);
    // A reference loop (e.g. for mismatched layouts) would cost more than it saves.
    if (is_reference_impl(pd)) return std::nullopt;
    PrimitiveKernel::Binding b = in_arg(arg, index, want);
    b.arrives_as = have;
    b.convert = std::make_shared<dnnl::pooling_v2_forward>(pd);
    return b;
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
}

void PrimitiveKernel::set_prefill(size_t index, const md& from, const md& to) {
  prefill_input_ = index;
  prefill_from_ = from;
  prefill_to_ = to;
  prefill_ = std::make_shared<dnnl::reorder>(
      dnnl::reorder::primitive_desc(ctx_->engine, from, ctx_->engine, to));
  inplace_input_ = index;
}

bool first_input_accepts_layout(const KernelRequest& /*request*/, size_t i) { return i == 0; }
bool every_input_accepts_layout(const KernelRequest& /*request*/, size_t /*i*/) { return true; }
bool conv_accepts_layout(const KernelRequest& /*request*/, size_t i) {
  constexpr size_t kSumInput = 3;
  return i == 0 || i == kSumInput;
}

Result<KernelPtr> to_plain_prepare(const ContextPtr& ctx, const ValueInfo& info,
                                   const LayoutPtr& layout) {
  const auto* onednn = dynamic_cast<const OneDnnLayout*>(layout.get());
  if (onednn == nullptr || info.dtype != DType::kFloat32) {
    return unsupported("onednn: cannot convert this layout to plain");
  }
  const md plain = plain_md(info.shape);
  dnnl::reorder reorder(
      dnnl::reorder::primitive_desc(ctx->engine, onednn->desc(), ctx->engine, plain));
  return KernelPtr(new PrimitiveKernel(
      ctx, reorder, {in_arg(DNNL_ARG_FROM, 0, onednn->desc()), out_arg(DNNL_ARG_TO, 0, plain)}, {},
      "reorder to plain"));
}

void apply_threads(const Context& ctx) {
  if (ctx.threads > 0 && omp_get_max_threads() != ctx.threads) omp_set_num_threads(ctx.threads);
}

void ConstantArgs::add_copy(Context& ctx, int arg, const md& src_md, const void* data,
                            const md& dst_md, HostBuffer use) {
  // Blocked layouts pad, and the padding must read as zeros, which allocate_host gives.
  const size_t bytes = dst_md.get_size();
  std::shared_ptr<void> data_buffer = allocate_host(bytes, use);
  // As oneDNN reports its own allocation failures: prepare turns it into a refusal.
  if (!data_buffer) throw dnnl::error(dnnl_out_of_memory, "cannot allocate a constant");
  dnnl::memory src(src_md, ctx.engine, const_cast<void*>(data));
  dnnl::memory dst(dst_md, ctx.engine, data_buffer.get());
  dnnl::reorder(src, dst).execute(ctx.stream, src, dst);
  ctx.stream.wait();
  if (shared_) {
    data_buffer = ctx.shared_constants.deduplicate(std::move(data_buffer), bytes, dst_md, use);
    dst.set_data_handle(data_buffer.get());
  }
  memories_[arg] = dst;
  buffers_.push_back(Tensor::adopt(DType::kUInt8, {static_cast<int64_t>(bytes)},
                                   std::move(data_buffer), MemoryKind::kHost));
}

void ConstantArgs::add_borrowed(const Context& ctx, int arg, const md& desc,
                                const Tensor& constant) {
  memories_[arg] = dnnl::memory(desc, ctx.engine, const_cast<void*>(constant.raw_data()));
  buffers_.push_back(constant);
}

bool PrimitiveKernel::reads_input(size_t i) const {
  if (prefill_input_ == i) return true;
  for (const Binding& b : bindings_) {
    if (!b.output && b.index == i) return true;
  }
  return false;
}

Result<dnnl::memory> PrimitiveKernel::converted_memory(size_t binding) {
  Converted& c = converted_[binding];
  if (!c.buffer) {
    const md& desc = bindings_[binding].desc;
    c.buffer = allocate_host(desc.get_size(), HostBuffer::kKept);
    if (!c.buffer) {
      return internal_error(name_ + ": cannot allocate " + std::to_string(desc.get_size()) +
                            " bytes for a converted input");
    }
    c.memory = dnnl::memory(desc, ctx_->engine, c.buffer.get());
  }
  return c.memory;
}

Status PrimitiveKernel::run(std::span<const Tensor> inputs, std::span<Tensor> outputs) {
  apply_threads(*ctx_);
  try {
    std::unordered_map<int, dnnl::memory> args = constants_.memories();
    for (size_t i = 0; i < bindings_.size(); ++i) {
      const Binding& b = bindings_[i];
      if (b.output) {
        if (b.index >= outputs.size()) return internal_error(name_ + ": missing output");
        args[b.arg] = dnnl::memory(b.desc, ctx_->engine, outputs[b.index].raw_data());
        continue;
      }
      if (b.index >= inputs.size()) return internal_error(name_ + ": missing input");
      // oneDNN takes non-const handles even for sources; it does not write them.
      void* data = const_cast<void*>(inputs[b.index].raw_data());
      if (!b.convert) {
        args[b.arg] = dnnl::memory(b.desc, ctx_->engine, data);
        continue;
      }
      FOVEA_ASSIGN_OR_RETURN(dnnl::memory converted, converted_memory(i));
      dnnl::memory arrived(b.arrives_as, ctx_->engine, data);
      b.convert->execute(ctx_->stream, {{DNNL_ARG_SRC, arrived}, {DNNL_ARG_DST, converted}});
      args[b.arg] = converted;
    }
    if (prefill_ && inputs[*prefill_input_].raw_data() != outputs[0].raw_data()) {
      dnnl::memory from(prefill_from_, ctx_->engine,
                        const_cast<void*>(inputs[*prefill_input_].raw_data()));
      dnnl::memory to(prefill_to_, ctx_->engine, outputs[0].raw_data());
      prefill_->execute(ctx_->stream, from, to);
    }
    primitive_.execute(ctx_->stream, args);
    ctx_->stream.wait();
  } catch (const dnnl::error& e) {
    return internal_error(name_ + ": oneDNN execution failed: " + e.what());
  }
  return Status::ok();
}

bool has_input(const KernelRequest& request, size_t i) {
  return i < request.inputs.size() && request.inputs[i].dtype != DType::kUndefined;
}

const Tensor* constant_input(const KernelRequest& request, size_t i) {
  return has_input(request, i) ? request.inputs[i].value : nullptr;
}

namespace {

bool plain_float(const ValueInfo& info) {
  if (info.dtype == DType::kUndefined) return true;  // omitted optional
  if (info.dtype != DType::kFloat32 || !info.rank_known || !is_static(info.shape)) return false;
  const auto count = element_count(info.shape);
  return count.has_value() && *count > 0;
}

}  // namespace

bool plain_float_request(const KernelRequest& request, std::initializer_list<const char*> allowed) {
  if (request.node == nullptr || !request.node->domain.empty()) return false;
  if (!std::all_of(request.inputs.begin(), request.inputs.end(), plain_float)) return false;
  if (!std::all_of(request.outputs.begin(), request.outputs.end(), plain_float)) return false;
  return attributes_within(*request.node, allowed);
}

}  // namespace fovea::onednn
