#include "importers/onnx/canonicalize.h"

#include <cstring>

namespace fovea {
namespace {

Tensor float_scalar(float value) {
  Tensor t(DType::kFloat32, {});
  *t.data<float>() = value;
  return t;
}

// Moves an ints attribute `axes` into input 1 as an int64 constant (when present).
Status axes_attr_to_input(Graph& graph, Node& node) {
  FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "axes", AttrType::kInts));
  if (!node.attrs.has("axes")) return Status::ok();
  const std::vector<int64_t> axes = node.attrs.get_ints("axes");
  node.attrs.erase("axes");
  node.inputs.resize(1);
  set_input(node, 1, graph.add_constant(node.name + "_axes", int64_vector(axes)));
  return Status::ok();
}

}  // namespace

Status expect_attr_type(const Graph& graph, const Node& node, const std::string& name,
                        AttrType type) {
  auto it = node.attrs.all().find(name);
  if (it == node.attrs.all().end() || attr_type_of(it->second) == type) return Status::ok();
  return invalid_argument(graph.describe_node(node) + ": attribute '" + name + "' must be " +
                          attr_type_name(type) + ", got " +
                          attr_type_name(attr_type_of(it->second)));
}

Tensor int64_vector(const std::vector<int64_t>& values) {
  Tensor t(DType::kInt64, {static_cast<int64_t>(values.size())});
  if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(int64_t));
  return t;
}

void set_input(Node& node, size_t index, ValueId id) {
  if (node.inputs.size() <= index) node.inputs.resize(index + 1, kNoValue);
  node.inputs[index] = id;
}

// Opset < 11: attributes min, max (float) → constant inputs 1 and 2.
Status canonicalize_clip(Graph& graph, Node& node, int64_t opset) {
  if (opset >= 11) return Status::ok();
  FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "min", AttrType::kFloat));
  FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "max", AttrType::kFloat));
  node.inputs.resize(1);
  const char* const bounds[] = {"min", "max"};
  for (size_t i = 0; i < 2; ++i) {
    if (!node.attrs.has(bounds[i])) continue;
    const float bound = node.attrs.get_float(bounds[i], 0.0f);
    node.attrs.erase(bounds[i]);
    set_input(node, i + 1, graph.add_constant(node.name + "_" + bounds[i], float_scalar(bound)));
  }
  return Status::ok();
}

// Opset < 13: default axis 1 with the coerce-to-2D semantics; from 13: default axis -1.
Status canonicalize_softmax(Graph& graph, Node& node, int64_t opset) {
  FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "axis", AttrType::kInt));
  if (opset < 13) {
    node.attrs.set("axis", node.attrs.get_int("axis", 1));
    node.attrs.set("coerce_2d", int64_t{1});
  } else {
    node.attrs.set("axis", node.attrs.get_int("axis", -1));
    node.attrs.erase("coerce_2d");  // not an ONNX attribute; never let a model set it
  }
  return Status::ok();
}

// Opset < 13: attribute axes → constant int64 input.
Status canonicalize_squeeze(Graph& graph, Node& node, int64_t opset) {
  if (opset >= 13) return Status::ok();
  return axes_attr_to_input(graph, node);
}

// Opset < 18: attribute axes → constant int64 input (keepdims stays an attribute).
Status canonicalize_reduce_mean(Graph& graph, Node& node, int64_t opset) {
  if (opset >= 18) return Status::ok();
  node.attrs.erase("noop_with_empty_axes");  // only exists from 18; absent axes mean "all"
  return axes_attr_to_input(graph, node);
}

// Opset < 11: attributes pads (ints) and value (float) → inputs; mode stays.
Status canonicalize_pad(Graph& graph, Node& node, int64_t opset) {
  if (opset >= 11) return Status::ok();
  FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "pads", AttrType::kInts));
  FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "value", AttrType::kFloat));
  if (!node.attrs.has("pads")) {
    return invalid_argument(graph.describe_node(node) +
                            ": attribute 'pads' is required before opset 11");
  }
  const std::vector<int64_t> pads = node.attrs.get_ints("pads");
  const float value = node.attrs.get_float("value", 0.0f);
  node.attrs.erase("pads");
  node.attrs.erase("value");
  node.inputs.resize(1);
  set_input(node, 1, graph.add_constant(node.name + "_pads", int64_vector(pads)));
  // The default constant_value is 0 of the data's type; only a non-zero fill needs an input
  // (float32, the one type the engine pads).
  if (value != 0.0f) {
    set_input(node, 2, graph.add_constant(node.name + "_value", float_scalar(value)));
  }
  return Status::ok();
}

// Opset < 12: attribute ratio only matters in training; inference drops it (and is_test).
Status canonicalize_dropout(Graph& graph, Node& node, int64_t opset) {
  if (opset >= 12) return Status::ok();
  node.attrs.erase("ratio");
  node.attrs.erase("is_test");
  return Status::ok();
}

// is_test and consumed_inputs are leftovers of opsets < 7 (canonicalize_legacy.cpp reads is_test
// first); spatial (opsets 7, 8) is kept.
Status canonicalize_batch_norm(Graph& graph, Node& node, int64_t opset) {
  node.attrs.erase("is_test");
  node.attrs.erase("consumed_inputs");
  if (opset >= 9) node.attrs.erase("spatial");
  return Status::ok();
}

Status canonicalize_node(Graph& graph, Node& node, int64_t opset) {
  if (opset < 7) FOVEA_RETURN_IF_ERROR(canonicalize_legacy_node(graph, node, opset));
  const std::string& op = node.op_type;
  if (op == "Clip") return canonicalize_clip(graph, node, opset);
  if (op == "Softmax" || op == "LogSoftmax") return canonicalize_softmax(graph, node, opset);
  if (op == "Squeeze" || op == "Unsqueeze") return canonicalize_squeeze(graph, node, opset);
  if (op == "ReduceMean") return canonicalize_reduce_mean(graph, node, opset);
  if (op == "Pad") return canonicalize_pad(graph, node, opset);
  if (op == "Dropout") return canonicalize_dropout(graph, node, opset);
  if (op == "BatchNormalization") return canonicalize_batch_norm(graph, node, opset);
  return Status::ok();
}

}  // namespace fovea
