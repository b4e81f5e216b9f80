// Reading photos and writing images: decoding with OpenCV into 8-bit BGR, expanding folders
// into their image files, and writing images atomically without overwriting unless forced.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <span>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace fovea::vision {

// True for the extensions OpenCV decodes here: .jpg .jpeg .png .bmp .webp .tif .tiff.
bool has_image_extension(const std::string& path);

// The most pixels an image may declare before it is decoded: 2^27 (about 134 million, 384 MiB
// as 8-bit BGR), several times a large camera photo.
inline constexpr uint64_t kDefaultMaxImagePixels = uint64_t{1} << 27;

// Decodes a JPEG, PNG, BMP, WebP or TIFF file's bytes into a 3-channel 8-bit BGR image (grey,
// alpha and 16-bit images converted). The size in the header is checked against `max_pixels`
// before decoding (kOutOfRange naming `source` and the size). Other formats are refused, since
// their size cannot be checked first.
Result<cv::Mat> decode_image(std::span<const uint8_t> bytes, const std::string& source,
                             uint64_t max_pixels = kDefaultMaxImagePixels);

// decode_image of the file at `path`; errors also say whether it is missing or unreadable.
Result<cv::Mat> load_image(const std::string& path, uint64_t max_pixels = kDefaultMaxImagePixels);

// Each argument as given, except that a folder becomes its image files (by extension, sorted).
// An argument that does not exist is kept, so that loading it reports the error in its turn.
std::vector<std::string> expand_image_arguments(const std::vector<std::string>& arguments);

// Encodes `image` by the extension of `path` and writes it with write_file_atomic
// (engine/core/atomic_file.h): never half-written; an existing file is an error unless `force`.
Status write_image_atomic(const std::string& path, const cv::Mat& image, bool force);

}  // namespace fovea::vision
