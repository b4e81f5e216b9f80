#include "engine/backends/cuda/cuda_context.h"

#include <algorithm>
#include <cstring>

namespace fovea::cuda {
namespace {

// Large copies go through the pinned buffer in chunks of this size.
constexpr size_t kStagingBytes = size_t{16} << 20;
constexpr size_t kCublasWorkspaceBytes = size_t{32} << 20;

}  // namespace

Status cuda_check(cudaError_t error, const char* what) {
  if (error == cudaSuccess) return Status::ok();
  return internal_error(std::string("cuda: ") + what + ": " + cudaGetErrorString(error));
}

Status cudnn_check(cudnnStatus_t status, const char* what) {
  if (status == CUDNN_STATUS_SUCCESS) return Status::ok();
  return internal_error(std::string("cuda: ") + what + ": " + cudnnGetErrorString(status));
}

Status cublas_check(cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return Status::ok();
  return internal_error(std::string("cuda: ") + what + ": " + cublasGetStatusString(status));
}

// kNotFound, not kUnsupported: the model is fine, the machine lacks the device (the
// conformance runner reports kUnsupported cases as out of scope, not as failures).
Status check_device_available() {
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    return Status(StatusCode::kNotFound,
                  std::string("cuda: no CUDA device available (cudaGetDeviceCount: ") +
                      cudaGetErrorString(error) + ")");
  }
  if (count == 0) {
    return Status(StatusCode::kNotFound,
                  "cuda: no CUDA device available (cudaGetDeviceCount: 0 devices)");
  }
  return Status::ok();
}

Result<std::shared_ptr<Context>> Context::create(const BackendOptions& options) {
  FOVEA_RETURN_IF_ERROR(check_device_available());
  std::shared_ptr<Context> ctx(new Context());
  ctx->allow_tf32_ = options.allow_tf32;
  FOVEA_RETURN_IF_ERROR(cuda_check(cudaSetDevice(ctx->device_), "cudaSetDevice"));
  FOVEA_RETURN_IF_ERROR(cuda_check(
      cudaStreamCreateWithFlags(&ctx->own_stream_, cudaStreamNonBlocking), "cudaStreamCreate"));
  ctx->current_ = ctx->own_stream_;
  FOVEA_RETURN_IF_ERROR(cudnn_check(cudnnCreate(&ctx->cudnn_), "cudnnCreate"));
  FOVEA_RETURN_IF_ERROR(cudnn_check(cudnnSetStream(ctx->cudnn_, ctx->current_), "cudnnSetStream"));
  FOVEA_RETURN_IF_ERROR(cublas_check(cublasCreate(&ctx->cublas_), "cublasCreate"));
  FOVEA_RETURN_IF_ERROR(
      cublas_check(cublasSetStream(ctx->cublas_, ctx->current_), "cublasSetStream"));
  // float32 by default: cuBLAS's default math is plain FP32; TF32 only when asked for.
  FOVEA_RETURN_IF_ERROR(
      cublas_check(cublasSetMathMode(ctx->cublas_, ctx->allow_tf32_ ? CUBLAS_TF32_TENSOR_OP_MATH
                                                                    : CUBLAS_DEFAULT_MATH),
                   "cublasSetMathMode"));
  FOVEA_RETURN_IF_ERROR(
      cuda_check(cudaMallocHost(&ctx->staging_, kStagingBytes), "cudaMallocHost (staging)"));
  const int device = ctx->device_;
  ctx->pool_ = DevicePool::create(RawAllocator{[device](size_t bytes) -> void* {
                                                 void* p = nullptr;
                                                 cudaSetDevice(device);
                                                 if (cudaMalloc(&p, bytes) == cudaSuccess) return p;
                                                 // The pool trims its cache and retries: clear the
                                                 // error, or the next kernel launch check reports
                                                 // it.
                                                 (void)cudaGetLastError();
                                                 return nullptr;
                                               },
                                               [](void* p) { cudaFree(p); }});
  // cuBLAS would otherwise allocate its workspace on first use, which a graph capture forbids
  // (32 MiB: NVIDIA's recommendation for Hopper).
  FOVEA_ASSIGN_OR_RETURN(ctx->cublas_workspace_, ctx->pool_->allocate(kCublasWorkspaceBytes));
  FOVEA_RETURN_IF_ERROR(ctx->set_cublas_workspace());
  return ctx;
}

Context::~Context() {
  // Every lent stream is back by now: each holds the context.
  if (current_ != nullptr) cudaStreamSynchronize(current_);
  // The handles first: cuBLAS holds its workspace until then.
  if (cublas_ != nullptr) cublasDestroy(cublas_);
  if (cudnn_ != nullptr) cudnnDestroy(cudnn_);
  workspace_.reset();
  cublas_workspace_.reset();
  // Tensors still alive keep the pool alive; trim what is cached now.
  if (pool_) pool_->trim();
  for (cudaStream_t stream : free_streams_) cudaStreamDestroy(stream);
  if (own_stream_ != nullptr) cudaStreamDestroy(own_stream_);
  if (staging_ != nullptr) cudaFreeHost(staging_);
}

LentStream::~LentStream() { ctx_->take_back(stream_); }

Result<std::unique_ptr<LentStream>> Context::lend_stream() {
  cudaStream_t stream = nullptr;
  {
    std::lock_guard<std::mutex> lock(streams_mutex_);
    if (!free_streams_.empty()) {
      stream = free_streams_.back();
      free_streams_.pop_back();
    }
  }
  if (stream == nullptr) {
    FOVEA_RETURN_IF_ERROR(cuda_check(cudaSetDevice(device_), "cudaSetDevice"));
    const cudaError_t made = cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
    (void)cudaGetLastError();  // else the next kernel launch check would report it
    FOVEA_RETURN_IF_ERROR(cuda_check(made, "cudaStreamCreate (a session's stream)"));
  }
  return std::make_unique<LentStream>(shared_from_this(), stream);
}

// The plan unbinds a stream after every run, so one coming back holds no work; it stays alive
// in the pool until the context ends, even if something still named it as in use.
void Context::take_back(cudaStream_t stream) {
  std::lock_guard<std::mutex> lock(streams_mutex_);
  free_streams_.push_back(stream);
}

Status Context::use_stream(cudaStream_t stream) {
  if (stream == nullptr) stream = own_stream_;
  if (stream == current_) return Status::ok();
  FOVEA_RETURN_IF_ERROR(synchronize());
  const Status bound = bind_handles(stream);
  if (!bound.is_ok()) {
    (void)bind_handles(current_);  // the handles stay with the stream in use
    return bound;
  }
  current_ = stream;
  return Status::ok();
}

Status Context::bind_handles(cudaStream_t stream) {
  FOVEA_RETURN_IF_ERROR(cudnn_check(cudnnSetStream(cudnn_, stream), "cudnnSetStream"));
  FOVEA_RETURN_IF_ERROR(cublas_check(cublasSetStream(cublas_, stream), "cublasSetStream"));
  return set_cublas_workspace();
}

// cublasSetStream puts cuBLAS back on its own workspace pool, which allocates on first use
// and so cannot be recorded: hand it ours again after every stream change.
Status Context::set_cublas_workspace() {
  return cublas_check(
      cublasSetWorkspace(cublas_, cublas_workspace_.data(), cublas_workspace_.size()),
      "cublasSetWorkspace");
}

Result<Tensor> Context::allocate(DType dtype, const Shape& shape) {
  if (recording_) return internal_error("cuda: memory allocated while recording a graph");
  const auto count = element_count(shape);
  if (!count) return internal_error("cuda: cannot allocate shape " + shape_to_string(shape));
  const size_t bytes = static_cast<size_t>(*count) * dtype_size(dtype);
  FOVEA_ASSIGN_OR_RETURN(std::shared_ptr<void> buffer, pool_->allocate_shared(bytes));
  return Tensor::adopt(dtype, shape, std::move(buffer), MemoryKind::kDevice);
}

Status Context::copy_through_staging(const void* src, void* dst, size_t bytes, bool to_device) {
  std::lock_guard<std::mutex> lock(staging_mutex_);
  for (size_t done = 0; done < bytes; done += kStagingBytes) {
    const size_t n = std::min(kStagingBytes, bytes - done);
    const auto* s = static_cast<const std::byte*>(src) + done;
    auto* d = static_cast<std::byte*>(dst) + done;
    if (to_device) {
      std::memcpy(staging_, s, n);
      FOVEA_RETURN_IF_ERROR(cuda_check(
          cudaMemcpyAsync(d, staging_, n, cudaMemcpyHostToDevice, current_), "copy to device"));
      // The staging buffer is reused by the next chunk: wait for this one.
      FOVEA_RETURN_IF_ERROR(cuda_check(cudaStreamSynchronize(current_), "copy to device"));
    } else {
      FOVEA_RETURN_IF_ERROR(cuda_check(
          cudaMemcpyAsync(staging_, s, n, cudaMemcpyDeviceToHost, current_), "copy to host"));
      FOVEA_RETURN_IF_ERROR(cuda_check(cudaStreamSynchronize(current_), "copy to host"));
      std::memcpy(d, staging_, n);
    }
  }
  return Status::ok();
}

Status Context::copy(const Tensor& src, Tensor& dst) {
  if (src.byte_size() != dst.byte_size()) {
    return internal_error("cuda: copy between tensors of different sizes: " + describe(src) +
                          " and " + describe(dst));
  }
  const size_t bytes = src.byte_size();
  if (bytes == 0) return Status::ok();
  const bool src_dev = src.memory() == MemoryKind::kDevice;
  const bool dst_dev = dst.memory() == MemoryKind::kDevice;
  if (src_dev && dst_dev) {
    FOVEA_RETURN_IF_ERROR(cuda_check(
        cudaMemcpyAsync(dst.raw_data(), src.raw_data(), bytes, cudaMemcpyDeviceToDevice, current_),
        "device copy"));
    return synchronize();
  }
  if (!src_dev && !dst_dev) {
    std::memcpy(dst.raw_data(), src.raw_data(), bytes);
    return Status::ok();
  }
  return copy_through_staging(src.raw_data(), dst.raw_data(), bytes, dst_dev);
}

Result<Tensor> Context::upload(const Tensor& host) {
  FOVEA_ASSIGN_OR_RETURN(Tensor dev, allocate(host.dtype(), host.shape()));
  FOVEA_RETURN_IF_ERROR(copy(host, dev));
  return dev;
}

Result<void*> Context::workspace(size_t bytes) {
  if (bytes == 0) return static_cast<void*>(nullptr);
  if (workspace_.size() < bytes) {
    if (recording_) return internal_error("cuda: the workspace would grow while recording");
    // The old block goes back to the pool; work queued on the stream in use is ordered before
    // any reuse of it, since only that stream holds work.
    FOVEA_ASSIGN_OR_RETURN(workspace_, pool_->allocate(bytes));
    ++workspace_generation_;
  }
  return workspace_.data();
}

Status Context::synchronize() {
  return cuda_check(cudaStreamSynchronize(current_), "cudaStreamSynchronize");
}

}  // namespace fovea::cuda
