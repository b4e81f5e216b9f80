// The linear head's analytic gradients against central finite differences of the loss it
// minimises (softmax cross-entropy, with class weights and the L2 weight-decay penalty).
#include <gtest/gtest.h>

#include <cmath>

#include "engine/training/linear_layer.h"
#include "engine/training/softmax_cross_entropy.h"
#include "tests/common/tensor_testing.h"

namespace fovea::training {
namespace {

struct Problem {
  Tensor x;
  std::vector<int32_t> labels;
  std::vector<float> class_weights;
  float decay = 0;
};

// The full objective, in double where it matters, recomputed from scratch.
double objective(LinearLayer& layer, const Problem& p) {
  const Tensor logits = layer.infer(p.x).value();
  double loss = softmax_cross_entropy(logits, p.labels, p.class_weights).value().loss;
  if (p.decay != 0) {
    const float* w = layer.weight().value.data<float>();
    for (int64_t i = 0; i < layer.weight().value.element_count(); ++i) {
      loss += 0.5 * p.decay * double{w[i]} * w[i];
    }
  }
  return loss;
}

void expect_gradients_match(const Problem& p) {
  LinearLayer layer(p.x.dim(1),
                    static_cast<int64_t>(p.class_weights.empty() ? 4 : p.class_weights.size()), 7);
  // Spread the initial weights so the softmax is far from uniform.
  float* w0 = layer.weight().value.data<float>();
  for (int64_t i = 0; i < layer.weight().value.element_count(); ++i) w0[i] *= 3;
  layer.bias().value.data<float>()[1] = 0.5f;

  const Tensor logits = layer.forward(p.x).value();
  const LossResult loss = softmax_cross_entropy(logits, p.labels, p.class_weights).value();
  const Tensor input_grad = layer.backward(loss.logits_grad).value();
  add_l2_penalty(layer.parameters(), p.decay);

  constexpr float kStep = 1e-3f;
  auto check = [&](const Problem& prob, float* values, const float* grad, int64_t count,
                   const char* what) {
    for (int64_t i = 0; i < count; ++i) {
      const float saved = values[i];
      values[i] = saved + kStep;
      const double up = objective(layer, prob);
      values[i] = saved - kStep;
      const double down = objective(layer, prob);
      values[i] = saved;
      const double numeric = (up - down) / (2.0 * kStep);
      EXPECT_NEAR(grad[i], numeric, 2e-3 + 1e-2 * std::abs(numeric)) << what << "[" << i << "]";
    }
  };
  check(p, layer.weight().value.data<float>(), layer.weight().grad.data<float>(),
        layer.weight().value.element_count(), "weight");
  check(p, layer.bias().value.data<float>(), layer.bias().grad.data<float>(),
        layer.bias().value.element_count(), "bias");
  // The input gradient (what a trainable layer below the head would receive).
  Tensor x = p.x.clone();
  Problem moved = p;
  moved.x = x;  // shares x's buffer, so perturbing x perturbs the problem
  check(moved, x.data<float>(), input_grad.data<float>(), x.element_count(), "input");
}

TEST(GradientCheck, PlainCrossEntropy) {
  Problem p;
  p.x = testing::random_tensor({6, 5}, 1);
  p.labels = {0, 1, 2, 3, 1, 0};
  expect_gradients_match(p);
}

TEST(GradientCheck, WithClassWeightsAndWeightDecay) {
  Problem p;
  p.x = testing::random_tensor({7, 5}, 2, -2.0f, 2.0f);
  p.labels = {0, 1, 2, 3, 3, 3, 2};
  p.class_weights = {2.0f, 0.5f, 1.0f, 3.0f};
  p.decay = 0.1f;
  expect_gradients_match(p);
}

TEST(CrossEntropy, MatchesHandComputedValue) {
  // Two rows, two classes: logits (0, ln 3) → p = (1/4, 3/4); labels 1 and 0.
  const Tensor logits = testing::float_tensor({2, 2}, {0.0f, std::log(3.0f), 0.0f, std::log(3.0f)});
  const LossResult r = softmax_cross_entropy(logits, {1, 0}).value();
  EXPECT_NEAR(r.loss, (-std::log(0.75) - std::log(0.25)) / 2, 1e-6);
  EXPECT_EQ(r.correct, 1);
  EXPECT_NEAR(r.logits_grad.data<float>()[0], 0.25 / 2, 1e-6);  // row 0: p − onehot(1)
  EXPECT_NEAR(r.logits_grad.data<float>()[1], -0.25 / 2, 1e-6);
  EXPECT_NEAR(r.logits_grad.data<float>()[2], -0.75 / 2, 1e-6);  // row 1: p − onehot(0)
  // Class weights 3 and 1: (3·(−ln 0.75) + 1·(−ln 0.25)) / (3 + 1).
  const LossResult w = softmax_cross_entropy(logits, {1, 0}, {1.0f, 3.0f}).value();
  EXPECT_NEAR(w.loss, (3 * -std::log(0.75) + 1 * -std::log(0.25)) / 4, 1e-6);
}

TEST(CrossEntropy, RejectsBadLabelsAndWeights) {
  const Tensor logits = testing::random_tensor({2, 3}, 3);
  EXPECT_FALSE(softmax_cross_entropy(logits, {0, 3}).is_ok());
  EXPECT_FALSE(softmax_cross_entropy(logits, {0}).is_ok());
  EXPECT_FALSE(softmax_cross_entropy(logits, {0, 1}, {1.0f, 1.0f}).is_ok());
}

}  // namespace
}  // namespace fovea::training
