// One model the service serves: the shared Model, its batching queue, and what /classify
// needs (the preprocessing chosen as `fovea classify` chooses it, and the labels).
#pragma once

#include <fovea/fovea.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/serve/batch_queue.h"
#include "runtime/vision/preprocess.h"

namespace fovea::serve {

struct ServedModel {
  std::string name;
  std::shared_ptr<const Model> model;
  std::unique_ptr<BatchQueue> queue;
  // Set when the model takes one [N,3,H,W] float image tensor.
  std::optional<vision::Preprocessing> preprocessing;
  std::string preprocessing_reason;
  std::vector<std::string> labels;
};

// Loads the model and prepares its queue and image handling (throws fovea::Error).
std::unique_ptr<ServedModel> open_served_model(const std::string& name, const std::string& path,
                                               const std::string& labels_path,
                                               const ModelOptions& model_options,
                                               const BatchOptions& batching, Metrics* metrics);

}  // namespace fovea::serve
