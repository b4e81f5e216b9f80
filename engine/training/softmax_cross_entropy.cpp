#include "engine/training/softmax_cross_entropy.h"

#include <algorithm>
#include <cmath>

namespace fovea::training {

Result<LossResult> softmax_cross_entropy(const Tensor& logits, const std::vector<int32_t>& labels,
                                         const std::vector<float>& class_weights) {
  if (logits.dtype() != DType::kFloat32 || logits.rank() != 2) {
    return invalid_argument("cross-entropy: logits " + describe(logits) + " are not float32[N,C]");
  }
  const int64_t n = logits.dim(0);
  const int64_t c = logits.dim(1);
  if (static_cast<int64_t>(labels.size()) != n || n == 0) {
    return invalid_argument("cross-entropy: " + std::to_string(labels.size()) + " labels for " +
                            std::to_string(n) + " rows");
  }
  if (!class_weights.empty() && static_cast<int64_t>(class_weights.size()) != c) {
    return invalid_argument("cross-entropy: " + std::to_string(class_weights.size()) +
                            " class weights for " + std::to_string(c) + " classes");
  }
  LossResult result;
  result.logits_grad = Tensor(DType::kFloat32, {n, c});
  const float* z = logits.data<float>();
  float* dz = result.logits_grad.data<float>();
  double weight_sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t y = labels[static_cast<size_t>(i)];
    if (y < 0 || y >= c) {
      return invalid_argument("cross-entropy: label " + std::to_string(y) + " outside [0," +
                              std::to_string(c) + ")");
    }
    weight_sum += class_weights.empty() ? 1.0 : class_weights[static_cast<size_t>(y)];
  }
  if (weight_sum <= 0) return invalid_argument("cross-entropy: the batch's class weights sum to 0");

  double loss = 0;
  std::vector<double> p(static_cast<size_t>(c));
  for (int64_t i = 0; i < n; ++i) {
    const float* zi = z + i * c;
    const int32_t y = labels[static_cast<size_t>(i)];
    const int64_t best = std::max_element(zi, zi + c) - zi;
    if (best == y) ++result.correct;
    const double max = zi[best];
    double sum = 0;
    for (int64_t k = 0; k < c; ++k) sum += p[k] = std::exp(zi[k] - max);
    const double w = class_weights.empty() ? 1.0 : class_weights[static_cast<size_t>(y)];
    loss += w * (std::log(sum) - (zi[y] - max));
    const double scale = w / weight_sum;
    for (int64_t k = 0; k < c; ++k) {
      dz[i * c + k] = static_cast<float>(scale * (p[k] / sum - (k == y ? 1.0 : 0.0)));
    }
  }
  result.loss = loss / weight_sum;
  return result;
}

double add_l2_penalty(const std::vector<Parameter*>& parameters, float decay) {
  if (decay == 0) return 0;
  double penalty = 0;
  for (Parameter* p : parameters) {
    if (!p->decay) continue;
    const float* v = p->value.data<float>();
    float* g = p->grad.data<float>();
    for (int64_t i = 0; i < p->value.element_count(); ++i) {
      penalty += 0.5 * decay * static_cast<double>(v[i]) * v[i];
      g[i] += decay * v[i];
    }
  }
  return penalty;
}

std::vector<int32_t> argmax_rows(const Tensor& scores) {
  const int64_t n = scores.dim(0);
  const int64_t c = scores.element_count() / std::max<int64_t>(n, 1);
  std::vector<int32_t> best(static_cast<size_t>(n));
  const float* s = scores.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    best[static_cast<size_t>(i)] =
        static_cast<int32_t>(std::max_element(s + i * c, s + (i + 1) * c) - (s + i * c));
  }
  return best;
}

}  // namespace fovea::training
