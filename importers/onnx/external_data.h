// External tensor data (TensorProto.data_location == EXTERNAL): the bytes live in a file beside
// the model, named by the `location`, `offset` and `length` entries of `external_data`.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/core/status.h"

namespace fovea {

struct ExternalDataRef {
  std::string location;  // as written in the model, relative to the model's folder
  int64_t offset = 0;
  int64_t length = -1;  // -1: to the end of the file
};

// Reads the location/offset/length entries; errors on malformed numbers or a missing location.
// `where` prefixes messages ("model.onnx: initializer 'w'").
Result<ExternalDataRef> parse_external_data(const onnx::TensorProto& proto,
                                            const std::string& where);

// Reads exactly `byte_count` bytes of `ref` into `dst`. The location is resolved against
// `base_dir`; absolute paths and paths leaving base_dir (after resolving "..", symlinks) are
// refused. `source` names the model; `where` names the tensor. With `dst` null, only checks
// that the read would succeed (so callers can refuse before allocating).
Status read_external_data(const ExternalDataRef& ref, const std::string& base_dir,
                          const std::string& source, const std::string& where, void* dst,
                          size_t byte_count);

}  // namespace fovea
