// Refusing a run up front when it would need more memory or work than allowed, computed from
// shapes inferred for the concrete input shapes, before any buffer is allocated.
//
// The importer bounds each stored tensor (ImportOptions::max_tensor_bytes); this bounds what a
// run creates: intermediate activations sized by the input shapes (a model with small weights
// can still ask for gigabytes through Expand, Pad, Resize, ConstantOfShape, huge batches...).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/core/graph.h"
#include "engine/core/shape.h"
#include "engine/core/status.h"

namespace fovea {

struct ResourceLimits {
  int64_t max_value_bytes = 0;  // largest single tensor a run may create; 0: no limit
  int64_t max_total_bytes = 0;  // all values of a run together (an upper bound); 0: no limit
  int64_t max_macs = 0;         // multiply-accumulates of one run; 0: no limit
};

// Infers shapes for `input_shapes` (the graph's input order) on a copy of `graph` and checks
// them against `limits`. With any limit set, a value whose size depends on run-time data is
// refused too, since it cannot be bounded before running. Errors are kOutOfRange and name the
// value or the total.
Status check_resource_limits(const Graph& graph, const std::vector<Shape>& input_shapes,
                             const ResourceLimits& limits);

}  // namespace fovea
