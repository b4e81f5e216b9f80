#include "importers/onnx/legacy_broadcast.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "engine/ops/shape_inference.h"
#include "importers/onnx/canonicalize.h"

namespace fovea {
namespace {

bool is_binary_op(const Node& node) {
  const std::string& op = node.op_type;
  return node.domain.empty() && (op == "Add" || op == "Sub" || op == "Mul" || op == "Div");
}

bool is_prelu(const Node& node) { return node.domain.empty() && node.op_type == "PRelu"; }

// A value named after `base`, unused so far, produced by an inserted node.
ValueId add_unique_value(Graph& graph, const std::string& base) {
  std::string name = base;
  for (int suffix = 1; graph.find_value(name) != kNoValue; ++suffix) {
    name = base + "_" + std::to_string(suffix);
  }
  Value value;
  value.name = name;
  return graph.add_value(std::move(value));
}

// Node names stay unique (the Graph contract); the importer named every node already.
std::string unique_node_name(const Graph& graph, const std::string& base) {
  auto taken = [&](const std::string& name) {
    return std::any_of(graph.nodes.begin(), graph.nodes.end(),
                       [&](const Node& node) { return node.name == name; });
  };
  std::string name = base;
  for (int suffix = 1; taken(name); ++suffix) name = base + "_" + std::to_string(suffix);
  return name;
}

// Replaces input `index` of node `node_index` by its reshape to `shape`: a new constant when
// the input is one, else the output of an inserted `op_type` node (Unsqueeze with `axes` or
// Reshape with `shape`), which is returned for the caller to place before the node.
std::optional<Node> reshape_input(Graph& graph, size_t node_index, size_t index, const Shape& shape,
                                  const std::string& op_type,
                                  const std::vector<int64_t>& second_input) {
  const ValueId id = graph.nodes[node_index].inputs[index];
  const std::string name = graph.value(id).name;
  if (graph.value(id).is_constant()) {
    const Tensor reshaped = graph.value(id).constant.reshaped(shape);
    graph.nodes[node_index].inputs[index] =
        graph.add_constant(name + "_legacy_broadcast", reshaped);
    return std::nullopt;
  }
  Node inserted;
  inserted.name = unique_node_name(graph, graph.nodes[node_index].name + "_legacy_" + op_type);
  inserted.op_type = op_type;
  const std::string suffix = op_type == "Unsqueeze" ? "_axes" : "_shape";
  inserted.inputs = {id, graph.add_constant(inserted.name + suffix, int64_vector(second_input))};
  const ValueId out = add_unique_value(graph, name + "_legacy_broadcast");
  inserted.outputs = {out};
  graph.nodes[node_index].inputs[index] = out;
  return inserted;
}

// Add/Sub/Mul/Div-1/6: broadcast = 1 aligns B's dims with A's from `axis` (suffix when
// absent); numpy aligns suffixes, so B gets rank(A) - axis - rank(B) trailing 1s.
Result<std::optional<Node>> rewrite_binary(Graph& graph, size_t index) {
  Node& node = graph.nodes[index];
  const int64_t broadcast = node.attrs.get_int("broadcast", 0);
  const bool has_axis = node.attrs.has("axis");
  const int64_t given_axis = node.attrs.get_int("axis", -1);
  int64_t axis = given_axis;
  node.attrs.erase("broadcast");
  node.attrs.erase("axis");
  if (!node.has_input(0) || !node.has_input(1)) return std::optional<Node>();
  const Value& a = graph.value(node.inputs[0]);
  const Value& b = graph.value(node.inputs[1]);
  const std::string where = graph.describe_node(node);
  if (broadcast == 0) {
    const bool both_static =
        a.rank_known && b.rank_known && is_static(a.shape) && is_static(b.shape);
    if (both_static && a.shape != b.shape) {
      return invalid_argument(where + ": inputs " + shape_to_string(a.shape) + " and " +
                              shape_to_string(b.shape) +
                              " differ, but broadcast = 0 (before opset 7) needs equal shapes");
    }
    return std::optional<Node>();
  }
  if (!has_axis || axis == -1) return std::optional<Node>();  // suffix alignment, as numpy
  if (!a.rank_known || !b.rank_known) {
    return unsupported(where + ": broadcast with axis = " + std::to_string(given_axis) +
                       " (before opset 7) needs the ranks of both inputs, unknown at import");
  }
  const auto rank_a = static_cast<int64_t>(a.shape.size());
  const auto rank_b = static_cast<int64_t>(b.shape.size());
  if (axis < 0) axis += rank_a;
  if (axis < 0 || axis + rank_b > rank_a) {
    return invalid_argument(where + ": broadcast axis " + std::to_string(given_axis) +
                            " does not fit input B " + shape_to_string(b.shape) + " into input A " +
                            shape_to_string(a.shape));
  }
  const int64_t trailing = rank_a - axis - rank_b;
  if (trailing == 0 || rank_b == 0) return std::optional<Node>();  // already numpy-aligned
  Shape shape = b.shape;
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < trailing; ++i) {
    shape.push_back(1);
    axes.push_back(rank_b + i);
  }
  return reshape_input(graph, index, 1, shape, "Unsqueeze", axes);
}

// PRelu-1/6: a slope of one element is shared, otherwise it holds one value per channel
// (axis 1 of X); numpy needs it shaped [C, 1, ..., 1] with rank(X) - 1 dims.
Result<std::optional<Node>> rewrite_prelu(Graph& graph, size_t index) {
  const Node& node = graph.nodes[index];
  if (!node.has_input(0) || !node.has_input(1)) return std::optional<Node>();
  const Value& x = graph.value(node.inputs[0]);
  const Value& slope = graph.value(node.inputs[1]);
  const std::string where = graph.describe_node(node);
  if (!x.rank_known) {
    return unsupported(where +
                       ": the per-channel slope of PRelu before opset 7 needs the rank "
                       "of X, unknown at import");
  }
  const auto rank_x = static_cast<int64_t>(x.shape.size());
  const int64_t channels = rank_x >= 2 ? x.shape[1] : 1;
  Shape shape(static_cast<size_t>(std::max<int64_t>(rank_x - 1, 1)), 1);
  if (!slope.is_constant()) {
    std::vector<int64_t> target(shape.begin(), shape.end());
    target[0] = -1;
    return reshape_input(graph, index, 1, shape, "Reshape", target);
  }
  const int64_t count = slope.constant.element_count();
  if (count != 1 && channels >= 0 && count != channels) {
    return invalid_argument(where + ": slope " + shape_to_string(slope.shape) + " has " +
                            std::to_string(count) + " elements; before opset 7 it holds 1 or " +
                            "one per channel (" + std::to_string(channels) + ")");
  }
  shape[0] = count;
  if (slope.shape == shape) return std::optional<Node>();
  return reshape_input(graph, index, 1, shape, "Reshape", {});
}

// Shape inference for one node, recording what it finds so later legacy nodes see ranks.
// Failures leave the outputs unknown: the full inference after this pass reports them.
void infer_ranks(Graph& graph, const Node& node, std::vector<Tensor>& known) {
  known.resize(graph.values.size());
  std::vector<ValueInfo> inputs(node.inputs.size());
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const ValueId id = node.inputs[i];
    if (id == kNoValue) continue;
    const Value& v = graph.value(id);
    const Tensor& value = v.is_constant() ? v.constant : known[static_cast<size_t>(id)];
    inputs[i] = ValueInfo{v.dtype, v.shape, v.rank_known, value.empty() ? nullptr : &value};
  }
  std::vector<ValueInfo> outputs;
  std::vector<Tensor> known_outputs;
  if (!infer_node(graph, node, inputs, outputs, &known_outputs).is_ok()) return;
  for (size_t i = 0; i < node.outputs.size() && i < outputs.size(); ++i) {
    if (node.outputs[i] == kNoValue) continue;
    Value& out = graph.value(node.outputs[i]);
    out.dtype = outputs[i].dtype;
    out.shape = outputs[i].shape;
    out.rank_known = outputs[i].rank_known;
    if (i < known_outputs.size()) known[static_cast<size_t>(node.outputs[i])] = known_outputs[i];
  }
}

}  // namespace

Status rewrite_legacy_broadcasting(Graph& graph) {
  if (graph.opset >= 7) return Status::ok();
  const bool any = std::any_of(graph.nodes.begin(), graph.nodes.end(), [](const Node& node) {
    return is_prelu(node) || is_binary_op(node);
  });
  if (!any) return Status::ok();
  std::vector<Tensor> known;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    std::optional<Node> inserted;
    if (is_binary_op(graph.nodes[i])) {
      FOVEA_ASSIGN_OR_RETURN(inserted, rewrite_binary(graph, i));
    } else if (is_prelu(graph.nodes[i])) {
      FOVEA_ASSIGN_OR_RETURN(inserted, rewrite_prelu(graph, i));
    }
    if (inserted) {
      graph.nodes.insert(graph.nodes.begin() + static_cast<std::ptrdiff_t>(i),
                         std::move(*inserted));
      infer_ranks(graph, graph.nodes[i], known);
      ++i;
    }
    infer_ranks(graph, graph.nodes[i], known);
  }
  return Status::ok();
}

}  // namespace fovea
