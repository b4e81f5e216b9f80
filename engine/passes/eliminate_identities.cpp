#include <algorithm>

#include "engine/passes/pass_utils.h"
#include "engine/passes/passes.h"

namespace fovea {
namespace {

// Dropout is a copy at inference: training_mode absent or a constant false, mask unused.
bool is_inference_dropout(const Graph& graph, const passes::GraphIndex& index, const Node& node) {
  if (!passes::only_first_output_used(graph, index, node)) return false;
  const ValueId mode = node.input(2);
  if (mode == kNoValue) return true;
  const Tensor* value = passes::constant_of(graph, mode);
  return value != nullptr && value->element_count() == 1 && value->as_double(0) == 0.0;
}

void replace_reads(Graph& graph, ValueId from, ValueId to) {
  for (Node& node : graph.nodes) std::replace(node.inputs.begin(), node.inputs.end(), from, to);
}

// Removes one copy node at index n if that keeps every graph output's name; false otherwise.
bool bypass(Graph& graph, const passes::GraphIndex& index, size_t n) {
  const ValueId src = graph.nodes[n].inputs[0];
  const ValueId dst = graph.nodes[n].outputs[0];
  if (src == kNoValue || dst == kNoValue) return false;
  if (!graph.is_graph_output(dst)) {
    replace_reads(graph, dst, src);
  } else {
    // The output's name must survive: let the producer of src write dst instead. Impossible
    // when src is a graph input, a constant or itself a graph output.
    const int64_t producer = index.producer(src);
    if (producer < 0 || graph.is_graph_output(src)) return false;
    Node& writer = graph.nodes[static_cast<size_t>(producer)];
    std::replace(writer.outputs.begin(), writer.outputs.end(), src, dst);
    replace_reads(graph, src, dst);
  }
  return true;
}

}  // namespace

bool eliminate_identities(Graph& graph, std::vector<FusionRecord>* records) {
  bool changed = false;
  for (size_t n = 0; n < graph.nodes.size();) {
    const Node& node = graph.nodes[n];
    if (node.op_type != "Identity" && node.op_type != "Dropout") {
      ++n;
      continue;
    }
    const passes::GraphIndex index(graph);
    const bool is_copy = node.op_type == "Identity" || is_inference_dropout(graph, index, node);
    if (!is_copy || !bypass(graph, index, n)) {
      ++n;
      continue;
    }
    passes::record(records, "eliminate_identities", "", {graph.nodes[n].name});
    passes::remove_nodes(graph, {n});
    changed = true;
  }
  return changed;
}

}  // namespace fovea
