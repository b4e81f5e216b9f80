// Reading a labelled image set in the ImageFolder layout that torchvision and Keras read: one
// subfolder per class (class names are the folder names, sorted), image files inside. Images
// are decoded once and kept in memory; unreadable ones are skipped and counted.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <random>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "runtime/vision/augment.h"
#include "runtime/vision/preprocess.h"

namespace fovea::vision {

struct LabelledImage {
  std::string path;
  int32_t label = 0;
  cv::Mat image;  // 8-bit BGR
};

struct ImageFolder {
  std::string root;
  std::vector<std::string> classes;   // index = label
  std::vector<LabelledImage> images;  // grouped by class, files sorted within each
  std::vector<std::string> skipped;   // image files that could not be decoded ("path: why")
  cv::Size smallest;                  // by area, among the decoded images
  cv::Size largest;
  bool sizes_differ() const { return smallest != largest; }

  std::vector<int32_t> labels() const;
};

// Errors: `dir` missing or not a folder, no class subfolders, only one class, a class folder
// without image files, or a class whose images all fail to decode. `max_per_class` > 0 keeps
// only the first that many decodable images (files sorted) of each class.
Result<ImageFolder> read_image_folder(const std::string& dir, int max_per_class = 0);

// A stratified split: about `fraction` of each class's images (at least one when the class has
// two or more) go to validation, chosen with `seed`. Indices into folder.images, sorted.
void split_validation(const ImageFolder& folder, double fraction, uint64_t seed,
                      std::vector<size_t>& train, std::vector<size_t>& validation);

// A float32 [N,3,crop,crop] batch of the images at `indices`: their evaluation views, or random
// augmented views when `augment` is given (drawn from `rng`).
Tensor folder_batch(const ImageFolder& folder, const std::vector<size_t>& indices,
                    const Preprocessing& pre, const AugmentOptions* augment = nullptr,
                    std::mt19937_64* rng = nullptr);

}  // namespace fovea::vision
