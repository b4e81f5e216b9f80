// Elementwise CUDA kernels: activations (with an optional per-channel bias, the epilogue of
// convolutions and GEMMs whose activation cuDNN cannot fuse), broadcast binary ops, broadcast
// copies (Transpose too), padding, ReduceMean, fills, and pooling where cuDNN's cannot express the
// window. Grid-stride loops, 64-bit indices. The per-element math lives in cuda_elementwise_math.h
// and cuda_pool_math.h, where host tests check it against the reference ops.
#include <algorithm>

#include "engine/backends/cuda/cuda_elementwise_math.h"
#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/backends/cuda/cuda_pool_math.h"

namespace fovea::cuda {
namespace {

constexpr int kThreads = 256;  // a power of two: reduce_mean_block_kernel halves it
constexpr int64_t kMaxBlocks = 65535;
// Means over at least this many elements take a block each: a thread alone would sum them
// serially, reading addresses a plane apart from its neighbours'.
constexpr int64_t kBlockReduceMin = 1024;

int blocks_for(int64_t count) {
  const int64_t blocks = (count + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < kMaxBlocks ? (blocks > 0 ? blocks : 1) : kMaxBlocks);
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

__global__ void pad_kernel(const float* x, float* y, int64_t count, PadIndex pad) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{blockDim.x} * gridDim.x) {
    const int64_t source = pad_source(i, pad);
    y[i] = source >= 0 ? x[source] : pad.fill;
  }
}

__global__ void reduce_mean_kernel(const float* x, float* y, int64_t count, ReduceIndex r) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{blockDim.x} * gridDim.x) {
    y[i] = reduce_mean_output(x, r, i);
  }
}

// One block per output, for means over many elements: each thread sums its strided share in
// double, then the block adds the shares pairwise (so within float rounding of the reference's
// input-order sum, not bit for bit).
__global__ void reduce_mean_block_kernel(const float* x, float* y, int64_t outputs, ReduceIndex r) {
  __shared__ double partial[kThreads];
  for (int64_t o = blockIdx.x; o < outputs; o += gridDim.x) {
    const int64_t base = reduce_mean_base(r, o);
    partial[threadIdx.x] = reduce_mean_share(x, r, base, threadIdx.x, blockDim.x);
    __syncthreads();
    for (unsigned half = blockDim.x / 2; half > 0; half /= 2) {
      if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
      __syncthreads();
    }
    if (threadIdx.x == 0) y[o] = static_cast<float>(partial[0] / static_cast<double>(r.count));
    __syncthreads();  // partial is refilled for the next output
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

cudaError_t launch_reduce_mean(cudaStream_t stream, const float* x, float* y,
                               const ReduceIndex& reduce) {
  int64_t count = 1;
  for (int d = 0; d < reduce.kept_rank; ++d) count *= reduce.kept_dims[d];
  if (count == 0) return cudaSuccess;
  if (reduce.count >= kBlockReduceMin) {
    const int blocks = static_cast<int>(std::min<int64_t>(count, kMaxBlocks));
    reduce_mean_block_kernel<<<blocks, kThreads, 0, stream>>>(x, y, count, reduce);
  } else {
    reduce_mean_kernel<<<blocks_for(count), kThreads, 0, stream>>>(x, y, count, reduce);
  }
  return cudaGetLastError();
}

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

cudaError_t launch_pad(cudaStream_t stream, const float* x, float* y, const PadIndex& pad) {
  int64_t count = 1;
  for (int d = 0; d < pad.rank; ++d) count *= pad.out_dims[d];
  if (count == 0) return cudaSuccess;
  pad_kernel<<<blocks_for(count), kThreads, 0, stream>>>(x, y, count, pad);
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
