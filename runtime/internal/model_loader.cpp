#include "runtime/internal/model_loader.h"

#include "engine/backends/backend_registry.h"
#include "importers/onnx/onnx_importer.h"

namespace fovea {

Result<std::unique_ptr<Executor>> load_model(const std::string& path, const LoadOptions& options) {
  BackendOptions backend_options;
  backend_options.threads = options.threads;
  backend_options.allow_tf32 = options.allow_tf32;
  FOVEA_ASSIGN_OR_RETURN(auto primary, create_backend(options.backend, backend_options));
  FOVEA_ASSIGN_OR_RETURN(auto fallback, create_backend("reference", backend_options));
  FOVEA_ASSIGN_OR_RETURN(Graph graph, import_onnx_file(path));
  auto executor = Executor::create(std::move(graph), std::move(primary), std::move(fallback),
                                   options.plan, options.prepared_batch);
  if (!executor.is_ok()) return executor.status().with_context(path);
  return executor;
}

}  // namespace fovea
