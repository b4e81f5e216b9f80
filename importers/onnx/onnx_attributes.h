// NodeProto attributes → the engine's typed Attributes, schema type checks, and the value of
// a Constant node.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "engine/core/attributes.h"
#include "engine/core/graph.h"
#include "engine/ops/op_schema.h"
#include "importers/onnx/tensor_proto.h"

namespace fovea {

// Converts every attribute of a type the engine represents (int, float, string, their lists,
// tensor); others (graphs, sparse tensors, type protos) are left out, since no supported op
// reads them. `node_desc` ("node 'conv_1' (Conv)") names the node in messages,
// after `from.source`.
Result<Attributes> convert_attributes(const onnx::NodeProto& node, const std::string& node_desc,
                                      const TensorSource& from);

// Checks that each attribute listed in `schema` has the listed type:
// "model.onnx: node 'conv_1' (Conv): attribute 'group' must be int, got floats".
Status check_attribute_types(const Graph& graph, const Node& node, const OpSchema& schema);

// The tensor a Constant node produces (value, value_float(s), value_int(s));
// sparse_value and strings are unsupported.
Result<Tensor> constant_node_value(const onnx::NodeProto& node, const std::string& node_desc,
                                   const TensorSource& from);

}  // namespace fovea
