#include "engine/training/linear_layer.h"

#include <cmath>
#include <random>

namespace fovea::training {

LinearLayer::LinearLayer(int64_t in_features, int64_t out_features, uint64_t seed)
    : in_(in_features), out_(out_features) {
  weight_.name = "head.weight";
  weight_.value = Tensor(DType::kFloat32, {out_, in_});
  weight_.grad = Tensor(DType::kFloat32, {out_, in_});
  bias_.name = "head.bias";
  bias_.value = Tensor(DType::kFloat32, {out_});
  bias_.grad = Tensor(DType::kFloat32, {out_});
  bias_.decay = false;
  std::mt19937_64 rng(seed);
  const float bound = 1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(in_, 1)));
  std::uniform_real_distribution<float> uniform(-bound, bound);
  float* w = weight_.value.data<float>();
  for (int64_t i = 0; i < out_ * in_; ++i) w[i] = uniform(rng);
}

Result<Tensor> LinearLayer::infer(const Tensor& input) const {
  if (input.dtype() != DType::kFloat32 || input.rank() != 2 || input.dim(1) != in_) {
    return invalid_argument("linear layer: input " + describe(input) + ", expected float32[N," +
                            std::to_string(in_) + "]");
  }
  const int64_t n = input.dim(0);
  Tensor output(DType::kFloat32, {n, out_});
  const float* x = input.data<float>();
  const float* w = weight_.value.data<float>();
  const float* b = bias_.value.data<float>();
  float* y = output.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t o = 0; o < out_; ++o) {
      double sum = b[o];
      const float* xi = x + i * in_;
      const float* wo = w + o * in_;
      for (int64_t k = 0; k < in_; ++k) sum += static_cast<double>(xi[k]) * wo[k];
      y[i * out_ + o] = static_cast<float>(sum);
    }
  }
  return output;
}

Result<Tensor> LinearLayer::forward(const Tensor& input) {
  FOVEA_ASSIGN_OR_RETURN(Tensor output, infer(input));
  last_input_ = input;
  return output;
}

Result<Tensor> LinearLayer::backward(const Tensor& output_grad) {
  if (last_input_.empty()) return internal_error("linear layer: backward before forward");
  const int64_t n = last_input_.dim(0);
  if (output_grad.rank() != 2 || output_grad.dim(0) != n || output_grad.dim(1) != out_) {
    return invalid_argument("linear layer: output gradient " + describe(output_grad) +
                            " does not match the forward batch [" + std::to_string(n) + "," +
                            std::to_string(out_) + "]");
  }
  const float* x = last_input_.data<float>();
  const float* dy = output_grad.data<float>();
  const float* w = weight_.value.data<float>();
  float* dw = weight_.grad.data<float>();
  float* db = bias_.grad.data<float>();
  Tensor input_grad(DType::kFloat32, {n, in_});
  float* dx = input_grad.data<float>();
  // dW = dYᵀ·X, db = Σ dY, dX = dY·W; overwritten (not accumulated) per batch.
  for (int64_t o = 0; o < out_; ++o) {
    double bias_sum = 0;
    float* dwo = dw + o * in_;
    for (int64_t k = 0; k < in_; ++k) dwo[k] = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float g = dy[i * out_ + o];
      bias_sum += g;
      const float* xi = x + i * in_;
      for (int64_t k = 0; k < in_; ++k) dwo[k] += g * xi[k];
    }
    db[o] = static_cast<float>(bias_sum);
  }
  for (int64_t i = 0; i < n; ++i) {
    float* dxi = dx + i * in_;
    for (int64_t o = 0; o < out_; ++o) {
      const float g = dy[i * out_ + o];
      const float* wo = w + o * in_;
      for (int64_t k = 0; k < in_; ++k) dxi[k] += g * wo[k];
    }
  }
  return input_grad;
}

}  // namespace fovea::training
