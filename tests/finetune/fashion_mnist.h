// Fashion-MNIST from Debian's dataset-fashion-mnist, read straight from its gzipped IDX files
// into an in-memory ImageFolder (the same structure `fovea finetune` reads from disk), and the
// whole transfer-learning pipeline the fine-tuning tests share.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/training/classifier_cut.h"
#include "engine/training/feature_extractor.h"
#include "engine/training/head_trainer.h"
#include "importers/onnx/onnx_importer.h"
#include "runtime/vision/image_folder.h"

namespace fovea::testing {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

inline std::optional<std::string> read_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return std::nullopt;
  std::string bytes;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0)
    bytes.append(buffer, static_cast<size_t>(n));
  gzclose(file);
  return bytes;
}

inline uint32_t big_endian(const std::string& bytes, size_t at) {
  return (uint32_t{static_cast<uint8_t>(bytes[at])} << 24) |
         (uint32_t{static_cast<uint8_t>(bytes[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(bytes[at + 2])} << 8) |
         uint32_t{static_cast<uint8_t>(bytes[at + 3])};
}

// `prefix` "train" or "t10k". Takes the first `per_class` images of each class in file order
// (per_class > 0), or the first `first` images (per_class == 0). nullopt without the package.
inline std::optional<vision::ImageFolder> load_fashion_mnist(const std::string& prefix,
                                                             int per_class, int first) {
  const auto images =
      read_gzip(std::string(kFashionMnistDir) + "/" + prefix + "-images-idx3-ubyte.gz");
  const auto labels =
      read_gzip(std::string(kFashionMnistDir) + "/" + prefix + "-labels-idx1-ubyte.gz");
  if (!images || !labels || images->size() < 16 || labels->size() < 8) return std::nullopt;
  const uint32_t count = big_endian(*images, 4);
  const int rows = static_cast<int>(big_endian(*images, 8));
  const int cols = static_cast<int>(big_endian(*images, 12));
  vision::ImageFolder folder;
  folder.root = prefix;
  folder.classes = {"T-shirt_top", "Trouser", "Pullover", "Dress", "Coat",
                    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle_boot"};
  std::vector<int> taken(10, 0);
  for (uint32_t i = 0; i < count; ++i) {
    const int label = static_cast<uint8_t>((*labels)[8 + i]);
    if (per_class > 0 ? taken[static_cast<size_t>(label)] >= per_class
                      : static_cast<int>(i) >= first) {
      continue;
    }
    ++taken[static_cast<size_t>(label)];
    cv::Mat grey(rows, cols, CV_8UC1,
                 const_cast<char*>(images->data() + 16 + static_cast<size_t>(i) * rows * cols));
    cv::Mat bgr;
    cv::cvtColor(grey, bgr, cv::COLOR_GRAY2BGR);
    folder.images.push_back({prefix + "#" + std::to_string(i), label, bgr});
  }
  std::stable_sort(folder.images.begin(), folder.images.end(),
                   [](const auto& a, const auto& b) { return a.label < b.label; });
  folder.smallest = folder.largest = cv::Size(cols, rows);
  return folder;
}

inline std::vector<size_t> every_index(const vision::ImageFolder& folder) {
  std::vector<size_t> v(folder.images.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = i;
  return v;
}

// Features of every image of `folder` through `extractor`, in batches of 32.
inline Result<Tensor> folder_features(training::FeatureExtractor& extractor,
                                      const vision::ImageFolder& folder,
                                      const vision::Preprocessing& pre) {
  const std::vector<size_t> all = every_index(folder);
  Tensor features;
  for (size_t begin = 0; begin < all.size(); begin += 32) {
    const std::vector<size_t> part(
        all.begin() + static_cast<long>(begin),
        all.begin() + static_cast<long>(std::min(begin + 32, all.size())));
    FOVEA_ASSIGN_OR_RETURN(Tensor rows, extractor.extract(vision::folder_batch(folder, part, pre)));
    if (features.empty()) {
      features = Tensor(DType::kFloat32, {static_cast<int64_t>(all.size()), rows.dim(1)});
    }
    std::copy_n(rows.data<float>(), rows.element_count(),
                features.data<float>() + static_cast<int64_t>(begin) * rows.dim(1));
  }
  return features;
}

inline std::string bundled_mobilenet() {
  return std::string(FOVEA_SOURCE_DIR) + "/models/mobilenetv2-fp32.onnx";
}

}  // namespace fovea::testing
