#include "engine/backends/reference/reference_backend.h"

#include "engine/backends/concat_slices.h"
#include "engine/ops/op_registry.h"

namespace fovea {
namespace {

class ReferenceKernel final : public Kernel {
 public:
  ReferenceKernel(const Node& node, ReferenceFn fn,
                  std::optional<std::vector<size_t>> concat_offsets)
      : node_(node), fn_(fn), concat_offsets_(std::move(concat_offsets)) {}
  Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    return fn_(node_, inputs, outputs);
  }
  std::optional<std::vector<size_t>> input_offsets_in_output() const override {
    return concat_offsets_;
  }

 private:
  Node node_;  // a copy: the kernel must not depend on the graph staying alive
  ReferenceFn fn_;
  std::optional<std::vector<size_t>> concat_offsets_;  // reference tensors are always plain
};

class ReferenceBackend final : public Backend {
 public:
  const char* name() const override { return "reference"; }

  bool supports(const KernelRequest& request) const override {
    const OpSchema* schema = find_op(request.node->op_type);
    return schema != nullptr && schema->reference != nullptr;
  }

  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& request) override {
    const OpSchema* schema = find_op(request.node->op_type);
    if (schema == nullptr || schema->reference == nullptr) {
      return unsupported(request.describe() + ": no reference implementation");
    }
    return std::unique_ptr<Kernel>(
        new ReferenceKernel(*request.node, schema->reference, plain_concat_offsets(request)));
  }
};

}  // namespace

std::unique_ptr<Backend> make_reference_backend(const BackendOptions& /*options*/) {
  return std::make_unique<ReferenceBackend>();
}

}  // namespace fovea
