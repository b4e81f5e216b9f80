// The bundled real pretrained MobileNetV2 must name the object in real photos, with the
// preprocessing documented in ../shared/README.md done here independently with OpenCV.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <tuple>

#include "runtime/internal/model_loader.h"
#include "tests/common/backend_testing.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

// decode → RGB → [0,1] → short side 256 (bilinear) → center crop 224 → mean/std → NCHW.
Tensor preprocess_imagenet(const std::string& path) {
  cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  if (bgr.empty()) return Tensor();
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  rgb.convertTo(rgb, CV_32FC3, 1.0 / 255.0);
  const double scale = 256.0 / std::min(rgb.rows, rgb.cols);
  cv::Mat resized;
  cv::resize(rgb, resized,
             cv::Size(std::max(256, static_cast<int>(std::lround(rgb.cols * scale))),
                      std::max(256, static_cast<int>(std::lround(rgb.rows * scale)))),
             0, 0, cv::INTER_LINEAR);
  const int top = (resized.rows - 224) / 2;
  const int left = (resized.cols - 224) / 2;
  cv::Mat crop = resized(cv::Rect(left, top, 224, 224));
  const float mean[3] = {0.485f, 0.456f, 0.406f};
  const float stdev[3] = {0.229f, 0.224f, 0.225f};
  Tensor t(DType::kFloat32, {1, 3, 224, 224});
  float* dst = t.data<float>();
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 224; ++y) {
      for (int x = 0; x < 224; ++x) {
        dst[(c * 224 + y) * 224 + x] = (crop.at<cv::Vec3f>(y, x)[c] - mean[c]) / stdev[c];
      }
    }
  }
  return t;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

using Photo = std::tuple<std::string, std::string>;  // photo, expected label
using PhotoCase = std::tuple<Photo, std::string>;    // photo, backend

class MobileNetPhotos : public ::testing::TestWithParam<PhotoCase> {};

TEST_P(MobileNetPhotos, TopOneIsTheExpectedClass) {
  FOVEA_REQUIRE_SHARED(shared);
  const auto& [photo_case, backend] = GetParam();
  FOVEA_REQUIRE_BACKEND(backend);
  const auto& [photo, expected_label] = photo_case;
  const auto labels = read_lines(shared + "/labels/imagenet_classes.txt");
  ASSERT_EQ(labels.size(), 1000u);

  auto executor = load_model(shared + "/models/mobilenetv2-fp32.onnx", {.backend = backend});
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  const Tensor input = preprocess_imagenet(shared + "/photos/" + photo);
  ASSERT_FALSE(input.empty()) << "could not decode " << photo;

  auto outputs = (*executor)->run({input});
  ASSERT_TRUE(outputs.is_ok()) << outputs.status().message();
  const Tensor& logits = (*outputs)[0];
  ASSERT_EQ(logits.shape(), (Shape{1, 1000}));
  const float* p = logits.data<float>();
  const auto top = std::max_element(p, p + 1000) - p;
  // The label file gives synonyms after the first comma ("fox squirrel, eastern fox squirrel").
  const std::string& label = labels[static_cast<size_t>(top)];
  EXPECT_EQ(label.substr(0, label.find(',')), expected_label) << photo << ": " << label;
}

// Expected top-1 from ../shared/README.md (computed by an independent engine).
INSTANTIATE_TEST_SUITE_P(
    SharedPhotos, MobileNetPhotos,
    ::testing::Combine(::testing::Values(Photo("skimage_chelsea.png", "Egyptian cat"),
                                         Photo("skimage_coffee.png", "espresso"),
                                         Photo("opencv_squirrel_cls.jpg", "fox squirrel"),
                                         Photo("opencv_baboon.jpg", "baboon"),
                                         Photo("opencv_orange.jpg", "orange"),
                                         Photo("opencv_messi5.jpg", "soccer ball")),
                       ::testing::ValuesIn(all_backends())),
    [](const auto& info) {
      std::string name = std::get<0>(std::get<0>(info.param));
      name = name.substr(0, name.find('.'));
      return name + "_" + std::get<1>(info.param);
    });

}  // namespace
}  // namespace fovea::testing
