// A backend module for tests/backends/backend_module_test.cpp: the reference backend, built
// from the module's own private copy of the engine, as the CUDA module carries its own.
#include "engine/backends/backend_module.h"
#include "engine/backends/reference/reference_backend.h"

namespace {

fovea::Result<std::unique_ptr<fovea::Backend>> make_module_backend(
    const fovea::BackendOptions& options) {
  return fovea::make_reference_backend(options);
}

}  // namespace

FOVEA_BACKEND_MODULE(&make_module_backend)
