// The reference backend: runs every registered op with its plain reference forward
// (engine/ops). The oracle every other backend and optimization is checked against.
#pragma once

#include <memory>

#include "engine/backends/backend.h"

namespace fovea {

std::unique_ptr<Backend> make_reference_backend(const BackendOptions& options);

}  // namespace fovea
