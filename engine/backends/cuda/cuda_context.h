// Device state of the CUDA backend: one device, its streams (the context's own, for loading,
// and one lent to each caller: a Session's runs queue on theirs), the cuDNN and cuBLAS handles
// bound to whichever stream is in use, the pooled device allocator, a shared convolution
// workspace and the pinned staging buffer host↔device copies go through. Kernels hold a
// shared_ptr to it, so it outlives them all. Runs are serialised per model
// (engine/plan/executor.h), and switching streams finishes the work queued on the previous
// one: only one stream ever holds work, which is what lets the handles, the workspace, the
// staging buffer and the pool's freed blocks be shared without events.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/backends/cuda/device_pool.h"

namespace fovea::cuda {

// Library errors as Status: "cuda: <what>: <library's message>".
Status cuda_check(cudaError_t error, const char* what);
Status cudnn_check(cudnnStatus_t status, const char* what);
Status cublas_check(cublasStatus_t status, const char* what);

// Checks that a device exists: kNotFound with a clear message (what create_backend returns).
Status check_device_available();

class Context;

// A stream of the context's, lent to one caller (Backend::create_stream); it goes back to the
// context's pool when the caller lets it go, for the next caller.
class LentStream final : public BackendStream {
 public:
  LentStream(std::shared_ptr<Context> ctx, cudaStream_t stream)
      : ctx_(std::move(ctx)), stream_(stream) {}
  ~LentStream() override;
  LentStream(const LentStream&) = delete;
  LentStream& operator=(const LentStream&) = delete;
  cudaStream_t get() const { return stream_; }
  const Context* lender() const { return ctx_.get(); }

 private:
  std::shared_ptr<Context> ctx_;
  cudaStream_t stream_;
};

class Context : public std::enable_shared_from_this<Context> {
 public:
  // Fails with a clear message when there is no device or a library cannot start.
  static Result<std::shared_ptr<Context>> create(const BackendOptions& options);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // The stream in use: kernels, copies and recordings queue their work here.
  cudaStream_t stream() const { return current_; }
  // A stream for one caller: a free one from the pool, or a new one.
  Result<std::unique_ptr<LentStream>> lend_stream();
  // Queues work on `stream` (null: the context's own) from now on, binding the handles to it,
  // once the work queued on the stream in use has finished.
  Status use_stream(cudaStream_t stream);
  cudnnHandle_t cudnn() const { return cudnn_; }
  cublasHandle_t cublas() const { return cublas_; }
  DevicePool& pool() { return *pool_; }
  // BackendOptions::allow_tf32: Tensor Core TF32 math for convolutions and GEMMs.
  bool allow_tf32() const { return allow_tf32_; }

  // A device tensor from the pool (uninitialised).
  Result<Tensor> allocate(DType dtype, const Shape& shape);
  // Copies host→device, device→host or device→device on the stream in use; returns when the
  // data has arrived (host memory may be reused at once). Called where runs and loads are,
  // serialised with use_stream.
  Status copy(const Tensor& src, Tensor& dst);
  // Uploads a host tensor into new device memory (weights, at prepare).
  Result<Tensor> upload(const Tensor& host);
  // The shared workspace, grown to at least `bytes`; valid until the next call that grows it
  // (kernels ask again on every run; it only grows while plans are prepared). Only one stream
  // holds work at a time and its kernels use it one after another, so one buffer serves all.
  Result<void*> workspace(size_t bytes);
  // Changes whenever the workspace moves: a recorded graph holding the old one is stale.
  uint64_t workspace_generation() const { return workspace_generation_; }
  Status synchronize();
  // While set (the backend records a graph), allocate() and a workspace that would grow fail:
  // a recording must not hold memory that goes back to the pool when it ends.
  void set_recording(bool recording) { recording_ = recording; }

 private:
  friend class LentStream;
  Context() = default;
  Status copy_through_staging(const void* src, void* dst, size_t bytes, bool to_device);
  void take_back(cudaStream_t stream);
  Status set_cublas_workspace();
  Status bind_handles(cudaStream_t stream);  // cuDNN, cuBLAS and cuBLAS's workspace

  int device_ = 0;
  bool allow_tf32_ = false;
  cudaStream_t own_stream_ = nullptr;
  cudaStream_t current_ = nullptr;  // own_stream_ or a lent one
  std::mutex streams_mutex_;        // callers let their streams go from any thread
  std::vector<cudaStream_t> free_streams_;
  cudnnHandle_t cudnn_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  std::shared_ptr<DevicePool> pool_;
  DeviceBlock workspace_;
  uint64_t workspace_generation_ = 0;
  bool recording_ = false;
  DeviceBlock cublas_workspace_;  // set explicitly: cuBLAS must not allocate while recording
  std::mutex staging_mutex_;      // one copy at a time through the staging buffer
  void* staging_ = nullptr;       // pinned host memory, kStagingBytes
};
using ContextPtr = std::shared_ptr<Context>;

}  // namespace fovea::cuda
