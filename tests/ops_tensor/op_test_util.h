// Single-op graphs for the tensor-op tests: each argument is a run-time graph input, a graph
// constant, an omitted optional input, or (for inference-only tests) a declared shape.
#pragma once

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/graph.h"
#include "engine/ops/shape_inference.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {

struct OpArg {
  Tensor value;                     // empty with no `declared`: an omitted optional input
  bool constant = false;            // a graph constant rather than a run-time input
  std::optional<Shape> declared;    // graph input declared with this shape (may be dynamic)
  DType dtype = DType::kUndefined;  // with `declared`
};

inline OpArg feed(Tensor t) { return {std::move(t), false, std::nullopt, DType::kUndefined}; }
inline OpArg constant(Tensor t) { return {std::move(t), true, std::nullopt, DType::kUndefined}; }
inline OpArg omitted() { return {}; }
inline OpArg declared(DType dtype, Shape shape) { return {Tensor(), false, shape, dtype}; }

inline Tensor int32_tensor(const Shape& shape, const std::vector<int32_t>& values) {
  Tensor t(DType::kInt32, shape);
  std::memcpy(t.raw_data(), values.data(), std::min(values.size() * 4, t.byte_size()));
  return t;
}

inline Tensor bool_tensor(const Shape& shape, const std::vector<bool>& values) {
  Tensor t(DType::kBool, shape);
  for (size_t i = 0; i < values.size() && i < static_cast<size_t>(t.element_count()); ++i) {
    t.data<bool>()[i] = values[i];
  }
  return t;
}

// A graph holding one node of `op_type`; every output is a graph output. Not yet inferred.
inline Graph single_op_graph(const std::string& op_type, const std::vector<OpArg>& args,
                             const Attributes& attrs = {}, int n_outputs = 1) {
  Graph g;
  g.source = "test.onnx";
  g.opset = 17;
  Node node;
  node.name = "node";
  node.op_type = op_type;
  node.attrs = attrs;
  for (size_t i = 0; i < args.size(); ++i) {
    const OpArg& arg = args[i];
    if (arg.value.empty() && !arg.declared) {
      node.inputs.push_back(kNoValue);
      continue;
    }
    Value v;
    v.name = "in" + std::to_string(i);
    v.dtype = arg.declared ? arg.dtype : arg.value.dtype();
    v.shape = arg.declared ? *arg.declared : arg.value.shape();
    v.rank_known = true;
    if (arg.constant) v.constant = arg.value;
    const ValueId id = g.add_value(std::move(v));
    if (!arg.constant) g.inputs.push_back(id);
    node.inputs.push_back(id);
  }
  for (int i = 0; i < n_outputs; ++i) {
    Value v;
    v.name = "out" + std::to_string(i);
    node.outputs.push_back(g.add_value(std::move(v)));
    g.outputs.push_back(node.outputs.back());
  }
  g.nodes.push_back(std::move(node));
  return g;
}

// Infers the single-op graph; returns it (with output shapes filled in) or the error.
inline Result<Graph> infer_op(const std::string& op_type, const std::vector<OpArg>& args,
                              const Attributes& attrs = {}, int n_outputs = 1) {
  Graph g = single_op_graph(op_type, args, attrs, n_outputs);
  auto inferred = infer_shapes(g);
  if (!inferred.is_ok()) return inferred.status();
  return g;
}

// Runs the single-op graph on the reference backend; run-time inputs are fed in order.
inline Result<std::vector<Tensor>> run_op(const std::string& op_type,
                                          const std::vector<OpArg>& args,
                                          const Attributes& attrs = {}, int n_outputs = 1) {
  std::vector<Tensor> feeds;
  for (const OpArg& arg : args) {
    if (!arg.constant && !arg.value.empty()) feeds.push_back(arg.value);
  }
  return run_graph(single_op_graph(op_type, args, attrs, n_outputs), "reference", feeds);
}

// The single output of a run that must succeed.
inline Tensor run_one(const std::string& op_type, const std::vector<OpArg>& args,
                      const Attributes& attrs = {}) {
  auto result = run_op(op_type, args, attrs);
  EXPECT_TRUE(result.is_ok()) << result.status().message();
  if (!result.is_ok() || result->empty()) return Tensor();
  return (*result)[0];
}

}  // namespace fovea::testing
