#include "runtime/vision/occlusion.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace fovea::vision {

Result<OcclusionMap> occlusion_sensitivity(const cv::Mat& view, const Preprocessing& pre,
                                           const OcclusionOptions& options,
                                           const ClassScorer& score) {
  const int size = pre.crop;
  if (view.rows != size || view.cols != size || view.type() != CV_8UC3) {
    return invalid_argument("occlusion needs the model's " + std::to_string(size) + "x" +
                            std::to_string(size) + " BGR view");
  }
  OcclusionMap result;
  result.patch = options.patch > 0 ? options.patch : std::max(1, size / 7);
  result.stride = options.stride > 0 ? options.stride : std::max(1, result.patch / 2);
  if (result.patch > size) {
    return invalid_argument("patch " + std::to_string(result.patch) + " is larger than the " +
                            std::to_string(size) + "-pixel view");
  }
  const int batch_size = std::max(1, options.batch);

  FOVEA_ASSIGN_OR_RETURN(std::vector<float> base, score(make_batch({view}, pre)));
  if (base.size() != 1) return internal_error("scorer returned the wrong number of scores");
  result.base_probability = base[0];

  // Patch origins: a regular grid, plus a last row/column flush with the edge.
  std::vector<int> origins;
  for (int o = 0; o + result.patch <= size; o += result.stride) origins.push_back(o);
  if (origins.back() + result.patch < size) origins.push_back(size - result.patch);
  std::vector<cv::Point> positions;
  for (int y : origins) {
    for (int x : origins) positions.emplace_back(x, y);
  }
  result.positions = static_cast<int>(positions.size());

  cv::Mat drop_sum = cv::Mat::zeros(size, size, CV_32F);
  cv::Mat coverage = cv::Mat::zeros(size, size, CV_32F);
  const cv::Scalar grey = mean_colour_bgr(pre);
  for (size_t first = 0; first < positions.size(); first += batch_size) {
    const size_t last = std::min(positions.size(), first + batch_size);
    std::vector<cv::Mat> occluded;
    for (size_t i = first; i < last; ++i) {
      cv::Mat copy = view.clone();
      cv::rectangle(copy, cv::Rect(positions[i], cv::Size(result.patch, result.patch)), grey,
                    cv::FILLED);
      occluded.push_back(copy);
    }
    FOVEA_ASSIGN_OR_RETURN(std::vector<float> scores, score(make_batch(occluded, pre)));
    if (scores.size() != occluded.size()) {
      return internal_error("scorer returned the wrong number of scores");
    }
    for (size_t i = first; i < last; ++i) {
      const cv::Rect area(positions[i], cv::Size(result.patch, result.patch));
      drop_sum(area) += cv::Scalar(result.base_probability - scores[i - first]);
      coverage(area) += cv::Scalar(1.0);
    }
  }
  cv::divide(drop_sum, cv::max(coverage, 1.0), result.drop);
  cv::minMaxLoc(result.drop, nullptr, nullptr, nullptr, &result.peak);
  return result;
}

namespace {

// Positive drops scaled to 0..255 and coloured with JET (blue: no drop, red: the largest).
cv::Mat heat_colours(const cv::Mat& drop) {
  cv::Mat positive = cv::max(drop, 0.0);
  double max_drop = 0;
  cv::minMaxLoc(positive, nullptr, &max_drop);
  cv::Mat grey8;
  positive.convertTo(grey8, CV_8U, max_drop > 0 ? 255.0 / max_drop : 0.0);
  cv::Mat colour;
  cv::applyColorMap(grey8, colour, cv::COLORMAP_JET);
  return colour;
}

constexpr double kHeatWeight = 0.5;     // heatmap over image, half and half
constexpr double kUnseenDimming = 0.4;  // brightness kept outside the model's view

}  // namespace

cv::Mat overlay_heatmap(const cv::Mat& view, const cv::Mat& drop) {
  cv::Mat blended;
  cv::addWeighted(view, 1.0 - kHeatWeight, heat_colours(drop), kHeatWeight, 0.0, blended);
  return blended;
}

cv::Mat overlay_heatmap_on_photo(const cv::Mat& photo, const cv::Mat& drop,
                                 const Preprocessing& pre) {
  const cv::Rect2d seen = view_geometry(photo.size(), pre).crop_in_photo();
  const cv::Point top_left(static_cast<int>(std::lround(seen.x)),
                           static_cast<int>(std::lround(seen.y)));
  const cv::Point bottom_right(static_cast<int>(std::lround(seen.br().x)),
                               static_cast<int>(std::lround(seen.br().y)));
  const cv::Rect area = cv::Rect(top_left, bottom_right) & cv::Rect(cv::Point(0, 0), photo.size());
  cv::Mat out = photo * kUnseenDimming;
  if (area.empty()) return out;
  cv::Mat colour;
  cv::resize(heat_colours(drop), colour, area.size(), 0, 0, cv::INTER_LINEAR);
  cv::Mat region = out(area);
  cv::addWeighted(photo(area), 1.0 - kHeatWeight, colour, kHeatWeight, 0.0, region);
  const int thickness = std::max(1, std::min(photo.rows, photo.cols) / 300);
  cv::rectangle(out, area, cv::Scalar(255, 255, 255), thickness);
  return out;
}

Result<cv::Mat> filter_grid(const Tensor& weights, bool bgr) {
  if (weights.dtype() != DType::kFloat32 || weights.rank() != 4 || weights.dim(1) != 3 ||
      weights.dim(2) != weights.dim(3)) {
    return invalid_argument("first-layer weights must be float32 [M,3,k,k], not " +
                            describe(weights));
  }
  const int count = static_cast<int>(weights.dim(0));
  const int k = static_cast<int>(weights.dim(2));
  const int zoom = std::max(1, 48 / k);  // 3×3 kernels become 48-pixel tiles, 11×11 become 44
  const int tile = k * zoom;
  const int gap = 2;
  const int columns = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count))));
  const int rows = (count + columns - 1) / columns;
  cv::Mat grid(rows * (tile + gap) + gap, columns * (tile + gap) + gap, CV_8UC3,
               cv::Scalar(255, 255, 255));
  const float* w = weights.data<float>();
  const int per_filter = 3 * k * k;
  for (int f = 0; f < count; ++f) {
    const float* filter = w + static_cast<size_t>(f) * per_filter;
    const auto [lo, hi] = std::minmax_element(filter, filter + per_filter);
    const float range = *hi - *lo > 0 ? *hi - *lo : 1.0f;
    cv::Mat small(k, k, CV_8UC3);
    for (int y = 0; y < k; ++y) {
      for (int x = 0; x < k; ++x) {
        for (int c = 0; c < 3; ++c) {
          const int target = bgr ? c : 2 - c;  // OpenCV images are BGR
          const float v = (filter[(c * k + y) * k + x] - *lo) / range;
          small.at<cv::Vec3b>(y, x)[target] = cv::saturate_cast<uchar>(v * 255.0f);
        }
      }
    }
    cv::Mat big;
    cv::resize(small, big, cv::Size(tile, tile), 0, 0, cv::INTER_NEAREST);
    const int row = f / columns, column = f % columns;
    big.copyTo(grid(cv::Rect(gap + column * (tile + gap), gap + row * (tile + gap), tile, tile)));
  }
  return grid;
}

}  // namespace fovea::vision
