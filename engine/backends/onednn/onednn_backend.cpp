// The oneDNN CPU backend: one table row per operator it takes, each pointing at a cheap
// admission check (supports) and a prepare function that builds the primitive and reorders
// constant weights once. Anything declined runs on the reference backend (the plan decides).
#include "engine/backends/onednn/onednn_backend.h"

#include <string_view>

#include "engine/backends/onednn/onednn_common.h"

namespace fovea {
namespace {

using namespace onednn;  // NOLINT(google-build-using-namespace): this file is the table

struct OpEntry {
  const char* op_type;
  SupportsFn supports;
  PrepareFn prepare;
};

// One line per operator.
constexpr OpEntry kOps[] = {
    {"Conv", conv_supports, conv_prepare},
    {"ConvTranspose", conv_transpose_supports, conv_transpose_prepare},
    {"MaxPool", pool_supports, pool_prepare},
    {"AveragePool", pool_supports, pool_prepare},
    {"GlobalMaxPool", global_pool_supports, global_pool_prepare},
    {"GlobalAveragePool", global_pool_supports, global_pool_prepare},
    {"LRN", lrn_supports, lrn_prepare},
    {"Gemm", gemm_supports, gemm_prepare},
    {"MatMul", matmul_supports, matmul_prepare},
    {"Relu", eltwise_supports, eltwise_prepare},
    {"LeakyRelu", eltwise_supports, eltwise_prepare},
    {"Elu", eltwise_supports, eltwise_prepare},
    {"Sigmoid", eltwise_supports, eltwise_prepare},
    {"Tanh", eltwise_supports, eltwise_prepare},
    {"Clip", eltwise_supports, eltwise_prepare},
    {"HardSigmoid", eltwise_supports, eltwise_prepare},
    {"HardSwish", eltwise_supports, eltwise_prepare},
    {"Softmax", softmax_supports, softmax_prepare},
    {"LogSoftmax", softmax_supports, softmax_prepare},
    {"BatchNormalization", batch_norm_supports, batch_norm_prepare},
    {"Add", binary_supports, binary_prepare},
    {"Sub", binary_supports, binary_prepare},
    {"Mul", binary_supports, binary_prepare},
    {"Div", binary_supports, binary_prepare},
    {"Max", binary_supports, binary_prepare},
    {"Min", binary_supports, binary_prepare},
    {"Sum", sum_supports, sum_prepare},
    {"Concat", concat_supports, concat_prepare},
};

const OpEntry* find_entry(std::string_view op_type) {
  for (const OpEntry& entry : kOps) {
    if (op_type == entry.op_type) return &entry;
  }
  return nullptr;
}

class OneDnnBackend final : public Backend {
 public:
  explicit OneDnnBackend(const BackendOptions& options) : threads_(options.threads) {}

  const char* name() const override { return "onednn"; }

  bool supports(const KernelRequest& request) const override {
    if (request.node == nullptr) return false;
    const OpEntry* entry = find_entry(request.node->op_type);
    return entry != nullptr && entry->supports(request);
  }

  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& request) override {
    const OpEntry* entry = request.node ? find_entry(request.node->op_type) : nullptr;
    if (entry == nullptr || !entry->supports(request)) {
      return unsupported(request.describe() + ": not supported by the onednn backend");
    }
    try {
      if (!context_) {
        context_ = std::make_shared<Context>();
        context_->threads = threads_;
      }
      apply_threads(*context_);  // weight reorders run here
      return entry->prepare(context_, request);
    } catch (const dnnl::error& e) {
      // oneDNN rejected the configuration (e.g. no implementation): the plan falls back.
      return unsupported(request.describe() + ": oneDNN cannot build a primitive: " + e.what());
    }
  }

 private:
  int threads_ = 0;
  ContextPtr context_;  // created on first prepare: the engine and stream every kernel shares
};

}  // namespace

std::unique_ptr<Backend> make_onednn_backend(const BackendOptions& options) {
  return std::make_unique<OneDnnBackend>(options);
}

}  // namespace fovea
