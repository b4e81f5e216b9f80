// Helpers for the pass tests: count ops, apply a pass the way optimize_graph() does, and
// compare a rewritten graph's outputs with the original's on the reference backend.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/core/graph.h"
#include "engine/passes/optimize.h"
#include "tests/common/graph_builder.h"

namespace fovea::testing {

using Pass = std::function<bool(Graph&, std::vector<FusionRecord>*)>;

// Number of nodes of type `op_type`.
int count_ops(const Graph& graph, const std::string& op_type);

// The graph built by `builder` (the test fails and an empty graph returns on error).
Graph build_graph(GraphBuilder& builder);

// Copies `graph`, runs `pass` and re-sorts and re-infers shapes (as optimize_graph() does);
// `changed` receives the pass's result and `records` what it recorded.
Graph apply_pass(const Graph& graph, const Pass& pass, bool* changed = nullptr,
                 std::vector<FusionRecord>* records = nullptr);

// Runs `graph` on the reference backend with the plan's own optimizer off, so the result is
// exactly what the given graph computes.
Result<std::vector<Tensor>> run_unoptimized(const Graph& graph, const std::vector<Tensor>& inputs);

// Random inputs (seeded) shaped like the graph's inputs (dynamic dims become 1).
std::vector<Tensor> random_inputs(const Graph& graph, uint64_t seed);

// Expects `after` to keep the graph's inputs and output names and to compute the same outputs
// as `before` on random inputs: relative L2 error at most `max_rel_l2` per output.
void expect_same_outputs(const Graph& before, const Graph& after, double max_rel_l2,
                         uint64_t seed = 7);

}  // namespace fovea::testing
