// Optimizer steps, schedules, class weights and early stopping against hand-computed values.
#include "engine/training/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "engine/training/class_weights.h"
#include "engine/training/early_stopping.h"
#include "engine/training/linear_layer.h"
#include "engine/training/lr_schedule.h"

namespace fovea::training {
namespace {

Parameter scalar_parameter(float value, bool decay = true) {
  Parameter p;
  p.name = "p";
  p.value = Tensor(DType::kFloat32, {1});
  p.grad = Tensor(DType::kFloat32, {1});
  p.value.data<float>()[0] = value;
  p.decay = decay;
  return p;
}

TEST(Sgd, MomentumStepsMatchHandComputation) {
  OptimizerOptions o;
  o.kind = "sgd";
  o.momentum = 0.9f;
  auto sgd = make_optimizer(o).value();
  Parameter p = scalar_parameter(1.0f);
  p.grad.data<float>()[0] = 0.5f;
  sgd->step({&p}, 0.1f);  // v = 0.5; p = 1 − 0.05
  EXPECT_FLOAT_EQ(p.value.data<float>()[0], 0.95f);
  p.grad.data<float>()[0] = -1.0f;
  sgd->step({&p}, 0.1f);  // v = 0.9·0.5 − 1 = −0.55; p = 0.95 + 0.055
  EXPECT_FLOAT_EQ(p.value.data<float>()[0], 1.005f);
}

TEST(Sgd, WeightDecaySkipsExemptParameters) {
  OptimizerOptions o;
  o.kind = "sgd";
  o.momentum = 0;
  o.weight_decay = 0.1f;
  auto sgd = make_optimizer(o).value();
  Parameter w = scalar_parameter(2.0f);
  Parameter b = scalar_parameter(2.0f, /*decay=*/false);
  w.grad.data<float>()[0] = 1.0f;
  b.grad.data<float>()[0] = 1.0f;
  sgd->step({&w, &b}, 0.5f);
  EXPECT_FLOAT_EQ(w.value.data<float>()[0], 2.0f - 0.5f * (1.0f + 0.1f * 2.0f));  // 1.4
  EXPECT_FLOAT_EQ(b.value.data<float>()[0], 1.5f);
}

TEST(Adam, StepsMatchHandComputation) {
  OptimizerOptions o;
  o.kind = "adam";
  auto adam = make_optimizer(o).value();
  Parameter p = scalar_parameter(1.0f);
  // Step 1: m̂ = g, v̂ = g², so the update is lr·g/(|g| + ε) ≈ lr·sign(g).
  p.grad.data<float>()[0] = 0.2f;
  adam->step({&p}, 0.01f);
  EXPECT_NEAR(p.value.data<float>()[0], 1.0 - 0.01 * 0.2 / (0.2 + 1e-8), 1e-7);
  // Step 2 with g = −0.4: m = 0.9·0.02 + 0.1·(−0.4) = −0.022, v = 0.999·4e-5 + 0.001·0.16.
  p.grad.data<float>()[0] = -0.4f;
  const double m = 0.9 * (0.1 * 0.2) + 0.1 * -0.4;
  const double v = 0.999 * (0.001 * 0.04) + 0.001 * 0.16;
  const double m_hat = m / (1 - 0.81);
  const double v_hat = v / (1 - 0.999 * 0.999);
  const double expected =
      1.0 - 0.01 * 0.2 / (0.2 + 1e-8) - 0.01 * m_hat / (std::sqrt(v_hat) + 1e-8);
  adam->step({&p}, 0.01f);
  EXPECT_NEAR(p.value.data<float>()[0], expected, 1e-6);
}

TEST(Optimizer, UnknownKindIsAnError) {
  OptimizerOptions o;
  o.kind = "lbfgs";
  auto made = make_optimizer(o);
  ASSERT_FALSE(made.is_ok());
  EXPECT_NE(made.status().message().find("sgd, adam"), std::string::npos);
}

TEST(Schedule, StepCosineAndWarmup) {
  ScheduleOptions step;
  step.kind = "step";
  step.step_epochs = 3;
  step.gamma = 0.5f;
  EXPECT_FLOAT_EQ(learning_rate(step, 0.8f, 0, 9), 0.8f);
  EXPECT_FLOAT_EQ(learning_rate(step, 0.8f, 2, 9), 0.8f);
  EXPECT_FLOAT_EQ(learning_rate(step, 0.8f, 3, 9), 0.4f);
  EXPECT_FLOAT_EQ(learning_rate(step, 0.8f, 8, 9), 0.2f);

  ScheduleOptions cosine;
  cosine.kind = "cosine";
  cosine.min_lr = 0.1f;
  EXPECT_FLOAT_EQ(learning_rate(cosine, 1.0f, 0, 10), 1.0f);
  EXPECT_NEAR(learning_rate(cosine, 1.0f, 5, 10), 0.1 + 0.45 * (1 + std::cos(std::numbers::pi / 2)),
              1e-6);
  EXPECT_NEAR(learning_rate(cosine, 1.0f, 9, 10),
              0.1 + 0.45 * (1 + std::cos(0.9 * std::numbers::pi)), 1e-6);

  ScheduleOptions warm;
  warm.kind = "constant";
  warm.warmup_epochs = 4;
  EXPECT_FLOAT_EQ(learning_rate(warm, 1.0f, 0, 10), 0.25f);
  EXPECT_FLOAT_EQ(learning_rate(warm, 1.0f, 3, 10), 1.0f);
  EXPECT_FLOAT_EQ(learning_rate(warm, 1.0f, 7, 10), 1.0f);

  ScheduleOptions bad;
  bad.kind = "exponential";
  EXPECT_FALSE(validate_schedule(bad).is_ok());
}

TEST(ClassWeights, BalancedIsInverseFrequency) {
  // 6 labels, 3 classes with counts 3, 2, 1: w = 6 / (3·n_c) = 2/3, 1, 2.
  const auto w = balanced_class_weights({0, 0, 0, 1, 1, 2}, 3).value();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_FLOAT_EQ(w[0], 2.0f / 3.0f);
  EXPECT_FLOAT_EQ(w[1], 1.0f);
  EXPECT_FLOAT_EQ(w[2], 2.0f);
  EXPECT_FALSE(balanced_class_weights({0, 0, 1}, 3).is_ok());  // class 2 has no examples
}

TEST(EarlyStopping, KeepsTheBestEpochAndStopsAfterPatience) {
  LinearLayer layer(2, 2, 1);
  EarlyStopping stopping(2);
  const std::vector<double> accuracies = {0.5, 0.8, 0.8, 0.6, 0.9};
  int stopped_at = -1;
  for (int epoch = 0; epoch < 5; ++epoch) {
    layer.bias().value.data<float>()[0] = static_cast<float>(epoch);  // marks the epoch
    if (stopping.observe(epoch, accuracies[static_cast<size_t>(epoch)], layer)) {
      stopped_at = epoch;
      break;
    }
  }
  EXPECT_EQ(stopped_at, 3);  // epochs 2 (a tie) and 3 do not improve on epoch 1
  EXPECT_EQ(stopping.best_epoch(), 1);
  ASSERT_TRUE(stopping.restore_best(layer).is_ok());
  EXPECT_EQ(layer.bias().value.data<float>()[0], 1.0f);
}

}  // namespace
}  // namespace fovea::training
