// Add/Sub/Mul/Div/Max/Min → binary (with oneDNN's one-sided broadcasting), Sum → sum,
// Concat → concat. All work on plain row-major views.
#include <optional>
#include <string_view>

#include "engine/backends/concat_slices.h"
#include "engine/backends/onednn/onednn_common.h"

namespace fovea::onednn {
namespace {

constexpr size_t kMaxRank = 6;

struct BinaryOp {
  std::string_view op_type;
  dnnl::algorithm algorithm;
  bool commutative;
};

constexpr BinaryOp kBinaryOps[] = {
    {"Add", dnnl::algorithm::binary_add, true}, {"Sub", dnnl::algorithm::binary_sub, false},
    {"Mul", dnnl::algorithm::binary_mul, true}, {"Div", dnnl::algorithm::binary_div, false},
    {"Max", dnnl::algorithm::binary_max, true}, {"Min", dnnl::algorithm::binary_min, true},
};

Shape padded_to(const Shape& shape, size_t rank) {
  Shape padded(rank - shape.size(), 1);
  padded.insert(padded.end(), shape.begin(), shape.end());
  return padded;
}

// oneDNN broadcasts src1 only: src0 must already have the output's shape.
struct BinaryPlan {
  dnnl::algorithm algorithm;
  size_t src0_input;
  size_t src1_input;
  Shape src0_shape, src1_shape;
};

std::optional<BinaryPlan> binary_plan(const KernelRequest& r) {
  if (r.inputs.size() != 2 || r.outputs.size() != 1) return std::nullopt;
  const BinaryOp* op = nullptr;
  for (const BinaryOp& candidate : kBinaryOps) {
    if (r.node->op_type == candidate.op_type) op = &candidate;
  }
  if (op == nullptr) return std::nullopt;
  const Shape& out = r.outputs[0].shape;
  const size_t rank = std::max<size_t>(out.size(), 1);
  if (rank > kMaxRank || r.inputs[0].shape.size() > rank || r.inputs[1].shape.size() > rank) {
    return std::nullopt;
  }
  const Shape pout = padded_to(out, rank);
  const Shape pa = padded_to(r.inputs[0].shape, rank);
  const Shape pb = padded_to(r.inputs[1].shape, rank);
  auto broadcasts_to_out = [&](const Shape& s) {
    for (size_t i = 0; i < rank; ++i) {
      if (s[i] != pout[i] && s[i] != 1) return false;
    }
    return true;
  };
  if (!broadcasts_to_out(pa) || !broadcasts_to_out(pb)) return std::nullopt;
  if (pa == pout) return BinaryPlan{op->algorithm, 0, 1, pa, pb};
  if (pb == pout && op->commutative) return BinaryPlan{op->algorithm, 1, 0, pb, pa};
  return std::nullopt;  // src0 would need broadcasting
}

}  // namespace

bool binary_supports(const KernelRequest& r) {
  return plain_float_request(r, {}) && binary_plan(r).has_value();
}

Result<KernelPtr> binary_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  const auto plan = binary_plan(r);
  if (!plan) return unsupported(r.describe() + ": broadcast pattern not supported by oneDNN");
  // Inputs of the output's own shape keep their layouts (binary_accepts_layout); the output
  // takes src0's and may overwrite it.
  const md src0_md =
      r.input_layout(plan->src0_input) ? input_md(r, plan->src0_input) : plain_md(plan->src0_shape);
  const md src1_md =
      r.input_layout(plan->src1_input) ? input_md(r, plan->src1_input) : plain_md(plan->src1_shape);
  dnnl::binary::desc desc(plan->algorithm, src0_md, src1_md, src0_md);
  dnnl::binary::primitive_desc pd(desc, ctx->engine);
  auto kernel = std::make_unique<PrimitiveKernel>(
      ctx, dnnl::binary(pd),
      std::vector<PrimitiveKernel::Binding>{in_arg(DNNL_ARG_SRC_0, plan->src0_input, src0_md),
                                            in_arg(DNNL_ARG_SRC_1, plan->src1_input, src1_md),
                                            out_arg(DNNL_ARG_DST, 0, src0_md)},
      ConstantArgs{}, r.describe());
  kernel->set_output_layouts({layout_of(src0_md, r.outputs[0].shape)});
  kernel->set_inplace_input(plan->src0_input);
  return KernelPtr(std::move(kernel));
}

bool sum_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {}) || r.inputs.size() < 2 || r.outputs.size() != 1) return false;
  for (const ValueInfo& in : r.inputs) {
    if (in.shape != r.outputs[0].shape) return false;
  }
  return r.outputs[0].shape.size() <= kMaxRank;
}

bool binary_accepts_layout(const KernelRequest& r, size_t i) {
  // Only without broadcasting: a broadcast operand's layout would not match the output's.
  return i < 2 && r.inputs.size() == 2 && r.outputs.size() == 1 &&
         r.inputs[0].shape == r.outputs[0].shape && r.inputs[1].shape == r.outputs[0].shape;
}

Result<KernelPtr> sum_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  std::vector<md> srcs;
  for (size_t i = 0; i < r.inputs.size(); ++i) srcs.push_back(input_md(r, i));
  const md dst_md = srcs[0];  // the first input's layout; it may be overwritten in place
  const std::vector<float> scales(r.inputs.size(), 1.0f);
  dnnl::sum::primitive_desc pd(dst_md, scales, srcs, ctx->engine);
  std::vector<PrimitiveKernel::Binding> bindings;
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    bindings.push_back(in_arg(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), i, srcs[i]));
  }
  bindings.push_back(out_arg(DNNL_ARG_DST, 0, dst_md));
  auto kernel = std::make_unique<PrimitiveKernel>(ctx, dnnl::sum(pd), std::move(bindings),
                                                  ConstantArgs{}, r.describe());
  kernel->set_output_layouts({layout_of(dst_md, r.outputs[0].shape)});
  kernel->set_inplace_input(0);
  return KernelPtr(std::move(kernel));
}

// Where each source lies inside the destination when the destination is the sources' bytes end
// to end: plain tensors with nothing but ones before the axis, or (batch 1, channels) sources
// and destination in one channel-blocked format with every source a whole number of blocks.
std::optional<std::vector<size_t>> contiguous_slices(const KernelRequest& r,
                                                     const std::vector<md>& srcs, const md& dst,
                                                     int axis) {
  const Shape& out = r.outputs[0].shape;
  bool all_plain = dst == plain_md(out);
  for (size_t i = 0; i < srcs.size(); ++i) {
    all_plain = all_plain && srcs[i] == plain_md(r.inputs[i].shape);
  }
  if (all_plain) return plain_concat_offsets(r);
  constexpr size_t kRank = 4;
  if (out.size() != kRank || axis != 1 || out[0] != 1) return std::nullopt;
  using tag = dnnl::memory::format_tag;
  const std::pair<tag, int64_t> blocked_formats[] = {{tag::nChw16c, 16}, {tag::nChw8c, 8}};
  for (const auto& [format, block] : blocked_formats) {
    if (dst != md(to_dims(out), dnnl::memory::data_type::f32, format)) continue;
    std::vector<size_t> offsets;
    size_t offset = 0;
    for (size_t i = 0; i < srcs.size(); ++i) {
      const Shape& in = r.inputs[i].shape;
      if (in[1] % block != 0 || srcs[i] != md(to_dims(in), dnnl::memory::data_type::f32, format)) {
        return std::nullopt;
      }
      offsets.push_back(offset);
      offset += srcs[i].get_size();
    }
    if (offset != dst.get_size()) return std::nullopt;
    return offsets;
  }
  return std::nullopt;
}

bool concat_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"axis"}) || r.inputs.empty() || r.outputs.size() != 1) {
    return false;
  }
  const Shape& out = r.outputs[0].shape;
  if (out.empty() || out.size() > kMaxRank) return false;
  const auto axis = normalize_axis(r.node->attrs.get_int("axis", 0), out.size());
  if (!axis) return false;
  int64_t total = 0;
  for (const ValueInfo& in : r.inputs) {
    if (in.dtype == DType::kUndefined || in.shape.size() != out.size()) return false;
    for (size_t d = 0; d < out.size(); ++d) {
      if (static_cast<int64_t>(d) != *axis && in.shape[d] != out[d]) return false;
    }
    total += in.shape[static_cast<size_t>(*axis)];
  }
  return total == out[static_cast<size_t>(*axis)];
}

Result<KernelPtr> concat_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  const Shape& out = r.outputs[0].shape;
  const auto axis = normalize_axis(r.node->attrs.get_int("axis", 0), out.size());
  std::vector<md> srcs;
  std::vector<PrimitiveKernel::Binding> bindings;
  bool any_blocked = false;
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    srcs.push_back(input_md(r, i));
    any_blocked = any_blocked || r.input_layout(i) != nullptr;
    bindings.push_back(in_arg(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), i, srcs.back()));
  }
  // Blocked sources: oneDNN picks the destination layout (normally the sources' own).
  const int concat_axis = static_cast<int>(axis.value_or(0));
  auto pd = any_blocked
                ? dnnl::concat::primitive_desc(concat_axis, srcs, ctx->engine)
                : dnnl::concat::primitive_desc(plain_md(out), concat_axis, srcs, ctx->engine);
  bindings.push_back(out_arg(DNNL_ARG_DST, 0, pd.dst_desc()));
  auto kernel = std::make_unique<PrimitiveKernel>(ctx, dnnl::concat(pd), std::move(bindings),
                                                  ConstantArgs{}, r.describe());
  kernel->set_output_layouts({layout_of(pd.dst_desc(), out)});
  if (auto offsets = contiguous_slices(r, srcs, pd.dst_desc(), concat_axis)) {
    kernel->set_input_offsets(std::move(*offsets));
  }
  return KernelPtr(std::move(kernel));
}

}  // namespace fovea::onednn
