// Helpers for the CUDA backend tests: tiny single-node graphs, the KernelRequest the plan would
// build for their node (so supports() is tested without a GPU), and the reference to compare
// the kernels' host-run math with.
#pragma once

#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/graph.h"

namespace fovea::testing {

// A graph with float32 inputs `input_shapes` (named x0, x1, ...), then `constants`, feeding
// one node `op_type` whose output is the graph output. Fails the test on a bad graph.
Graph one_node_graph(const std::string& op_type, const std::vector<Shape>& input_shapes,
                     Attributes attributes, const std::vector<Tensor>& constants = {});

// What the plan asks a backend for the graph's first node (shapes and constants filled).
KernelRequest request_for(const Graph& graph);

// Output 0 of `graph` run on the reference backend (a test failure and an empty tensor if not).
Tensor reference_output(const Graph& graph, const std::vector<Tensor>& inputs);

// Equal element for element, NaN where `expected` has NaN; `ulps` of slack for libm calls.
void expect_same(const Tensor& actual, const Tensor& expected, int ulps = 0);

// The steps of `graph`'s plan (a free batch set to `batch`) that the CUDA backend's admission
// checks would leave to the CPU, one per line ("name (Op) on backend"); "" when it takes them
// all. Needs no GPU: the plan's primary takes what cuda::takes takes and runs the reference.
std::string steps_left_to_the_cpu(Graph graph, int64_t batch);

}  // namespace fovea::testing
