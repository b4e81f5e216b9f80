#include "engine/training/trainable_layer.h"

#include <cstring>

namespace fovea::training {

std::vector<Tensor> snapshot(TrainableLayer& layer) {
  std::vector<Tensor> values;
  for (Parameter* p : layer.parameters()) values.push_back(p->value.clone());
  return values;
}

Status restore(TrainableLayer& layer, const std::vector<Tensor>& values) {
  const std::vector<Parameter*> params = layer.parameters();
  if (params.size() != values.size()) {
    return internal_error("restore: " + std::to_string(values.size()) + " values for " +
                          std::to_string(params.size()) + " parameters");
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i]->value.shape() != values[i].shape()) {
      return internal_error("restore: shape mismatch for " + params[i]->name);
    }
    std::memcpy(params[i]->value.raw_data(), values[i].raw_data(), values[i].byte_size());
  }
  return Status::ok();
}

}  // namespace fovea::training
