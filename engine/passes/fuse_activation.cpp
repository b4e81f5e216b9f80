#include <limits>
#include <optional>

#include "engine/ops/fused_activation.h"
#include "engine/passes/pass_utils.h"
#include "engine/passes/passes.h"

namespace fovea {
namespace {

struct ActivationParams {
  float alpha = 0.0f;
  float beta = 0.0f;
};

// The activation's parameters as the fused attributes carry them (ONNX defaults filled in);
// nullopt when it cannot be fused (not fusable, or Clip bounds that are not constant).
std::optional<ActivationParams> fused_params(const Graph& graph, const Node& act) {
  if (!is_fusable_activation(act.op_type) || act.inputs.empty()) return std::nullopt;
  const std::string& op = act.op_type;
  if (op == "LeakyRelu") return ActivationParams{act.attrs.get_float("alpha", 0.01f)};
  if (op == "Elu") return ActivationParams{act.attrs.get_float("alpha", 1.0f)};
  if (op == "HardSigmoid") {
    return ActivationParams{act.attrs.get_float("alpha", 0.2f), act.attrs.get_float("beta", 0.5f)};
  }
  if (op == "Clip") {
    ActivationParams bounds{-std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::infinity()};
    if (act.has_input(1)) {
      const auto lo = passes::constant_scalar(graph, act.inputs[1]);
      if (!lo) return std::nullopt;
      bounds.alpha = *lo;
    }
    if (act.has_input(2)) {
      const auto hi = passes::constant_scalar(graph, act.inputs[2]);
      if (!hi) return std::nullopt;
      bounds.beta = *hi;
    }
    return bounds;
  }
  return ActivationParams{};  // Relu, Sigmoid, Tanh, HardSwish take no parameters
}

bool try_fuse(Graph& graph, size_t a, std::vector<FusionRecord>* records) {
  const Node& act = graph.nodes[a];
  const passes::GraphIndex index(graph);
  const ValueId x = act.inputs[0];
  if (x == kNoValue || passes::sole_reader(graph, index, x) != a) return false;
  Node& producer = graph.nodes[static_cast<size_t>(index.producer(x))];
  if (producer.op_type != "Conv" && producer.op_type != "Gemm" && producer.op_type != "MatMul") {
    return false;
  }
  if (passes::has_fused_activation(producer) || graph.value(x).dtype != DType::kFloat32) {
    return false;
  }
  const auto params = fused_params(graph, act);
  if (!params) return false;
  producer.attrs.set(kActivationAttr, act.op_type);
  producer.attrs.set(kActivationAlphaAttr, params->alpha);
  producer.attrs.set(kActivationBetaAttr, params->beta);
  producer.outputs[0] = act.outputs[0];
  passes::record(records, "fuse_activation", producer.name, {act.name});
  passes::remove_nodes(graph, {a});
  return true;
}

}  // namespace

bool fuse_activation(Graph& graph, std::vector<FusionRecord>* records) {
  bool changed = false;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (!is_fusable_activation(graph.nodes[n].op_type)) continue;
    if (try_fuse(graph, n, records)) {
      changed = true;
      --n;  // the node list shifted down by one
    }
  }
  return changed;
}

}  // namespace fovea
