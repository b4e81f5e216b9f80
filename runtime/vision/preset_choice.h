// Which preprocessing a model needs: explicit flags first, then what the model says about
// itself (metadata_props), then the model-zoo table for known file names, then heuristics
// (a doc string naming Caffe, a 227×227 input as in BVLC AlexNet), then ImageNet's default.
// The choice carries its reason so the CLI can print which preset was used and why.
#pragma once

#include <string>
#include <vector>

#include "runtime/vision/model_metadata.h"
#include "runtime/vision/preprocess.h"
#include "runtime/vision/zoo_table.h"

namespace fovea::vision {

struct PresetFlags {
  std::string preset;       // "imagenet", "caffe" or empty: choose automatically
  std::vector<float> mean;  // three values in the model's channel order, or empty
  std::vector<float> std;
  int size = 0;      // short side after resizing; 0: the preset's
  int crop = 0;      // 0: the model's input size
  bool bgr = false;  // feed BGR whatever the preset says
  float scale = 0;   // pixel multiplier; 0: the preset's
};

struct ModelFacts {
  std::string path;
  ModelMetadata metadata;
  const ZooEntry* zoo = nullptr;  // the zoo table's row for this file name, if any
  int input_height = 0;           // 0 where the model leaves it dynamic
  int input_width = 0;
};

struct PresetChoice {
  Preprocessing preprocessing;
  std::string reason;  // "from the model zoo table", "--preset", ...
};

Result<PresetChoice> choose_preprocessing(const ModelFacts& model, const PresetFlags& flags);

}  // namespace fovea::vision
