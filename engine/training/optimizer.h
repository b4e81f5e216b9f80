// Optimizers update parameters from their gradients: SGD with momentum and Adam, both with
// coupled L2 weight decay (decay·p added to the gradient, as PyTorch's weight_decay does).
// They keep their state in each Parameter, so any TrainableLayer's parameters can be handed
// to them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/training/trainable_layer.h"

namespace fovea::training {

struct OptimizerOptions {
  std::string kind = "adam";  // "sgd" or "adam"
  float momentum = 0.9f;      // sgd
  bool nesterov = false;      // sgd
  float beta1 = 0.9f;         // adam
  float beta2 = 0.999f;       // adam
  float epsilon = 1e-8f;      // adam
  float weight_decay = 0;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update of every parameter with learning rate `lr`, reading (and, with weight decay,
  // first adding decay·p to) each gradient.
  virtual void step(const std::vector<Parameter*>& parameters, float lr) = 0;
};

// PyTorch semantics: v = μ·v + g; p −= lr·v (Nesterov: p −= lr·(g + μ·v)).
std::unique_ptr<Optimizer> make_sgd(const OptimizerOptions& options);
// Kingma & Ba 2015 with bias correction: m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g²,
// p −= lr·m̂/(√v̂ + ε).
std::unique_ptr<Optimizer> make_adam(const OptimizerOptions& options);
// By options.kind; an error names the known kinds.
Result<std::unique_ptr<Optimizer>> make_optimizer(const OptimizerOptions& options);

}  // namespace fovea::training
