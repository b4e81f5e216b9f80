#include "engine/training/class_weights.h"

#include <string>

namespace fovea::training {

std::vector<int64_t> class_counts(const std::vector<int32_t>& labels, int classes) {
  std::vector<int64_t> counts(static_cast<size_t>(std::max(classes, 0)), 0);
  for (int32_t y : labels) {
    if (y >= 0 && y < classes) ++counts[static_cast<size_t>(y)];
  }
  return counts;
}

Result<std::vector<float>> balanced_class_weights(const std::vector<int32_t>& labels, int classes) {
  const std::vector<int64_t> counts = class_counts(labels, classes);
  std::vector<float> weights(counts.size());
  for (size_t c = 0; c < counts.size(); ++c) {
    if (counts[c] == 0) {
      return invalid_argument("class " + std::to_string(c) + " has no training examples");
    }
    weights[c] = static_cast<float>(static_cast<double>(labels.size()) /
                                    (static_cast<double>(classes) * counts[c]));
  }
  return weights;
}

}  // namespace fovea::training
