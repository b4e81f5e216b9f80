#include "engine/passes/pass_utils.h"

#include <algorithm>

#include "engine/ops/fused_activation.h"

namespace fovea::passes {

bool is_private_intermediate(const Graph& graph, const GraphIndex& index, ValueId id) {
  return sole_reader(graph, index, id).has_value();
}

std::optional<size_t> sole_reader(const Graph& graph, const GraphIndex& index, ValueId id) {
  if (id == kNoValue || graph.is_graph_output(id) || index.producer(id) < 0) return std::nullopt;
  const auto& readers = index.readers(id);
  if (readers.size() != 1) return std::nullopt;
  const Node& reader = graph.nodes[readers[0]];
  if (std::count(reader.inputs.begin(), reader.inputs.end(), id) != 1) return std::nullopt;
  return readers[0];
}

bool only_first_output_used(const Graph& graph, const GraphIndex& index, const Node& node) {
  for (size_t i = 1; i < node.outputs.size(); ++i) {
    const ValueId out = node.outputs[i];
    if (out == kNoValue) continue;
    if (graph.is_graph_output(out) || !index.readers(out).empty()) return false;
  }
  return true;
}

const Tensor* constant_of(const Graph& graph, ValueId id) {
  if (id == kNoValue || !graph.value(id).is_constant()) return nullptr;
  return &graph.value(id).constant;
}

std::optional<float> constant_scalar(const Graph& graph, ValueId id) {
  const Tensor* t = constant_of(graph, id);
  if (t == nullptr || t->dtype() != DType::kFloat32 || t->element_count() != 1) {
    return std::nullopt;
  }
  return t->data<float>()[0];
}

bool has_fused_activation(const Node& node) {
  return !node.attrs.get_string(kActivationAttr, "").empty();
}

void remove_nodes(Graph& graph, std::vector<size_t> indices) {
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  std::vector<Node> kept;
  kept.reserve(graph.nodes.size() - indices.size());
  size_t next = 0;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (next < indices.size() && indices[next] == n) {
      ++next;
      continue;
    }
    kept.push_back(std::move(graph.nodes[n]));
  }
  graph.nodes = std::move(kept);
}

void record(std::vector<FusionRecord>* records, const std::string& pass,
            const std::string& kept_node, std::vector<std::string> removed_nodes) {
  if (records == nullptr) return;
  records->push_back(FusionRecord{pass, kept_node, std::move(removed_nodes)});
}

}  // namespace fovea::passes
