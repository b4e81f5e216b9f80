#include "runtime/vision/image_io.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace fovea::vision {
namespace fs = std::filesystem;

namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

Status io_error(std::string message) { return {StatusCode::kIoError, std::move(message)}; }

}  // namespace

bool has_image_extension(const std::string& path) {
  static const char* const kExtensions[] = {".jpg",  ".jpeg", ".png", ".bmp",
                                            ".webp", ".tif",  ".tiff"};
  const std::string ext = lower_extension(path);
  return std::any_of(std::begin(kExtensions), std::end(kExtensions),
                     [&ext](const char* e) { return ext == e; });
}

Result<cv::Mat> load_image(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status(StatusCode::kNotFound, path + ": no such file");
  if (fs::is_directory(path, ec)) return invalid_argument(path + ": is a folder, not an image");
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path + ": cannot be read");
  std::vector<uchar> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty()) return invalid_argument(path + ": empty file, not an image");
  // Decode as-is first so 16-bit and alpha images are converted deliberately, not by guesswork.
  cv::Mat decoded;
  try {
    decoded = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception&) {
    decoded = cv::Mat();  // OpenCV throws on some truncated files; treat as undecodable
  }
  if (decoded.empty()) {
    return invalid_argument(path +
                            ": not a decodable image (JPEG, PNG, BMP, WebP or TIFF expected)");
  }
  if (decoded.depth() == CV_16U) decoded.convertTo(decoded, CV_8U, 1.0 / 257.0);
  if (decoded.depth() != CV_8U) {
    return Status(StatusCode::kUnsupported, path + ": unsupported pixel depth");
  }
  cv::Mat bgr;
  switch (decoded.channels()) {
    case 1: cv::cvtColor(decoded, bgr, cv::COLOR_GRAY2BGR); break;
    case 3: bgr = decoded; break;
    case 4: cv::cvtColor(decoded, bgr, cv::COLOR_BGRA2BGR); break;
    default:
      return Status(StatusCode::kUnsupported, path + ": images with " +
                                                  std::to_string(decoded.channels()) +
                                                  " channels are not supported");
  }
  return bgr;
}

std::vector<std::string> expand_image_arguments(const std::vector<std::string>& arguments) {
  std::vector<std::string> paths;
  for (const std::string& argument : arguments) {
    std::error_code ec;
    if (!fs::is_directory(argument, ec)) {
      paths.push_back(argument);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(argument, ec)) {
      if (entry.is_regular_file(ec) && has_image_extension(entry.path().string())) {
        found.push_back(entry.path().string());
      }
    }
    std::sort(found.begin(), found.end());
    paths.insert(paths.end(), found.begin(), found.end());
  }
  return paths;
}

Status write_image_atomic(const std::string& path, const cv::Mat& image, bool force) {
  std::error_code ec;
  if (fs::exists(path, ec) && !force) {
    return invalid_argument(path + ": exists; pass --force to overwrite it");
  }
  const std::string ext = lower_extension(path);
  if (!has_image_extension(path)) {
    return invalid_argument(path + ": unknown image extension '" + ext + "' (use .png or .jpg)");
  }
  std::vector<uchar> encoded;
  bool ok = false;
  try {
    ok = cv::imencode(ext, image, encoded);
  } catch (const cv::Exception& e) {
    ok = false;
  }
  if (!ok) return io_error(path + ": could not encode the image");
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(encoded.data()),
              static_cast<std::streamsize>(encoded.size()));
    out.close();
    if (!out) {
      fs::remove(temporary, ec);
      return io_error(path + ": cannot write " + temporary);
    }
  }
  fs::rename(temporary, path, ec);
  if (ec) {
    fs::remove(temporary, ec);
    return io_error(path + ": cannot move the written image into place");
  }
  return Status::ok();
}

}  // namespace fovea::vision
