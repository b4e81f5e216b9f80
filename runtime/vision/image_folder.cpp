#include "runtime/vision/image_folder.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "runtime/vision/image_io.h"

namespace fovea::vision {
namespace fs = std::filesystem;

std::vector<int32_t> ImageFolder::labels() const {
  std::vector<int32_t> result;
  result.reserve(images.size());
  for (const LabelledImage& image : images) result.push_back(image.label);
  return result;
}

Result<ImageFolder> read_image_folder(const std::string& dir, int max_per_class) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status(StatusCode::kNotFound,
                  dir + ": no such folder (expected one subfolder per class)");
  }
  std::vector<fs::path> class_dirs;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && !name.empty() && name[0] != '.') class_dirs.push_back(entry.path());
  }
  std::sort(class_dirs.begin(), class_dirs.end());
  if (class_dirs.empty()) {
    return invalid_argument(dir +
                            ": no class subfolders (ImageFolder layout: DIR/<class>/<image>)");
  }
  if (class_dirs.size() == 1) {
    return invalid_argument(dir + ": only one class ('" + class_dirs[0].filename().string() +
                            "'); a classifier needs at least two class subfolders");
  }
  ImageFolder folder;
  folder.root = dir;
  int64_t smallest_area = -1;
  int64_t largest_area = -1;
  for (const fs::path& class_dir : class_dirs) {
    const int32_t label = static_cast<int32_t>(folder.classes.size());
    folder.classes.push_back(class_dir.filename().string());
    std::vector<std::string> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(class_dir, ec)) {
      if (entry.is_regular_file() && has_image_extension(entry.path().string())) {
        files.push_back(entry.path().string());
      }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      return invalid_argument(class_dir.string() + ": class folder '" + folder.classes.back() +
                              "' has no image files (.jpg .jpeg .png .bmp .webp .tif .tiff)");
    }
    size_t decoded = 0;
    for (const std::string& file : files) {
      if (max_per_class > 0 && decoded == static_cast<size_t>(max_per_class)) break;
      Result<cv::Mat> image = load_image(file);
      if (!image.is_ok()) {
        folder.skipped.push_back(image.status().message());
        continue;
      }
      const int64_t area = static_cast<int64_t>(image->cols) * image->rows;
      if (smallest_area < 0 || area < smallest_area) {
        smallest_area = area;
        folder.smallest = image->size();
      }
      if (area > largest_area) {
        largest_area = area;
        folder.largest = image->size();
      }
      folder.images.push_back({file, label, std::move(image).value()});
      ++decoded;
    }
    if (decoded == 0) {
      return invalid_argument(class_dir.string() + ": none of the " + std::to_string(files.size()) +
                              " images of class '" + folder.classes.back() + "' could be read");
    }
  }
  return folder;
}

void split_validation(const ImageFolder& folder, double fraction, uint64_t seed,
                      std::vector<size_t>& train, std::vector<size_t>& validation) {
  train.clear();
  validation.clear();
  std::map<int32_t, std::vector<size_t>> by_class;
  for (size_t i = 0; i < folder.images.size(); ++i) by_class[folder.images[i].label].push_back(i);
  std::mt19937_64 rng(seed);
  for (auto& [label, indices] : by_class) {
    std::shuffle(indices.begin(), indices.end(), rng);
    size_t held = static_cast<size_t>(std::lround(fraction * static_cast<double>(indices.size())));
    if (fraction > 0 && held == 0 && indices.size() >= 2) held = 1;
    held = std::min(held, indices.size() - 1);  // keep at least one for training
    validation.insert(validation.end(), indices.begin(), indices.begin() + static_cast<long>(held));
    train.insert(train.end(), indices.begin() + static_cast<long>(held), indices.end());
  }
  std::sort(train.begin(), train.end());
  std::sort(validation.begin(), validation.end());
}

Tensor folder_batch(const ImageFolder& folder, const std::vector<size_t>& indices,
                    const Preprocessing& pre, const AugmentOptions* augment, std::mt19937_64* rng) {
  std::vector<cv::Mat> views;
  views.reserve(indices.size());
  for (size_t i : indices) {
    const cv::Mat& image = folder.images[i].image;
    views.push_back(augment != nullptr && rng != nullptr
                        ? augmented_view(image, pre, *augment, *rng)
                        : model_view(image, pre));
  }
  return make_batch(views, pre);
}

}  // namespace fovea::vision
