#include "apps/fovea/finetune_features.h"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace fovea::cli {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void draw_bar(const std::string& prefix, int64_t done, int64_t total, const std::string& stats,
              double rate, double eta) {
  constexpr int kWidth = 24;
  const int filled = total > 0 ? static_cast<int>(kWidth * done / total) : kWidth;
  std::ostringstream line;
  line << "\r" << prefix << " [" << std::string(filled, '#') << std::string(kWidth - filled, '-')
       << "] " << stats << std::fixed << std::setprecision(0) << "  " << rate << " img/s  ETA "
       << std::setprecision(eta < 10 ? 1 : 0) << eta << "s   ";
  std::cerr << line.str() << std::flush;
}

std::string megabytes(double bytes) {
  const double mb = bytes / (1 << 20);
  std::ostringstream s;
  s << std::fixed;
  if (mb < 1) {
    s << std::setprecision(0) << bytes / (1 << 10) << " KB";
  } else {
    s << std::setprecision(mb < 10 ? 1 : 0) << mb << " MB";
  }
  return s.str();
}

const training::FeatureStoreOptions& FeaturePlacement::choose(int64_t cols) {
  if (chosen_) return *chosen_;
  const double bytes = static_cast<double>(rows_) * static_cast<double>(cols) * sizeof(float);
  const double budget = budget_mb_ * (1 << 20);
  constexpr double kNoLimit = 9e18;  // a budget past int64 means "everything fits"
  training::FeatureStoreOptions options;
  options.storage = training::storage_for(static_cast<int64_t>(std::min(bytes, kNoLimit)),
                                          static_cast<int64_t>(std::min(budget, kNoLimit)));
  options.cache_dir = cache_dir_;
  if (options.storage == training::FeatureStorage::kDisk) {
    std::cout << "features: " << rows_ << " x " << cols << " floats = " << megabytes(bytes)
              << " on disk in " << training::cache_directory(cache_dir_) << " (over the "
              << megabytes(budget) << " memory budget)\n"
              << std::flush;
  }
  return *(chosen_ = options);
}

Result<std::shared_ptr<training::FeatureStore>> extract_features(
    training::FeatureExtractor& extractor, const vision::ImageFolder& folder,
    const std::vector<size_t>& indices, const vision::Preprocessing& pre, int batch,
    const vision::AugmentOptions* augment, std::mt19937_64* rng, const std::string& what,
    FeaturePlacement& placement) {
  const Clock::time_point start = Clock::now();
  std::shared_ptr<training::FeatureStore> features;
  const int64_t n = static_cast<int64_t>(indices.size());
  for (int64_t begin = 0; begin < n; begin += batch) {
    const int64_t end = std::min<int64_t>(begin + batch, n);
    const std::vector<size_t> part(indices.begin() + begin, indices.begin() + end);
    FOVEA_ASSIGN_OR_RETURN(
        Tensor rows, extractor.extract(vision::folder_batch(folder, part, pre, augment, rng)));
    // The store is made once the feature width is known, i.e. after the first batch.
    if (features == nullptr) {
      auto store = training::FeatureStore::create(n, rows.dim(1), placement.choose(rows.dim(1)));
      if (!store.is_ok()) {
        return Status(store.status().code(),
                      store.status().message() + " (pass --cache-dir with a writable folder)");
      }
      features = std::move(store).value();
    }
    FOVEA_RETURN_IF_ERROR(features->write_rows(begin, rows));
    const double elapsed = seconds_since(start);
    draw_bar(what, end, n, "", end / std::max(elapsed, 1e-9),
             elapsed / end * static_cast<double>(n - end));
  }
  std::cerr << "\n";
  return features;
}

}  // namespace fovea::cli
