// The CUDA backend's table: one row per operator it takes, each a cheap admission check and a
// prepare function that builds descriptors, uploads constants and picks algorithms once.
#include "engine/backends/cuda/cuda_backend.h"

#include <string_view>

#include "engine/backends/cuda/cuda_common.h"

namespace fovea {
namespace {

using namespace cuda;  // NOLINT(google-build-using-namespace): this file is the table

struct OpEntry {
  const char* op_type;
  SupportsFn supports;
  PrepareFn prepare;
};

// One line per operator.
constexpr OpEntry kOps[] = {
    {"Conv", conv_supports, conv_prepare},
    {"MaxPool", pool_supports, pool_prepare},
    {"AveragePool", pool_supports, pool_prepare},
    {"GlobalMaxPool", global_pool_supports, global_pool_prepare},
    {"GlobalAveragePool", global_pool_supports, global_pool_prepare},
    {"LRN", lrn_supports, lrn_prepare},
    {"Softmax", softmax_supports, softmax_prepare},
    {"LogSoftmax", softmax_supports, softmax_prepare},
    {"BatchNormalization", batch_norm_supports, batch_norm_prepare},
    {"Gemm", gemm_supports, gemm_prepare},
    {"MatMul", matmul_supports, matmul_prepare},
    {"Relu", activation_supports, activation_prepare},
    {"LeakyRelu", activation_supports, activation_prepare},
    {"Elu", activation_supports, activation_prepare},
    {"Selu", activation_supports, activation_prepare},
    {"Sigmoid", activation_supports, activation_prepare},
    {"Tanh", activation_supports, activation_prepare},
    {"HardSigmoid", activation_supports, activation_prepare},
    {"HardSwish", activation_supports, activation_prepare},
    {"Clip", activation_supports, activation_prepare},
    {"Add", binary_supports, binary_prepare},
    {"Sub", binary_supports, binary_prepare},
    {"Mul", binary_supports, binary_prepare},
    {"Div", binary_supports, binary_prepare},
    {"Sum", binary_supports, binary_prepare},
    {"Max", binary_supports, binary_prepare},
    {"Min", binary_supports, binary_prepare},
    {"PRelu", binary_supports, binary_prepare},
    {"Transpose", transpose_supports, transpose_prepare},
    {"Pad", pad_supports, pad_prepare},
    {"ReduceMean", reduce_mean_supports, reduce_mean_prepare},
    {"Concat", concat_supports, concat_prepare},
    {"ConstantOfShape", constant_of_shape_supports, constant_of_shape_prepare},
    {"Reshape", copy_supports, copy_prepare},
    {"Flatten", copy_supports, copy_prepare},
    {"Squeeze", copy_supports, copy_prepare},
    {"Unsqueeze", copy_supports, copy_prepare},
    {"Identity", copy_supports, copy_prepare},
};

const OpEntry* find_entry(std::string_view op_type) {
  for (const OpEntry& entry : kOps) {
    if (op_type == entry.op_type) return &entry;
  }
  return nullptr;
}

// A whole run recorded on the stream in use (CUDA Graphs), replayed there as one launch.
class CudaGraphWork final : public CapturedWork {
 public:
  CudaGraphWork(ContextPtr ctx, cudaGraphExec_t exec, uint64_t generation, cudaStream_t stream)
      : ctx_(std::move(ctx)), exec_(exec), generation_(generation), stream_(stream) {}
  ~CudaGraphWork() override { cudaGraphExecDestroy(exec_); }
  CudaGraphWork(const CudaGraphWork&) = delete;
  CudaGraphWork& operator=(const CudaGraphWork&) = delete;

  Status replay() override {
    if (ctx_->workspace_generation() != generation_) {
      return internal_error("cuda: the recorded graph's workspace has moved");
    }
    // Replayed elsewhere, it would not be ordered with the copies queued around it.
    if (ctx_->stream() != stream_) {
      return internal_error("cuda: the recorded graph belongs to another stream");
    }
    return cuda_check(cudaGraphLaunch(exec_, stream_), "cudaGraphLaunch");
  }

 private:
  ContextPtr ctx_;
  cudaGraphExec_t exec_;
  uint64_t generation_;
  cudaStream_t stream_;
};

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(ContextPtr ctx) : ctx_(std::move(ctx)) {}

  const char* name() const override { return "cuda"; }

  bool supports(const KernelRequest& request) const override { return cuda::takes(request); }

  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& request) override {
    const OpEntry* entry = request.node ? find_entry(request.node->op_type) : nullptr;
    if (entry == nullptr || !entry->supports(request)) {
      return unsupported(request.describe() + ": not supported by the cuda backend");
    }
    FOVEA_ASSIGN_OR_RETURN(KernelPtr kernel, entry->prepare(ctx_, request));
    // Constants every kernel reads stay on the device from now on (those its prepare needed
    // are there already): no run copies them again, and nothing blocks recording a run.
    FOVEA_RETURN_IF_ERROR(kernel->upload_constants(request).with_context(request.describe()));
    return std::unique_ptr<Kernel>(std::move(kernel));
  }

  MemoryKind memory() const override { return MemoryKind::kDevice; }
  Result<Tensor> allocate(DType dtype, const Shape& shape) override {
    return ctx_->allocate(dtype, shape);
  }
  Status copy(const Tensor& src, Tensor& dst) override { return ctx_->copy(src, dst); }
  Status synchronize() override { return ctx_->synchronize(); }

  Result<std::unique_ptr<BackendStream>> create_stream() override {
    FOVEA_ASSIGN_OR_RETURN(std::unique_ptr<LentStream> stream, ctx_->lend_stream());
    return std::unique_ptr<BackendStream>(std::move(stream));
  }
  Status use_stream(BackendStream* stream) override {
    if (stream == nullptr) return ctx_->use_stream(nullptr);
    const auto* lent = dynamic_cast<const LentStream*>(stream);
    if (lent == nullptr || lent->lender() != ctx_.get()) {
      return internal_error("cuda: a stream from another backend");
    }
    return ctx_->use_stream(lent->get());
  }

  // Thread-local capture mode: a kernel that waits or allocates on this thread while recording
  // fails the capture (the plan then runs step by step) instead of corrupting it.
  Result<std::unique_ptr<CapturedWork>> capture(const std::function<Status()>& work) override {
    const uint64_t generation = ctx_->workspace_generation();
    FOVEA_RETURN_IF_ERROR(
        cuda_check(cudaStreamBeginCapture(ctx_->stream(), cudaStreamCaptureModeThreadLocal),
                   "cudaStreamBeginCapture"));
    ctx_->set_recording(true);
    const Status recorded = work();
    ctx_->set_recording(false);
    cudaGraph_t graph = nullptr;
    const cudaError_t ended = cudaStreamEndCapture(ctx_->stream(), &graph);
    (void)cudaGetLastError();  // a failed capture leaves its error behind
    if (!recorded.is_ok() || ended != cudaSuccess || graph == nullptr) {
      if (graph != nullptr) cudaGraphDestroy(graph);
      if (!recorded.is_ok()) return recorded.with_context("cuda: recording a graph");
      return cuda_check(ended != cudaSuccess ? ended : cudaErrorStreamCaptureInvalidated,
                        "cudaStreamEndCapture");
    }
    cudaGraphExec_t exec = nullptr;
    const cudaError_t made = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    FOVEA_RETURN_IF_ERROR(cuda_check(made, "cudaGraphInstantiate"));
    if (generation != ctx_->workspace_generation()) {
      cudaGraphExecDestroy(exec);
      return internal_error("cuda: the workspace moved while recording");
    }
    return std::unique_ptr<CapturedWork>(new CudaGraphWork(ctx_, exec, generation, ctx_->stream()));
  }

 private:
  ContextPtr ctx_;  // shared with every kernel: handles, streams, pool
};

}  // namespace

bool cuda::takes(const KernelRequest& request) {
  if (request.node == nullptr) return false;
  const OpEntry* entry = find_entry(request.node->op_type);
  return entry != nullptr && entry->supports(request);
}

Result<std::unique_ptr<Backend>> make_cuda_backend(const BackendOptions& options) {
  FOVEA_ASSIGN_OR_RETURN(ContextPtr ctx, Context::create(options));
  return std::unique_ptr<Backend>(new CudaBackend(std::move(ctx)));
}

}  // namespace fovea
