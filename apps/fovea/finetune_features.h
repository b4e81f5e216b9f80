// `fovea finetune`'s feature pass: the backbone over an ImageFolder in batches, rows written
// to a FeatureStore held in memory or, over --feature-memory-mb, in a temporary file in
// --cache-dir; and the progress bar that pass and the training epochs draw.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "engine/training/feature_extractor.h"
#include "engine/training/feature_store.h"
#include "runtime/vision/augment.h"
#include "runtime/vision/image_folder.h"

namespace fovea::cli {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start);

// "epoch  3/30 [########----] loss 0.412 acc 86.1%  5321 img/s  ETA 2s" on one rewritten line
// of stderr.
void draw_bar(const std::string& prefix, int64_t done, int64_t total, const std::string& stats,
              double rate, double eta);

// "61 MB", "4.9 MB", "50 KB" (binary units, as --feature-memory-mb counts them).
std::string megabytes(double bytes);

// Where features live: decided once, when the feature width is known (the first batch), from
// the training + validation features' size against the budget; every store of the run
// (augmented epochs, --test) then follows it. Going to disk is announced in one line.
class FeaturePlacement {
 public:
  FeaturePlacement(int64_t rows, double budget_mb, std::string cache_dir)
      : rows_(rows), budget_mb_(budget_mb), cache_dir_(std::move(cache_dir)) {}
  const training::FeatureStoreOptions& choose(int64_t cols);
  bool on_disk() const { return chosen_ && chosen_->storage == training::FeatureStorage::kDisk; }

 private:
  int64_t rows_ = 0;  // training + validation images
  double budget_mb_ = 0;
  std::string cache_dir_;
  std::optional<training::FeatureStoreOptions> chosen_;
};

// Features of the images at `indices`, in batches of `batch` through the backbone's plan, with
// a progress bar titled `what`; augmented views when `augment` is set.
Result<std::shared_ptr<training::FeatureStore>> extract_features(
    training::FeatureExtractor& extractor, const vision::ImageFolder& folder,
    const std::vector<size_t>& indices, const vision::Preprocessing& pre, int batch,
    const vision::AugmentOptions* augment, std::mt19937_64* rng, const std::string& what,
    FeaturePlacement& placement);

}  // namespace fovea::cli
