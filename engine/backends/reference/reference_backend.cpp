#include "engine/backends/reference/reference_backend.h"

#include "engine/ops/op_registry.h"

namespace fovea {
namespace {

class ReferenceKernel final : public Kernel {
 public:
  ReferenceKernel(const Node& node, ReferenceFn fn) : node_(node), fn_(fn) {}
  Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    return fn_(node_, inputs, outputs);
  }

 private:
  Node node_;  // a copy: the kernel must not depend on the graph staying alive
  ReferenceFn fn_;
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
    return std::unique_ptr<Kernel>(new ReferenceKernel(*request.node, schema->reference));
  }
};

}  // namespace

std::unique_ptr<Backend> make_reference_backend(const BackendOptions& /*options*/) {
  return std::make_unique<ReferenceBackend>();
}

}  // namespace fovea
