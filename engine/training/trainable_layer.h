// The training interfaces: a parameter (value, gradient and optimizer state by name) and a
// layer that runs forward on a batch, then backward from the gradient of its output. The new
// classifier head (LinearLayer) is the first implementation; layers of the backbone (Conv,
// BatchNorm, activations with oneDNN backward primitives) join later through the same
// interface, so the trainer and optimizers need no change when more than the head is trained.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace fovea::training {

struct Parameter {
  std::string name;   // "head.weight": also the initializer name when exported
  Tensor value;       // float32, host
  Tensor grad;        // same shape; written by backward(), read by the optimizer
  bool decay = true;  // weight decay applies (biases are usually exempt)
  // Per-optimizer state ("momentum", "adam.m", ...), allocated by the optimizer on first use.
  std::map<std::string, Tensor> state;
};

class TrainableLayer {
 public:
  virtual ~TrainableLayer() = default;
  // [N, ...] → [N, ...]. Keeps what backward() needs from this batch.
  virtual Result<Tensor> forward(const Tensor& input) = 0;
  // The gradient of the loss with respect to this layer's output, for the last forward batch;
  // sets every parameter's grad and returns the gradient with respect to the input.
  virtual Result<Tensor> backward(const Tensor& output_grad) = 0;
  virtual std::vector<Parameter*> parameters() = 0;
};

// Copies of the parameter values (for keeping the best epoch's weights) and their restoration.
std::vector<Tensor> snapshot(TrainableLayer& layer);
Status restore(TrainableLayer& layer, const std::vector<Tensor>& values);

}  // namespace fovea::training
