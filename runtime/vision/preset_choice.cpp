#include "runtime/vision/preset_choice.h"

#include <algorithm>
#include <cctype>

namespace fovea::vision {
namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A preset named in metadata_props under one of the keys converters use for it.
std::string preset_from_properties(const ModelMetadata& metadata) {
  for (const char* key : {"fovea.preprocessing", "preprocessing", "preprocess", "preset"}) {
    auto it = metadata.properties.find(key);
    if (it == metadata.properties.end()) continue;
    const std::string value = lowercase(it->second);
    if (value.find("caffe") != std::string::npos) return "caffe";
    if (value.find("imagenet") != std::string::npos) return "imagenet";
  }
  return "";
}

}  // namespace

Result<PresetChoice> choose_preprocessing(const ModelFacts& model, const PresetFlags& flags) {
  if (model.input_height > 0 && model.input_width > 0 && model.input_height != model.input_width) {
    return unsupported(model.path + ": input " + std::to_string(model.input_height) + "x" +
                       std::to_string(model.input_width) +
                       " is not square; only square center crops are supported");
  }
  int crop = flags.crop > 0 ? flags.crop : model.input_height;
  if (flags.crop > 0 && model.input_height > 0 && flags.crop != model.input_height) {
    return invalid_argument("--crop " + std::to_string(flags.crop) + " does not match " +
                            model.path + "'s input size " + std::to_string(model.input_height));
  }

  std::string name;
  std::string reason;
  const std::string from_properties = preset_from_properties(model.metadata);
  if (!flags.preset.empty()) {
    name = flags.preset;
    reason = "--preset";
  } else if (!from_properties.empty()) {
    name = from_properties;
    reason = "from the model's metadata";
  } else if (model.zoo != nullptr) {
    name = model.zoo->preset;
    reason = "from models/zoo.tsv for " + model.zoo->file;
    if (crop <= 0) crop = model.zoo->crop;
  } else if (lowercase(model.metadata.doc_string).find("caffe") != std::string::npos) {
    name = "caffe";
    reason = "the model's doc string names Caffe";
  } else if (model.input_height == 227) {
    name = "caffe";
    reason = "a 227x227 input, as in Caffe's AlexNet";
  } else {
    name = "imagenet";
    reason = "the default";
  }
  if (crop <= 0) crop = 224;
  FOVEA_ASSIGN_OR_RETURN(Preprocessing pre, preset_by_name(name, crop));

  // Explicit values override the preset's, one by one.
  bool customised = false;
  if (!flags.mean.empty() || !flags.std.empty()) {
    if ((!flags.mean.empty() && flags.mean.size() != 3) ||
        (!flags.std.empty() && flags.std.size() != 3)) {
      return invalid_argument("--mean and --std take three values (one per channel)");
    }
    if (!flags.mean.empty()) std::copy(flags.mean.begin(), flags.mean.end(), pre.mean.begin());
    if (!flags.std.empty()) std::copy(flags.std.begin(), flags.std.end(), pre.std.begin());
    if (std::any_of(pre.std.begin(), pre.std.end(), [](float s) { return s == 0.0f; })) {
      return invalid_argument("--std values must be non-zero");
    }
    customised = true;
  }
  if (flags.size > 0) {
    if (flags.size < pre.crop) {
      return invalid_argument("--size " + std::to_string(flags.size) +
                              " is smaller than the crop " + std::to_string(pre.crop));
    }
    pre.resize = flags.size;
    customised = true;
  }
  if (flags.bgr && !pre.bgr) {
    pre.bgr = true;
    customised = true;
  }
  if (flags.scale > 0) {
    pre.scale = flags.scale;
    customised = true;
  }
  if (customised) {
    pre.name += "+flags";
    reason += ", adjusted by flags";
  }
  return PresetChoice{pre, reason};
}

}  // namespace fovea::vision
