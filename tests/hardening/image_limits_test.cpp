// Decompression bombs: a few bytes whose header declares a huge image are refused, naming the
// file and the declared size, before OpenCV allocates for them; and the header reader agrees
// with what OpenCV's own encoders write.
#include <gtest/gtest.h>

#include <cstdint>
#include <opencv2/imgcodecs.hpp>
#include <string>

#include "runtime/vision/image_header.h"
#include "runtime/vision/image_io.h"
#include "tests/importer/onnx_test_util.h"
#include "tests/serve/serve_test_util.h"

namespace fovea::testing {
namespace {

void put_be32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>(v >> shift));
}

uint32_t crc32(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : bytes) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void png_chunk(std::string& png, const std::string& type, const std::string& data) {
  put_be32(png, static_cast<uint32_t>(data.size()));
  png += type + data;
  put_be32(png, crc32(type + data));
}

// A well-formed 8-bit RGB PNG header declaring width x height, with one tiny zlib stream as
// its data (a real decoder would allocate the image, then find the data short).
std::string png_bomb(uint32_t width, uint32_t height) {
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string header;
  put_be32(header, width);
  put_be32(header, height);
  header +=
      std::string("\x08\x02\x00\x00\x00", 5);  // depth 8, RGB, deflate, filter 0, no interlace
  png_chunk(png, "IHDR", header);
  png_chunk(png, "IDAT", std::string("\x78\x9c\x63\x00\x00\x00\x01\x00\x01", 9));
  png_chunk(png, "IEND", "");
  return png;
}

std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(ImageLimits, PngBombIsRefusedWithItsSize) {
  TempDir dir;
  const std::string path = dir.file("bomb.png");
  const std::string bomb = png_bomb(100000, 100000);
  ASSERT_LT(bomb.size(), 100u);
  write_bytes(path, bomb);
  auto image = vision::load_image(path);
  ASSERT_FALSE(image.is_ok());
  EXPECT_EQ(image.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(image.status().message(),
            path +
                ": the PNG header declares 100000x100000 pixels, over the limit of 134217728 "
                "pixels; not decoding it");
}

// Under OpenCV's own cap (2^30 pixels), which would have let it allocate 2.7 GB for this.
TEST(ImageLimits, BombUnderOpenCvsOwnCapIsRefusedToo) {
  auto image = vision::decode_image(as_bytes(png_bomb(30000, 30000)), "upload");
  ASSERT_FALSE(image.is_ok());
  EXPECT_EQ(image.status().message(),
            "upload: the PNG header declares 30000x30000 pixels, over the limit of 134217728 "
            "pixels; not decoding it");
}

TEST(ImageLimits, LimitIsInclusiveAndConfigurable) {
  std::vector<uchar> png;
  ASSERT_TRUE(cv::imencode(".png", cv::Mat(40, 50, CV_8UC3, cv::Scalar(1, 2, 3)), png));
  auto at_limit = vision::decode_image(png, "small.png", 2000);
  ASSERT_TRUE(at_limit.is_ok()) << at_limit.status().message();
  EXPECT_EQ(at_limit->size(), cv::Size(50, 40));
  auto over = vision::decode_image(png, "small.png", 1999);
  ASSERT_FALSE(over.is_ok());
  EXPECT_EQ(over.status().message(),
            "small.png: the PNG header declares 50x40 pixels, over the limit of 1999 pixels; not "
            "decoding it");
}

TEST(ImageLimits, JpegBombIsRefused) {
  // SOI, then a baseline start-of-frame declaring 60000x50000 (3 components).
  const std::string jpeg(
      "\xFF\xD8\xFF\xC0\x00\x11\x08\xC3\x50\xEA\x60\x03\x01\x22\x00\x02\x11\x01"
      "\x03\x11\x01\xFF\xD9",
      23);
  auto image = vision::decode_image(as_bytes(jpeg), "bomb.jpg");
  ASSERT_FALSE(image.is_ok());
  EXPECT_EQ(image.status().message(),
            "bomb.jpg: the JPEG header declares 60000x50000 pixels, over the limit of 134217728 "
            "pixels; not decoding it");
}

TEST(ImageLimits, UnknownFormatsAreRefusedBeforeDecoding) {
  // A PPM OpenCV would decode: its size cannot be checked here, so it is not decoded at all.
  auto ppm = vision::decode_image(as_bytes(std::string("P6\n2 1\n255\n\1\2\3\4\5\6")), "a.ppm");
  ASSERT_FALSE(ppm.is_ok());
  EXPECT_EQ(ppm.status().message(),
            "a.ppm: not a decodable image (JPEG, PNG, BMP, WebP or TIFF expected)");
  std::string cut = png_bomb(8, 8).substr(0, 20);  // the IHDR chunk cut off
  EXPECT_EQ(vision::decode_image(as_bytes(cut), "cut.png").status().message(),
            "cut.png: not a decodable image (JPEG, PNG, BMP, WebP or TIFF expected)");
  EXPECT_EQ(vision::decode_image(as_bytes(png_bomb(8, 8)), "short.png").status().message(),
            "short.png: not a decodable image (damaged or cut-off PNG data)");
}

// The sizes read from the headers OpenCV's encoders write (grey and colour, odd sizes).
TEST(ImageLimits, HeaderReaderAgreesWithOpenCvEncoders) {
  const struct {
    const char* ext;
    vision::ImageFormat format;
  } kCases[] = {{".png", vision::ImageFormat::kPng},
                {".jpg", vision::ImageFormat::kJpeg},
                {".bmp", vision::ImageFormat::kBmp},
                {".webp", vision::ImageFormat::kWebp},
                {".tiff", vision::ImageFormat::kTiff}};
  for (const auto& c : kCases) {
    for (int type : {CV_8UC1, CV_8UC3}) {
      std::vector<uchar> encoded;
      ASSERT_TRUE(cv::imencode(c.ext, cv::Mat(37, 301, type, cv::Scalar::all(90)), encoded));
      const auto header = vision::read_image_header(encoded);
      ASSERT_TRUE(header.has_value()) << c.ext;
      EXPECT_EQ(header->format, c.format) << c.ext;
      EXPECT_EQ(header->width, 301u) << c.ext;
      EXPECT_EQ(header->height, 37u) << c.ext;
      auto decoded = vision::decode_image(encoded, c.ext);
      ASSERT_TRUE(decoded.is_ok()) << decoded.status().message();
      EXPECT_EQ(decoded->size(), cv::Size(301, 37)) << c.ext;
    }
  }
  // Lossless WebP (VP8L) has its own header layout.
  std::vector<uchar> lossless;
  ASSERT_TRUE(cv::imencode(".webp", cv::Mat(9, 1000, CV_8UC3, cv::Scalar(1, 2, 3)), lossless,
                           {cv::IMWRITE_WEBP_QUALITY, 101}));
  const auto header = vision::read_image_header(lossless);
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->width, 1000u);
  EXPECT_EQ(header->height, 9u);
}

// The service's /classify decodes uploads the same way: a bomb is a 413 naming the size.
TEST(ImageLimits, ServeClassifyRefusesABomb) {
  serve_testing::RunningServer server(serve_testing::mobilenet_options());
  auto client = server.client();
  auto answer = client.Post("/v2/models/mnv2/classify", png_bomb(30000, 30000), "image/png");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 413);
  EXPECT_EQ(nlohmann::json::parse(answer->body)["error"],
            "the uploaded image: the PNG header declares 30000x30000 pixels, over the limit of "
            "134217728 pixels; not decoding it");
}

}  // namespace
}  // namespace fovea::testing
