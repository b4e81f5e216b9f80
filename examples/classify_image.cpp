// Classifies one image with an ImageNet model through Fovea's public API and prints the top 5.
//
//   classify_image MODEL.onnx IMAGE [LABELS.txt]
//
// Preprocessing is ImageNet's usual one (resize the short side to 256, centre-crop 224, RGB,
// mean/std normalisation), which suits the bundled MobileNetV2.
#include <fovea/fovea.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

namespace {

// [1,3,224,224] float32, NCHW, RGB, normalised.
std::vector<float> preprocess(const cv::Mat& bgr, int size) {
  const double scale = 256.0 / std::min(bgr.cols, bgr.rows);
  cv::Mat resized;
  cv::resize(bgr, resized, cv::Size(), scale, scale, cv::INTER_LINEAR);
  const cv::Rect crop((resized.cols - size) / 2, (resized.rows - size) / 2, size, size);
  cv::Mat rgb;
  cv::cvtColor(resized(crop), rgb, cv::COLOR_BGR2RGB);
  const float mean[3] = {0.485f, 0.456f, 0.406f};
  const float stddev[3] = {0.229f, 0.224f, 0.225f};
  std::vector<float> chw(static_cast<size_t>(3 * size * size));
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const cv::Vec3b& p = rgb.at<cv::Vec3b>(y, x);
      for (int c = 0; c < 3; ++c) {
        chw[static_cast<size_t>((c * size + y) * size + x)] = (p[c] / 255.0f - mean[c]) / stddev[c];
      }
    }
  }
  return chw;
}

std::vector<std::string> read_labels(const char* path) {
  std::vector<std::string> labels;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) labels.push_back(line);
  return labels;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.onnx IMAGE [LABELS.txt]\n", argv[0]);
    return 2;
  }
  try {
    // Load once; a Model may be shared by any number of threads, each with its own Session.
    std::shared_ptr<const fovea::Model> model = fovea::Model::load(argv[1], {.threads = 0});
    const fovea::TensorInfo& input = model->inputs().at(0);
    std::printf("model %s: input '%s' %s %s\n", argv[1], input.name.c_str(),
                fovea::data_type_name(input.dtype), fovea::shape_string(input.shape).c_str());

    cv::Mat image = cv::imread(argv[2], cv::IMREAD_COLOR);
    if (image.empty()) {
      std::fprintf(stderr, "error: cannot read image %s\n", argv[2]);
      return 1;
    }
    const int size = 224;
    std::vector<float> pixels = preprocess(image, size);

    fovea::Session session(model);
    // The view points at `pixels`: nothing is copied on the way in.
    std::vector<fovea::HostTensor> outputs =
        session.run({{input.name, fovea::TensorView(pixels.data(), {1, 3, size, size})}});
    std::span<const float> logits = outputs.at(0).values<float>();

    // Softmax, then the five most probable classes.
    const float top = *std::max_element(logits.begin(), logits.end());
    std::vector<double> probs(logits.size());
    double sum = 0;
    for (size_t i = 0; i < logits.size(); ++i) sum += probs[i] = std::exp(logits[i] - top);
    std::vector<size_t> order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    const size_t k = std::min<size_t>(5, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](size_t a, size_t b) { return probs[a] > probs[b]; });
    const std::vector<std::string> labels =
        argc > 3 ? read_labels(argv[3]) : std::vector<std::string>{};
    for (size_t i = 0; i < k; ++i) {
      const size_t c = order[i];
      std::printf("%zu. %6.2f%%  %s\n", i + 1, 100.0 * probs[c] / sum,
                  c < labels.size() ? labels[c].c_str() : ("class " + std::to_string(c)).c_str());
    }
  } catch (const fovea::Error& e) {
    std::fprintf(stderr, "error (%s): %s\n", fovea::error_code_name(e.code()), e.what());
    return 1;
  }
  return 0;
}
