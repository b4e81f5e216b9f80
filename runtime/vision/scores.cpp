#include "runtime/vision/scores.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

namespace fovea::vision {

std::vector<float> softmax(const std::vector<float>& logits) {
  if (logits.empty()) return {};
  const float max_logit = *std::max_element(logits.begin(), logits.end());
  std::vector<float> out(logits.size());
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    out[i] = std::exp(logits[i] - max_logit);
    sum += out[i];
  }
  for (float& p : out) p = static_cast<float>(p / sum);
  return out;
}

std::vector<ScoredClass> top_k(const std::vector<float>& scores, int k) {
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t n = std::min(order.size(), static_cast<size_t>(std::max(k, 0)));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                    [&scores](int a, int b) {
                      if (scores[a] != scores[b]) return scores[a] > scores[b];
                      return a < b;
                    });
  std::vector<ScoredClass> top;
  for (size_t i = 0; i < n; ++i) top.push_back({order[i], scores[order[i]]});
  return top;
}

std::vector<std::string> read_labels(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> labels;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  return labels;
}

std::string short_label(const std::string& label) { return label.substr(0, label.find(',')); }

}  // namespace fovea::vision
