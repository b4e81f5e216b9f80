// Gemm and MatMul → the matmul primitive. Transposes are strides on the source descriptors;
// Gemm's alpha is folded into constant weights and beta * C into a constant bias, once; a
// run-time C is bound as the bias directly when beta is 1.
#include <algorithm>
#include <vector>

#include "engine/backends/onednn/onednn_common.h"

namespace fovea::onednn {
namespace {

constexpr size_t kMaxMatMulRank = 6;

struct GemmDims {
  int64_t m, k, n;
};

GemmDims gemm_dims(const KernelRequest& r) {
  const Attributes& a = r.node->attrs;
  const Shape& sa = r.inputs[0].shape;
  const Shape& sb = r.inputs[1].shape;
  const bool trans_a = a.get_int("transA", 0) != 0;
  const bool trans_b = a.get_int("transB", 0) != 0;
  return {trans_a ? sa[1] : sa[0], trans_a ? sa[0] : sa[1], trans_b ? sb[0] : sb[1]};
}

// C broadcast to [M, N] (unidirectionally), or nullopt when it does not.
bool c_broadcasts(const Shape& c, int64_t m, int64_t n) {
  if (c.size() > 2) return false;
  Shape padded(2 - c.size(), 1);
  padded.insert(padded.end(), c.begin(), c.end());
  return (padded[0] == 1 || padded[0] == m) && (padded[1] == 1 || padded[1] == n);
}

// The fused activation (if any) as eltwise post-ops.
bool activation_ok(const KernelRequest& r) {
  dnnl::post_ops ops;
  return append_fused_activation(*r.node, ops);
}

dnnl::primitive_attr activation_attr(const KernelRequest& r) {
  dnnl::post_ops ops;
  append_fused_activation(*r.node, ops);  // checked by supports
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return attr;
}

}  // namespace

bool gemm_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"alpha", "beta", "transA", "transB", "activation",
                               "activation_alpha", "activation_beta"})) {
    return false;
  }
  if (!activation_ok(r)) return false;
  if (r.inputs.size() < 2 || r.inputs[0].shape.size() != 2 || r.inputs[1].shape.size() != 2) {
    return false;
  }
  const Attributes& a = r.node->attrs;
  const float alpha = a.get_float("alpha", 1.0f);
  const float beta = a.get_float("beta", 1.0f);
  // alpha is folded into B, so it needs B constant.
  if (alpha != 1.0f && constant_input(r, 1) == nullptr) return false;
  const GemmDims d = gemm_dims(r);
  const bool trans_b = a.get_int("transB", 0) != 0;
  if ((trans_b ? r.inputs[1].shape[1] : r.inputs[1].shape[0]) != d.k) return false;
  if (has_input(r, 2) && beta != 0.0f) {
    if (!c_broadcasts(r.inputs[2].shape, d.m, d.n)) return false;
    // A run-time C is bound as the bias as is, so it cannot be scaled by beta.
    if (constant_input(r, 2) == nullptr && beta != 1.0f) return false;
  }
  return r.outputs[0].shape == Shape{d.m, d.n};
}

GemmBias scaled_gemm_bias(const Tensor& c, int64_t m, int64_t n, float beta) {
  Shape cs(2 - c.shape().size(), 1);
  cs.insert(cs.end(), c.shape().begin(), c.shape().end());
  GemmBias bias{cs[0] == 1 ? 1 : m, {}};
  bias.values.resize(static_cast<size_t>(bias.rows * n));
  const float* cp = c.data<float>();
  for (int64_t i = 0; i < bias.rows; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      bias.values[i * n + j] = beta * cp[(cs[0] == 1 ? 0 : i) * cs[1] + (cs[1] == 1 ? 0 : j)];
    }
  }
  return bias;
}

Result<KernelPtr> gemm_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(KernelPtr gemv, gemv_prepare(ctx, r));
  if (gemv) return gemv;
  const Attributes& a = r.node->attrs;
  const float alpha = a.get_float("alpha", 1.0f);
  const float beta = a.get_float("beta", 1.0f);
  const bool trans_a = a.get_int("transA", 0) != 0;
  const bool trans_b = a.get_int("transB", 0) != 0;
  const GemmDims d = gemm_dims(r);

  const md src_md = trans_a ? strided_md({d.m, d.k}, {1, d.m}) : plain_md({d.m, d.k});
  const md user_b_md = trans_b ? strided_md({d.k, d.n}, {1, d.k}) : plain_md({d.k, d.n});
  const md dst_md = plain_md({d.m, d.n});
  ConstantArgs constants(shares_prepared_constants(r));
  std::vector<PrimitiveKernel::Binding> bindings{in_arg(DNNL_ARG_SRC, 0, src_md),
                                                 out_arg(DNNL_ARG_DST, 0, dst_md)};

  // Bias: beta * C, kept as [1, N] when C only varies along N, else expanded to [M, N].
  md bias_md;
  std::vector<float> bias;
  const bool runtime_c = has_input(r, 2) && beta != 0.0f && constant_input(r, 2) == nullptr;
  if (runtime_c) {  // C (beta == 1) viewed as [M or 1, N or 1]: matmul broadcasts the bias
    const Shape& cs = r.inputs[2].shape;
    Shape padded(2 - cs.size(), 1);
    padded.insert(padded.end(), cs.begin(), cs.end());
    bias_md = plain_md(padded);
    bindings.push_back(in_arg(DNNL_ARG_BIAS, 2, bias_md));
  } else if (has_input(r, 2) && beta != 0.0f) {
    GemmBias scaled = scaled_gemm_bias(*constant_input(r, 2), d.m, d.n, beta);
    bias = std::move(scaled.values);
    bias_md = plain_md({scaled.rows, d.n});
  }

  const Tensor* b = constant_input(r, 1);
  // Few rows (batch 1..16 classifier heads) where the graph keeps its constants (other plans
  // may be built from them): keeping the model's own layout lets the kernel use the graph's
  // buffer instead of a second copy (VGG's FC layers are 400+ MB), at some speed (blocked
  // weights read faster). Where the plan releases the graph's copy, blocked costs nothing.
  constexpr int64_t kMaxRowsForPlainWeights = 16;
  const bool borrow_weights =
      b != nullptr && alpha == 1.0f && !r.constants_released && d.m <= kMaxRowsForPlainWeights;
  // The same few rows make the product bound by reading the weights: huge pages read faster.
  const HostBuffer weight_use = r.huge_pages && d.m <= kMaxRowsForPlainWeights
                                    ? HostBuffer::kStreamedWeights
                                    : HostBuffer::kKept;
  const md weights_md =
      (b != nullptr && !borrow_weights)
          ? md({d.k, d.n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any)
          : user_b_md;
  dnnl::matmul::desc desc(src_md, weights_md, bias_md, dst_md);
  dnnl::matmul::primitive_desc pd(desc, activation_attr(r), ctx->engine);
  if (borrow_weights) {
    constants.add_borrowed(*ctx, DNNL_ARG_WEIGHTS, user_b_md, *b);
  } else if (b != nullptr && alpha == 1.0f) {
    constants.add_copy(*ctx, DNNL_ARG_WEIGHTS, user_b_md, b->raw_data(), pd.weights_desc(),
                       weight_use);
  } else if (b != nullptr) {
    std::vector<float> scaled(b->data<float>(), b->data<float>() + b->element_count());
    for (float& v : scaled) v *= alpha;
    constants.add_copy(*ctx, DNNL_ARG_WEIGHTS, user_b_md, scaled.data(), pd.weights_desc(),
                       weight_use);
  } else {
    bindings.push_back(in_arg(DNNL_ARG_WEIGHTS, 1, user_b_md));
  }
  if (!bias.empty()) {
    constants.add_copy(*ctx, DNNL_ARG_BIAS, bias_md, bias.data(), bias_md);
  }
  auto kernel = std::make_unique<PrimitiveKernel>(ctx, dnnl::matmul(pd), std::move(bindings),
                                                  std::move(constants), r.describe());
  return KernelPtr(std::move(kernel));
}

namespace {

// Left-pads `shape` with 1s to `rank`.
Shape padded_to(const Shape& shape, size_t rank) {
  Shape padded(rank - shape.size(), 1);
  padded.insert(padded.end(), shape.begin(), shape.end());
  return padded;
}

}  // namespace

bool matmul_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"activation", "activation_alpha", "activation_beta"}) ||
      r.inputs.size() != 2 || !activation_ok(r)) {
    return false;
  }
  const Shape& a = r.inputs[0].shape;
  const Shape& b = r.inputs[1].shape;
  // 1-D operands (vector products) drop a dimension; leave them to the reference.
  if (a.size() < 2 || b.size() < 2) return false;
  const size_t rank = std::max(a.size(), b.size());
  if (rank > kMaxMatMulRank || r.outputs[0].shape.size() != rank) return false;
  const Shape pa = padded_to(a, rank);
  const Shape pb = padded_to(b, rank);
  if (pa[rank - 1] != pb[rank - 2]) return false;
  for (size_t i = 0; i + 2 < rank; ++i) {
    if (pa[i] != pb[i] && pa[i] != 1 && pb[i] != 1) return false;
  }
  return true;
}

Result<KernelPtr> matmul_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  const size_t rank = r.outputs[0].shape.size();
  const md a_md = plain_md(padded_to(r.inputs[0].shape, rank));
  const md b_md = plain_md(padded_to(r.inputs[1].shape, rank));
  const md dst_md = plain_md(r.outputs[0].shape);
  dnnl::matmul::desc desc(a_md, b_md, dst_md);
  dnnl::matmul::primitive_desc pd(desc, activation_attr(r), ctx->engine);
  return KernelPtr(
      new PrimitiveKernel(ctx, dnnl::matmul(pd),
                          {in_arg(DNNL_ARG_SRC, 0, a_md), in_arg(DNNL_ARG_WEIGHTS, 1, b_md),
                           out_arg(DNNL_ARG_DST, 0, dst_md)},
                          {}, r.describe()));
}

}  // namespace fovea::onednn
