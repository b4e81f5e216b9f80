#include "engine/passes/batch_norm_params.h"

#include <cmath>

namespace fovea::passes {
namespace {

constexpr float kDefaultEpsilon = 1e-5f;  // ONNX default

}  // namespace

std::optional<BatchNormAffine> constant_batch_norm(const Graph& graph, const GraphIndex& index,
                                                   const Node& bn) {
  if (bn.op_type != "BatchNormalization" || bn.inputs.size() != 5) return std::nullopt;
  if (bn.attrs.get_int("training_mode", 0) != 0 || bn.attrs.get_int("spatial", 1) != 1) {
    return std::nullopt;
  }
  if (!only_first_output_used(graph, index, bn)) return std::nullopt;
  const Tensor* params[4] = {};
  for (size_t i = 0; i < 4; ++i) {
    params[i] = constant_of(graph, bn.inputs[i + 1]);
    if (params[i] == nullptr || params[i]->dtype() != DType::kFloat32 || params[i]->rank() != 1 ||
        params[i]->element_count() != params[0]->element_count()) {
      return std::nullopt;
    }
  }
  const double epsilon = bn.attrs.get_float("epsilon", kDefaultEpsilon);
  const auto channels = static_cast<size_t>(params[0]->element_count());
  BatchNormAffine affine;
  affine.multiplier.resize(channels);
  affine.shift.resize(channels);
  for (size_t c = 0; c < channels; ++c) {
    const double scale = params[0]->data<float>()[c];
    const double bias = params[1]->data<float>()[c];
    const double mean = params[2]->data<float>()[c];
    const double var = params[3]->data<float>()[c];
    affine.multiplier[c] = scale / std::sqrt(var + epsilon);
    affine.shift[c] = bias - mean * affine.multiplier[c];
  }
  return affine;
}

}  // namespace fovea::passes
