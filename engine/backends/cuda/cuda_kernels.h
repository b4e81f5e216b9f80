// The backend's own CUDA kernels (cuda_kernels.cu): elementwise work cuDNN and cuBLAS do not
// cover. Each launches on `stream` and returns the launch's error (cudaSuccess when queued).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "engine/backends/cuda/cuda_types.h"

namespace fovea::cuda {

// y[i] = act(x[i] + bias[(i / inner) % channels]); bias may be null; x may equal y.
cudaError_t launch_bias_activation(cudaStream_t stream, const float* x, float* y, const float* bias,
                                   int64_t channels, int64_t inner, int64_t count, Activation act);

// y = a (op) b with numpy broadcasting described by `index` (count = y's element count).
cudaError_t launch_binary(cudaStream_t stream, BinaryOp op, const float* a, const float* b,
                          float* y, int64_t count, const BroadcastIndex& index);

// y = x broadcast to y's shape (index.a_strides describe x); for Gemm's C, and Transpose
// (a_strides: x's strides in y's dim order).
cudaError_t launch_broadcast_copy(cudaStream_t stream, const float* x, float* y, int64_t count,
                                  const BroadcastIndex& index);

// y = x padded (or cropped) as `pad` says.
cudaError_t launch_pad(cudaStream_t stream, const float* x, float* y, const PadIndex& pad);

// y = ReduceMean of x as `reduce` says: one thread per output element for short means (a
// squeeze-and-excitation block's 7x7 planes), one block per output for long ones.
cudaError_t launch_reduce_mean(cudaStream_t stream, const float* x, float* y,
                               const ReduceIndex& reduce);

// y[i] = value for i < count (ConstantOfShape).
cudaError_t launch_fill(cudaStream_t stream, float* y, int64_t count, float value);

// y = MaxPool/AveragePool of x over `pool` (x and y row-major [planes, in...] / [planes, out...]).
cudaError_t launch_pool(cudaStream_t stream, const float* x, float* y, const PoolGeometry& pool);

}  // namespace fovea::cuda
