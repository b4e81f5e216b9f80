#include "runtime/vision/image_header.h"

#include <cstring>

namespace fovea::vision {
namespace {

using Bytes = std::span<const uint8_t>;

bool starts_with(Bytes b, size_t at, const char* text) {
  const size_t n = std::strlen(text);
  return b.size() >= at + n && std::memcmp(b.data() + at, text, n) == 0;
}

uint32_t be16(Bytes b, size_t at) { return uint32_t{b[at]} << 8 | b[at + 1]; }
uint32_t le16(Bytes b, size_t at) { return uint32_t{b[at + 1]} << 8 | b[at]; }
uint32_t be32(Bytes b, size_t at) { return be16(b, at) << 16 | be16(b, at + 2); }
uint32_t le32(Bytes b, size_t at) { return le16(b, at + 2) << 16 | le16(b, at); }
uint32_t le24(Bytes b, size_t at) { return uint32_t{b[at + 2]} << 16 | le16(b, at); }

std::optional<ImageHeader> sized(ImageFormat format, uint32_t width, uint32_t height) {
  return ImageHeader{format, width, height};
}

// The IHDR chunk must come first.
std::optional<ImageHeader> png(Bytes b) {
  if (b.size() < 24 || !starts_with(b, 12, "IHDR")) return std::nullopt;
  return sized(ImageFormat::kPng, be32(b, 16), be32(b, 20));
}

// Segments up to the first start-of-frame marker, which holds the size. Bytes between segments
// are skipped as libjpeg skips them (with a warning), so both find the same frame.
std::optional<ImageHeader> jpeg(Bytes b) {
  size_t at = 2;
  while (at + 4 <= b.size()) {
    if (b[at] != 0xFF) {
      ++at;
      continue;
    }
    const uint8_t marker = b[at + 1];
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length field
      at += 2;
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) return std::nullopt;  // end, or scan data before SOF
    const size_t length = be16(b, at + 2);
    const bool start_of_frame =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (start_of_frame) {
      if (length < 7 || at + 9 > b.size()) return std::nullopt;
      return sized(ImageFormat::kJpeg, be16(b, at + 7), be16(b, at + 5));
    }
    if (length < 2) return std::nullopt;
    at += 2 + length;
  }
  return std::nullopt;
}

// BITMAPCOREHEADER (12 bytes, 16-bit sizes) or a later header (signed 32-bit; a negative
// height means top-down rows).
std::optional<ImageHeader> bmp(Bytes b) {
  if (b.size() < 18) return std::nullopt;
  const uint32_t header_size = le32(b, 14);
  if (header_size == 12) {
    if (b.size() < 26) return std::nullopt;
    return sized(ImageFormat::kBmp, le16(b, 18), le16(b, 20));
  }
  if (b.size() < 26) return std::nullopt;
  auto magnitude = [](uint32_t v) {
    return static_cast<int32_t>(v) < 0 ? 0u - v : v;  // unsigned negation: no overflow
  };
  return sized(ImageFormat::kBmp, magnitude(le32(b, 18)), magnitude(le32(b, 22)));
}

// RIFF container; the first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended).
std::optional<ImageHeader> webp(Bytes b) {
  if (starts_with(b, 12, "VP8 ") && b.size() >= 30 && b[23] == 0x9D && b[24] == 0x01 &&
      b[25] == 0x2A) {
    return sized(ImageFormat::kWebp, le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF);
  }
  if (starts_with(b, 12, "VP8L") && b.size() >= 25 && b[20] == 0x2F) {
    const uint32_t bits = le32(b, 21);
    return sized(ImageFormat::kWebp, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
  }
  if (starts_with(b, 12, "VP8X") && b.size() >= 30) {
    return sized(ImageFormat::kWebp, le24(b, 24) + 1, le24(b, 27) + 1);
  }
  return std::nullopt;
}

// ImageWidth (256) and ImageLength (257) of the first image file directory.
std::optional<ImageHeader> tiff(Bytes b) {
  const bool little = b[0] == 'I';
  auto u16 = [&](size_t at) { return little ? le16(b, at) : be16(b, at); };
  auto u32 = [&](size_t at) { return little ? le32(b, at) : be32(b, at); };
  const uint64_t directory = u32(4);
  if (directory + 2 > b.size()) return std::nullopt;
  const uint32_t entries = u16(directory);
  uint32_t width = 0, height = 0;
  bool has_width = false, has_height = false;
  for (uint32_t i = 0; i < entries; ++i) {
    const uint64_t entry = directory + 2 + 12 * uint64_t{i};
    if (entry + 12 > b.size()) return std::nullopt;
    const uint32_t tag = u16(entry), type = u16(entry + 2);
    // A repeated tag: libtiff keeps the first and ignores the later ones, so must this.
    if ((tag == 256 && has_width) || (tag == 257 && has_height)) continue;
    if (tag != 256 && tag != 257) continue;
    uint32_t value;
    if (type == 3) {  // SHORT, left-justified in the value field
      value = u16(entry + 8);
    } else if (type == 4) {  // LONG
      value = u32(entry + 8);
    } else {
      return std::nullopt;
    }
    (tag == 256 ? width : height) = value;
    (tag == 256 ? has_width : has_height) = true;
  }
  if (!has_width || !has_height) return std::nullopt;
  return sized(ImageFormat::kTiff, width, height);
}

}  // namespace

const char* image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kPng: return "PNG";
    case ImageFormat::kBmp: return "BMP";
    case ImageFormat::kWebp: return "WebP";
    case ImageFormat::kTiff: return "TIFF";
  }
  return "?";
}

std::optional<ImageHeader> read_image_header(std::span<const uint8_t> bytes) {
  if (starts_with(bytes, 0, "\x89PNG\r\n\x1a\n")) return png(bytes);
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) {
    return jpeg(bytes);
  }
  if (starts_with(bytes, 0, "BM")) return bmp(bytes);
  if (starts_with(bytes, 0, "RIFF") && starts_with(bytes, 8, "WEBP")) return webp(bytes);
  if (starts_with(bytes, 0, "II*") || starts_with(bytes, 0, "MM")) {
    if (bytes.size() < 8) return std::nullopt;
    const bool classic =
        bytes[0] == 'I' ? (bytes[2] == 42 && bytes[3] == 0) : (bytes[2] == 0 && bytes[3] == 42);
    return classic ? tiff(bytes) : std::nullopt;  // BigTIFF (43) is not read
  }
  return std::nullopt;
}

}  // namespace fovea::vision
