// The one table of backends (backend_registry.cpp).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/backends/backend.h"

namespace fovea {

// Names of the backends compiled into this build, in table order ("reference", "onednn", ...).
std::vector<std::string> backend_names();

// Creates a backend by name; a clear error listing the available names when unknown, and the
// backend's own error when it cannot run here (e.g. "cuda: no CUDA device available (...)").
Result<std::unique_ptr<Backend>> create_backend(std::string_view name,
                                                const BackendOptions& options = {});

}  // namespace fovea
