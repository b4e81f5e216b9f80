// Plain parameter structs shared by the host code and the .cu kernels (no CUDA or engine
// headers here, so nvcc and the host-only tests both include it cheaply).
#pragma once

#include <cstdint>

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
  kClip
};
struct Activation {
  Act kind = Act::kNone;
  float alpha = 0.0f;
  float beta = 0.0f;
};

enum class BinaryOp : int32_t { kAdd, kSub, kMul, kDiv, kMax, kMin };

// Numpy broadcasting of two inputs onto an output of `rank` dims: element strides per output
// dim, 0 where the input is broadcast along it.
inline constexpr int kMaxBroadcastRank = 6;
struct BroadcastIndex {
  int32_t rank = 0;
  int64_t out_dims[kMaxBroadcastRank] = {};
  int64_t a_strides[kMaxBroadcastRank] = {};
  int64_t b_strides[kMaxBroadcastRank] = {};
};

// Copies x into a larger buffer at an offset, filling the rest (convolution padding cuDNN cannot
// express: asymmetric pads). Up to three spatial dims; absent ones are 1 / 0.
struct PadGeometry {
  int64_t outer = 1;             // N * C
  int64_t in[3] = {1, 1, 1};     // x's spatial dims
  int64_t out[3] = {1, 1, 1};    // the padded buffer's
  int64_t begin[3] = {0, 0, 0};  // where x starts inside it
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
