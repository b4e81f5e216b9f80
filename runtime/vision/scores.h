// Turning a classifier's output row into ranked classes: softmax and top-k.
#pragma once

#include <string>
#include <vector>

namespace fovea::vision {

// exp(x - max) / sum, numerically stable; an empty input gives an empty output.
std::vector<float> softmax(const std::vector<float>& logits);

struct ScoredClass {
  int index = 0;
  float score = 0;
};

// The k highest scores, best first (ties keep the lower index first).
std::vector<ScoredClass> top_k(const std::vector<float>& scores, int k);

// Class names, one per line (trailing '\r' removed); empty when the file cannot be read.
std::vector<std::string> read_labels(const std::string& path);

// The first comma-separated synonym: "fox squirrel, eastern fox squirrel" → "fox squirrel".
std::string short_label(const std::string& label);

}  // namespace fovea::vision
