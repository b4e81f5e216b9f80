// Plain parameter structs shared by the host code and the .cu kernels (no CUDA or engine
// headers here, so nvcc and the host-only tests both include it cheaply).
#pragma once

#include <cstdint>

// Functions the .cu kernels call per element and host tests call to check them without a GPU.
#if defined(__CUDACC__)
#define FOVEA_HOST_DEVICE __host__ __device__
#else
#define FOVEA_HOST_DEVICE
#endif

namespace fovea::cuda {

// Activations the elementwise kernels apply: the fusable set of engine/ops/README.md plus
// none. alpha/beta as in the fused attributes (Clip: alpha = min, beta = max).
enum class Act : int32_t {
  kNone,
  kRelu,
  kLeakyRelu,
  kElu,
  kSigmoid,
  kTanh,
  kHardSigmoid,
  kHardSwish,
  kClip,
  kSelu  // alpha, beta = gamma
};
struct Activation {
  Act kind = Act::kNone;
  float alpha = 0.0f;
  float beta = 0.0f;
};

// kMax/kMin propagate NaN (ONNX Max/Min, as the reference); kPRelu: a >= 0 ? a : b * a.
enum class BinaryOp : int32_t { kAdd, kSub, kMul, kDiv, kMax, kMin, kPRelu };

// Numpy broadcasting of two inputs onto an output of `rank` dims: element strides per output
// dim, 0 where the input is broadcast along it.
inline constexpr int kMaxBroadcastRank = 6;
struct BroadcastIndex {
  int32_t rank = 0;
  int64_t out_dims[kMaxBroadcastRank] = {};
  int64_t a_strides[kMaxBroadcastRank] = {};
  int64_t b_strides[kMaxBroadcastRank] = {};
};

// Pad (and convolution padding cuDNN cannot express): output element coordinates minus
// `begin` are the input's; outside the input, the mode decides (ONNX Pad's modes).
enum class PadMode : int32_t { kConstant, kEdge, kReflect, kWrap };
inline constexpr int kMaxPadRank = 6;
struct PadIndex {
  int32_t rank = 0;
  int64_t in_dims[kMaxPadRank] = {};
  int64_t out_dims[kMaxPadRank] = {};
  int64_t begin[kMaxPadRank] = {};  // negative: cropped
  PadMode mode = PadMode::kConstant;
  float fill = 0.0f;  // kConstant
};

// ReduceMean: each output element is the mean of the input elements sharing its kept
// coordinates. Kept and reduced dims in input order, with the input's strides.
inline constexpr int kMaxReduceRank = 6;
struct ReduceIndex {
  int32_t kept_rank = 0;
  int64_t kept_dims[kMaxReduceRank] = {};
  int64_t kept_strides[kMaxReduceRank] = {};
  int32_t reduced_rank = 0;
  int64_t reduced_dims[kMaxReduceRank] = {};
  int64_t reduced_strides[kMaxReduceRank] = {};
  int64_t count = 1;  // elements per mean
};

// MaxPool/AveragePool computed as the reference computes them (engine/ops/pool.cpp), for the
// geometry cuDNN's pooling cannot express: asymmetric pads, ceil_mode, dilations, windows
// wholly in the padding. Up to three spatial dims; absent ones are 1 / 0.
struct PoolGeometry {
  int64_t planes = 1;  // N * C
  int64_t in[3] = {1, 1, 1};
  int64_t out[3] = {1, 1, 1};
  int64_t kernel[3] = {1, 1, 1};
  int64_t strides[3] = {1, 1, 1};
  int64_t dilations[3] = {1, 1, 1};
  int64_t pads_begin[3] = {0, 0, 0};
  int64_t pads_end[3] = {0, 0, 0};
  bool max = true;                 // else average
  bool count_include_pad = false;  // average: divide by the taps on the input and explicit pads
};

}  // namespace fovea::cuda
