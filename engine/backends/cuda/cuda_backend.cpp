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
    {"Sigmoid", activation_supports, activation_prepare},
    {"Tanh", activation_supports, activation_prepare},
    {"HardSigmoid", activation_supports, activation_prepare},
    {"HardSwish", activation_supports, activation_prepare},
    {"Clip", activation_supports, activation_prepare},
    {"Add", binary_supports, binary_prepare},
    {"Sub", binary_supports, binary_prepare},
    {"Mul", binary_supports, binary_prepare},
    {"Div", binary_supports, binary_prepare},
    {"Concat", concat_supports, concat_prepare},
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

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(ContextPtr ctx) : ctx_(std::move(ctx)) {}

  const char* name() const override { return "cuda"; }

  bool supports(const KernelRequest& request) const override {
    if (request.node == nullptr) return false;
    const OpEntry* entry = find_entry(request.node->op_type);
    return entry != nullptr && entry->supports(request);
  }

  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& request) override {
    const OpEntry* entry = request.node ? find_entry(request.node->op_type) : nullptr;
    if (entry == nullptr || !entry->supports(request)) {
      return unsupported(request.describe() + ": not supported by the cuda backend");
    }
    return entry->prepare(ctx_, request);
  }

  MemoryKind memory() const override { return MemoryKind::kDevice; }
  Result<Tensor> allocate(DType dtype, const Shape& shape) override {
    return ctx_->allocate(dtype, shape);
  }
  Status copy(const Tensor& src, Tensor& dst) override { return ctx_->copy(src, dst); }
  Status synchronize() override { return ctx_->synchronize(); }

 private:
  ContextPtr ctx_;  // shared with every kernel: handles, stream, pool
};

}  // namespace

Result<std::unique_ptr<Backend>> make_cuda_backend(const BackendOptions& options) {
  FOVEA_ASSIGN_OR_RETURN(ContextPtr ctx, Context::create(options));
  return std::unique_ptr<Backend>(new CudaBackend(std::move(ctx)));
}

}  // namespace fovea
