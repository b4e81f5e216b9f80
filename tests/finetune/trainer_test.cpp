// The head trainer on synthetic features: it learns a separable problem, a seed reproduces a
// run exactly, early stopping hands back the best epoch's head, and the folded
// standardisation gives the same logits on raw features.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "engine/training/head_trainer.h"
#include "engine/training/softmax_cross_entropy.h"

namespace fovea::training {
namespace {

// Three Gaussian blobs in 8 dimensions with a large offset and uneven scales, so
// standardisation matters; `noise` sets how much they overlap.
LabelledFeatures blobs(int per_class, uint64_t seed, float noise) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  LabelledFeatures data;
  data.features = Tensor(DType::kFloat32, {3 * per_class, 8});
  float* x = data.features.data<float>();
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < per_class; ++i) {
      const int row = c * per_class + i;
      for (int k = 0; k < 8; ++k) {
        const float centre = (k % 3 == c) ? 2.0f : 0.0f;
        x[row * 8 + k] = 50.0f + (centre + noise * normal(rng)) * static_cast<float>(k + 1);
      }
      data.labels.push_back(c);
    }
  }
  return data;
}

FeatureSource cached(const Tensor& features) {
  return [features](int) -> Result<Tensor> { return features; };
}

HeadTrainingOptions quick_options(const std::string& optimizer) {
  HeadTrainingOptions o;
  o.epochs = 15;
  o.batch = 16;
  o.optimizer.kind = optimizer;
  o.learning_rate = optimizer == "sgd" ? 0.05f : 0.01f;
  o.seed = 3;
  return o;
}

TEST(HeadTrainer, LearnsSeparableBlobsWithSgdAndAdam) {
  const LabelledFeatures train = blobs(40, 1, 0.5f);
  const LabelledFeatures test = blobs(40, 2, 0.5f);
  for (const char* kind : {"sgd", "adam"}) {
    auto result =
        train_linear_head(cached(train.features), train.labels, nullptr, 3, quick_options(kind));
    ASSERT_TRUE(result.is_ok()) << result.status().message();
    const Evaluation eval = evaluate(*result->head, test).value();
    EXPECT_GT(eval.accuracy, 0.95) << kind;
    EXPECT_LT(result->history.back().train_loss, result->history.front().train_loss) << kind;
  }
}

TEST(HeadTrainer, SameSeedSameHeadOtherSeedOtherHead) {
  const LabelledFeatures train = blobs(20, 4, 1.0f);
  auto run = [&](uint64_t seed) {
    HeadTrainingOptions o = quick_options("adam");
    o.seed = seed;
    o.optimizer.weight_decay = 1e-3f;
    o.balance_classes = true;
    return train_linear_head(cached(train.features), train.labels, nullptr, 3, o).value();
  };
  const HeadTrainingResult a = run(11);
  const HeadTrainingResult b = run(11);
  const HeadTrainingResult c = run(12);
  const Tensor& wa = a.head->weight().value;
  EXPECT_EQ(std::memcmp(wa.raw_data(), b.head->weight().value.raw_data(), wa.byte_size()), 0);
  EXPECT_NE(std::memcmp(wa.raw_data(), c.head->weight().value.raw_data(), wa.byte_size()), 0);
}

TEST(HeadTrainer, EarlyStoppingReturnsTheBestEpochsHead) {
  const LabelledFeatures train = blobs(15, 5, 1.5f);
  const LabelledFeatures val = blobs(15, 6, 1.5f);
  HeadTrainingOptions o = quick_options("sgd");
  o.epochs = 40;
  o.learning_rate = 0.5f;  // large steps make validation accuracy wander
  o.schedule.kind = "constant";
  o.patience = 5;
  auto result = train_linear_head(cached(train.features), train.labels, &val, 3, o);
  ASSERT_TRUE(result.is_ok()) << result.status().message();
  double best = 0;
  int best_epoch = -1;
  for (const EpochReport& r : result->history) {
    if (r.val_accuracy > best) {
      best = r.val_accuracy;
      best_epoch = r.epoch;
    }
  }
  EXPECT_EQ(result->best_epoch, best_epoch);
  // The returned head (standardisation folded in) scores the best epoch's accuracy on raw
  // validation features.
  EXPECT_NEAR(evaluate(*result->head, val).value().accuracy, best, 1e-9);
  if (result->stopped_early) {
    EXPECT_EQ(static_cast<int>(result->history.size()), best_epoch + 1 + o.patience);
  }
}

TEST(HeadTrainer, FeaturesAreRecomputedPerEpochWhenTheSourceSaysSo) {
  const LabelledFeatures train = blobs(10, 7, 0.5f);
  std::vector<int> epochs_asked;
  FeatureSource source = [&](int epoch) -> Result<Tensor> {
    epochs_asked.push_back(epoch);
    return train.features;
  };
  HeadTrainingOptions o = quick_options("adam");
  o.epochs = 4;
  ASSERT_TRUE(train_linear_head(source, train.labels, nullptr, 3, o).is_ok());
  EXPECT_EQ(epochs_asked, (std::vector<int>{0, 1, 2, 3}));
}

TEST(HeadTrainer, RejectsBadSettings) {
  const LabelledFeatures train = blobs(5, 8, 0.5f);
  HeadTrainingOptions o = quick_options("adam");
  o.epochs = 0;
  EXPECT_FALSE(train_linear_head(cached(train.features), train.labels, nullptr, 3, o).is_ok());
  o = quick_options("adam");
  EXPECT_FALSE(train_linear_head(cached(train.features), train.labels, nullptr, 1, o).is_ok());
  std::vector<int32_t> short_labels(train.labels.begin(), train.labels.end() - 1);
  EXPECT_FALSE(train_linear_head(cached(train.features), short_labels, nullptr, 3, o).is_ok());
}

}  // namespace
}  // namespace fovea::training
