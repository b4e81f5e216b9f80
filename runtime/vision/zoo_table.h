// models/zoo.tsv: the ONNX model-zoo files Fovea knows by name, where to download them, their
// SHA-256 and the preprocessing preset each needs. Read by `fovea classify` to pick a preset
// for a known file name, and by models/download_models.sh.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace fovea::vision {

struct ZooEntry {
  std::string file;  // "resnet50-v2-7.onnx"
  std::string url;
  std::string sha256;  // "-" when no checksum is known (the download script refuses those)
  int64_t bytes = 0;
  std::string preset;  // "imagenet" or "caffe"
  int crop = 224;
};

// Tab-separated, '#' comments, header line "file url sha256 bytes preset crop".
Result<std::vector<ZooEntry>> read_zoo_table(const std::string& path);

// The entry whose file name equals the base name of `model_path`; null when none.
const ZooEntry* find_zoo_entry(const std::vector<ZooEntry>& entries, const std::string& model_path);

}  // namespace fovea::vision
