#include "engine/training/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace fovea::training {

float learning_rate(const ScheduleOptions& options, float base_lr, int epoch, int total_epochs) {
  if (options.warmup_epochs > 0 && epoch < options.warmup_epochs) {
    return base_lr * static_cast<float>(epoch + 1) / static_cast<float>(options.warmup_epochs);
  }
  if (options.kind == "step") {
    const int steps = epoch / std::max(options.step_epochs, 1);
    return base_lr * std::pow(options.gamma, static_cast<float>(steps));
  }
  if (options.kind == "cosine") {
    const int start = options.warmup_epochs;
    const int span = std::max(total_epochs - start, 1);
    const double t = static_cast<double>(epoch - start) / span;
    return static_cast<float>(options.min_lr + 0.5 * (base_lr - options.min_lr) *
                                                   (1 + std::cos(std::numbers::pi * t)));
  }
  return base_lr;
}

Status validate_schedule(const ScheduleOptions& options) {
  if (options.kind != "constant" && options.kind != "step" && options.kind != "cosine") {
    return invalid_argument("unknown schedule '" + options.kind +
                            "' (known: constant, step, cosine)");
  }
  if (options.kind == "step" && options.step_epochs <= 0) {
    return invalid_argument("the step schedule needs step_epochs > 0");
  }
  return Status::ok();
}

}  // namespace fovea::training
