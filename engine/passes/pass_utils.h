// Small graph-editing helpers the passes share: who reads a value, whether a value is a
// private intermediate that a fusion may swallow, constants, node removal and records.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/core/graph.h"
#include "engine/passes/optimize.h"

namespace fovea::passes {

// Consumers and producers of every value, computed once; rebuild after editing the graph.
struct GraphIndex {
  explicit GraphIndex(const Graph& graph)
      : consumers(graph.consumers()), producers(graph.producers()) {}
  std::vector<std::vector<size_t>> consumers;
  std::vector<int64_t> producers;

  const std::vector<size_t>& readers(ValueId id) const {
    return consumers[static_cast<size_t>(id)];
  }
  int64_t producer(ValueId id) const { return producers[static_cast<size_t>(id)]; }
};

// True when `id` is written by a node, read by exactly one node exactly once, and is not a
// graph output: the condition for folding its producer into its reader.
bool is_private_intermediate(const Graph& graph, const GraphIndex& index, ValueId id);

// The single node reading `id` when is_private_intermediate(), else nullopt.
std::optional<size_t> sole_reader(const Graph& graph, const GraphIndex& index, ValueId id);

// True when every output of `node` after the first is omitted, unread and not a graph output.
bool only_first_output_used(const Graph& graph, const GraphIndex& index, const Node& node);

// The constant tensor behind `id` (null when `id` is omitted or not a constant).
const Tensor* constant_of(const Graph& graph, ValueId id);
// The single float32 value of a constant scalar input, nullopt otherwise.
std::optional<float> constant_scalar(const Graph& graph, ValueId id);

// True when a Conv/Gemm/MatMul already carries fused attributes or inputs.
bool has_fused_activation(const Node& node);

// Removes the nodes at `indices` (any order, duplicates allowed).
void remove_nodes(Graph& graph, std::vector<size_t> indices);

// Appends a record when `records` is given.
void record(std::vector<FusionRecord>* records, const std::string& pass,
            const std::string& kept_node, std::vector<std::string> removed_nodes);

}  // namespace fovea::passes
