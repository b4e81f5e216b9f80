// The CUDA backend: cuDNN and cuBLAS for the heavy operators, small CUDA kernels for the
// elementwise rest, tensors in device memory. Nodes it does not take run on the reference
// backend with copies the plan inserts. Built only when CMake finds CUDA, cuBLAS and cuDNN
// (cuda_toolchain.cmake).
#pragma once

#include <memory>

#include "engine/backends/backend.h"

namespace fovea {

// Fails with "cuda: no CUDA device available (cudaGetDeviceCount: ...)" without a device.
Result<std::unique_ptr<Backend>> make_cuda_backend(const BackendOptions& options);

}  // namespace fovea
