// The oneDNN backend: oneDNN CPU primitives for the heavy operators. Nodes it does not
// support fall back to the reference backend, node by node (the plan decides).
#pragma once

#include <memory>

#include "engine/backends/backend.h"

namespace fovea {

std::unique_ptr<Backend> make_onednn_backend(const BackendOptions& options);

}  // namespace fovea
