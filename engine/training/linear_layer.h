// A fully connected layer y = x·Wᵀ + b, with W stored [out, in] as ONNX Gemm with transB = 1
// reads it, so the trained weights are exported unchanged.
#pragma once

#include <cstdint>

#include "engine/training/trainable_layer.h"

namespace fovea::training {

class LinearLayer : public TrainableLayer {
 public:
  // Weights uniform in ±1/sqrt(in) (PyTorch's nn.Linear default), bias zero; reproducible.
  LinearLayer(int64_t in_features, int64_t out_features, uint64_t seed);

  Result<Tensor> forward(const Tensor& input) override;  // [N, in] → [N, out]
  Result<Tensor> backward(const Tensor& output_grad) override;
  std::vector<Parameter*> parameters() override { return {&weight_, &bias_}; }

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  Parameter& weight() { return weight_; }
  Parameter& bias() { return bias_; }
  const Parameter& weight() const { return weight_; }
  const Parameter& bias() const { return bias_; }

  // The forward pass without keeping the input (evaluation).
  Result<Tensor> infer(const Tensor& input) const;

 private:
  int64_t in_ = 0;
  int64_t out_ = 0;
  Parameter weight_;
  Parameter bias_;
  Tensor last_input_;
};

}  // namespace fovea::training
