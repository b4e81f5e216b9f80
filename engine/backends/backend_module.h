// Backends built as loadable modules (the CUDA backend). Their libraries — the CUDA runtime,
// cuBLAS, cuDNN: hundreds of MB — are mapped only when the backend is asked for, so programs
// that never use it pay neither their load time nor their memory, and run where they are not
// installed.
//
// A module is a shared library exporting two symbols:
//   fovea_backend_module_version  const char[]: FOVEA_MODULE_ABI of the build that made it
//   fovea_backend_module_factory  BackendFactory: creates the backend (and may fail, e.g. no GPU)
// It carries its own copy of the engine code it uses; only the Backend interface, Tensor,
// Status and the plan's request types cross, and both sides come from the same sources and
// compiler (the version check refuses a module from another build).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/backends/backend.h"

namespace fovea {

using BackendFactory = Result<std::unique_ptr<Backend>> (*)(const BackendOptions&);

// The factory of the first of `candidates` (paths) that exists, loaded once per process and
// never unloaded (its kernels' code must outlive them). kNotFound lists the paths tried;
// a module that does not load or does not match gives kUnsupported with the reason. `backend`
// names it in messages.
Result<BackendFactory> load_backend_module(const std::string& backend,
                                           const std::vector<std::string>& candidates);

// The folder of the binary (program or shared library) that holds this engine code, from which
// installed modules are found by relative path.
std::string engine_binary_folder();

}  // namespace fovea

// In one source file of a module (built with cmake/FoveaBackendModule.cmake, which defines
// FOVEA_MODULE_ABI): exports the two entry symbols, the factory being `factory`.
#define FOVEA_BACKEND_MODULE(factory)                                                      \
  extern "C" {                                                                             \
  __attribute__((visibility("default"))) extern const char fovea_backend_module_version[]; \
  __attribute__((visibility("default"))) extern const fovea::BackendFactory                \
      fovea_backend_module_factory;                                                        \
  const char fovea_backend_module_version[] = FOVEA_MODULE_ABI;                            \
  const fovea::BackendFactory fovea_backend_module_factory = (factory);                    \
  }
