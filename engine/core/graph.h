// The engine's graph IR: values (typed, shaped edges), nodes (ops with typed attributes) and
// constants (initializers), independent of ONNX's protobuf classes. The importer builds it;
// passes rewrite it; the plan compiles it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/attributes.h"
#include "engine/core/dtype.h"
#include "engine/core/shape.h"
#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace fovea {

using ValueId = int32_t;
inline constexpr ValueId kNoValue = -1;  // an omitted optional input or output

struct Value {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape;              // dims may be kDynamicDim
  bool rank_known = false;  // false: nothing is known about the shape yet
  Tensor constant;          // non-empty for initializers and folded constants
  // A constant whose data was handed over to the kernels that use it (a plan's copy of the
  // graph after preparing, or the executor's graph under PlanOptions::release_constants):
  // still a constant, but `constant` is empty.
  bool constant_released = false;
  bool is_constant() const { return !constant.empty() || constant_released; }
};

struct Node {
  std::string name;     // unique within the graph (the importer names unnamed nodes)
  std::string op_type;  // "Conv", "Relu", ...
  std::string domain;   // "" for the default ONNX domain
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  Attributes attrs;

  ValueId input(size_t i) const { return i < inputs.size() ? inputs[i] : kNoValue; }
  bool has_input(size_t i) const { return input(i) != kNoValue; }
};

class Graph {
 public:
  std::string source;  // the model file, for error messages ("model.onnx")
  int64_t opset = 0;   // default-domain opset the model imports
  std::vector<Value> values;
  std::vector<Node> nodes;      // kept in topological order
  std::vector<ValueId> inputs;  // run-time inputs (initializers excluded)
  std::vector<ValueId> outputs;

  // Adds a value; its name must be new (empty names get a generated one).
  ValueId add_value(Value value);
  // Adds a constant named `base`, or `base_1`, `base_2`, ... when that name is taken.
  ValueId add_constant(const std::string& base, Tensor value);
  // kNoValue when absent.
  ValueId find_value(const std::string& name) const;
  Value& value(ValueId id) { return values[static_cast<size_t>(id)]; }
  const Value& value(ValueId id) const { return values[static_cast<size_t>(id)]; }

  // Drops a constant's data, keeping its name, dtype and shape (Value::constant_released).
  void release_constant(ValueId id);

  // For each value, the indices of the nodes that read it.
  std::vector<std::vector<size_t>> consumers() const;
  // For each value, the index of the node that writes it (or -1 for inputs and constants).
  std::vector<int64_t> producers() const;
  bool is_graph_output(ValueId id) const;

  // Reorders nodes so each runs after its producers; an error naming a node on the cycle
  // if there is one, or naming a node that reads a value nothing defines.
  Status topological_sort();

  // "model.onnx: node 'conv_7' (Conv)" — the prefix of every error about a node.
  std::string describe_node(const Node& node) const;

  // Rebuilds the name index after values were edited in place (passes call this).
  void reindex();

 private:
  std::unordered_map<std::string, ValueId> index_;
};

}  // namespace fovea
