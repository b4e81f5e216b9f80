// Gemm and MatMul on cuBLAS (row-major tensors through the usual transpose: cuBLAS computes
// yᵀ = op(b)ᵀ op(a)ᵀ in column-major, see cuda_params.h), with the fused activation of
// engine/ops/README.md applied by the epilogue kernel. Gemm's C is either a per-column bias
// (beta = 1, folded into the epilogue) or broadcast into y first and accumulated with beta.
#include "engine/backends/cuda/cuda_common.h"
#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/backends/cuda/cuda_params.h"

namespace fovea::cuda {
namespace {

constexpr size_t kBiasInput = 2;  // Gemm's C

cublasOperation_t op(bool trans) { return trans ? CUBLAS_OP_T : CUBLAS_OP_N; }

class GemmKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

  Status prepare(const KernelRequest& r, const GemmShape& g) {
    FOVEA_RETURN_IF_ERROR(upload_constants(r));
    g_ = g;
    FOVEA_ASSIGN_OR_RETURN(act_, fused_activation(*r.node));
    const Shape& y = r.outputs[0].shape;
    count_ = 1;
    for (int64_t d : y) count_ *= d;
    if (r.node->op_type == "Gemm") {
      alpha_ = r.node->attrs.get_float("alpha", 1.0f);
      beta_ = r.node->attrs.get_float("beta", 1.0f);
      if (has_input(r, kBiasInput) && beta_ != 0.0f) {
        const Shape& c = r.inputs[kBiasInput].shape;
        const bool per_column = c == Shape{g.n} || c == Shape{1, g.n};
        if (per_column && beta_ == 1.0f) {
          bias_mode_ = BiasMode::kEpilogue;
        } else {
          FOVEA_ASSIGN_OR_RETURN(c_index_, broadcast_index(c, c, y));
          bias_mode_ = BiasMode::kPrefill;
        }
      }
    }
    return Status::ok();
  }

 protected:
  Status compute(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    const float* a = fptr(input(inputs, 0));
    const float* b = fptr(input(inputs, 1));
    const float* c = bias_mode_ != BiasMode::kNone ? fptr(input(inputs, kBiasInput)) : nullptr;
    float* y = fptr(outputs[0]);
    float beta = 0.0f;
    if (bias_mode_ == BiasMode::kPrefill) {
      FOVEA_RETURN_IF_ERROR(
          cuda_check(launch_broadcast_copy(ctx_->stream(), c, y, count_, c_index_), "broadcast C"));
      beta = beta_;
    }
    // Column-major view: yᵀ[n, m] = op(b)ᵀ[n, k] · op(a)ᵀ[k, m].
    if (g_.batch == 1) {
      FOVEA_RETURN_IF_ERROR(
          cublas_check(cublasSgemm(ctx_->cublas(), op(g_.trans_b), op(g_.trans_a), g_.n, g_.m, g_.k,
                                   &alpha_, b, g_.ldb, a, g_.lda, &beta, y, g_.ldy),
                       "cublasSgemm"));
    } else {
      FOVEA_RETURN_IF_ERROR(cublas_check(
          cublasSgemmStridedBatched(ctx_->cublas(), op(g_.trans_b), op(g_.trans_a), g_.n, g_.m,
                                    g_.k, &alpha_, b, g_.ldb, g_.stride_b, a, g_.lda, g_.stride_a,
                                    &beta, y, g_.ldy, g_.stride_y, g_.batch),
          "cublasSgemmStridedBatched"));
    }
    const float* bias = bias_mode_ == BiasMode::kEpilogue ? c : nullptr;
    if (bias == nullptr && act_.kind == Act::kNone) return Status::ok();
    return cuda_check(launch_bias_activation(ctx_->stream(), y, y, bias, g_.n, 1, count_, act_),
                      "bias/activation kernel");
  }

 private:
  enum class BiasMode { kNone, kEpilogue, kPrefill };
  GemmShape g_;
  Activation act_;
  float alpha_ = 1.0f, beta_ = 0.0f;
  BiasMode bias_mode_ = BiasMode::kNone;
  BroadcastIndex c_index_;
  int64_t count_ = 0;
};

Result<GemmShape> gemm_shape(const KernelRequest& r) {
  const Attributes& a = r.node->attrs;
  return map_gemm(r.inputs[0].shape, r.inputs[1].shape, a.get_int("transA", 0) != 0,
                  a.get_int("transB", 0) != 0);
}

Result<GemmShape> matmul_shape(const KernelRequest& r) {
  return map_matmul(r.inputs[0].shape, r.inputs[1].shape);
}

Result<KernelPtr> make_gemm(const ContextPtr& ctx, const KernelRequest& r, const GemmShape& g) {
  auto kernel = std::make_unique<GemmKernel>(ctx, r);
  FOVEA_RETURN_IF_ERROR(kernel->prepare(r, g).with_context(r.describe()));
  return KernelPtr(std::move(kernel));
}

}  // namespace

bool gemm_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"alpha", "beta", "transA", "transB", "activation",
                               "activation_alpha", "activation_beta"})) {
    return false;
  }
  if (r.inputs.size() < 2 || r.inputs.size() > 3 || r.outputs.size() != 1) return false;
  if (!fused_activation(*r.node).is_ok()) return false;
  auto g = gemm_shape(r);
  if (!g.is_ok() || r.outputs[0].shape != Shape{g->m, g->n}) return false;
  if (has_input(r, kBiasInput)) {
    const Shape& c = r.inputs[kBiasInput].shape;
    if (!broadcast_index(c, c, r.outputs[0].shape).is_ok()) return false;
  }
  return true;
}

Result<KernelPtr> gemm_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(GemmShape g, gemm_shape(r));
  return make_gemm(ctx, r, g);
}

bool matmul_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"activation", "activation_alpha", "activation_beta"})) {
    return false;
  }
  if (r.inputs.size() != 2 || r.outputs.size() != 1) return false;
  return fused_activation(*r.node).is_ok() && matmul_shape(r).is_ok();
}

Result<KernelPtr> matmul_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(GemmShape g, matmul_shape(r));
  return make_gemm(ctx, r, g);
}

}  // namespace fovea::cuda
