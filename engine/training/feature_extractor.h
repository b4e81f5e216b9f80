// Runs a frozen backbone (a graph whose one output is the features, see classifier_cut.h)
// through the optimized inference plan and returns one flattened feature row per image.
// The executor keeps one plan per batch shape, so repeated epochs reuse the prepared kernels.
#pragma once

#include <memory>
#include <string>

#include "engine/core/graph.h"
#include "engine/core/status.h"
#include "engine/plan/executor.h"

namespace fovea::training {

struct ExtractorOptions {
  std::string backend = "onednn";
  int threads = 0;  // 0: all cores
  PlanOptions plan;
  // When > 0, the backbone's input height and width are set to this (a fully convolutional
  // backbone then runs at a smaller, faster size).
  int input_size = 0;
};

class FeatureExtractor {
 public:
  static Result<std::unique_ptr<FeatureExtractor>> create(Graph backbone,
                                                          const ExtractorOptions& options);

  // [N, 3, H, W] images → [N, D] float32 features.
  Result<Tensor> extract(const Tensor& images);
  // The backbone as run (its input shape changed when input_size was set).
  const Graph& graph() const { return executor_->graph(); }

 private:
  FeatureExtractor() = default;
  std::unique_ptr<Executor> executor_;
};

// The same graph with its first input's spatial dims (2 and 3 of NCHW) set to `size`.
Result<Graph> with_input_size(Graph graph, int size);

}  // namespace fovea::training
