// Training a new linear classifier head on backbone features: mini-batch SGD/Adam over
// shuffled batches, a learning-rate schedule, optional class weights, validation accuracy per
// epoch and early stopping that keeps the best epoch's head. Features are standardised
// (per-dimension mean/std of the first epoch's training features) while training, and the
// standardisation is folded into the returned head's weights, so the head reads raw features.
// Features come in FeatureStores (memory or disk) and are read a mini-batch at a time, so a
// store on disk gives the same head as one in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/training/feature_store.h"
#include "engine/training/linear_layer.h"
#include "engine/training/lr_schedule.h"
#include "engine/training/optimizer.h"

namespace fovea::training {

struct HeadTrainingOptions {
  int epochs = 30;
  int batch = 32;
  float learning_rate = 1e-3f;
  OptimizerOptions optimizer;
  ScheduleOptions schedule;
  bool balance_classes = false;  // weight the loss by balanced_class_weights
  int patience = 0;              // early stopping; 0: run every epoch, still keep the best
  uint64_t seed = 0;             // initial weights and batch order
  bool standardize = true;
};

struct EpochReport {
  int epoch = 0;  // 0-based
  float learning_rate = 0;
  double train_loss = 0;
  double train_accuracy = 0;
  double val_loss = 0;      // 0 without a validation set
  double val_accuracy = 0;  // 0 without a validation set
};

struct HeadTrainingResult {
  std::unique_ptr<LinearLayer> head;  // the best epoch's (the last without validation)
  std::vector<EpochReport> history;
  int best_epoch = 0;
  bool stopped_early = false;
};

struct LabelledFeatures {
  Tensor features;              // [N, D]
  std::vector<int32_t> labels;  // N labels in [0, classes)
};

// Labelled rows in a store (in memory or on disk).
struct LabelledFeatureStore {
  std::shared_ptr<const FeatureStore> features;
  std::vector<int32_t> labels;
};

// Each epoch's training features: the same cached store, or a new one recomputed from augmented
// images. Rows must follow `train_labels`' order. The trainer drops its reference to the
// previous epoch's store before asking for the next one.
using FeatureStoreSource = std::function<Result<std::shared_ptr<const FeatureStore>>(int epoch)>;
// The same with in-memory tensors (wrapped in stores without copying).
using FeatureSource = std::function<Result<Tensor>(int epoch)>;

struct TrainingCallbacks {
  // After each mini-batch: examples done this epoch, running loss and accuracy.
  std::function<void(int epoch, int64_t done, int64_t total, double loss, double accuracy)> batch;
  std::function<void(const EpochReport&)> epoch;
};

Result<HeadTrainingResult> train_linear_head(const FeatureStoreSource& train_features,
                                             const std::vector<int32_t>& train_labels,
                                             const LabelledFeatureStore* validation, int classes,
                                             const HeadTrainingOptions& options,
                                             const TrainingCallbacks& callbacks = {});
Result<HeadTrainingResult> train_linear_head(const FeatureSource& train_features,
                                             const std::vector<int32_t>& train_labels,
                                             const LabelledFeatures* validation, int classes,
                                             const HeadTrainingOptions& options,
                                             const TrainingCallbacks& callbacks = {});

// Loss and accuracy of `head` on a labelled set (no class weights), in blocks of rows.
struct Evaluation {
  double loss = 0;
  double accuracy = 0;
};
Result<Evaluation> evaluate(const LinearLayer& head, const LabelledFeatures& data);
Result<Evaluation> evaluate(const LinearLayer& head, const FeatureStore& features,
                            const std::vector<int32_t>& labels);

}  // namespace fovea::training
