// Graph → ONNX ModelProto: the writer the fine-tuning command uses to save a backbone with its
// new head. It writes the importer's canonical forms, which are valid ONNX at opset 13 and
// later for the ops a CNN classifier uses; fused forms (engine/passes) have no ONNX spelling
// and are refused, so export a graph as imported, not a plan's optimized graph.
#pragma once

#include <map>
#include <string>

#include "engine/core/graph.h"
#include "engine/core/status.h"

namespace fovea {

struct ExportOptions {
  std::string graph_name = "fovea";
  std::string producer_name = "fovea";
  std::string producer_version = "0.1.0";
  std::string doc_string;
  std::map<std::string, std::string> metadata;  // metadata_props
  // Default-domain opset written; 0: the graph's, raised to 13 (the canonical forms' oldest).
  int64_t opset = 0;
};

// The serialized ModelProto. Initializers are the constants the nodes read; inputs and outputs
// carry their dtype and shape (a dynamic first dim is written as "N").
Result<std::string> export_onnx_bytes(const Graph& graph, const ExportOptions& options = {});

// Writes the model with write_file_atomic (engine/core/atomic_file.h): never half-written, and
// an existing file is an error unless `force`.
Status write_onnx_file(const std::string& path, const Graph& graph,
                       const ExportOptions& options = {}, bool force = false);

}  // namespace fovea
