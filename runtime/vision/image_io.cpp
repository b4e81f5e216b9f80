#include "runtime/vision/image_io.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "engine/core/atomic_file.h"
#include "runtime/vision/image_header.h"

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

Result<cv::Mat> decode_image(std::span<const uint8_t> bytes, const std::string& source,
                             uint64_t max_pixels) {
  if (bytes.empty()) return invalid_argument(source + ": empty file, not an image");
  const std::optional<ImageHeader> header = read_image_header(bytes);
  if (!header) {
    return invalid_argument(source +
                            ": not a decodable image (JPEG, PNG, BMP, WebP or TIFF expected)");
  }
  // Checked here, before OpenCV allocates width x height for a header that may be a lie.
  const uint64_t pixels = uint64_t{header->width} * header->height;
  if (pixels > max_pixels) {
    return Status(StatusCode::kOutOfRange,
                  source + ": the " + image_format_name(header->format) + " header declares " +
                      std::to_string(header->width) + "x" + std::to_string(header->height) +
                      " pixels, over the limit of " + std::to_string(max_pixels) +
                      " pixels; not decoding it");
  }
  // OpenCV picks its decoder by its own signature checks, not ours: bytes our header reader
  // takes for WebP but OpenCV's WebP check refuses fall through to GDCM (DICOM, "DICM" at
  // offset 128), whose assert() aborts the process on garbage (found by fuzz_image). Every other
  // OpenCV decoder looks at the first bytes, which the formats above already pin down.
  constexpr size_t kDicomMagicOffset = 128;
  if (bytes.size() >= kDicomMagicOffset + 4 &&
      std::memcmp(bytes.data() + kDicomMagicOffset, "DICM", 4) == 0) {
    return invalid_argument(source + ": carries a DICOM signature at byte 128 besides its " +
                            image_format_name(header->format) +
                            " header; not decoding an ambiguous file");
  }
  // Decode as-is first so 16-bit and alpha images are converted deliberately, not by guesswork.
  cv::Mat decoded;
  try {
    const cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8U,
                          const_cast<uint8_t*>(bytes.data()));  // imdecode only reads it
    decoded = cv::imdecode(encoded, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception&) {
    decoded = cv::Mat();  // OpenCV throws on some truncated files; treat as undecodable
  }
  if (decoded.empty()) {
    return invalid_argument(source + ": not a decodable image (damaged or cut-off " +
                            image_format_name(header->format) + " data)");
  }
  if (decoded.depth() == CV_16U) decoded.convertTo(decoded, CV_8U, 1.0 / 257.0);
  if (decoded.depth() != CV_8U) {
    return Status(StatusCode::kUnsupported, source + ": unsupported pixel depth");
  }
  cv::Mat bgr;
  switch (decoded.channels()) {
    case 1: cv::cvtColor(decoded, bgr, cv::COLOR_GRAY2BGR); break;
    case 3: bgr = decoded; break;
    case 4: cv::cvtColor(decoded, bgr, cv::COLOR_BGRA2BGR); break;
    default:
      return Status(StatusCode::kUnsupported, source + ": images with " +
                                                  std::to_string(decoded.channels()) +
                                                  " channels are not supported");
  }
  return bgr;
}

Result<cv::Mat> load_image(const std::string& path, uint64_t max_pixels) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status(StatusCode::kNotFound, path + ": no such file");
  if (fs::is_directory(path, ec)) return invalid_argument(path + ": is a folder, not an image");
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path + ": cannot be read");
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  return decode_image(bytes, path, max_pixels);
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
  return write_file_atomic(
      path, std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()), force);
}

}  // namespace fovea::vision
