#include "engine/backends/backend_registry.h"

#include "engine/backends/onednn/onednn_backend.h"
#include "engine/backends/reference/reference_backend.h"
#ifdef FOVEA_HAVE_CUDA
#include "engine/backends/cuda/cuda_backend.h"
#endif

namespace fovea {
namespace {

struct BackendEntry {
  const char* name;
  // Fails when the backend cannot run here (e.g. no GPU); CPU backends always succeed.
  Result<std::unique_ptr<Backend>> (*create)(const BackendOptions&);
};

// Adapts a factory that cannot fail.
template <std::unique_ptr<Backend> (*Make)(const BackendOptions&)>
Result<std::unique_ptr<Backend>> always(const BackendOptions& options) {
  return Make(options);
}

// One line per backend.
const BackendEntry kBackends[] = {
    {"reference", always<make_reference_backend>},
    {"onednn", always<make_onednn_backend>},
#ifdef FOVEA_HAVE_CUDA
    {"cuda", load_cuda_backend},
#endif
};

}  // namespace

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const auto& entry : kBackends) names.emplace_back(entry.name);
  return names;
}

Result<std::unique_ptr<Backend>> create_backend(std::string_view name,
                                                const BackendOptions& options) {
  for (const auto& entry : kBackends) {
    if (name == entry.name) return entry.create(options);
  }
  std::string known;
  for (const auto& entry : kBackends) known += std::string(known.empty() ? "" : ", ") + entry.name;
  return Status(StatusCode::kNotFound,
                "unknown backend '" + std::string(name) + "' (available: " + known + ")");
}

}  // namespace fovea
