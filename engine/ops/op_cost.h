// What one node costs: multiply-accumulates and parameters, from the graph's inferred static
// shapes. Used by `fovea summary` (per-layer table) and `fovea bench --profile` (GFLOP/s).
#pragma once

#include <cstdint>

#include "engine/core/graph.h"

namespace fovea {

struct NodeCost {
  int64_t macs = 0;        // multiply-accumulates for the node's whole output (all of the batch)
  int64_t params = 0;      // trainable parameters held in constant inputs (weights, biases)
  int64_t buffers = 0;     // non-trainable constants counted apart, as PyTorch does
                           // (BatchNormalization running mean and variance)
};

// Zero for ops whose work is negligible or purely data movement; a node whose shapes are not
// static reports what it can (parameters) and zero MACs.
NodeCost node_cost(const Graph& graph, const Node& node);

}  // namespace fovea
