#include "engine/backends/onednn/onednn_common.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

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

void apply_threads(const Context& ctx) {
  if (ctx.threads > 0 && omp_get_max_threads() != ctx.threads) omp_set_num_threads(ctx.threads);
}

dnnl::memory reorder_constant(Context& ctx, const md& src_md, const void* data, const md& dst_md) {
  dnnl::memory src(src_md, ctx.engine, const_cast<void*>(data));
  dnnl::memory dst(dst_md, ctx.engine);  // owned by oneDNN, freed with the last handle
  dnnl::reorder(src, dst).execute(ctx.stream, src, dst);
  ctx.stream.wait();
  return dst;
}

Status PrimitiveKernel::run(std::span<const Tensor> inputs, std::span<Tensor> outputs) {
  apply_threads(*ctx_);
  try {
    std::unordered_map<int, dnnl::memory> args = constants_;
    for (const Binding& b : bindings_) {
      if (b.output) {
        if (b.index >= outputs.size()) return internal_error(name_ + ": missing output");
        args[b.arg] = dnnl::memory(b.desc, ctx_->engine, outputs[b.index].raw_data());
      } else {
        if (b.index >= inputs.size()) return internal_error(name_ + ": missing input");
        // oneDNN takes non-const handles even for sources; it does not write them.
        args[b.arg] =
            dnnl::memory(b.desc, ctx_->engine, const_cast<void*>(inputs[b.index].raw_data()));
      }
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
  for (const auto& [name, value] : request.node->attrs.all()) {
    const bool known =
        std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return name == a; });
    if (!known) return false;
  }
  return true;
}

}  // namespace fovea::onednn
