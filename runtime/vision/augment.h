// Data augmentation for training on small image sets, as the CNN literature does (Krizhevsky
// et al. 2012; torchvision's RandomResizedCrop, RandomHorizontalFlip, ColorJitter,
// RandomRotation): each call draws a new random view of the image, the same size as the
// evaluation view (preprocess.h's model_view), in 8-bit BGR.
#pragma once

#include <opencv2/core.hpp>
#include <random>

#include "runtime/vision/preprocess.h"

namespace fovea::vision {

struct AugmentOptions {
  float min_area = 0.5f;  // random resized crop: fraction of the image's area kept
  float max_area = 1.0f;
  float min_aspect = 3.0f / 4.0f;  // and the crop's width / height
  float max_aspect = 4.0f / 3.0f;
  bool horizontal_flip = true;  // with probability 1/2
  float brightness = 0.2f;      // pixel values scaled by a factor in [1 − b, 1 + b]
  float contrast = 0.2f;        // distance from the mean grey scaled by [1 − c, 1 + c]
  float max_rotation_degrees = 10;
  float noise_std = 4;  // Gaussian noise, in 8-bit pixel units; 0: none
};

// A random crop × crop view of `bgr_image` (rotation, resized crop, flip, colour jitter, noise).
cv::Mat augmented_view(const cv::Mat& bgr_image, const Preprocessing& pre,
                       const AugmentOptions& options, std::mt19937_64& rng);

}  // namespace fovea::vision
