// ONNX importer: ModelProto (protobuf) → the engine's Graph.
//
// Reads the file with the ONNX package's generated protobuf classes, canonicalises every node
// to one form per op whatever its opset (canonicalize.cpp), turns initializers and Constant
// nodes into graph constants, loads external data, sorts nodes topologically and infers shapes
// with the batch dimension free. The protobuf copy is released before returning: the Graph
// holds the only copy of the weights.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/core/graph.h"
#include "engine/core/status.h"

namespace fovea {

struct ImportOptions {
  // Files larger than this are refused up front (protobuf itself stops at 2 GiB).
  int64_t max_model_bytes = int64_t{2} << 30;
  // Refuse any single tensor (initializer or external data) larger than this.
  int64_t max_tensor_bytes = int64_t{4} << 30;
};

// Imports a model file. Errors name the file, and the node where there is one; every
// unsupported (op, domain, opset) is listed in one error of code kUnsupported.
Result<Graph> import_onnx_file(const std::string& path, const ImportOptions& options = {});

// Imports serialized ModelProto bytes. `source` names the model in messages; external data is
// resolved relative to `base_dir` (empty: external data is refused).
Result<Graph> import_onnx_bytes(const void* data, size_t size, const std::string& source,
                                const std::string& base_dir, const ImportOptions& options = {});

}  // namespace fovea
