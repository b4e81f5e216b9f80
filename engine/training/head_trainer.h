// Training a new linear classifier head on backbone features: mini-batch SGD/Adam over
// shuffled batches, a learning-rate schedule, optional class weights, validation accuracy per
// epoch and early stopping that keeps the best epoch's head. Features are standardised
// (per-dimension mean/std of the first epoch's training features) while training, and the
// standardisation is folded into the returned head's weights, so the head reads raw features.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
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

// Each epoch's training features: the same cached tensor, or recomputed from augmented images.
// Rows must follow `train_labels`' order.
using FeatureSource = std::function<Result<Tensor>(int epoch)>;

struct TrainingCallbacks {
  // After each mini-batch: examples done this epoch, running loss and accuracy.
  std::function<void(int epoch, int64_t done, int64_t total, double loss, double accuracy)> batch;
  std::function<void(const EpochReport&)> epoch;
};

Result<HeadTrainingResult> train_linear_head(const FeatureSource& train_features,
                                             const std::vector<int32_t>& train_labels,
                                             const LabelledFeatures* validation, int classes,
                                             const HeadTrainingOptions& options,
                                             const TrainingCallbacks& callbacks = {});

// Loss and accuracy of `head` on a labelled set (no class weights).
struct Evaluation {
  double loss = 0;
  double accuracy = 0;
};
Result<Evaluation> evaluate(const LinearLayer& head, const LabelledFeatures& data);

}  // namespace fovea::training
