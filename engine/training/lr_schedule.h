// Learning-rate schedules, evaluated per epoch: constant, step decay and cosine annealing
// (Loshchilov & Hutter 2017, without restarts), each after an optional linear warm-up.
#pragma once

#include <string>

#include "engine/core/status.h"

namespace fovea::training {

struct ScheduleOptions {
  std::string kind = "cosine";  // "constant", "step" or "cosine"
  int step_epochs = 10;         // step: multiply by gamma every step_epochs epochs
  float gamma = 0.1f;
  float min_lr = 0;       // cosine: the learning rate the last epoch approaches
  int warmup_epochs = 0;  // linear ramp from base/warmup to base over these epochs
};

// The learning rate for `epoch` (0-based) of `total_epochs`, starting from `base_lr`.
float learning_rate(const ScheduleOptions& options, float base_lr, int epoch, int total_epochs);

Status validate_schedule(const ScheduleOptions& options);

}  // namespace fovea::training
