// Softmax cross-entropy over logits [N, C] with integer labels, optionally weighted per class
// (for imbalanced data), and the L2 penalty that weight decay is the gradient of.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/training/trainable_layer.h"

namespace fovea::training {

struct LossResult {
  double loss = 0;      // mean over the batch (weighted mean with class weights)
  Tensor logits_grad;   // d loss / d logits, [N, C]
  int64_t correct = 0;  // rows whose arg-max is the label
};

// loss = Σᵢ w[yᵢ]·(−log softmax(zᵢ)[yᵢ]) / Σᵢ w[yᵢ] — PyTorch's CrossEntropyLoss(weight=w)
// with mean reduction; w empty means all ones. Labels must lie in [0, C).
Result<LossResult> softmax_cross_entropy(const Tensor& logits, const std::vector<int32_t>& labels,
                                         const std::vector<float>& class_weights = {});

// 0.5·decay·Σ p² over the parameters with decay set; adds decay·p to their gradients.
double add_l2_penalty(const std::vector<Parameter*>& parameters, float decay);

// The arg-max of each row of [N, C] scores.
std::vector<int32_t> argmax_rows(const Tensor& scores);

}  // namespace fovea::training
