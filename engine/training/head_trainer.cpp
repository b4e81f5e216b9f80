#include "engine/training/head_trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

#include "engine/training/class_weights.h"
#include "engine/training/early_stopping.h"
#include "engine/training/softmax_cross_entropy.h"

namespace fovea::training {
namespace {

// Rows per block when a pass reads a whole store (fitting, evaluation): a few MB at a time.
int64_t block_rows(int64_t cols) {
  constexpr int64_t kBlockBytes = int64_t{4} << 20;
  return std::max<int64_t>(1, kBlockBytes / (cols * static_cast<int64_t>(sizeof(float))));
}

struct Standardizer {
  std::vector<float> mean;
  std::vector<float> inv_std;

  // Streams over the store in blocks; each dimension's sums are accumulated in row order, so
  // the result does not depend on the block size or where the rows live.
  static Result<Standardizer> fit(const FeatureStore& x, bool enabled) {
    const int64_t n = x.rows();
    const int64_t d = x.cols();
    Standardizer s{std::vector<float>(static_cast<size_t>(d), 0.0f),
                   std::vector<float>(static_cast<size_t>(d), 1.0f)};
    if (!enabled) return s;
    std::vector<double> sum(static_cast<size_t>(d), 0.0);
    std::vector<double> sq(static_cast<size_t>(d), 0.0);
    const int64_t block = block_rows(d);
    for (int64_t begin = 0; begin < n; begin += block) {
      FOVEA_ASSIGN_OR_RETURN(Tensor rows, x.read_rows(begin, std::min(block, n - begin)));
      const float* p = rows.data<float>();
      for (int64_t i = 0; i < rows.dim(0); ++i) {
        for (int64_t k = 0; k < d; ++k) {
          sum[k] += p[i * d + k];
          sq[k] += static_cast<double>(p[i * d + k]) * p[i * d + k];
        }
      }
    }
    std::vector<double> variance(static_cast<size_t>(d));
    double mean_variance = 0;
    for (int64_t k = 0; k < d; ++k) {
      const double mean = sum[k] / n;
      s.mean[k] = static_cast<float>(mean);
      variance[k] = std::max(sq[k] / n - mean * mean, 0.0);
      mean_variance += variance[k] / d;
    }
    // Features nearly constant over a small training set (dead ReLUs, a dozen images) would be
    // blown up by 1/σ and dominate new images' logits; a floor of 1% of the average variance
    // bounds that amplification.
    const double floor = std::max(0.01 * mean_variance, 1e-12);
    for (int64_t k = 0; k < d; ++k) {
      s.inv_std[k] = static_cast<float>(1 / std::sqrt(variance[k] + floor));
    }
    return s;
  }

  void apply(Tensor& rows) const {
    const int64_t d = rows.dim(1);
    float* p = rows.data<float>();
    for (int64_t r = 0; r < rows.dim(0); ++r) {
      for (int64_t k = 0; k < d; ++k) p[r * d + k] = (p[r * d + k] - mean[k]) * inv_std[k];
    }
  }

  // W' = W·diag(1/σ), b' = b − W'·μ: the same logits from raw features.
  void fold_into(LinearLayer& head) const {
    float* w = head.weight().value.data<float>();
    float* b = head.bias().value.data<float>();
    const int64_t d = head.in_features();
    for (int64_t o = 0; o < head.out_features(); ++o) {
      double shift = 0;
      for (int64_t k = 0; k < d; ++k) {
        w[o * d + k] *= inv_std[k];
        shift += static_cast<double>(w[o * d + k]) * mean[k];
      }
      b[o] = static_cast<float>(b[o] - shift);
    }
  }
};

std::vector<int64_t> all_rows(int64_t n) {
  std::vector<int64_t> rows(static_cast<size_t>(n));
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}

Status check_features(const std::shared_ptr<const FeatureStore>& x, size_t labels,
                      const char* what) {
  if (x == nullptr || x->rows() != static_cast<int64_t>(labels)) {
    return invalid_argument(
        std::string(what) + " features (" +
        (x == nullptr ? std::string("none") : std::to_string(x->rows()) + " rows") +
        ") do not match " + std::to_string(labels) + " labels");
  }
  return Status::ok();
}

// Loss and accuracy over the store a block at a time, standardised first when asked.
Result<Evaluation> evaluate_blocks(const LinearLayer& head, const FeatureStore& x,
                                   const std::vector<int32_t>& labels,
                                   const Standardizer* standardizer) {
  const int64_t n = x.rows();
  if (n != static_cast<int64_t>(labels.size())) {
    return invalid_argument("evaluation: " + std::to_string(n) + " feature rows but " +
                            std::to_string(labels.size()) + " labels");
  }
  double loss_sum = 0;
  int64_t correct = 0;
  const int64_t block = block_rows(x.cols());
  for (int64_t begin = 0; begin < n; begin += block) {
    const int64_t count = std::min(block, n - begin);
    FOVEA_ASSIGN_OR_RETURN(Tensor rows, x.read_rows(begin, count));
    if (standardizer != nullptr) standardizer->apply(rows);
    FOVEA_ASSIGN_OR_RETURN(Tensor logits, head.infer(rows));
    const std::vector<int32_t> part(labels.begin() + begin, labels.begin() + begin + count);
    FOVEA_ASSIGN_OR_RETURN(LossResult loss, softmax_cross_entropy(logits, part));
    loss_sum += loss.loss * static_cast<double>(count);
    correct += loss.correct;
  }
  return Evaluation{loss_sum / n, static_cast<double>(correct) / n};
}

}  // namespace

Result<Evaluation> evaluate(const LinearLayer& head, const FeatureStore& features,
                            const std::vector<int32_t>& labels) {
  return evaluate_blocks(head, features, labels, nullptr);
}

Result<Evaluation> evaluate(const LinearLayer& head, const LabelledFeatures& data) {
  FOVEA_ASSIGN_OR_RETURN(std::unique_ptr<FeatureStore> store, FeatureStore::wrap(data.features));
  return evaluate_blocks(head, *store, data.labels, nullptr);
}

Result<HeadTrainingResult> train_linear_head(const FeatureSource& train_features,
                                             const std::vector<int32_t>& train_labels,
                                             const LabelledFeatures* validation, int classes,
                                             const HeadTrainingOptions& options,
                                             const TrainingCallbacks& callbacks) {
  const FeatureStoreSource stores = [&](int epoch) -> Result<std::shared_ptr<const FeatureStore>> {
    FOVEA_ASSIGN_OR_RETURN(Tensor x, train_features(epoch));
    FOVEA_ASSIGN_OR_RETURN(std::shared_ptr<const FeatureStore> store, FeatureStore::wrap(x));
    return store;
  };
  LabelledFeatureStore stored_validation;
  if (validation != nullptr) {
    FOVEA_ASSIGN_OR_RETURN(stored_validation.features, FeatureStore::wrap(validation->features));
    stored_validation.labels = validation->labels;
  }
  return train_linear_head(stores, train_labels,
                           validation != nullptr ? &stored_validation : nullptr, classes, options,
                           callbacks);
}

Result<HeadTrainingResult> train_linear_head(const FeatureStoreSource& train_features,
                                             const std::vector<int32_t>& train_labels,
                                             const LabelledFeatureStore* validation, int classes,
                                             const HeadTrainingOptions& options,
                                             const TrainingCallbacks& callbacks) {
  if (options.epochs <= 0 || options.batch <= 0 || !(options.learning_rate > 0)) {
    return invalid_argument("training needs epochs > 0, batch > 0 and a learning rate > 0");
  }
  if (classes < 2) return invalid_argument("training needs at least two classes");
  FOVEA_RETURN_IF_ERROR(validate_schedule(options.schedule));
  FOVEA_ASSIGN_OR_RETURN(std::unique_ptr<Optimizer> optimizer, make_optimizer(options.optimizer));
  std::vector<float> class_weights;
  if (options.balance_classes) {
    FOVEA_ASSIGN_OR_RETURN(class_weights, balanced_class_weights(train_labels, classes));
  }

  const int64_t n = static_cast<int64_t>(train_labels.size());
  FOVEA_ASSIGN_OR_RETURN(std::shared_ptr<const FeatureStore> x, train_features(0));
  FOVEA_RETURN_IF_ERROR(check_features(x, train_labels.size(), "training"));
  const int64_t d = x->cols();
  FOVEA_ASSIGN_OR_RETURN(const Standardizer standardizer,
                         Standardizer::fit(*x, options.standardize));
  if (validation != nullptr) {
    FOVEA_RETURN_IF_ERROR(
        check_features(validation->features, validation->labels.size(), "validation"));
    if (validation->features->cols() != d) {
      return invalid_argument("validation features have a different size");
    }
  }

  HeadTrainingResult result;
  result.head = std::make_unique<LinearLayer>(d, classes, options.seed);
  LinearLayer& head = *result.head;
  EarlyStopping stopping(validation != nullptr ? options.patience : 0);
  std::mt19937_64 rng(options.seed ^ 0x9e3779b97f4a7c15ull);
  std::vector<int64_t> order = all_rows(n);

  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    if (epoch > 0) {
      x.reset();  // an augmented epoch's new store need not sit beside the old one
      FOVEA_ASSIGN_OR_RETURN(x, train_features(epoch));
      FOVEA_RETURN_IF_ERROR(check_features(x, train_labels.size(), "training"));
      if (x->cols() != d) return invalid_argument("training features changed size");
    }
    EpochReport report;
    report.epoch = epoch;
    report.learning_rate =
        learning_rate(options.schedule, options.learning_rate, epoch, options.epochs);
    std::shuffle(order.begin(), order.end(), rng);
    double loss_sum = 0;
    int64_t correct = 0;
    for (int64_t begin = 0; begin < n; begin += options.batch) {
      const int64_t end = std::min<int64_t>(begin + options.batch, n);
      const std::vector<int64_t> rows(order.begin() + begin, order.begin() + end);
      std::vector<int32_t> labels;
      for (int64_t r : rows) labels.push_back(train_labels[static_cast<size_t>(r)]);
      FOVEA_ASSIGN_OR_RETURN(Tensor batch, x->gather(rows));
      standardizer.apply(batch);
      FOVEA_ASSIGN_OR_RETURN(Tensor logits, head.forward(batch));
      FOVEA_ASSIGN_OR_RETURN(LossResult loss, softmax_cross_entropy(logits, labels, class_weights));
      FOVEA_RETURN_IF_ERROR(head.backward(loss.logits_grad).status());
      optimizer->step(head.parameters(), report.learning_rate);
      loss_sum += loss.loss * static_cast<double>(end - begin);
      correct += loss.correct;
      if (callbacks.batch) {
        callbacks.batch(epoch, end, n, loss_sum / end, static_cast<double>(correct) / end);
      }
    }
    report.train_loss = loss_sum / n;
    report.train_accuracy = static_cast<double>(correct) / n;
    bool stop = false;
    if (validation != nullptr) {
      FOVEA_ASSIGN_OR_RETURN(Evaluation val, evaluate_blocks(head, *validation->features,
                                                             validation->labels, &standardizer));
      report.val_loss = val.loss;
      report.val_accuracy = val.accuracy;
      stop = stopping.observe(epoch, val.accuracy, head);
    }
    result.history.push_back(report);
    if (callbacks.epoch) callbacks.epoch(report);
    if (stop) {
      result.stopped_early = epoch + 1 < options.epochs;
      break;
    }
  }
  if (validation != nullptr) {
    FOVEA_RETURN_IF_ERROR(stopping.restore_best(head));
    result.best_epoch = stopping.best_epoch();
  } else {
    result.best_epoch = static_cast<int>(result.history.size()) - 1;
  }
  standardizer.fold_into(head);
  return result;
}

}  // namespace fovea::training
