// Graph-wide shape and dtype inference with constant-value propagation.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/core/graph.h"
#include "engine/core/status.h"
#include "engine/ops/op_schema.h"

namespace fovea {

struct InferOptions {
  // Concrete shapes for graph inputs by name; inputs not listed keep their declared shapes
  // (with the batch dimension dynamic unless the model fixes it).
  std::map<std::string, Shape> input_shapes;
  // Values of graph inputs known before running (rare: e.g. an int64 shape input in a
  // conformance test); lets shape-computing nodes be evaluated.
  std::map<std::string, Tensor> input_values;
  // Nodes whose inputs are all known are evaluated with the reference kernel when their
  // output has at most this many elements (shape subgraphs, small constants).
  int64_t max_folded_elements = 1 << 16;
};

struct InferResult {
  // Per value: the value when known before run time (constants, and whatever was computed
  // from constants and known shapes); empty tensors elsewhere.
  std::vector<Tensor> known_values;
};

// Infers dtype and shape of every value in `graph` (writing Value::dtype/shape/rank_known).
// Errors name the file and node. Nodes must be in topological order.
Result<InferResult> infer_shapes(Graph& graph, const InferOptions& options = {});

// Runs one node's inference; used by infer_shapes() and by the plan at run time for nodes
// whose output shapes depend on run-time values.
// `known_outputs`, when given, receives values the op computed from shapes alone.
Status infer_node(const Graph& graph, const Node& node, std::vector<ValueInfo>& inputs,
                  std::vector<ValueInfo>& outputs, std::vector<Tensor>* known_outputs = nullptr);

}  // namespace fovea
