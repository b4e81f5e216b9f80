// Device state of the CUDA backend: one device, one stream, the cuDNN and cuBLAS handles bound
// to it, the pooled device allocator, a shared convolution workspace and the pinned staging
// buffer host↔device copies go through. Kernels hold a shared_ptr to it, so it outlives them
// all. Runs are serialised per model (engine/plan/executor.h), which is what makes one stream,
// one workspace and one staging buffer enough.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "engine/backends/backend.h"
#include "engine/backends/cuda/device_pool.h"

namespace fovea::cuda {

// Library errors as Status: "cuda: <what>: <library's message>".
Status cuda_check(cudaError_t error, const char* what);
Status cudnn_check(cudnnStatus_t status, const char* what);
Status cublas_check(cublasStatus_t status, const char* what);

// Checks that a device exists: kNotFound with a clear message (what create_backend returns).
Status check_device_available();

class Context {
 public:
  // Fails with a clear message when there is no device or a library cannot start.
  static Result<std::shared_ptr<Context>> create(const BackendOptions& options);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  cudaStream_t stream() const { return stream_; }
  cudnnHandle_t cudnn() const { return cudnn_; }
  cublasHandle_t cublas() const { return cublas_; }
  DevicePool& pool() { return *pool_; }
  // BackendOptions::allow_tf32: Tensor Core TF32 math for convolutions and GEMMs.
  bool allow_tf32() const { return allow_tf32_; }

  // A device tensor from the pool (uninitialised).
  Result<Tensor> allocate(DType dtype, const Shape& shape);
  // Copies host→device, device→host or device→device; returns when the data has arrived
  // (host memory may be reused at once).
  Status copy(const Tensor& src, Tensor& dst);
  // Uploads a host tensor into new device memory (weights, at prepare).
  Result<Tensor> upload(const Tensor& host);
  // The shared workspace, grown to at least `bytes`; valid until the next call that grows it
  // (kernels ask again on every run; it only grows while plans are prepared). Kernels on the
  // one stream use it one after another, so one buffer serves them all.
  Result<void*> workspace(size_t bytes);
  // Changes whenever the workspace moves: a recorded graph holding the old one is stale.
  uint64_t workspace_generation() const { return workspace_generation_; }
  Status synchronize();

 private:
  Context() = default;
  Status copy_through_staging(const void* src, void* dst, size_t bytes, bool to_device);

  int device_ = 0;
  bool allow_tf32_ = false;
  cudaStream_t stream_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  std::shared_ptr<DevicePool> pool_;
  DeviceBlock workspace_;
  uint64_t workspace_generation_ = 0;
  DeviceBlock cublas_workspace_;  // set explicitly: cuBLAS must not allocate while recording
  std::mutex staging_mutex_;      // copy() may come from any thread
  void* staging_ = nullptr;       // pinned host memory, kStagingBytes
};
using ContextPtr = std::shared_ptr<Context>;

}  // namespace fovea::cuda
