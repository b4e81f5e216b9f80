// Early stopping on validation accuracy: remembers the best epoch's parameters and says when
// `patience` epochs have passed without improving on it (ties do not count as improvement,
// so the earliest best epoch is kept).
#pragma once

#include <vector>

#include "engine/training/trainable_layer.h"

namespace fovea::training {

class EarlyStopping {
 public:
  // patience <= 0: never stop early (the best epoch is still kept).
  explicit EarlyStopping(int patience) : patience_(patience) {}

  // Records an epoch's validation accuracy;
  // snapshots `layer` when it is the best so far. Returns true when training should stop.
  bool observe(int epoch, double accuracy, TrainableLayer& layer);

  int best_epoch() const { return best_epoch_; }
  double best_accuracy() const { return best_accuracy_; }
  bool has_best() const { return best_epoch_ >= 0; }
  // Puts the best epoch's parameters back into `layer`.
  Status restore_best(TrainableLayer& layer) const;

 private:
  int patience_ = 0;
  int best_epoch_ = -1;
  double best_accuracy_ = -1;
  int epochs_without_improvement_ = 0;
  std::vector<Tensor> best_values_;
};

}  // namespace fovea::training
