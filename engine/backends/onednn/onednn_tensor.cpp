// Add/Sub/Mul/Div/Max/Min → binary (with oneDNN's one-sided broadcasting), Sum → sum,
// Concat → concat. All work on plain row-major views.
#include <optional>
#include <string_view>

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
  const md src0_md = plain_md(plan->src0_shape);
  const md src1_md = plain_md(plan->src1_shape);
  dnnl::binary::desc desc(plan->algorithm, src0_md, src1_md, src0_md);
  dnnl::binary::primitive_desc pd(desc, ctx->engine);
  return KernelPtr(new PrimitiveKernel(
      ctx, dnnl::binary(pd),
      {in_arg(DNNL_ARG_SRC_0, plan->src0_input, src0_md),
       in_arg(DNNL_ARG_SRC_1, plan->src1_input, src1_md), out_arg(DNNL_ARG_DST, 0, src0_md)},
      {}, r.describe()));
}

bool sum_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {}) || r.inputs.size() < 2 || r.outputs.size() != 1) return false;
  for (const ValueInfo& in : r.inputs) {
    if (in.shape != r.outputs[0].shape) return false;
  }
  return r.outputs[0].shape.size() <= kMaxRank;
}

Result<KernelPtr> sum_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  const md data_md = plain_md(r.outputs[0].shape);
  const std::vector<md> srcs(r.inputs.size(), data_md);
  const std::vector<float> scales(r.inputs.size(), 1.0f);
  dnnl::sum::primitive_desc pd(data_md, scales, srcs, ctx->engine);
  std::vector<PrimitiveKernel::Binding> bindings;
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    bindings.push_back(in_arg(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), i, data_md));
  }
  bindings.push_back(out_arg(DNNL_ARG_DST, 0, data_md));
  return KernelPtr(new PrimitiveKernel(ctx, dnnl::sum(pd), std::move(bindings), {}, r.describe()));
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
  const md dst_md = plain_md(out);
  std::vector<md> srcs;
  std::vector<PrimitiveKernel::Binding> bindings;
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    srcs.push_back(plain_md(r.inputs[i].shape));
    bindings.push_back(in_arg(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), i, srcs.back()));
  }
  bindings.push_back(out_arg(DNNL_ARG_DST, 0, dst_md));
  dnnl::concat::primitive_desc pd(dst_md, static_cast<int>(axis.value_or(0)), srcs, ctx->engine);
  return KernelPtr(
      new PrimitiveKernel(ctx, dnnl::concat(pd), std::move(bindings), {}, r.describe()));
}

}  // namespace fovea::onednn
