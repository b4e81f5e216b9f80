// Gemm: Y = alpha * A' * B' + beta * C, where A' = transA ? A^T : A ([M,K]) and
// B' = transB ? B^T : B ([K,N]); the optional C broadcasts unidirectionally to [M,N]
// (scalar, [N], [1,N], [M,1] or [M,N]). Fused form (engine/passes): attribute `activation`
// applied to Y.
#include <string>

#include "engine/ops/fused_activation.h"
#include "engine/ops/op_schema.h"

namespace fovea {
namespace {

// True when `c` broadcasts to [m, n] (numpy rules, C's dims right-aligned, only C may grow).
bool broadcasts_to(const Shape& c, int64_t m, int64_t n) {
  if (c.size() > 2) return false;
  const Shape target = {m, n};
  for (size_t i = 0; i < c.size(); ++i) {
    const int64_t dim = c[c.size() - 1 - i];
    const int64_t want = target[1 - i];
    if (dim != 1 && dim != want && dim != kDynamicDim && want != kDynamicDim) return false;
  }
  return true;
}

Status infer_gemm(InferContext& ctx) {
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    if (ctx.has_input(i) && ctx.inputs[i].dtype != DType::kFloat32) {
      return ctx.unsupported_error(std::string("input ") + std::to_string(i) + " has dtype " +
                                   dtype_name(ctx.inputs[i].dtype) + "; only float32 is supported");
    }
  }
  FOVEA_RETURN_IF_ERROR(check_fused_activation(ctx));
  const ValueInfo& a = ctx.inputs[0];
  const ValueInfo& b = ctx.inputs[1];
  ctx.set_output(0, DType::kFloat32, {kDynamicDim, kDynamicDim});
  if (!a.rank_known || !b.rank_known) return Status::ok();
  if (a.shape.size() != 2 || b.shape.size() != 2) {
    return ctx.error("A " + shape_to_string(a.shape) + " and B " + shape_to_string(b.shape) +
                     " must both be matrices");
  }
  const bool trans_a = ctx.node->attrs.get_int("transA", 0) != 0;
  const bool trans_b = ctx.node->attrs.get_int("transB", 0) != 0;
  const int64_t m = a.shape[trans_a ? 1 : 0];
  const int64_t k_a = a.shape[trans_a ? 0 : 1];
  const int64_t k_b = b.shape[trans_b ? 1 : 0];
  const int64_t n = b.shape[trans_b ? 0 : 1];
  if (k_a != k_b && k_a != kDynamicDim && k_b != kDynamicDim) {
    return ctx.error("inner dimensions differ: A " + shape_to_string(a.shape) +
                     (trans_a ? " (transposed)" : "") + ", B " + shape_to_string(b.shape) +
                     (trans_b ? " (transposed)" : ""));
  }
  if (ctx.has_input(2) && ctx.inputs[2].rank_known && !broadcasts_to(ctx.inputs[2].shape, m, n)) {
    return ctx.error("C " + shape_to_string(ctx.inputs[2].shape) + " does not broadcast to [" +
                     std::to_string(m) + "," + std::to_string(n) + "]");
  }
  ctx.set_output(0, DType::kFloat32, {m, n});
  return Status::ok();
}

Status gemm_reference(const Node& node, std::span<const Tensor> inputs, std::span<Tensor> outputs) {
  const Tensor& a = inputs[0];
  const Tensor& b = inputs[1];
  const bool has_c = inputs.size() > 2 && !inputs[2].empty();
  const bool trans_a = node.attrs.get_int("transA", 0) != 0;
  const bool trans_b = node.attrs.get_int("transB", 0) != 0;
  const float alpha = node.attrs.get_float("alpha", 1.0f);
  const float beta = node.attrs.get_float("beta", 1.0f);
  const int64_t m = outputs[0].dim(0);
  const int64_t n = outputs[0].dim(1);
  const int64_t k = a.dim(trans_a ? 0 : 1);
  auto a_at = [&](int64_t i, int64_t j) {
    return a.data<float>()[trans_a ? j * m + i : i * k + j];
  };
  auto b_at = [&](int64_t i, int64_t j) {
    return b.data<float>()[trans_b ? j * k + i : i * n + j];
  };
  auto c_at = [&](int64_t i, int64_t j) {
    const Tensor& c = inputs[2];
    // Right-aligned broadcast: a size-1 (or missing) dim reads index 0.
    const int64_t rows = c.rank() == 2 ? c.dim(0) : 1;
    const int64_t cols = c.rank() >= 1 ? c.dim(c.rank() - 1) : 1;
    return c.data<float>()[(rows == 1 ? 0 : i) * cols + (cols == 1 ? 0 : j)];
  };
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float sum = 0.0f;
      for (int64_t p = 0; p < k; ++p) sum += a_at(i, p) * b_at(p, j);
      outputs[0].data<float>()[i * n + j] = alpha * sum + (has_c ? beta * c_at(i, j) : 0.0f);
    }
  }
  return apply_fused_activation(node, outputs[0]);
}

}  // namespace

const OpSchema& gemm_schema() {
  static const OpSchema schema{
      .type = "Gemm",
      .since_opset = 1,
      .min_inputs = 2,
      .max_inputs = 3,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"activation", AttrType::kString},
                     {"activation_alpha", AttrType::kFloat},
                     {"activation_beta", AttrType::kFloat},
                     {"alpha", AttrType::kFloat},
                     {"beta", AttrType::kFloat},
                     {"transA", AttrType::kInt},
                     {"transB", AttrType::kInt}},
      .infer = infer_gemm,
      .reference = gemm_reference,
  };
  return schema;
}

}  // namespace fovea
