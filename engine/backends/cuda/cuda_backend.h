// The CUDA backend: cuDNN and cuBLAS for the heavy operators, small CUDA kernels for the
// elementwise rest, tensors in device memory. Nodes it does not take run on the reference
// backend with copies the plan inserts. Built only when CMake finds CUDA, cuBLAS and cuDNN
// (cuda_toolchain.cmake), as a module that programs load only when they ask for "cuda".
#pragma once

#include <memory>

#include "engine/backends/backend.h"

namespace fovea {

// Fails with "cuda: no CUDA device available (cudaGetDeviceCount: ...)" without a device.
// Lives in the module libfovea_cuda.so (its factory).
Result<std::unique_ptr<Backend>> make_cuda_backend(const BackendOptions& options);

// The engine's entry (the registry's "cuda" line): loads libfovea_cuda.so on first use
// (engine/backends/backend_module.h) and calls make_cuda_backend through it.
Result<std::unique_ptr<Backend>> load_cuda_backend(const BackendOptions& options);

namespace cuda {
// The backend's supports(), which needs no device: whether its table takes `request`.
bool takes(const KernelRequest& request);
}  // namespace cuda

}  // namespace fovea
