#include "engine/passes/batch_norm_params.h"
#include "engine/passes/passes.h"

namespace fovea {
namespace {

// Already y = s * x + t: mean 0, var 1, epsilon 0 (what this pass writes).
bool is_plain_affine(const Graph& graph, const Node& bn) {
  if (bn.attrs.get_float("epsilon", 1e-5f) != 0.0f) return false;
  const Tensor* mean = passes::constant_of(graph, bn.input(3));
  const Tensor* var = passes::constant_of(graph, bn.input(4));
  if (mean == nullptr || var == nullptr) return false;
  for (int64_t c = 0; c < mean->element_count(); ++c) {
    if (mean->data<float>()[c] != 0.0f || var->data<float>()[c] != 1.0f) return false;
  }
  return true;
}

Tensor filled(int64_t channels, float value) {
  Tensor t(DType::kFloat32, {channels});
  for (int64_t c = 0; c < channels; ++c) t.data<float>()[c] = value;
  return t;
}

}  // namespace

// Why keep a BatchNormalization rather than Mul + Add: it stays one op (one pass over the
// data) that every backend already maps, and with mean 0, var 1, epsilon 0 the reference's
// scale * (x - mean) / sqrt(var + epsilon) + B is exactly scale * x + B in float: x - 0,
// 1 + 0, sqrt(1) and division by 1 are exact. The division, square root and subtraction are
// thereby computed once here instead of per element or per run.
bool simplify_batch_norm(Graph& graph, std::vector<FusionRecord>* records) {
  bool changed = false;
  const passes::GraphIndex index(graph);
  for (Node& bn : graph.nodes) {
    if (bn.op_type != "BatchNormalization" || is_plain_affine(graph, bn)) continue;
    const auto affine = passes::constant_batch_norm(graph, index, bn);
    if (!affine) continue;
    const auto channels = static_cast<int64_t>(affine->channels());
    Tensor scale(DType::kFloat32, {channels});
    Tensor shift(DType::kFloat32, {channels});
    for (int64_t c = 0; c < channels; ++c) {
      scale.data<float>()[c] = static_cast<float>(affine->multiplier[static_cast<size_t>(c)]);
      shift.data<float>()[c] = static_cast<float>(affine->shift[static_cast<size_t>(c)]);
    }
    bn.inputs[1] = graph.add_constant(bn.name + "_scale", std::move(scale));
    bn.inputs[2] = graph.add_constant(bn.name + "_shift", std::move(shift));
    bn.inputs[3] = graph.add_constant(bn.name + "_zero_mean", filled(channels, 0.0f));
    bn.inputs[4] = graph.add_constant(bn.name + "_unit_var", filled(channels, 1.0f));
    bn.attrs.set("epsilon", 0.0f);
    passes::record(records, "simplify_batch_norm", bn.name, {});
    changed = true;
  }
  return changed;
}

}  // namespace fovea
