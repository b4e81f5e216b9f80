// OpSchema: everything the engine knows about one ONNX operator, kept in the op's own file
// (engine/ops/<op>.cpp): the attributes it reads, its input/output arity, shape inference and
// the plain reference forward. engine/ops/op_registry.cpp lists them all in one table.
//
// Nodes reach the ops in *canonical form*: the importer rewrites opset differences away
// (engine/ops/README.md lists each rewrite), so an op implements one semantics only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/core/graph.h"
#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace fovea {

// What shape inference knows about one input: its type, its (possibly partly dynamic) shape and,
// when it is a constant or was computed from constants, its value.
struct ValueInfo {
  DType dtype = DType::kUndefined;
  Shape shape;
  bool rank_known = false;
  const Tensor* value = nullptr;  // null unless known before run time
};

struct InferContext {
  const Graph* graph = nullptr;   // for describe_node() in errors; may be null in unit tests
  const Node* node = nullptr;
  std::vector<ValueInfo> inputs;  // one per node input; dtype kUndefined for an omitted one
  std::vector<ValueInfo> outputs; // filled in by the op (dtype, shape, rank_known = true)
  // Optional: output values an op can compute from input shapes alone (Shape of a static
  // input), so shape subgraphs fold before run time. Empty entries mean "not known".
  std::vector<Tensor> known_outputs;

  bool has_input(size_t i) const {
    return i < inputs.size() && inputs[i].dtype != DType::kUndefined;
  }
  // Builds an invalid-argument error prefixed with the file and node.
  Status error(const std::string& message) const;
  // Builds an unsupported error (e.g. a dtype the op does not implement) with the same prefix.
  Status unsupported_error(const std::string& message) const;
  // Sets output i.
  void set_output(size_t i, DType dtype, Shape shape);
};

// Shape and dtype inference. Must not assume static shapes: batch dims may be kDynamicDim.
// When a needed input value (e.g. Reshape's target) is unknown, the op leaves the affected
// dims dynamic (or the rank unknown) instead of failing; the plan re-runs inference at run
// time with every value known.
using InferFn = Status (*)(InferContext& ctx);

// The plain reference forward. `outputs` arrive allocated with the inferred static shapes.
// Must be obviously correct rather than fast: it is the oracle for every other backend.
using ReferenceFn = Status (*)(const Node& node, std::span<const Tensor> inputs,
                               std::span<Tensor> outputs);

struct AttrSpec {
  const char* name;
  AttrType type;
};

struct OpSchema {
  const char* type = "";           // ONNX op_type in the default domain
  int since_opset = 1;             // earliest default-domain opset the op exists in
  int min_inputs = 1;
  int max_inputs = 1;
  int min_outputs = 1;
  int max_outputs = 1;
  // Canonical-form attributes: a listed one of another type is an import error; attributes
  // not listed are ignored (old opsets carry some that no longer mean anything).
  std::vector<AttrSpec> attributes;
  InferFn infer = nullptr;
  ReferenceFn reference = nullptr;
};

}  // namespace fovea
