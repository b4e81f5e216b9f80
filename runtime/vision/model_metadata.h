// The few top-level ModelProto fields that describe a model to its users (doc_string and
// metadata_props), read without parsing the graph: the protobuf wire format is walked field by
// field and the graph's bytes are skipped, so this is cheap even for a 500 MB VGG.
#pragma once

#include <map>
#include <string>

#include "engine/core/status.h"

namespace fovea::vision {

struct ModelMetadata {
  std::string doc_string;
  std::map<std::string, std::string> properties;  // metadata_props key → value
};

Result<ModelMetadata> read_model_metadata(const std::string& path);

}  // namespace fovea::vision
