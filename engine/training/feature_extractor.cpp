#include "engine/training/feature_extractor.h"

#include "engine/backends/backend_registry.h"
#include "engine/ops/shape_inference.h"

namespace fovea::training {

Result<Graph> with_input_size(Graph graph, int size) {
  if (graph.inputs.empty()) return invalid_argument(graph.source + ": the model has no inputs");
  Value& input = graph.value(graph.inputs[0]);
  if (!input.rank_known || input.shape.size() != 4) {
    return invalid_argument(graph.source + ": input '" + input.name + "' is not NCHW; " +
                            "cannot change its size");
  }
  input.shape[2] = size;
  input.shape[3] = size;
  // Every intermediate shape was inferred for the old size.
  FOVEA_RETURN_IF_ERROR(infer_shapes(graph).status());
  return graph;
}

Result<std::unique_ptr<FeatureExtractor>> FeatureExtractor::create(
    Graph backbone, const ExtractorOptions& options) {
  if (options.input_size > 0) {
    FOVEA_ASSIGN_OR_RETURN(backbone, with_input_size(std::move(backbone), options.input_size));
  }
  BackendOptions backend_options;
  backend_options.threads = options.threads;
  FOVEA_ASSIGN_OR_RETURN(auto primary, create_backend(options.backend, backend_options));
  FOVEA_ASSIGN_OR_RETURN(auto fallback, create_backend("reference", backend_options));
  std::unique_ptr<FeatureExtractor> extractor(new FeatureExtractor());
  FOVEA_ASSIGN_OR_RETURN(
      extractor->executor_,
      Executor::create(std::move(backbone), std::move(primary), std::move(fallback), options.plan));
  return extractor;
}

Result<Tensor> FeatureExtractor::extract(const Tensor& images) {
  FOVEA_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, executor_->run({images}));
  Tensor& features = outputs.at(0);
  if (features.dtype() != DType::kFloat32 || features.rank() < 2 ||
      features.dim(0) != images.dim(0)) {
    return invalid_argument(graph().source + ": the feature output " + describe(features) +
                            " is not one float32 row per image");
  }
  return features.reshaped({features.dim(0), features.element_count() / features.dim(0)});
}

}  // namespace fovea::training
