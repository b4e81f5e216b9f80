// The head trainer on synthetic features: it learns a separable problem, a seed reproduces a
// run exactly, early stopping hands back the best epoch's head, and the folded
// standardisation gives the same logits on raw features. Features on disk (a FeatureStore over
// its budget) give bit-identical heads to features in memory, and leave no file behind.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "engine/training/head_trainer.h"
#include "engine/training/softmax_cross_entropy.h"
#include "tests/common/fovea_process.h"
#include "tests/finetune/feature_store_testing.h"

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

class HeadTrainerStores : public testing::TempDirTest {
 protected:
  std::shared_ptr<const FeatureStore> store(const Tensor& features, FeatureStorage storage) {
    auto s = FeatureStore::create(features.dim(0), features.dim(1), {storage, dir_.string()});
    EXPECT_TRUE(s.is_ok()) << s.status().message();
    EXPECT_TRUE((*s)->write_rows(0, features).is_ok());
    return std::move(s).value();
  }
};

TEST_F(HeadTrainerStores, FeaturesOnDiskGiveTheSameHeadAsInMemory) {
  const LabelledFeatures train = blobs(30, 9, 1.2f);
  const LabelledFeatures val = blobs(10, 10, 1.2f);
  HeadTrainingOptions o = quick_options("adam");
  o.batch = 7;  // uneven last batch
  o.balance_classes = true;
  o.optimizer.weight_decay = 1e-3f;
  o.patience = 4;
  auto run = [&](FeatureStorage storage) {
    const auto x = store(train.features, storage);
    const LabelledFeatureStore v{store(val.features, storage), val.labels};
    EXPECT_EQ(x->on_disk(), storage == FeatureStorage::kDisk);
    FeatureStoreSource source = [x](int) -> Result<std::shared_ptr<const FeatureStore>> {
      return x;
    };
    return train_linear_head(source, train.labels, &v, 3, o).value();
  };
  const HeadTrainingResult memory = run(FeatureStorage::kMemory);
  const HeadTrainingResult disk = run(FeatureStorage::kDisk);
  for (const auto& [a, b] : {std::pair{&memory.head->weight(), &disk.head->weight()},
                             {&memory.head->bias(), &disk.head->bias()}}) {
    EXPECT_EQ(std::memcmp(a->value.raw_data(), b->value.raw_data(), a->value.byte_size()), 0);
  }
  ASSERT_EQ(memory.history.size(), disk.history.size());
  EXPECT_EQ(memory.best_epoch, disk.best_epoch);
  for (size_t e = 0; e < memory.history.size(); ++e) {
    EXPECT_EQ(memory.history[e].train_loss, disk.history[e].train_loss) << e;
    EXPECT_EQ(memory.history[e].val_accuracy, disk.history[e].val_accuracy) << e;
  }
  // The tensor interface (the same rows wrapped in memory) agrees too.
  const HeadTrainingResult tensors =
      train_linear_head(cached(train.features), train.labels, &val, 3, o).value();
  EXPECT_EQ(
      std::memcmp(tensors.head->weight().value.raw_data(), disk.head->weight().value.raw_data(),
                  tensors.head->weight().value.byte_size()),
      0);
  const auto test_x = store(blobs(20, 11, 1.2f).features, FeatureStorage::kDisk);
  const std::vector<int32_t> test_labels = blobs(20, 11, 1.2f).labels;
  EXPECT_EQ(evaluate(*disk.head, *test_x, test_labels).value().accuracy,
            evaluate(*memory.head, blobs(20, 11, 1.2f)).value().accuracy);
  EXPECT_EQ(testing::files_in(dir_), 0);
}

// With augmentation each epoch brings a new store; the trainer lets go of the last one first,
// so two epochs' files never coexist, and an error midway leaves no file behind.
TEST_F(HeadTrainerStores, PerEpochStoresAreReleasedAndAFailureLeavesNoFile) {
  const LabelledFeatures train = blobs(10, 12, 0.5f);
  std::vector<int> mapped_when_asked;
  FeatureStoreSource source = [&](int epoch) -> Result<std::shared_ptr<const FeatureStore>> {
    mapped_when_asked.push_back(testing::mappings_under(dir_));
    if (epoch == 3) return internal_error("the backbone failed");
    return store(train.features, FeatureStorage::kDisk);
  };
  HeadTrainingOptions o = quick_options("sgd");
  o.epochs = 5;
  const auto result = train_linear_head(source, train.labels, nullptr, 3, o);
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().message(), "the backbone failed");
  EXPECT_EQ(mapped_when_asked, (std::vector<int>{0, 0, 0, 0}));
  EXPECT_EQ(testing::mappings_under(dir_), 0);
  EXPECT_EQ(testing::files_in(dir_), 0);
}

}  // namespace
}  // namespace fovea::training
