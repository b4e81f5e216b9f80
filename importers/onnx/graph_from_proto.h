// GraphProto → Graph: values, constants (initializers and Constant nodes), nodes with
// canonical attributes and inputs. Internal to the importer (onnx_importer.cpp calls it after
// checking opsets and operator support).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>

#include "engine/core/graph.h"
#include "importers/onnx/tensor_proto.h"

namespace fovea {

// Builds the graph (not yet sorted or shape-inferred). Initializer data is released from
// `proto` as it is copied, so weights are held once. `from.source` names the model.
Result<Graph> graph_from_proto(onnx::GraphProto& proto, int64_t opset, const TensorSource& from);

// After shape inference: graph outputs whose dtype or shape inference could not settle take
// the types the model declares for them (what inference found always wins).
Status apply_declared_output_types(const onnx::GraphProto& proto, Graph& graph);

// The names nodes get in the graph: their own, or "<OpType>_<index>" when unnamed, made
// unique by a suffix when two collide.
std::vector<std::string> node_names(const onnx::GraphProto& proto);

// Declared type of a graph input: dtype, shape with dim_param/absent dims as kDynamicDim,
// rank_known = false when no shape is given.
Status value_from_type(const onnx::ValueInfoProto& info, const std::string& source, Value& value);

}  // namespace fovea
