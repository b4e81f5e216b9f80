#include "engine/backends/onednn/onednn_backend.h"

namespace fovea {
namespace {

class OneDnnBackend final : public Backend {
 public:
  const char* name() const override { return "onednn"; }
  bool supports(const KernelRequest& /*request*/) const override { return false; }
  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& request) override {
    return unsupported(request.describe() + ": not supported by the onednn backend");
  }
};

}  // namespace

std::unique_ptr<Backend> make_onednn_backend(const BackendOptions& /*options*/) {
  return std::make_unique<OneDnnBackend>();
}

}  // namespace fovea
