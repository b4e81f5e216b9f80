#include <vector>

#include "engine/passes/pass_utils.h"
#include "engine/passes/passes.h"

namespace fovea {
namespace {

// True when `target` is `from` or one of its ancestors (walking producers back).
bool depends_on(const Graph& graph, const passes::GraphIndex& index, ValueId from, ValueId target) {
  std::vector<bool> seen(graph.values.size(), false);
  std::vector<ValueId> pending = {from};
  while (!pending.empty()) {
    const ValueId v = pending.back();
    pending.pop_back();
    if (v == target) return true;
    if (v == kNoValue || seen[static_cast<size_t>(v)]) continue;
    seen[static_cast<size_t>(v)] = true;
    const int64_t producer = index.producer(v);
    if (producer < 0) continue;
    for (ValueId in : graph.nodes[static_cast<size_t>(producer)].inputs) pending.push_back(in);
  }
  return false;
}

bool same_static_shape(const Value& a, const Value& b) {
  return a.rank_known && b.rank_known && is_static(a.shape) && a.shape == b.shape;
}

// The Conv writing `operand` if it may take the Add's other operand as its `sum`, else -1.
int64_t fusable_conv(const Graph& graph, const passes::GraphIndex& index, size_t add,
                     ValueId operand, ValueId other) {
  if (passes::sole_reader(graph, index, operand) != add) return -1;
  const int64_t producer = index.producer(operand);
  const Node& conv = graph.nodes[static_cast<size_t>(producer)];
  if (conv.op_type != "Conv" || conv.has_input(3) || passes::has_fused_activation(conv)) {
    return -1;
  }
  const Value& y = graph.value(operand);
  const Value& addend = graph.value(other);
  if (addend.dtype != DType::kFloat32 || !same_static_shape(y, addend)) return -1;
  if (depends_on(graph, index, other, operand)) return -1;  // the sum would form a cycle
  return producer;
}

bool try_fuse(Graph& graph, size_t a, std::vector<FusionRecord>* records) {
  const passes::GraphIndex index(graph);
  const Node& add = graph.nodes[a];
  if (add.inputs.size() != 2 || add.inputs[0] == add.inputs[1]) return false;
  const int64_t left = fusable_conv(graph, index, a, add.inputs[0], add.inputs[1]);
  const int64_t right = fusable_conv(graph, index, a, add.inputs[1], add.inputs[0]);
  if (left < 0 && right < 0) return false;
  // Both Convs qualify: take the later one, whose inputs are ready when the other's output is.
  const bool use_right = right > left;
  Node& conv = graph.nodes[static_cast<size_t>(use_right ? right : left)];
  const ValueId addend = add.inputs[use_right ? 0 : 1];
  const std::string add_name = add.name;
  conv.inputs.resize(4, kNoValue);
  conv.inputs[3] = addend;
  conv.outputs[0] = add.outputs[0];
  passes::record(records, "fuse_conv_add", conv.name, {add_name});
  passes::remove_nodes(graph, {a});
  // The Conv now reads the addend, which may have come later in the order. depends_on() ruled
  // out a cycle, so sorting succeeds (optimize_graph sorts again and would report one).
  (void)graph.topological_sort();
  return true;
}

}  // namespace

bool fuse_conv_add(Graph& graph, std::vector<FusionRecord>* records) {
  bool changed = false;
  size_t n = 0;
  while (n < graph.nodes.size()) {
    // Old ResNet exports spell the shortcut as a two-input Sum.
    const std::string& op = graph.nodes[n].op_type;
    if ((op == "Add" || op == "Sum") && try_fuse(graph, n, records)) {
      changed = true;
      n = 0;  // the order changed; scan again (each fusion removes one Add, so this ends)
    } else {
      ++n;
    }
  }
  return changed;
}

}  // namespace fovea
