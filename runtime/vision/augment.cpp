#include "runtime/vision/augment.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace fovea::vision {
namespace {

float uniform(std::mt19937_64& rng, float lo, float hi) {
  return std::uniform_real_distribution<float>(lo, hi)(rng);
}

// torchvision's RandomResizedCrop region: up to ten tries at a random area and aspect ratio,
// then the central square-ish crop.
cv::Rect random_crop(const cv::Size& size, const AugmentOptions& options, std::mt19937_64& rng) {
  const double area = static_cast<double>(size.width) * size.height;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * uniform(rng, options.min_area, options.max_area);
    const double log_ratio =
        uniform(rng, std::log(options.min_aspect), std::log(options.max_aspect));
    const double ratio = std::exp(log_ratio);
    const int w = static_cast<int>(std::lround(std::sqrt(target * ratio)));
    const int h = static_cast<int>(std::lround(std::sqrt(target / ratio)));
    if (w > 0 && h > 0 && w <= size.width && h <= size.height) {
      const int x = std::uniform_int_distribution<int>(0, size.width - w)(rng);
      const int y = std::uniform_int_distribution<int>(0, size.height - h)(rng);
      return {x, y, w, h};
    }
  }
  const int side = std::min(size.width, size.height);
  return {(size.width - side) / 2, (size.height - side) / 2, side, side};
}

}  // namespace

cv::Mat augmented_view(const cv::Mat& bgr_image, const Preprocessing& pre,
                       const AugmentOptions& options, std::mt19937_64& rng) {
  cv::Mat image = bgr_image;
  if (options.max_rotation_degrees > 0) {
    const float angle = uniform(rng, -options.max_rotation_degrees, options.max_rotation_degrees);
    const cv::Point2f centre(image.cols / 2.0f, image.rows / 2.0f);
    cv::Mat rotated;
    cv::warpAffine(image, rotated, cv::getRotationMatrix2D(centre, angle, 1.0), image.size(),
                   cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
    image = rotated;
  }
  cv::Mat view;
  cv::resize(image(random_crop(image.size(), options, rng)), view, cv::Size(pre.crop, pre.crop), 0,
             0, cv::INTER_LINEAR);
  if (options.horizontal_flip && std::bernoulli_distribution(0.5)(rng)) cv::flip(view, view, 1);

  cv::Mat pixels;
  view.convertTo(pixels, CV_32FC3);
  const float brightness = 1 + uniform(rng, -options.brightness, options.brightness);
  const float contrast = 1 + uniform(rng, -options.contrast, options.contrast);
  const cv::Scalar mean = cv::mean(pixels);
  const double grey = (mean[0] + mean[1] + mean[2]) / 3;
  // contrast around the mean grey, then brightness: (x − g)·c + g, times b.
  pixels = ((pixels - cv::Scalar::all(grey)) * contrast + cv::Scalar::all(grey)) * brightness;
  if (options.noise_std > 0) {
    cv::Mat noise(pixels.size(), pixels.type());
    cv::theRNG().state = rng();  // OpenCV's generator, seeded from ours for reproducibility
    cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(options.noise_std));
    pixels += noise;
  }
  cv::Mat out;
  pixels.convertTo(out, CV_8UC3);  // saturates to 0..255
  return out;
}

}  // namespace fovea::vision
