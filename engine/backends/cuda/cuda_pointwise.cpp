// Elementwise and data-movement nodes as small kernels: activations (cuda_kernels.cu), binary
// arithmetic with numpy broadcasting (Add, Sub, Mul, Div, two-input Sum/Max/Min, PRelu), Concat
// (one 2-D strided copy per input), Pad, Transpose, ReduceMean, ConstantOfShape (a fill), and the
// reshaping ops (Reshape, Flatten, Squeeze, Unsqueeze, Identity) as plain device copies — the
// plan makes those views where it can, so these run only for graph outputs.
#include <algorithm>
#include <limits>

#include "engine/backends/cuda/cuda_common.h"
#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/backends/cuda/cuda_params.h"

namespace fovea::cuda {
namespace {

int64_t element_count_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// The activation an activation node computes; Clip's bounds must be constant scalars.
Result<Activation> node_activation(const KernelRequest& r) {
  const bool clip = r.node->op_type == "Clip";
  const Tensor* bound[2] = {nullptr, nullptr};
  for (size_t i = 1; clip && i < r.inputs.size() && i < 3; ++i) {
    if (!has_input(r, i)) continue;
    bound[i - 1] = constant_input(r, i);
    if (bound[i - 1] == nullptr) return unsupported("Clip bounds computed at run time");
  }
  return activation_of_node(*r.node, bound[0], bound[1]);
}

class ActivationKernel final : public CudaKernel {
 public:
  ActivationKernel(ContextPtr ctx, const KernelRequest& r, Activation act)
      : CudaKernel(std::move(ctx), r), act_(act), count_(element_count_of(r.outputs[0].shape)) {}
  bool reads_input(size_t i) const override {
    return reads_data_input_only(i);
  }  // Clip's bounds: act_
  std::optional<size_t> inplace_input(size_t i) const override {
    return i == 0 ? std::optional<size_t>(0) : std::nullopt;
  }

 protected:
  Status compute(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    return cuda_check(launch_bias_activation(ctx_->stream(), fptr(input(inputs, 0)),
                                             fptr(outputs[0]), nullptr, 1, 1, count_, act_),
                      "activation kernel");
  }

 private:
  Activation act_;
  int64_t count_;
};

class BinaryKernel final : public CudaKernel {
 public:
  BinaryKernel(ContextPtr ctx, const KernelRequest& r, BinaryOp op, const BroadcastIndex& index)
      : CudaKernel(std::move(ctx), r),
        op_(op),
        index_(index),
        count_(element_count_of(r.outputs[0].shape)) {}

 protected:
  Status compute(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    return cuda_check(launch_binary(ctx_->stream(), op_, fptr(input(inputs, 0)),
                                    fptr(input(inputs, 1)), fptr(outputs[0]), count_, index_),
                      "binary kernel");
  }

 private:
  BinaryOp op_;
  BroadcastIndex index_;
  int64_t count_;
};

// Concat along `axis`: each input is `outer` rows of its own width, placed at a column
// offset in the output's rows.
class ConcatKernel final : public CudaKernel {
 public:
  ConcatKernel(ContextPtr ctx, const KernelRequest& r, size_t axis)
      : CudaKernel(std::move(ctx), r) {
    const Shape& y = r.outputs[0].shape;
    outer_ = element_count_of(Shape(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(axis)));
    const int64_t inner =
        element_count_of(Shape(y.begin() + static_cast<std::ptrdiff_t>(axis), y.end()));
    out_row_bytes_ = static_cast<size_t>(inner) * sizeof(float);
    for (const ValueInfo& in : r.inputs) {
      const int64_t width = element_count_of(in.shape) / std::max<int64_t>(outer_, 1);
      row_bytes_.push_back(static_cast<size_t>(width) * sizeof(float));
    }
  }

 protected:
  Status compute(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    auto* dst = static_cast<std::byte*>(outputs[0].raw_data());
    size_t offset = 0;
    for (size_t i = 0; i < row_bytes_.size(); ++i) {
      if (row_bytes_[i] > 0 && outer_ == 1) {  // one block per input (axis 0, or outer dims of 1)
        FOVEA_RETURN_IF_ERROR(
            cuda_check(cudaMemcpyAsync(dst + offset, input(inputs, i).raw_data(), row_bytes_[i],
                                       cudaMemcpyDeviceToDevice, ctx_->stream()),
                       "concat copy"));
      } else if (row_bytes_[i] > 0) {
        FOVEA_RETURN_IF_ERROR(
            cuda_check(cudaMemcpy2DAsync(dst + offset, out_row_bytes_, input(inputs, i).raw_data(),
                                         row_bytes_[i], row_bytes_[i], static_cast<size_t>(outer_),
                                         cudaMemcpyDeviceToDevice, ctx_->stream()),
                       "concat copy"));
      }
      offset += row_bytes_[i];
    }
    return Status::ok();
  }

 private:
  int64_t outer_ = 1;
  size_t out_row_bytes_ = 0;
  std::vector<size_t> row_bytes_;
};

// Reshape and friends: the same bytes under the output's shape.
class CopyKernel final : public CudaKernel {
 public:
  using CudaKernel::CudaKernel;
  bool reads_input(size_t i) const override {
    return reads_data_input_only(i);
  }  // shapes/axes resolved

 protected:
  Status compute(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    const Tensor& x = input(inputs, 0);
    if (x.raw_data() == outputs[0].raw_data()) return Status::ok();
    return cuda_check(cudaMemcpyAsync(outputs[0].raw_data(), x.raw_data(), x.byte_size(),
                                      cudaMemcpyDeviceToDevice, ctx_->stream()),
                      "copy");
  }
};

// y = x read through `index` (Transpose: x's strides in y's dim order).
class BroadcastCopyKernel final : public CudaKernel {
 public:
  BroadcastCopyKernel(ContextPtr ctx, const KernelRequest& r, const BroadcastIndex& index)
      : CudaKernel(std::move(ctx), r),
        index_(index),
        count_(element_count_of(r.outputs[0].shape)) {}

 protected:
  Status compute(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    return cuda_check(launch_broadcast_copy(ctx_->stream(), fptr(input(inputs, 0)),
                                            fptr(outputs[0]), count_, index_),
                      "transpose kernel");
  }

 private:
  BroadcastIndex index_;
  int64_t count_;
};

// Pad (any mode, negative pads crop): each output element reads its source or is the fill.
using PadKernel = LaunchKernel<PadIndex, launch_pad>;

Result<PadIndex> pad_index(const KernelRequest& r) {
  const Tensor* pads = constant_input(r, 1);
  const Tensor* value = constant_input(r, 2);
  const Tensor* axes = constant_input(r, 3);
  if (pads == nullptr || (has_input(r, 2) && value == nullptr) ||
      (has_input(r, 3) && axes == nullptr)) {
    return unsupported("pads, fill or axes computed at run time");
  }
  return map_pad(r.inputs[0].shape, r.outputs[0].shape,
                 r.node->attrs.get_string("mode", "constant"), *pads, value, axes);
}

using ReduceMeanKernel = LaunchKernel<ReduceIndex, launch_reduce_mean>;

Result<ReduceIndex> reduce_index(const KernelRequest& r) {
  const Tensor* axes = constant_input(r, 1);
  if (has_input(r, 1) && axes == nullptr) return unsupported("axes computed at run time");
  return map_reduce_mean(r.inputs[0].shape, *r.node, axes);
}

// ConstantOfShape: the output filled with the `value` attribute (default 0). Constant folding
// leaves only outputs too large to keep as constants (e.g. weights a model generates), so
// filling them on the device on every run beats computing them on the host and copying them.
class FillKernel final : public CudaKernel {
 public:
  FillKernel(ContextPtr ctx, const KernelRequest& r, float value)
      : CudaKernel(std::move(ctx), r),
        value_(value),
        count_(element_count_of(r.outputs[0].shape)) {}
  bool reads_input(size_t /*i*/) const override { return false; }  // the shape was resolved

 protected:
  Status compute(std::span<const Tensor> /*inputs*/, std::span<Tensor> outputs) override {
    return cuda_check(launch_fill(ctx_->stream(), fptr(outputs[0]), count_, value_), "fill kernel");
  }

 private:
  float value_;
  int64_t count_;
};

Result<size_t> concat_axis(const KernelRequest& r) {
  // ONNX's default axis changed (1 before opset 4, required since): leave a missing one to the
  // reference backend rather than guess.
  if (!r.node->attrs.has("axis")) return unsupported("Concat without an axis attribute");
  const auto rank = static_cast<int64_t>(r.outputs[0].shape.size());
  int64_t axis = r.node->attrs.get_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return invalid_argument("Concat axis out of range");
  return static_cast<size_t>(axis);
}

}  // namespace

bool activation_supports(const KernelRequest& r) {
  const bool attrs_ok = r.node->op_type == "Selu" ? plain_float_request(r, {"alpha", "gamma"})
                                                  : plain_float_request(r, {"alpha", "beta"});
  if (!attrs_ok || r.outputs.size() != 1) return false;
  if (r.node->op_type != "Clip" && r.inputs.size() != 1) return false;
  return node_activation(r).is_ok();
}

Result<KernelPtr> activation_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(Activation act, node_activation(r));
  return KernelPtr(new ActivationKernel(ctx, r, act));
}

bool binary_supports(const KernelRequest& r) {
  // Sum, Max and Min take any number of inputs; two is the form the kernel has.
  if (!plain_float_request(r, {}) || r.inputs.size() != 2 || r.outputs.size() != 1) return false;
  return binary_op(r.node->op_type).is_ok() &&
         broadcast_index(r.inputs[0].shape, r.inputs[1].shape, r.outputs[0].shape).is_ok();
}

Result<KernelPtr> binary_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(BinaryOp op, binary_op(r.node->op_type));
  FOVEA_ASSIGN_OR_RETURN(BroadcastIndex index,
                         broadcast_index(r.inputs[0].shape, r.inputs[1].shape, r.outputs[0].shape));
  return KernelPtr(new BinaryKernel(ctx, r, op, index));
}

bool concat_supports(const KernelRequest& r) {
  if (!plain_float_request(r, {"axis"}) || r.inputs.empty() || r.outputs.size() != 1) return false;
  const auto axis = concat_axis(r);
  if (!axis.is_ok()) return false;
  // cudaMemcpy2DAsync refuses pitches above cudaDeviceProp::memPitch (2^31 - 1 bytes).
  const Shape& y = r.outputs[0].shape;
  const int64_t row =
      element_count_of(Shape(y.begin() + static_cast<std::ptrdiff_t>(*axis), y.end()));
  return *axis == 0 || row * static_cast<int64_t>(sizeof(float)) <= int64_t{0x7fffffff};
}

Result<KernelPtr> concat_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(size_t axis, concat_axis(r));
  return KernelPtr(new ConcatKernel(ctx, r, axis));
}

bool pad_supports(const KernelRequest& r) {
  constexpr size_t kPadInputs = 4;  // data, pads, constant_value, axes
  return float_data_request(r, {"mode"}, kPadInputs) && pad_index(r).is_ok();
}

Result<KernelPtr> pad_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(PadIndex index, pad_index(r));
  return KernelPtr(new PadKernel(ctx, r, index, "pad kernel"));
}

bool reduce_mean_supports(const KernelRequest& r) {
  constexpr size_t kReduceInputs = 2;  // data, axes
  return float_data_request(r, {"keepdims", "noop_with_empty_axes"}, kReduceInputs) &&
         reduce_index(r).is_ok();
}

Result<KernelPtr> reduce_mean_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(ReduceIndex index, reduce_index(r));
  return KernelPtr(new ReduceMeanKernel(ctx, r, index, "reduce-mean kernel"));
}

bool transpose_supports(const KernelRequest& r) {
  return plain_float_request(r, {"perm"}) && r.inputs.size() == 1 && r.outputs.size() == 1 &&
         map_transpose(r.inputs[0].shape, *r.node).is_ok();
}

Result<KernelPtr> transpose_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  FOVEA_ASSIGN_OR_RETURN(BroadcastIndex index, map_transpose(r.inputs[0].shape, *r.node));
  return KernelPtr(new BroadcastCopyKernel(ctx, r, index));
}

bool constant_of_shape_supports(const KernelRequest& r) {
  if (!attributes_within(*r.node, {"value"}) || r.outputs.size() != 1) return false;
  const ValueInfo& y = r.outputs[0];
  const Tensor* value = r.node->attrs.get_tensor("value");
  return y.dtype == DType::kFloat32 && y.rank_known && is_static(y.shape) &&
         (value == nullptr || (value->dtype() == DType::kFloat32 && value->element_count() == 1));
}

Result<KernelPtr> constant_of_shape_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  const Tensor* value = r.node->attrs.get_tensor("value");
  return KernelPtr(new FillKernel(ctx, r, value ? value->data<float>()[0] : 0.0f));
}

bool copy_supports(const KernelRequest& r) {
  if (r.node == nullptr || !r.node->domain.empty() || r.inputs.empty() || r.outputs.size() != 1) {
    return false;
  }
  const ValueInfo& x = r.inputs[0];
  const ValueInfo& y = r.outputs[0];
  return x.dtype == DType::kFloat32 && y.dtype == DType::kFloat32 && x.rank_known && y.rank_known &&
         is_static(x.shape) && is_static(y.shape) &&
         element_count_of(x.shape) == element_count_of(y.shape) && element_count_of(y.shape) > 0;
}

Result<KernelPtr> copy_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  return KernelPtr(new CopyKernel(ctx, r));
}

}  // namespace fovea::cuda
