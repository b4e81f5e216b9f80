// The optimizer: every graph rewrite in engine/passes, run in order to a fixed point.
// Each pass is a standalone function in its own file (DESIGN principle 7) and returns whether
// it changed the graph; a pass whose conditions fail leaves the graph alone (never an error).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/graph.h"
#include "engine/core/status.h"

namespace fovea {

struct OptimizeOptions {
  int64_t max_folded_elements = int64_t{1} << 24;  // constant folding size limit
};

// One rewrite the optimizer made, for `fovea summary --optimized` and logs.
struct FusionRecord {
  std::string pass;                        // "fuse_conv_bn", ...
  std::string kept_node;                   // the node that remains (e.g. the Conv)
  std::vector<std::string> removed_nodes;  // nodes folded into it or deleted
};

struct OptimizeReport {
  std::vector<FusionRecord> records;
};

// Runs every pass in order to a fixed point on a graph whose shapes were inferred (static
// shapes, as in a Plan). Leaves the graph topologically sorted and shape-inferred.
// Errors only when the graph itself is broken (a cycle, failing shape inference).
Status optimize_graph(Graph& graph, const OptimizeOptions& options = {},
                      OptimizeReport* report = nullptr);

}  // namespace fovea
