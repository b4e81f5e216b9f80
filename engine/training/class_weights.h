// Class weights for imbalanced data: each class weighted inversely to its frequency, so every
// class contributes equally to the loss (scikit-learn's "balanced": n / (C · n_c)).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/core/status.h"

namespace fovea::training {

// Per-class example counts of `labels` over `classes` classes.
std::vector<int64_t> class_counts(const std::vector<int32_t>& labels, int classes);

// n / (C · n_c); an error names a class without examples.
Result<std::vector<float>> balanced_class_weights(const std::vector<int32_t>& labels, int classes);

}  // namespace fovea::training
