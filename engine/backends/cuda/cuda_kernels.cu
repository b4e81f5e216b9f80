// Elementwise CUDA kernels: activations (with an optional per-channel bias, the epilogue of
// convolutions and GEMMs whose activation cuDNN cannot fuse), broadcast binary ops, broadcast
// copies, padding, and pooling where cuDNN's cannot express the window. Grid-stride loops,
// 64-bit indices. The math mirrors engine/ops/activations.cpp and engine/ops/pool.cpp.
#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/backends/cuda/cuda_pool_math.h"

namespace fovea::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kMaxBlocks = 65535;

int blocks_for(int64_t count) {
  const int64_t blocks = (count + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < kMaxBlocks ? (blocks > 0 ? blocks : 1) : kMaxBlocks);
}

__device__ float clampf(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

__device__ float activate(float x, const Activation& a) {
  switch (a.kind) {
    case Act::kNone: return x;
    case Act::kRelu: return x > 0.0f ? x : 0.0f;
    case Act::kLeakyRelu: return x >= 0.0f ? x : a.alpha * x;
    case Act::kElu: return x >= 0.0f ? x : a.alpha * (expf(x) - 1.0f);
    case Act::kSigmoid:
      if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
      return expf(x) / (1.0f + expf(x));
    case Act::kTanh: return tanhf(x);
    case Act::kHardSigmoid: return clampf(a.alpha * x + a.beta, 0.0f, 1.0f);
    case Act::kHardSwish: return x * clampf(x / 6.0f + 0.5f, 0.0f, 1.0f);
    case Act::kClip: {
      const float v = x < a.alpha ? a.alpha : x;  // Clip's order: max first, then min
      return v > a.beta ? a.beta : v;
    }
  }
  return x;
}

__global__ void bias_activation_kernel(const float* x, float* y, const float* bias,
                                       int64_t channels, int64_t inner, int64_t count,
                                       Activation act) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{blockDim.x} * gridDim.x) {
    float v = x[i];
    if (bias != nullptr) v += bias[(i / inner) % channels];
    y[i] = activate(v, act);
  }
}

// Offsets of output element i in a and b.
__device__ void broadcast_offsets(int64_t i, const BroadcastIndex& index, int64_t& a, int64_t& b) {
  a = 0;
  b = 0;
  for (int d = index.rank - 1; d >= 0; --d) {
    const int64_t coord = i % index.out_dims[d];
    i /= index.out_dims[d];
    a += coord * index.a_strides[d];
    b += coord * index.b_strides[d];
  }
}

__device__ float binary(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
    case BinaryOp::kMax: return fmaxf(a, b);
    case BinaryOp::kMin: return fminf(a, b);
  }
  return a;
}

__global__ void binary_kernel(BinaryOp op, const float* a, const float* b, float* y, int64_t count,
                              BroadcastIndex index) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{blockDim.x} * gridDim.x) {
    int64_t ia = 0, ib = 0;
    broadcast_offsets(i, index, ia, ib);
    y[i] = binary(op, a[ia], b[ib]);
  }
}

__global__ void broadcast_copy_kernel(const float* x, float* y, int64_t count,
                                      BroadcastIndex index) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{blockDim.x} * gridDim.x) {
    int64_t ix = 0, unused = 0;
    broadcast_offsets(i, index, ix, unused);
    y[i] = x[ix];
  }
}

__global__ void pad_kernel(const float* x, float* y, int64_t count, PadGeometry pad, float fill) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{blockDim.x} * gridDim.x) {
    int64_t rest = i;
    int64_t src = 0;
    int64_t src_stride = 1;
    bool inside = true;
    for (int d = 2; d >= 0; --d) {
      const int64_t coord = rest % pad.out[d] - pad.begin[d];
      rest /= pad.out[d];
      inside = inside && coord >= 0 && coord < pad.in[d];
      src += coord * src_stride;
      src_stride *= pad.in[d];
    }
    y[i] = inside ? x[rest * src_stride + src] : fill;  // rest is now the (n, c) row
  }
}

__global__ void fill_kernel(float* y, int64_t count, float value) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{blockDim.x} * gridDim.x) {
    y[i] = value;
  }
}

__global__ void pool_kernel(const float* x, float* y, int64_t count, PoolGeometry g) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{blockDim.x} * gridDim.x) {
    y[i] = pool_output(x, g, i);
  }
}

}  // namespace

cudaError_t launch_fill(cudaStream_t stream, float* y, int64_t count, float value) {
  if (count == 0) return cudaSuccess;
  fill_kernel<<<blocks_for(count), kThreads, 0, stream>>>(y, count, value);
  return cudaGetLastError();
}

cudaError_t launch_pool(cudaStream_t stream, const float* x, float* y, const PoolGeometry& pool) {
  const int64_t count = pool.planes * pool.out[0] * pool.out[1] * pool.out[2];
  if (count == 0) return cudaSuccess;
  pool_kernel<<<blocks_for(count), kThreads, 0, stream>>>(x, y, count, pool);
  return cudaGetLastError();
}

cudaError_t launch_pad(cudaStream_t stream, const float* x, float* y, const PadGeometry& pad,
                       float fill) {
  const int64_t count = pad.outer * pad.out[0] * pad.out[1] * pad.out[2];
  if (count == 0) return cudaSuccess;
  pad_kernel<<<blocks_for(count), kThreads, 0, stream>>>(x, y, count, pad, fill);
  return cudaGetLastError();
}

cudaError_t launch_bias_activation(cudaStream_t stream, const float* x, float* y, const float* bias,
                                   int64_t channels, int64_t inner, int64_t count, Activation act) {
  if (count == 0) return cudaSuccess;
  bias_activation_kernel<<<blocks_for(count), kThreads, 0, stream>>>(
      x, y, bias, channels > 0 ? channels : 1, inner > 0 ? inner : 1, count, act);
  return cudaGetLastError();
}

cudaError_t launch_binary(cudaStream_t stream, BinaryOp op, const float* a, const float* b,
                          float* y, int64_t count, const BroadcastIndex& index) {
  if (count == 0) return cudaSuccess;
  binary_kernel<<<blocks_for(count), kThreads, 0, stream>>>(op, a, b, y, count, index);
  return cudaGetLastError();
}

cudaError_t launch_broadcast_copy(cudaStream_t stream, const float* x, float* y, int64_t count,
                                  const BroadcastIndex& index) {
  if (count == 0) return cudaSuccess;
  broadcast_copy_kernel<<<blocks_for(count), kThreads, 0, stream>>>(x, y, count, index);
  return cudaGetLastError();
}

}  // namespace fovea::cuda
