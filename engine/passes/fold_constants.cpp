#include "engine/ops/shape_inference.h"
#include "engine/passes/pass_utils.h"
#include "engine/passes/passes.h"

namespace fovea {

bool fold_constants(Graph& graph, int64_t max_folded_elements, std::vector<FusionRecord>* records) {
  InferOptions options;
  options.max_folded_elements = max_folded_elements;
  // Shape inference already evaluates every node whose inputs are known (with the reference
  // kernels, within the size limit); folding keeps those values as constants.
  auto inferred = infer_shapes(graph, options);
  if (!inferred.is_ok()) return false;
  const std::vector<Tensor>& known = inferred->known_values;

  std::vector<size_t> folded;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    bool all_known = !node.outputs.empty();
    for (ValueId out : node.outputs) {
      if (out == kNoValue) continue;
      if (graph.is_graph_output(out) || known[static_cast<size_t>(out)].empty()) {
        all_known = false;
        break;
      }
    }
    if (!all_known) continue;
    for (ValueId out : node.outputs) {
      if (out != kNoValue) graph.value(out).constant = known[static_cast<size_t>(out)];
    }
    folded.push_back(n);
    passes::record(records, "fold_constants", "", {node.name});
  }
  passes::remove_nodes(graph, folded);
  return !folded.empty();
}

}  // namespace fovea
