#include "engine/backends/backend_registry.h"

#include "engine/backends/onednn/onednn_backend.h"
#include "engine/backends/reference/reference_backend.h"

namespace fovea {
namespace {

struct BackendEntry {
  const char* name;
  std::unique_ptr<Backend> (*create)(const BackendOptions&);
};

// One line per backend.
const BackendEntry kBackends[] = {
    {"reference", make_reference_backend},
    {"onednn", make_onednn_backend},
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
