// Occlusion sensitivity (Zeiler & Fergus 2013, "Visualizing and Understanding Convolutional
// Networks", section 4.2): slide a grey patch over the model's view of an image and record how
// much the top class's probability drops; the regions whose hiding hurts most are what the
// network looks at. Occluded copies are scored in batches, so a 13×13 grid costs a dozen runs.
#pragma once

#include <functional>
#include <opencv2/core.hpp>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "runtime/vision/preprocess.h"

namespace fovea::vision {

struct OcclusionOptions {
  int patch = 0;   // side of the grey square in view pixels; 0: crop / 7 (32 for 224)
  int stride = 0;  // step between patch positions; 0: patch / 2
  int batch = 16;  // occluded images per model run
};

// Scores a [N,3,H,W] batch: the probability of the class being explained, one per image.
using ClassScorer = std::function<Result<std::vector<float>>(const Tensor& batch)>;

struct OcclusionMap {
  cv::Mat drop;  // CV_32F, crop × crop: mean probability drop of patches covering each pixel
  float base_probability = 0;  // the unoccluded image's probability
  cv::Point peak;              // where `drop` is largest
  int patch = 0;
  int stride = 0;
  int positions = 0;  // occluded images scored
};

Result<OcclusionMap> occlusion_sensitivity(const cv::Mat& view, const Preprocessing& pre,
                                           const OcclusionOptions& options,
                                           const ClassScorer& score);

// The drop map (negative drops as zero) through the JET colour map, blended over the view.
cv::Mat overlay_heatmap(const cv::Mat& view, const cv::Mat& drop);

// The same heatmap over the whole photo: mapped back through the center crop and the resize
// onto the part of the photo the model saw, which is outlined; the rest is dimmed, since
// occluding the view says nothing about pixels the model never saw.
cv::Mat overlay_heatmap_on_photo(const cv::Mat& photo, const cv::Mat& drop,
                                 const Preprocessing& pre);

// A first-layer weight tensor [M,3,k,k] as a grid of colour tiles (each filter stretched to
// 0..255 on its own, enlarged so small kernels stay visible). `bgr` is the weights' channel order.
Result<cv::Mat> filter_grid(const Tensor& weights, bool bgr);

}  // namespace fovea::vision
