// Shared pieces of the CUDA backend's kernels: the base kernel (constant inputs uploaded once
// at prepare and never read from the plan again), RAII cuDNN descriptors, common admission
// checks, and the per-family entry points cuda_backend.cpp lists in its table.
#pragma once

#include <cudnn.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/backends/cuda/cuda_context.h"

namespace fovea::cuda {

// FOVEA_CUDA_VERBOSE set (non-empty): kernels say at prepare what they chose (stderr).
bool verbose();

// Base of every CUDA kernel. Float32 constant inputs (weights, biases, per-channel scales, a
// constant a pointwise op reads) are uploaded once at prepare, by the backend for every kernel;
// reads_input() tells the plan not to pass them again.
class CudaKernel : public Kernel {
 public:
  CudaKernel(ContextPtr ctx, const KernelRequest& request)
      : ctx_(std::move(ctx)), name_(request.describe()) {}

  // Uploads every float32 constant input of `request`; once (a prepare that needs its
  // constants on the device calls it first).
  Status upload_constants(const KernelRequest& request);
  bool reads_input(size_t i) const override {
    return i >= constants_.size() || constants_[i].empty();
  }
  Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) final {
    Status status = compute(inputs, outputs);
    return status.is_ok() ? status : status.with_context(name_);
  }

 protected:
  // The kernel's work, queued on ctx_->stream(); inputs resolved with input().
  virtual Status compute(std::span<const Tensor> inputs, std::span<Tensor> outputs) = 0;
  // Input i on the device: the uploaded constant, else the run-time tensor (may be empty).
  const Tensor& input(std::span<const Tensor> inputs, size_t i) const {
    if (i < constants_.size() && !constants_[i].empty()) return constants_[i];
    static const Tensor kEmpty;
    return i < inputs.size() ? inputs[i] : kEmpty;
  }
  // For kernels whose other inputs were resolved into their parameters at prepare.
  bool reads_data_input_only(size_t i) const { return i == 0 && CudaKernel::reads_input(0); }
  static const float* fptr(const Tensor& t) { return t.empty() ? nullptr : t.data<float>(); }
  static float* fptr(Tensor& t) { return t.data<float>(); }

  ContextPtr ctx_;
  std::string name_;

 private:
  std::vector<Tensor> constants_;
  bool uploaded_ = false;
};

// A kernel that is one launch of one of the backend's own kernels from input 0 to output 0,
// with parameters fixed at prepare (pooling geometry, pad or reduction indexing). Other inputs
// (pads, axes) were resolved into the parameters, so the plan need not pass them.
template <typename Params, cudaError_t (*Launch)(cudaStream_t, const float*, float*, const Params&)>
class LaunchKernel final : public CudaKernel {
 public:
  LaunchKernel(ContextPtr ctx, const KernelRequest& request, const Params& params, const char* what)
      : CudaKernel(std::move(ctx), request), params_(params), what_(what) {}
  bool reads_input(size_t i) const override { return reads_data_input_only(i); }

 protected:
  Status compute(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    return cuda_check(Launch(ctx_->stream(), fptr(input(inputs, 0)), fptr(outputs[0]), params_),
                      what_);
  }

 private:
  Params params_;
  const char* what_;
};

// RAII cuDNN descriptors (created empty; the set functions fill them).
template <typename T, cudnnStatus_t (*Create)(T*), cudnnStatus_t (*Destroy)(T)>
class Descriptor {
 public:
  Descriptor() {
    if (Create(&handle_) != CUDNN_STATUS_SUCCESS) handle_ = nullptr;
  }
  ~Descriptor() {
    if (handle_ != nullptr) Destroy(handle_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  T get() const { return handle_; }
  bool valid() const { return handle_ != nullptr; }

 private:
  T handle_ = nullptr;
};
using TensorDesc =
    Descriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDesc =
    Descriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvDesc = Descriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
                            cudnnDestroyConvolutionDescriptor>;
using PoolDesc = Descriptor<cudnnPoolingDescriptor_t, cudnnCreatePoolingDescriptor,
                            cudnnDestroyPoolingDescriptor>;
using ActivationDesc = Descriptor<cudnnActivationDescriptor_t, cudnnCreateActivationDescriptor,
                                  cudnnDestroyActivationDescriptor>;
using LrnDesc =
    Descriptor<cudnnLRNDescriptor_t, cudnnCreateLRNDescriptor, cudnnDestroyLRNDescriptor>;

// A packed float32 NCHW.. tensor descriptor of `dims` (at least 4; pad with 1s before calling).
Status set_tensor(const TensorDesc& desc, const std::vector<int>& dims);
// Row-major ints of a shape, padded with trailing 1s to at least 4 dims (cuDNN's minimum).
std::vector<int> dims4(const Shape& shape);

// Admission: every present input and output is float32 with a static shape, and the node has
// no attribute outside `allowed` (an unknown one, e.g. a fused activation, may change what it
// computes).
bool plain_float_request(const KernelRequest& request, std::initializer_list<const char*> allowed);
// Admission for float32 data in input 0 and the one output, with at most `max_inputs` inputs in
// all: the others (pads, axes) are integer parameters the op's mapping resolves.
bool float_data_request(const KernelRequest& request, std::initializer_list<const char*> allowed,
                        size_t max_inputs);
bool has_input(const KernelRequest& request, size_t i);
const Tensor* constant_input(const KernelRequest& request, size_t i);

using KernelPtr = std::unique_ptr<CudaKernel>;
using SupportsFn = bool (*)(const KernelRequest&);
using PrepareFn = Result<KernelPtr> (*)(const ContextPtr&, const KernelRequest&);

// cuda_conv.cpp
bool conv_supports(const KernelRequest& request);
Result<KernelPtr> conv_prepare(const ContextPtr& ctx, const KernelRequest& request);
// cuda_dnn_ops.cpp: pooling, LRN, softmax, batch normalisation
bool pool_supports(const KernelRequest& request);
Result<KernelPtr> pool_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool global_pool_supports(const KernelRequest& request);
Result<KernelPtr> global_pool_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool lrn_supports(const KernelRequest& request);
Result<KernelPtr> lrn_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool softmax_supports(const KernelRequest& request);
Result<KernelPtr> softmax_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool batch_norm_supports(const KernelRequest& request);
Result<KernelPtr> batch_norm_prepare(const ContextPtr& ctx, const KernelRequest& request);
// cuda_gemm.cpp
bool gemm_supports(const KernelRequest& request);
Result<KernelPtr> gemm_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool matmul_supports(const KernelRequest& request);
Result<KernelPtr> matmul_prepare(const ContextPtr& ctx, const KernelRequest& request);
// cuda_pointwise.cpp: activations, binary arithmetic, concat, fills, copies (Reshape/...)
bool activation_supports(const KernelRequest& request);
Result<KernelPtr> activation_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool binary_supports(const KernelRequest& request);
Result<KernelPtr> binary_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool concat_supports(const KernelRequest& request);
Result<KernelPtr> concat_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool pad_supports(const KernelRequest& request);
Result<KernelPtr> pad_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool reduce_mean_supports(const KernelRequest& request);
Result<KernelPtr> reduce_mean_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool transpose_supports(const KernelRequest& request);
Result<KernelPtr> transpose_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool constant_of_shape_supports(const KernelRequest& request);
Result<KernelPtr> constant_of_shape_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool copy_supports(const KernelRequest& request);
Result<KernelPtr> copy_prepare(const ContextPtr& ctx, const KernelRequest& request);

}  // namespace fovea::cuda
