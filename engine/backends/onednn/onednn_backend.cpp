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
  AcceptsFn accepts_layout;  // null: plain inputs only
};

// One line per operator.
constexpr OpEntry kOps[] = {
    {"Conv", conv_supports, conv_prepare, conv_accepts_layout},
    {"ConvTranspose", conv_transpose_supports, conv_transpose_prepare, nullptr},
    {"MaxPool", pool_supports, pool_prepare, first_input_accepts_layout},
    {"AveragePool", pool_supports, pool_prepare, first_input_accepts_layout},
    {"GlobalMaxPool", global_pool_supports, global_pool_prepare, first_input_accepts_layout},
    {"GlobalAveragePool", global_pool_supports, global_pool_prepare, first_input_accepts_layout},
    {"LRN", lrn_supports, lrn_prepare, first_input_accepts_layout},
    {"Gemm", gemm_supports, gemm_prepare, nullptr},
    {"MatMul", matmul_supports, matmul_prepare, nullptr},
    {"Relu", eltwise_supports, eltwise_prepare, first_input_accepts_layout},
    {"LeakyRelu", eltwise_supports, eltwise_prepare, first_input_accepts_layout},
    {"Elu", eltwise_supports, eltwise_prepare, first_input_accepts_layout},
    {"Sigmoid", eltwise_supports, eltwise_prepare, first_input_accepts_layout},
    {"Tanh", eltwise_supports, eltwise_prepare, first_input_accepts_layout},
    {"Clip", eltwise_supports, eltwise_prepare, first_input_accepts_layout},
    {"HardSigmoid", eltwise_supports, eltwise_prepare, first_input_accepts_layout},
    {"HardSwish", eltwise_supports, eltwise_prepare, first_input_accepts_layout},
    {"Softmax", softmax_supports, softmax_prepare, nullptr},
    {"LogSoftmax", softmax_supports, softmax_prepare, nullptr},
    {"BatchNormalization", batch_norm_supports, batch_norm_prepare, first_input_accepts_layout},
    {"Add", binary_supports, binary_prepare, binary_accepts_layout},
    {"Sub", binary_supports, binary_prepare, binary_accepts_layout},
    {"Mul", binary_supports, binary_prepare, binary_accepts_layout},
    {"Div", binary_supports, binary_prepare, binary_accepts_layout},
    {"Max", binary_supports, binary_prepare, binary_accepts_layout},
    {"Min", binary_supports, binary_prepare, binary_accepts_layout},
    {"Sum", sum_supports, sum_prepare, every_input_accepts_layout},
    {"Concat", concat_supports, concat_prepare, every_input_accepts_layout},
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
      ensure_context();
      return entry->prepare(context_, request);
    } catch (const dnnl::error& e) {
      // oneDNN rejected the configuration (e.g. no implementation): the plan falls back.
      return unsupported(request.describe() + ": oneDNN cannot build a primitive: " + e.what());
    }
  }

  bool accepts_layout(const KernelRequest& request, size_t i) const override {
    const OpEntry* entry = request.node ? find_entry(request.node->op_type) : nullptr;
    return entry != nullptr && entry->accepts_layout != nullptr &&
           entry->accepts_layout(request, i);
  }

  Result<std::unique_ptr<Kernel>> prepare_to_plain(const ValueInfo& info,
                                                   const LayoutPtr& layout) override {
    try {
      ensure_context();
      return to_plain_prepare(context_, info, layout);
    } catch (const dnnl::error& e) {
      return unsupported(std::string("onednn: cannot build a reorder to plain: ") + e.what());
    }
  }

 private:
  void ensure_context() {
    if (!context_) {
      context_ = std::make_shared<Context>();
      context_->threads = threads_;
    }
    apply_threads(*context_);  // weight reorders run here
  }

  int threads_ = 0;
  ContextPtr context_;  // created on first prepare: the engine and stream every kernel shares
};

}  // namespace

std::unique_ptr<Backend> make_onednn_backend(const BackendOptions& options) {
  return std::make_unique<OneDnnBackend>(options);
}

}  // namespace fovea
