// cuDNN's non-convolution primitives: MaxPool/AveragePool and the global pools
// (cudnnPoolingForward, or the direct pooling kernel where cuDNN cannot express the window), LRN
// (cudnnLRNCrossChannelForward), Softmax/LogSoftmax (cudnnSoftmaxForward over a [n, c, inner, 1]
// view), inference BatchNormalization.
#include <optional>
#include <variant>

#include "engine/backends/cuda/cuda_common.h"
#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/backends/cuda/cuda_params.h"

namespace fovea::cuda {
namespace {

constexpr float kLrnDefaultAlpha = 1e-4f;  // engine/ops/lrn.cpp's defaults
constexpr float kLrnDefaultBeta = 0.75f;
constexpr float kLrnDefaultBias = 1.0f;
constexpr float kBnDefaultEpsilon = 1e-5f;  // engine/ops/batch_norm.cpp's
constexpr int64_t kSoftmaxDefaultAxis = -1;
constexpr int kBatchNormInputs = 5;  // X, scale, B, mean, var

cudnnPoolingMode_t pool_mode(const Node& node) {
  if (node.op_type == "MaxPool" || node.op_type == "GlobalMaxPool") {
    return CUDNN_POOLING_MAX_DETERMINISTIC;
  }
  return node.attrs.get_int("count_include_pad", 0) != 0
             ? CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING
             : CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
}

// Every pooling op through cuDNN: one input and one output descriptor and a pooling descriptor.
class PoolKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

  Status prepare(const PoolDescriptors& d, cudnnPoolingMode_t mode) {
    FOVEA_RETURN_IF_ERROR(set_tensor(x_desc_, d.x_dims));
    FOVEA_RETURN_IF_ERROR(set_tensor(y_desc_, d.y_dims));
    // A NaN tap is skipped, as by the reference's std::max and the direct pooling kernel:
    // which path a window takes must not change the answer.
    return cudnn_check(
        cudnnSetPoolingNdDescriptor(pool_desc_.get(), mode, CUDNN_NOT_PROPAGATE_NAN,
                                    static_cast<int>(d.window.size()), d.window.data(),
                                    d.pads.data(), d.strides.data()),
        "cudnnSetPoolingNdDescriptor");
  }

 protected:
  Status compute(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    const float one = 1.0f, zero = 0.0f;
    return cudnn_check(
        cudnnPoolingForward(ctx_->cudnn(), pool_desc_.get(), &one, x_desc_.get(),
                            fptr(input(inputs, 0)), &zero, y_desc_.get(), fptr(outputs[0])),
        "cudnnPoolingForward");
  }

 private:
  TensorDesc x_desc_, y_desc_;
  PoolDesc pool_desc_;
};

// MaxPool/AveragePool geometry cuDNN cannot express (asymmetric pads, ceil_mode that adds a
// row, dilations, windows wholly in the padding): the reference's loop as one kernel.
using DirectPoolKernel = LaunchKernel<PoolGeometry, launch_pool>;

// cuDNN's pooling where it expresses the window, else the direct kernel.
using PoolChoice = std::variant<PoolDescriptors, PoolGeometry>;

Result<PoolChoice> pool_choice(const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(SpatialParams p, resolve_pool(*r.node, r.inputs[0].shape));
  auto cudnn = map_pool(p, r.inputs[0].shape, r.outputs[0].shape);
  if (cudnn.is_ok()) return PoolChoice{std::move(cudnn).value()};
  FOVEA_ASSIGN_OR_RETURN(
      PoolGeometry direct,
      map_direct_pool(p, r.inputs[0].shape, r.outputs[0].shape, r.node->op_type == "MaxPool",
                      r.node->attrs.get_int("count_include_pad", 0) != 0));
  return PoolChoice{direct};
}

Result<KernelPtr> make_pool(const ContextPtr& ctx, const KernelRequest& r,
                            const PoolDescriptors& d) {
  auto kernel = std::make_unique<PoolKernel>(ctx, r);
  FOVEA_RETURN_IF_ERROR(kernel->prepare(d, pool_mode(*r.node)).with_context(r.describe()));
  return KernelPtr(std::move(kernel));
}

class LrnKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

  Status prepare(const KernelRequest& r) {
    const Attributes& a = r.node->attrs;
    FOVEA_RETURN_IF_ERROR(set_tensor(desc_, dims4(r.inputs[0].shape)));
    return cudnn_check(
        cudnnSetLRNDescriptor(lrn_desc_.get(), static_cast<unsigned>(a.get_int("size", 1)),
                              a.get_float("alpha", kLrnDefaultAlpha),
                              a.get_float("beta", kLrnDefaultBeta),
                              a.get_float("bias", kLrnDefaultBias)),
        "cudnnSetLRNDescriptor");
  }

 protected:
  Status compute(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    const float one = 1.0f, zero = 0.0f;
    return cudnn_check(
        cudnnLRNCrossChannelForward(ctx_->cudnn(), lrn_desc_.get(), CUDNN_LRN_CROSS_CHANNEL_DIM1,
                                    &one, desc_.get(), fptr(input(inputs, 0)), &zero, desc_.get(),
                                    fptr(outputs[0])),
        "cudnnLRNCrossChannelForward");
  }

 private:
  TensorDesc desc_;
  LrnDesc lrn_desc_;
};

class SoftmaxKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

  Status prepare(const KernelRequest& r) {
    log_ = r.node->op_type == "LogSoftmax";
    FOVEA_ASSIGN_OR_RETURN(SoftmaxView v, softmax_view(r));
    return set_tensor(desc_, {v.n, v.c, v.inner, 1});
  }
  static Result<SoftmaxView> softmax_view(const KernelRequest& r) {
    const Attributes& a = r.node->attrs;
    return map_softmax(r.inputs[0].shape, a.get_int("axis", kSoftmaxDefaultAxis),
                       a.get_int("coerce_2d", 0) != 0);
  }

 protected:
  Status compute(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    const float one = 1.0f, zero = 0.0f;
    return cudnn_check(
        cudnnSoftmaxForward(ctx_->cudnn(), log_ ? CUDNN_SOFTMAX_LOG : CUDNN_SOFTMAX_ACCURATE,
                            CUDNN_SOFTMAX_MODE_CHANNEL, &one, desc_.get(), fptr(input(inputs, 0)),
                            &zero, desc_.get(), fptr(outputs[0])),
        "cudnnSoftmaxForward");
  }

 private:
  TensorDesc desc_;
  bool log_ = false;
};

class BatchNormKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;

  Status prepare(const KernelRequest& r) {
    FOVEA_RETURN_IF_ERROR(upload_constants(r));
    epsilon_ = r.node->attrs.get_float("epsilon", kBnDefaultEpsilon);
    const std::vector<int> dims = dims4(r.inputs[0].shape);
    std::vector<int> param_dims(dims.size(), 1);
    param_dims[1] = dims[1];
    FOVEA_RETURN_IF_ERROR(set_tensor(desc_, dims));
    return set_tensor(param_desc_, param_dims);
  }

 protected:
  Status compute(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    const float one = 1.0f, zero = 0.0f;
    return cudnn_check(cudnnBatchNormalizationForwardInference(
                           ctx_->cudnn(), CUDNN_BATCHNORM_SPATIAL, &one, &zero, desc_.get(),
                           fptr(input(inputs, 0)), desc_.get(), fptr(outputs[0]), param_desc_.get(),
                           fptr(input(inputs, 1)), fptr(input(inputs, 2)), fptr(input(inputs, 3)),
                           fptr(input(inputs, 4)), epsilon_),
                       "cudnnBatchNormalizationForwardInference");
  }

 private:
  TensorDesc desc_, param_desc_;
  double epsilon_ = kBnDefaultEpsilon;
};

template <typename K>
Result<KernelPtr> prepared(const ContextPtr& ctx, const KernelRequest& r) {
  auto kernel = std::make_unique<K>(ctx, r);
  FOVEA_RETURN_IF_ERROR(kernel->prepare(r).with_context(r.describe()));
  return KernelPtr(std::move(kernel));
}

bool one_in_one_out(const KernelRequest& r) {
  return r.inputs.size() == 1 && r.outputs.size() == 1;
}

}  // namespace

bool pool_supports(const KernelRequest& r) {
  const bool is_max = r.node->op_type == "MaxPool";
  // storage_order only matters for MaxPool's Indices output, which one_in_one_out declines.
  const bool attrs_ok =
      is_max ? plain_float_request(r, {"kernel_shape", "strides", "dilations", "pads", "auto_pad",
                                       "ceil_mode", "storage_order"})
             : plain_float_request(r, {"kernel_shape", "strides", "dilations", "pads", "auto_pad",
                                       "ceil_mode", "count_include_pad"});
  return attrs_ok && one_in_one_out(r) && pool_choice(r).is_ok();
}

Result<KernelPtr> pool_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(PoolChoice choice, pool_choice(r));
  if (const auto* d = std::get_if<PoolDescriptors>(&choice)) return make_pool(ctx, r, *d);
  return KernelPtr(new DirectPoolKernel(ctx, r, std::get<PoolGeometry>(choice), "pooling kernel"));
}

bool global_pool_supports(const KernelRequest& r) {
  return plain_float_request(r, {}) && one_in_one_out(r) &&
         map_global_pool(r.inputs[0].shape).is_ok();
}

Result<KernelPtr> global_pool_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(PoolDescriptors d, map_global_pool(r.inputs[0].shape));
  return make_pool(ctx, r, d);
}

bool lrn_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"size", "alpha", "beta", "bias"}) || !one_in_one_out(r)) {
    return false;
  }
  const Attributes& a = r.node->attrs;
  const int64_t size = a.get_int("size", 0);
  const size_t rank = r.inputs[0].shape.size();
  // cuDNN's window, [c - floor((n-1)/2), c + n - 1 - floor((n-1)/2)] (cudnn_ops.h), is ONNX's
  // for odd and even n alike; its limits on n, k and beta.
  return rank >= 3 && rank <= 5 && size >= CUDNN_LRN_MIN_N && size <= CUDNN_LRN_MAX_N &&
         a.get_float("bias", kLrnDefaultBias) >= CUDNN_LRN_MIN_K &&
         a.get_float("beta", kLrnDefaultBeta) >= CUDNN_LRN_MIN_BETA;
}

Result<KernelPtr> lrn_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  return prepared<LrnKernel>(ctx, r);
}

bool softmax_supports(const KernelRequest& r) {
  return plain_float_request(r, {"axis", "coerce_2d"}) && one_in_one_out(r) &&
         SoftmaxKernel::softmax_view(r).is_ok();
}

Result<KernelPtr> softmax_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  return prepared<SoftmaxKernel>(ctx, r);
}

bool batch_norm_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"epsilon", "momentum", "training_mode", "spatial"})) return false;
  const Attributes& a = r.node->attrs;
  if (a.get_int("training_mode", 0) != 0 || a.get_int("spatial", 1) != 1) return false;
  if (r.inputs.size() != kBatchNormInputs || r.outputs.size() != 1) return false;
  if (a.get_float("epsilon", kBnDefaultEpsilon) < CUDNN_BN_MIN_EPSILON) return false;
  const Shape& x = r.inputs[0].shape;
  if (x.size() < 2 || x.size() > 5) return false;
  for (size_t i = 1; i < kBatchNormInputs; ++i) {
    if (r.inputs[i].shape != Shape{x[1]}) return false;
  }
  return true;
}

Result<KernelPtr> batch_norm_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  return prepared<BatchNormKernel>(ctx, r);
}

}  // namespace fovea::cuda
