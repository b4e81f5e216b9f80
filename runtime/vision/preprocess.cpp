#include "runtime/vision/preprocess.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <sstream>

namespace fovea::vision {

std::string Preprocessing::describe() const {
  std::ostringstream out;
  out << name << ": " << (bgr ? "BGR" : "RGB") << ", ";
  if (scale == 1.0f) {
    out << "0..255";
  } else if (std::abs(scale - 1.0f / 255.0f) < 1e-9f) {
    out << "x/255";
  } else {
    out << "x*" << scale;
  }
  out << ", mean [" << mean[0] << " " << mean[1] << " " << mean[2] << "], std [" << std[0] << " "
      << std[1] << " " << std[2] << "], resize " << resize << ", crop " << crop;
  return out.str();
}

Preprocessing imagenet_preset(int crop) {
  Preprocessing pre;
  pre.crop = crop;
  pre.resize = static_cast<int>(std::lround(crop * 256.0 / 224.0));
  return pre;
}

Preprocessing caffe_preset(int crop) {
  Preprocessing pre;
  pre.name = "caffe";
  pre.bgr = true;
  pre.scale = 1.0f;
  pre.mean = {104.0f, 117.0f, 123.0f};
  pre.std = {1.0f, 1.0f, 1.0f};
  pre.crop = crop;
  pre.resize = std::max(256, crop);
  return pre;
}

Result<Preprocessing> preset_by_name(const std::string& name, int crop) {
  if (name == "imagenet") return imagenet_preset(crop);
  if (name == "caffe") return caffe_preset(crop);
  return invalid_argument("unknown preprocessing preset '" + name + "' (known: imagenet, caffe)");
}

ViewGeometry view_geometry(cv::Size photo, const Preprocessing& pre) {
  const int short_side = std::min(photo.height, photo.width);
  const double scale = static_cast<double>(std::max(pre.resize, pre.crop)) / short_side;
  ViewGeometry geometry;
  geometry.photo = photo;
  geometry.resized =
      cv::Size(std::max(pre.crop, static_cast<int>(std::lround(photo.width * scale))),
               std::max(pre.crop, static_cast<int>(std::lround(photo.height * scale))));
  geometry.crop = cv::Rect((geometry.resized.width - pre.crop) / 2,
                           (geometry.resized.height - pre.crop) / 2, pre.crop, pre.crop);
  return geometry;
}

cv::Point2d ViewGeometry::to_photo(cv::Point2d view_pixel) const {
  // Per axis: the resize rounds each side on its own, so the two scales differ slightly.
  const double sx = static_cast<double>(photo.width) / resized.width;
  const double sy = static_cast<double>(photo.height) / resized.height;
  return {(view_pixel.x + crop.x) * sx, (view_pixel.y + crop.y) * sy};
}

cv::Rect2d ViewGeometry::crop_in_photo() const {
  const cv::Point2d top_left = to_photo({0, 0});
  const cv::Point2d bottom_right = to_photo(cv::Point2d(crop.width, crop.height));
  return {top_left, bottom_right};
}

cv::Mat model_view(const cv::Mat& bgr_image, const Preprocessing& pre) {
  const ViewGeometry geometry = view_geometry(bgr_image.size(), pre);
  cv::Mat resized;
  cv::resize(bgr_image, resized, geometry.resized, 0, 0, cv::INTER_LINEAR);
  return resized(geometry.crop).clone();
}

void normalize_view(const cv::Mat& view, const Preprocessing& pre, float* chw) {
  const int plane = pre.crop * pre.crop;
  for (int y = 0; y < pre.crop; ++y) {
    const cv::Vec3b* row = view.ptr<cv::Vec3b>(y);
    for (int x = 0; x < pre.crop; ++x) {
      for (int c = 0; c < 3; ++c) {
        const int source_channel = pre.bgr ? c : 2 - c;  // OpenCV pixels are BGR
        const float v = row[x][source_channel] * pre.scale;
        chw[c * plane + y * pre.crop + x] = (v - pre.mean[c]) / pre.std[c];
      }
    }
  }
}

cv::Scalar mean_colour_bgr(const Preprocessing& pre) {
  std::array<double, 3> model_order;
  for (int c = 0; c < 3; ++c) {
    model_order[c] =
        std::clamp(std::round(static_cast<double>(pre.mean[c]) / pre.scale), 0.0, 255.0);
  }
  return pre.bgr ? cv::Scalar(model_order[0], model_order[1], model_order[2])
                 : cv::Scalar(model_order[2], model_order[1], model_order[0]);
}

Tensor make_batch(const std::vector<cv::Mat>& views, const Preprocessing& pre) {
  const int64_t n = static_cast<int64_t>(views.size());
  Tensor batch(DType::kFloat32, {n, 3, pre.crop, pre.crop});
  const size_t per_image = 3 * static_cast<size_t>(pre.crop) * pre.crop;
  for (size_t i = 0; i < views.size(); ++i) {
    normalize_view(views[i], pre, batch.data<float>() + i * per_image);
  }
  return batch;
}

}  // namespace fovea::vision
