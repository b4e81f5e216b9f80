// Reading photos and writing images: decoding with OpenCV into 8-bit BGR, expanding folders
// into their image files, and writing images atomically without overwriting unless forced.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace fovea::vision {

// True for the extensions OpenCV decodes here: .jpg .jpeg .png .bmp .webp .tif .tiff.
bool has_image_extension(const std::string& path);

// Decodes `path` into a 3-channel 8-bit BGR image (grey, alpha and 16-bit images converted).
// Errors say whether the file is missing, unreadable or not a decodable image.
Result<cv::Mat> load_image(const std::string& path);

// Each argument as given, except that a folder becomes its image files (by extension, sorted).
// An argument that does not exist is kept, so that loading it reports the error in its turn.
std::vector<std::string> expand_image_arguments(const std::vector<std::string>& arguments);

// Encodes `image` by the extension of `path` into a temporary file beside it, then renames it
// into place. An existing file is an error unless `force`.
Status write_image_atomic(const std::string& path, const cv::Mat& image, bool force);

}  // namespace fovea::vision
