// The fuzz configuration's stand-in for the oneDNN backend: the fuzzers run the reference
// backend only (oneDNN's own code is not instrumented, so fuzzing it here finds little), and
// clang-14 cannot compile the real backend (lambdas capturing structured bindings need clang 16).
#include "engine/backends/onednn/onednn_backend.h"
#include "engine/backends/reference/reference_backend.h"

namespace fovea {

std::unique_ptr<Backend> make_onednn_backend(const BackendOptions& options) {
  return make_reference_backend(options);
}

}  // namespace fovea
