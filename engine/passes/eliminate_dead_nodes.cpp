#include "engine/passes/pass_utils.h"
#include "engine/passes/passes.h"

namespace fovea {

bool eliminate_dead_nodes(Graph& graph, std::vector<FusionRecord>* records) {
  // One backward sweep: nodes are topologically sorted, so every reader of a node's outputs
  // is visited before the node itself.
  std::vector<bool> live(graph.values.size(), false);
  for (ValueId id : graph.outputs) live[static_cast<size_t>(id)] = true;
  std::vector<size_t> dead;
  std::vector<std::string> dead_names;
  for (size_t n = graph.nodes.size(); n-- > 0;) {
    const Node& node = graph.nodes[n];
    bool used = false;
    for (ValueId out : node.outputs) used = used || (out != kNoValue && live[out]);
    if (!used) {
      dead.push_back(n);
      dead_names.push_back(node.name);
      continue;
    }
    for (ValueId in : node.inputs) {
      if (in != kNoValue) live[static_cast<size_t>(in)] = true;
    }
  }
  // Constants nothing reads (e.g. weights replaced by folded ones) release their data.
  for (size_t v = 0; v < graph.values.size(); ++v) {
    if (!live[v] && graph.values[v].is_constant()) graph.values[v].constant = Tensor();
  }
  if (dead.empty()) return false;
  passes::remove_nodes(graph, dead);
  passes::record(records, "eliminate_dead_nodes", "", std::move(dead_names));
  return true;
}

}  // namespace fovea
