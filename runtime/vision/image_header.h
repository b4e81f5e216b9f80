// The format and pixel size an encoded image declares in its header, read without decoding, so
// that a decompression bomb (a few bytes declaring 100000x100000 pixels) is refused before a
// decoder allocates for it. OpenCV has no public way to ask (its ImageDecoder is internal), and
// its own cap (OPENCV_IO_MAX_IMAGE_PIXELS, 2^30 pixels by default, read once per process) still
// lets a 3 GiB BGR image through.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace fovea::vision {

enum class ImageFormat { kJpeg, kPng, kBmp, kWebp, kTiff };

const char* image_format_name(ImageFormat format);  // "JPEG", "PNG", ...

struct ImageHeader {
  ImageFormat format;
  uint32_t width = 0;
  uint32_t height = 0;
};

// The header of a JPEG, PNG, BMP, WebP or (classic, first page) TIFF file; nullopt when the
// bytes are none of these or are cut off before the size.
std::optional<ImageHeader> read_image_header(std::span<const uint8_t> bytes);

}  // namespace fovea::vision
