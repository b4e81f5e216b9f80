#include "engine/training/early_stopping.h"

namespace fovea::training {

bool EarlyStopping::observe(int epoch, double accuracy, TrainableLayer& layer) {
  if (accuracy > best_accuracy_) {
    best_accuracy_ = accuracy;
    best_epoch_ = epoch;
    best_values_ = snapshot(layer);
    epochs_without_improvement_ = 0;
    return false;
  }
  ++epochs_without_improvement_;
  return patience_ > 0 && epochs_without_improvement_ >= patience_;
}

Status EarlyStopping::restore_best(TrainableLayer& layer) const {
  if (!has_best()) return internal_error("early stopping: no epoch was observed");
  return restore(layer, best_values_);
}

}  // namespace fovea::training
