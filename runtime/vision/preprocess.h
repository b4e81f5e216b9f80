// Preprocessing presets and turning decoded images into the NCHW float batches classifiers
// expect. A preset fixes channel order, pixel scale, per-channel mean/std and the geometry
// (resize the short side, then center-crop a square).
#pragma once

#include <array>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace fovea::vision {

struct Preprocessing {
  std::string name = "imagenet";
  bool bgr = false;                                      // channel order the model reads
  float scale = 1.0f / 255.0f;                           // pixel value multiplier before mean/std
  std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};  // in the model's channel order
  std::array<float, 3> std = {0.229f, 0.224f, 0.225f};
  int resize = 256;  // short side after resizing (bilinear)
  int crop = 224;    // center crop: the model's input height and width

  // "imagenet: RGB, x/255, mean [0.485 0.456 0.406], std [...], resize 256, crop 224"
  std::string describe() const;
};

// torchvision / most zoo models: RGB, x/255, ImageNet mean/std, short side crop·256/224.
Preprocessing imagenet_preset(int crop = 224);
// Caffe-trained models (the zoo's BVLC AlexNet, GoogLeNet, VGG-caffe2): BGR, 0..255, mean
// 104/117/123 subtracted, std 1, short side 256, crop 224 or 227.
Preprocessing caffe_preset(int crop = 224);
// By name ("imagenet" or "caffe"); an error lists the known names.
Result<Preprocessing> preset_by_name(const std::string& name, int crop);

// Where the model's view comes from: the photo is resized to `resized` (short side
// max(resize, crop)), then the crop × crop square `crop` (in resized pixels) is taken.
struct ViewGeometry {
  cv::Size photo;
  cv::Size resized;
  cv::Rect crop;
  // A view pixel's position in the original photo.
  cv::Point2d to_photo(cv::Point2d view_pixel) const;
  // `crop` in the original photo's pixels (fractional: the resize is not an integer ratio).
  cv::Rect2d crop_in_photo() const;
};
ViewGeometry view_geometry(cv::Size photo, const Preprocessing& pre);

// The resized, center-cropped 8-bit BGR view of `bgr_image` (crop × crop): what the model sees,
// before normalisation. Explain overlays its heatmap on this view.
cv::Mat model_view(const cv::Mat& bgr_image, const Preprocessing& pre);

// Normalises a crop × crop 8-bit BGR view into planar floats at `chw` (3·crop·crop values).
void normalize_view(const cv::Mat& view, const Preprocessing& pre, float* chw);

// The pixel colour (BGR, 8-bit) that normalises to zero: the "grey" of occlusion patches.
cv::Scalar mean_colour_bgr(const Preprocessing& pre);

// A float32 [N,3,crop,crop] batch of model views, in the order given.
Tensor make_batch(const std::vector<cv::Mat>& views, const Preprocessing& pre);

}  // namespace fovea::vision
