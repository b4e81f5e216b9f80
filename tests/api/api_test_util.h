// Shared by the public API tests: the bundled model and seeded inputs.
#pragma once

#include <fovea/fovea.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace fovea::api_testing {

inline std::string mobilenet_path() {
  return std::string(FOVEA_SOURCE_DIR) + "/models/mobilenetv2-fp32.onnx";
}

// N images of 3x224x224 uniform noise in [-2, 2], different per seed.
inline std::vector<float> random_images(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> data(static_cast<size_t>(n) * 3 * 224 * 224);
  for (float& v : data) v = dist(rng);
  return data;
}

// Largest |a - b| relative to the largest |b|.
inline double max_relative_difference(std::span<const float> a, std::span<const float> b) {
  double diff = 0, scale = 1e-12;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff = std::max(diff, static_cast<double>(std::abs(a[i] - b[i])));
    scale = std::max(scale, static_cast<double>(std::abs(b[i])));
  }
  return a.size() == b.size() ? diff / scale : 1e9;
}

}  // namespace fovea::api_testing
