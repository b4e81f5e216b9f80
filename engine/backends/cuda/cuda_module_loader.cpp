// Compiled into the engine (not the module): finds libfovea_cuda.so and creates the backend
// through it, so that the CUDA libraries load only when "cuda" is asked for.
#include <cstdlib>

#include "engine/backends/backend_module.h"
#include "engine/backends/cuda/cuda_backend.h"

namespace fovea {

Result<std::unique_ptr<Backend>> load_cuda_backend(const BackendOptions& options) {
  // FOVEA_CUDA_MODULE overrides; then the installed layout beside the program or library that
  // holds this code (bin/ → lib/fovea, lib/ → lib/fovea); then this build tree's copy.
  std::vector<std::string> candidates;
  if (const char* path = std::getenv("FOVEA_CUDA_MODULE"); path != nullptr && *path != '\0') {
    candidates.emplace_back(path);
  } else {
    const std::string here = engine_binary_folder();
    if (!here.empty()) {
      candidates.push_back(here + "/../" FOVEA_CUDA_MODULE_LIBDIR "/fovea/" FOVEA_CUDA_MODULE_NAME);
      candidates.push_back(here + "/fovea/" FOVEA_CUDA_MODULE_NAME);
    }
    candidates.emplace_back(FOVEA_CUDA_MODULE_BUILD_PATH);
  }
  FOVEA_ASSIGN_OR_RETURN(BackendFactory factory, load_backend_module("cuda", candidates));
  return factory(options);
}

}  // namespace fovea
