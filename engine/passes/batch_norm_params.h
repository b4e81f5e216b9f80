// An inference BatchNormalization with constant parameters, reduced to its per-channel affine
// map y = multiplier * x + shift (computed in double), for the passes that fold it away.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/core/graph.h"
#include "engine/passes/pass_utils.h"

namespace fovea::passes {

struct BatchNormAffine {
  std::vector<double> multiplier;  // scale / sqrt(var + epsilon)
  std::vector<double> shift;       // B - mean * multiplier
  size_t channels() const { return multiplier.size(); }
};

// The affine form of `bn` when it is an inference BatchNormalization (training_mode 0,
// spatial 1, extra outputs unused) whose scale, B, mean and var are constant float32 vectors
// of one length; nullopt otherwise.
std::optional<BatchNormAffine> constant_batch_norm(const Graph& graph, const GraphIndex& index,
                                                   const Node& bn);

}  // namespace fovea::passes
