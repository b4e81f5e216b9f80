// Fuzz target: image bytes → load_image (the header's size checked against a pixel limit, OpenCV
// decoding, the conversion to 8-bit BGR) → the preprocessing classify runs (resize, center crop,
// normalisation into an NCHW batch). load_image reads a path, so each input is written to one
// scratch file first.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/vision/image_header.h"
#include "runtime/vision/image_io.h"
#include "runtime/vision/preprocess.h"

namespace {

std::string scratch_path;

}  // namespace

// load_image's own limit bounds the decoders' allocations; OpenCV's (2^30 pixels) is left as it
// is, so that a header the two read differently shows up as an oversized image or an OOM.
constexpr uint64_t kMaxPixels = 4 << 20;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("OPENCV_LOG_LEVEL", "SILENT", 1);  // each broken header would print a warning
  const char* dir = std::getenv("TMPDIR");
  scratch_path =
      std::string(dir ? dir : "/tmp") + "/fovea-fuzz-image-" + std::to_string(::getpid()) + ".img";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fovea;
  FILE* file = std::fopen(scratch_path.c_str(), "wb");
  if (file == nullptr) __builtin_trap();
  if (size > 0 && std::fwrite(data, 1, size, file) != size) __builtin_trap();
  std::fclose(file);
  auto image = vision::load_image(scratch_path, kMaxPixels);
  if (!image.is_ok()) return 0;
  if (image->empty() || image->type() != CV_8UC3) __builtin_trap();  // load_image's contract
  // The size checked against the limit must be the size OpenCV decoded.
  const auto header = vision::read_image_header({data, size});
  if (!header || static_cast<uint64_t>(image->cols) != header->width ||
      static_cast<uint64_t>(image->rows) != header->height) {
    __builtin_trap();
  }
  // A small preset keeps each run fast; the geometry code is the same for 224.
  vision::Preprocessing pre = vision::imagenet_preset(16);
  pre.resize = 18;
  const cv::Mat view = vision::model_view(*image, pre);
  if (view.rows != pre.crop || view.cols != pre.crop) __builtin_trap();
  Tensor batch = vision::make_batch({view}, pre);
  if (batch.shape() != Shape{1, 3, pre.crop, pre.crop}) __builtin_trap();
  return 0;
}
