// ONNX → cuDNN/cuBLAS parameter mapping, in plain host code so it is unit-tested without a GPU
// (tests/cuda). Each function either returns the integers the descriptors take or an error
// saying why the node does not map (the backend's supports() then declines it and the
// reference backend runs it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/backends/cuda/cuda_types.h"
#include "engine/core/graph.h"
#include "engine/core/shape.h"
#include "engine/core/status.h"
#include "engine/ops/spatial_params.h"

namespace fovea::cuda {

// cudnnSetTensorNdDescriptor / FilterNd / ConvolutionNd want at least 4 dims: a 1-D
// convolution is lifted to 2-D by a unit height.
struct ConvDescriptors {
  std::vector<int> x_dims, w_dims, y_dims;
  std::vector<int> pads, strides, dilations;  // one per spatial dim
  int group = 1;
};
// Fails for asymmetric padding (cuDNN pads both ends alike), ranks outside 3..5, and sizes
// beyond int; `y` must be the output shape resolve_conv computed.
Result<ConvDescriptors> map_conv(const SpatialParams& p, const Shape& x, const Shape& w,
                                 const Shape& y);

// Padding cuDNN cannot express (asymmetric pads, as TensorFlow's SAME exports give): the input
// is first copied into a zero-filled buffer padded as `pad` says, then convolved without
// padding. Fails for negative pads and what map_conv fails for.
struct PrePaddedConv {
  ConvDescriptors conv;  // over the padded buffer
  PadIndex pad;          // x -> the padded buffer
  int64_t padded_count = 0;
};
Result<PrePaddedConv> map_conv_prepadded(const SpatialParams& p, const Shape& x, const Shape& w,
                                         const Shape& y);

struct PoolDescriptors {
  std::vector<int> x_dims, y_dims;
  std::vector<int> window, pads, strides;
};
// MaxPool/AveragePool: no dilation, symmetric pads, and cuDNN's floor output size must equal
// ONNX's (ceil_mode that adds a row does not map).
Result<PoolDescriptors> map_pool(const SpatialParams& p, const Shape& x, const Shape& y);
// Any MaxPool/AveragePool geometry with one to three spatial dims, for the direct pooling
// kernel (where map_pool fails); `y` must be the output shape resolve_pool computed.
Result<PoolGeometry> map_direct_pool(const SpatialParams& p, const Shape& x, const Shape& y,
                                     bool max, bool count_include_pad);
// GlobalAveragePool/GlobalMaxPool: one window over every spatial dim.
Result<PoolDescriptors> map_global_pool(const Shape& x);

// cudnnSoftmaxForward in CHANNEL mode over a [n, c, inner, 1] view: ONNX `axis` (negative
// counts from the end) normalises over dim axis only, or with coerce_2d over dims [axis..).
struct SoftmaxView {
  int n = 1, c = 1, inner = 1;
};
Result<SoftmaxView> map_softmax(const Shape& x, int64_t axis, bool coerce_2d);

// An activation node's activation (Relu, LeakyRelu, Elu, Selu, Sigmoid, Tanh, HardSigmoid,
// HardSwish, Clip), its attributes' defaults filled in as the reference's; Clip's bounds are
// `min` and `max` (null: unbounded).
Result<Activation> activation_of_node(const Node& node, const Tensor* min, const Tensor* max);
// A node's fused activation (attributes `activation`, `activation_alpha`, `activation_beta`).
Result<Activation> fused_activation(const Node& node);
// An activation by op name and its alpha/beta (defaults filled as the ops' schemas do).
Result<Activation> activation_by_name(const std::string& name, float alpha, float beta);

// The binary kernel's op for a node type: Add, Sub, Mul, Div, Sum, Max, Min, PRelu.
Result<BinaryOp> binary_op(const std::string& op_type);
// Numpy broadcasting of a and b onto y (y is their broadcast shape).
Result<BroadcastIndex> broadcast_index(const Shape& a, const Shape& b, const Shape& y);

// ONNX Pad of x (inputs pads, constant_value?, axes? as constants; null where absent) onto y:
// per-dim begin amounts (negative crops), the mode and the fill. Rank at most kMaxPadRank.
Result<PadIndex> map_pad(const Shape& x, const Shape& y, const std::string& mode,
                         const Tensor& pads, const Tensor* constant_value, const Tensor* axes);

// ReduceMean of x over `axes` (int64 constant; null or empty: every dim, or none with
// noop_with_empty_axes). Rank at most kMaxReduceRank.
Result<ReduceIndex> map_reduce_mean(const Shape& x, const Node& node, const Tensor* axes);

// Transpose of x by the node's `perm` (default: reversed dims) as a broadcast copy: y's dims,
// and x's stride for each of them.
Result<BroadcastIndex> map_transpose(const Shape& x, const Node& node);

// One row-major GEMM, y[M,N] = op(a)[M,K] · op(b)[K,N], issued to column-major cuBLAS as
// yᵀ = op(b)ᵀ op(a)ᵀ; `batch` of them with element strides between matrices (0: shared).
struct GemmShape {
  int m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  int lda = 0, ldb = 0, ldy = 0;  // leading dims as cuBLAS sees the buffers
  int batch = 1;
  int64_t stride_a = 0, stride_b = 0, stride_y = 0;
};
// Gemm: a [M,K] (or [K,M] with trans_a), b [K,N] (or [N,K] with trans_b).
Result<GemmShape> map_gemm(const Shape& a, const Shape& b, bool trans_a, bool trans_b);
// MatMul: both ranks >= 2; batch dims equal, or one side's all 1 (shared), or b rank 2 (a's
// batch folds into M).
Result<GemmShape> map_matmul(const Shape& a, const Shape& b);

}  // namespace fovea::cuda
