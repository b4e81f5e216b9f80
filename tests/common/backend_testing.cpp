#include "tests/common/backend_testing.h"

#include <map>
#include <mutex>

#include "engine/backends/backend_registry.h"

namespace fovea::testing {

std::vector<std::string> all_backends() { return backend_names(); }

std::optional<std::string> backend_unavailable(const std::string& backend) {
  static std::mutex mutex;
  static std::map<std::string, std::optional<std::string>> known;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = known.find(backend);
  if (it == known.end()) {
    auto created = create_backend(backend);
    std::optional<std::string> why;
    if (!created.is_ok()) why = created.status().message();
    it = known.emplace(backend, why).first;
  }
  return it->second;
}

}  // namespace fovea::testing
