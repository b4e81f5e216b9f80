// Conv on cuDNN, with the fused forms of engine/ops/README.md: y = act(conv(x, W) + B + sum).
// ReLU goes through cudnnConvolutionBiasActivationForward, which adds the bias and the residual
// `sum` (its z input) and applies ReLU in one call. Everything else (no activation included:
// cuDNN's fused IDENTITY only works with one algorithm) runs as cudnnConvolutionForward,
// accumulating onto a prefilled sum with beta = 1, then one bias + activation kernel.
// The algorithm is chosen once at prepare with cudnnFindConvolutionForwardAlgorithm. Asymmetric
// padding, which cuDNN cannot express, is done by copying the input into a padded buffer first.
#include <algorithm>
#include <cstddef>
#include <iostream>
#include <optional>
#include <vector>

#include "engine/backends/cuda/cuda_common.h"
#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/backends/cuda/cuda_params.h"

namespace fovea::cuda {
namespace {

constexpr size_t kSumInput = 3;  // the fused form's 4th input
// Algorithms needing more workspace than this are passed over.
constexpr size_t kMaxWorkspace = size_t{1} << 30;

// Workspace offsets stay aligned for cuDNN's vectorised access.
constexpr size_t kWorkspaceAlignment = 256;

// cuDNN's own padding where it is symmetric; else the input pre-padded into the workspace.
struct ConvChoice {
  ConvDescriptors conv;
  std::optional<PadIndex> pad;  // set: x is first copied into a zero-padded buffer
  int64_t padded_count = 0;
};

Result<ConvChoice> conv_choice(const KernelRequest& r) {
  const Shape& x = r.inputs[0].shape;
  const Shape& w = r.inputs[1].shape;
  const Shape& y = r.outputs[0].shape;
  FOVEA_ASSIGN_OR_RETURN(SpatialParams p, resolve_conv(*r.node, x, w));
  auto direct = map_conv(p, x, w, y);
  if (direct.is_ok()) return ConvChoice{std::move(direct).value(), std::nullopt, 0};
  FOVEA_ASSIGN_OR_RETURN(PrePaddedConv padded, map_conv_prepadded(p, x, w, y));
  return ConvChoice{std::move(padded.conv), padded.pad, padded.padded_count};
}

class ConvKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

  Status prepare(const KernelRequest& r) {
    FOVEA_RETURN_IF_ERROR(upload_constants(r));
    FOVEA_ASSIGN_OR_RETURN(ConvChoice choice, conv_choice(r));
    const ConvDescriptors& d = choice.conv;
    pad_ = choice.pad;
    const size_t padded_bytes = static_cast<size_t>(choice.padded_count) * sizeof(float);
    padded_bytes_ =
        (padded_bytes + kWorkspaceAlignment - 1) / kWorkspaceAlignment * kWorkspaceAlignment;
    FOVEA_ASSIGN_OR_RETURN(act_, fused_activation(*r.node));
    has_sum_ = has_input(r, kSumInput);
    has_bias_ = has_input(r, 2);
    channels_ = d.y_dims[1];
    inner_ = 1;
    for (size_t i = 2; i < d.y_dims.size(); ++i) inner_ *= d.y_dims[i];
    count_ = int64_t{d.y_dims[0]} * channels_ * inner_;
    x_count_ = 1;
    for (int dim : d.x_dims) x_count_ *= dim;
    FOVEA_RETURN_IF_ERROR(set_tensor(x_desc_, d.x_dims));
    FOVEA_RETURN_IF_ERROR(set_tensor(y_desc_, d.y_dims));
    std::vector<int> bias_dims(d.y_dims.size(), 1);
    bias_dims[1] = channels_;
    FOVEA_RETURN_IF_ERROR(set_tensor(bias_desc_, bias_dims));
    FOVEA_RETURN_IF_ERROR(
        cudnn_check(cudnnSetFilterNdDescriptor(w_desc_.get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                               static_cast<int>(d.w_dims.size()), d.w_dims.data()),
                    "cudnnSetFilterNdDescriptor"));
    FOVEA_RETURN_IF_ERROR(cudnn_check(
        cudnnSetConvolutionNdDescriptor(conv_desc_.get(), static_cast<int>(d.pads.size()),
                                        d.pads.data(), d.strides.data(), d.dilations.data(),
                                        CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
        "cudnnSetConvolutionNdDescriptor"));
    FOVEA_RETURN_IF_ERROR(cudnn_check(cudnnSetConvolutionGroupCount(conv_desc_.get(), d.group),
                                      "cudnnSetConvolutionGroupCount"));
    // Exact float32 unless TF32 was asked for (cuDNN's default math may pick TF32 on H100).
    const cudnnMathType_t math = ctx_->allow_tf32() ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH;
    FOVEA_RETURN_IF_ERROR(cudnn_check(cudnnSetConvolutionMathType(conv_desc_.get(), math),
                                      "cudnnSetConvolutionMathType"));
    // The fused call takes ReLU only: cuDNN's fused IDENTITY works with one algorithm alone, so
    // no activation (like every other one) takes the unfused path.
    fused_ = act_.kind == Act::kRelu;
    if (fused_) {
      FOVEA_RETURN_IF_ERROR(
          cudnn_check(cudnnSetActivationDescriptor(act_desc_.get(), CUDNN_ACTIVATION_RELU,
                                                   CUDNN_NOT_PROPAGATE_NAN, 0.0),
                      "cudnnSetActivationDescriptor"));
      if (!has_bias_) {  // the fused call needs a bias: zeros
        FOVEA_ASSIGN_OR_RETURN(zero_bias_, ctx_->allocate(DType::kFloat32, {channels_}));
        FOVEA_RETURN_IF_ERROR(cuda_check(
            cudaMemsetAsync(zero_bias_.raw_data(), 0, zero_bias_.byte_size(), ctx_->stream()),
            "cudaMemsetAsync"));
      }
    }
    FOVEA_RETURN_IF_ERROR(choose_algorithm());
    if (fused_) try_fused_call();
    if (verbose()) {  // what was chosen, for the first runs on a new GPU or cuDNN
      cudnnMathType_t math = CUDNN_DEFAULT_MATH;
      cudnnGetConvolutionMathType(conv_desc_.get(), &math);
      std::cerr << "cuda: " << name_ << ": algorithm " << static_cast<int>(algorithm_) << ", math "
                << static_cast<int>(math) << ", workspace " << workspace_bytes_ << " bytes, "
                << (fused_                    ? "fused bias+ReLU"
                    : act_.kind == Act::kRelu ? "ReLU unfused (refused)"
                                              : "unfused")
                << "\n";
    }
    return Status::ok();
  }

 protected:
  Status compute(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    const float* x = fptr(input(inputs, 0));
    const float* w = fptr(input(inputs, 1));
    const float* bias = has_bias_ ? fptr(input(inputs, 2)) : nullptr;
    const float* sum = has_sum_ ? fptr(input(inputs, kSumInput)) : nullptr;
    float* y = fptr(outputs[0]);
    FOVEA_ASSIGN_OR_RETURN(void* ws, workspace());
    if (pad_) {  // the padded input sits before cuDNN's workspace
      auto* padded = static_cast<float*>(ws);
      FOVEA_RETURN_IF_ERROR(
          cuda_check(launch_pad(ctx_->stream(), x, padded, *pad_), "convolution padding"));
      x = padded;
      ws = static_cast<std::byte*>(ws) + padded_bytes_;
    }
    const float one = 1.0f, zero = 0.0f;
    if (fused_) {
      // y = relu(conv + alpha2 * z + bias); z = sum, or y itself with alpha2 = 0.
      const float alpha2 = sum != nullptr ? 1.0f : 0.0f;
      if (sum == nullptr) {
        // Pooled memory may hold NaN bit patterns, and whether cuDNN skips reading z when
        // alpha2 = 0 is not documented: clear it.
        FOVEA_RETURN_IF_ERROR(cuda_check(
            cudaMemsetAsync(y, 0, count_ * sizeof(float), ctx_->stream()), "cudaMemsetAsync"));
      }
      const cudnnStatus_t status =
          fused_forward(x, w, sum ? sum : y, alpha2, bias ? bias : fptr(zero_bias_), y, ws);
      if (status != CUDNN_STATUS_NOT_SUPPORTED) {
        return cudnn_check(status, "cudnnConvolutionBiasActivationForward");
      }
      // Refused with what only a run shows (weights computed at run time are not tried at
      // prepare): the unfused path, which computes the same, from now on.
      fused_ = false;
    }
    if (sum != nullptr && sum != y) {
      FOVEA_RETURN_IF_ERROR(cuda_check(
          cudaMemcpyAsync(y, sum, count_ * sizeof(float), cudaMemcpyDeviceToDevice, ctx_->stream()),
          "copy sum"));
    }
    FOVEA_RETURN_IF_ERROR(
        cudnn_check(cudnnConvolutionForward(ctx_->cudnn(), &one, x_desc_.get(), x, w_desc_.get(), w,
                                            conv_desc_.get(), algorithm_, ws, workspace_bytes_,
                                            sum != nullptr ? &one : &zero, y_desc_.get(), y),
                    "cudnnConvolutionForward"));
    if (bias == nullptr && act_.kind == Act::kNone) return Status::ok();
    return cuda_check(
        launch_bias_activation(ctx_->stream(), y, y, bias, channels_, inner_, count_, act_),
        "bias/activation kernel");
  }

 private:
  // Runs cuDNN's search once (it times real executions on the device) and keeps the fastest
  // algorithm whose math type is allowed and whose workspace fits.
  Status choose_algorithm() {
    int most = 0;
    FOVEA_RETURN_IF_ERROR(
        cudnn_check(cudnnGetConvolutionForwardAlgorithmMaxCount(ctx_->cudnn(), &most),
                    "cudnnGetConvolutionForwardAlgorithmMaxCount"));
    // Find lists each algorithm once per math type it tried (DEFAULT as well as the
    // descriptor's), so the list can be longer than the number of algorithms: room for 4 each.
    std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(static_cast<size_t>(std::max(most, 1)) * 4);
    const int requested = static_cast<int>(perf.size());
    int found = 0;
    // The search allocates its trial workspaces itself: give it the memory the pool caches, and
    // clear an allocation failure it may leave behind (kernel launch checks would report it).
    ctx_->pool().trim();
    const cudnnStatus_t searched = cudnnFindConvolutionForwardAlgorithm(
        ctx_->cudnn(), x_desc_.get(), w_desc_.get(), conv_desc_.get(), y_desc_.get(), requested,
        &found, perf.data());
    (void)cudaGetLastError();
    if (searched != CUDNN_STATUS_SUCCESS) {
      // Out of memory for the timed trials: cuDNN's heuristic ranking allocates nothing.
      FOVEA_RETURN_IF_ERROR(cudnn_check(
          cudnnGetConvolutionForwardAlgorithm_v7(ctx_->cudnn(), x_desc_.get(), w_desc_.get(),
                                                 conv_desc_.get(), y_desc_.get(), requested, &found,
                                                 perf.data()),
          "cudnnGetConvolutionForwardAlgorithm_v7"));
    }
    const bool tf32 = ctx_->allow_tf32();
    // Exact float32 first takes only results timed in FMA math: a DEFAULT result may have been
    // timed on TF32 Tensor Cores, so it is a fallback, run as FMA.
    for (int pass = tf32 ? 1 : 0; pass < 2; ++pass) {
      for (int i = 0; i < found; ++i) {
        const auto& p = perf[static_cast<size_t>(i)];
        if (pass == 0 && p.mathType != CUDNN_FMA_MATH) continue;
        FOVEA_ASSIGN_OR_RETURN(bool taken, try_algorithm(p, tf32));
        if (taken) return this->workspace().status();  // reserved now: runs never grow it
      }
    }
    return unsupported("cuDNN offers no convolution algorithm for this configuration");
  }

  // Takes `p` when its math type is allowed and its workspace fits; false: pass it over.
  Result<bool> try_algorithm(const cudnnConvolutionFwdAlgoPerf_t& p, bool tf32) {
    if (p.status != CUDNN_STATUS_SUCCESS || p.memory > kMaxWorkspace) return false;
    // Find may report algorithms without Tensor Core support as DEFAULT math whatever the
    // descriptor asked; FMA keeps them exact. Never down-conversion to half precision.
    if (p.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) return false;
    if (!tf32 && p.mathType == CUDNN_TENSOR_OP_MATH) return false;
    const cudnnMathType_t math = tf32 ? p.mathType : CUDNN_FMA_MATH;
    FOVEA_RETURN_IF_ERROR(cudnn_check(cudnnSetConvolutionMathType(conv_desc_.get(), math),
                                      "cudnnSetConvolutionMathType"));
    size_t workspace = p.memory;
    if (math != p.mathType && cudnnGetConvolutionForwardWorkspaceSize(
                                  ctx_->cudnn(), x_desc_.get(), w_desc_.get(), conv_desc_.get(),
                                  y_desc_.get(), p.algo, &workspace) != CUDNN_STATUS_SUCCESS) {
      return false;  // not available in exact float32
    }
    if (workspace > kMaxWorkspace) return false;
    algorithm_ = p.algo;
    workspace_bytes_ = workspace;
    return true;
  }

  // The algorithm was timed for cudnnConvolutionForward; the fused call can still refuse it
  // (CUDNN_STATUS_NOT_SUPPORTED, as OpenCV and ONNX Runtime met). One trial call on zeros now,
  // with a residual input where runs will have one: if it fails for any reason, even memory
  // for the trial, runs take the unfused path, which handles ReLU too.
  void try_fused_call() {
    const Tensor& w = input({}, 1);
    const Tensor& bias = has_bias_ ? input({}, 2) : zero_bias_;
    if (w.empty() || bias.empty()) return;  // computed at run time: the first run finds out
    auto trial = [&]() -> Status {
      FOVEA_ASSIGN_OR_RETURN(Tensor x, ctx_->allocate(DType::kFloat32, {x_count_}));
      FOVEA_ASSIGN_OR_RETURN(Tensor y, ctx_->allocate(DType::kFloat32, {count_}));
      Tensor z = y;
      if (has_sum_) {
        FOVEA_ASSIGN_OR_RETURN(z, ctx_->allocate(DType::kFloat32, {count_}));
      }
      for (Tensor* t : {&x, &y, &z}) {
        FOVEA_RETURN_IF_ERROR(cuda_check(
            cudaMemsetAsync(t->raw_data(), 0, t->byte_size(), ctx_->stream()), "cudaMemsetAsync"));
      }
      FOVEA_ASSIGN_OR_RETURN(void* base, workspace());
      void* ws = static_cast<std::byte*>(base) + padded_bytes_;
      const cudnnStatus_t status =
          fused_forward(x.data<float>(), w.data<float>(), z.data<float>(), has_sum_ ? 1.0f : 0.0f,
                        bias.data<float>(), y.data<float>(), ws);
      FOVEA_RETURN_IF_ERROR(ctx_->synchronize());
      return cudnn_check(status, "cudnnConvolutionBiasActivationForward");
    };
    const Status tried = trial();
    (void)cudaGetLastError();
    if (!tried.is_ok()) fused_ = false;
  }

  // The shared workspace: the padded input (when pre-padding), then cuDNN's.
  Result<void*> workspace() { return ctx_->workspace(padded_bytes_ + workspace_bytes_); }

  // y = relu(conv(x, w) + alpha2 * z + bias), in one cuDNN call.
  cudnnStatus_t fused_forward(const float* x, const float* w, const float* z, float alpha2,
                              const float* bias, float* y, void* ws) const {
    const float one = 1.0f;
    return cudnnConvolutionBiasActivationForward(
        ctx_->cudnn(), &one, x_desc_.get(), x, w_desc_.get(), w, conv_desc_.get(), algorithm_, ws,
        workspace_bytes_, &alpha2, y_desc_.get(), z, bias_desc_.get(), bias, act_desc_.get(),
        y_desc_.get(), y);
  }

  TensorDesc x_desc_, y_desc_, bias_desc_;
  FilterDesc w_desc_;
  ConvDesc conv_desc_;
  ActivationDesc act_desc_;
  Activation act_;
  bool fused_ = false, has_sum_ = false, has_bias_ = false;
  int channels_ = 1;
  int64_t inner_ = 1, count_ = 0, x_count_ = 0;
  cudnnConvolutionFwdAlgo_t algorithm_ = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  size_t workspace_bytes_ = 0;
  std::optional<PadIndex> pad_;
  size_t padded_bytes_ = 0;  // rounded up to kWorkspaceAlignment
  Tensor zero_bias_;
};

}  // namespace

bool conv_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"kernel_shape", "strides", "dilations", "pads", "auto_pad", "group",
                               "activation", "activation_alpha", "activation_beta"})) {
    return false;
  }
  if (r.inputs.size() < 2 || r.inputs.size() > kSumInput + 1 || r.outputs.size() != 1) {
    return false;
  }
  if (has_input(r, kSumInput) && r.inputs[kSumInput].shape != r.outputs[0].shape) return false;
  if (!fused_activation(*r.node).is_ok()) return false;
  return conv_choice(r).is_ok();
}

Result<KernelPtr> conv_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  auto kernel = std::make_unique<ConvKernel>(ctx, r);
  FOVEA_RETURN_IF_ERROR(kernel->prepare(r).with_context(r.describe()));
  return KernelPtr(std::move(kernel));
}

}  // namespace fovea::cuda
