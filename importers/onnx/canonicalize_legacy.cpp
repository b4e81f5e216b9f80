// Opsets 1 to 6: attribute spellings that later opsets moved or dropped, rewritten into the
// canonical forms of engine/ops/README.md. Each difference follows the operator history in
// onnx/defs/*/old.cc.
#include <string>
#include <vector>

#include "importers/onnx/canonicalize.h"

namespace fovea {
namespace {

bool is_legacy_broadcast_op(const std::string& op) {
  return op == "Add" || op == "Sub" || op == "Mul" || op == "Div";
}

bool has_output(const Node& node, size_t index) {
  return node.outputs.size() > index && node.outputs[index] != kNoValue;
}

// Reshape-1: the target shape is the ints attribute `shape` (same 0 / -1 rules as later).
Status legacy_reshape(Graph& graph, Node& node) {
  FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "shape", AttrType::kInts));
  if (!node.attrs.has("shape")) {
    return invalid_argument(graph.describe_node(node) +
                            ": attribute 'shape' is required before opset 5");
  }
  const std::vector<int64_t> shape = node.attrs.get_ints("shape");
  node.attrs.erase("shape");
  node.inputs.resize(1);
  set_input(node, 1, graph.add_constant(node.name + "_shape", int64_vector(shape)));
  return Status::ok();
}

// BatchNormalization-1/6: is_test = 0 (the default) means training mode: normalise with the
// batch's statistics. Only Y is supported then (the old statistics outputs differ from
// opset 14's running_mean/running_var).
Status legacy_batch_norm(Graph& graph, Node& node) {
  FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "is_test", AttrType::kInt));
  const bool is_test = node.attrs.get_int("is_test", 0) != 0;
  node.attrs.erase("is_test");
  if (is_test) return Status::ok();
  for (size_t i = 1; i < node.outputs.size(); ++i) {
    if (has_output(node, i)) {
      return unsupported(graph.describe_node(node) +
                         ": training-mode BatchNormalization (is_test = 0 before opset 7) with "
                         "its statistics outputs is not supported");
    }
  }
  node.attrs.set("training_mode", int64_t{1});
  return Status::ok();
}

// Old Dropout's is_test defaults to 0 (training), but models exported for deployment rarely
// set it; like other inference engines (and like opsets 7-11, which have no switch), Fovea
// treats it as the identity. Training-mode dropout has random output and no use here.
Status legacy_dropout(Graph& graph, Node& node) {
  FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "is_test", AttrType::kInt));
  FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "ratio", AttrType::kFloat));
  node.attrs.erase("is_test");
  node.attrs.erase("ratio");
  node.inputs.resize(1);
  return Status::ok();
}

// Selu-1's defaults were rounded (alpha 1.6732, gamma 1.0507); later opsets use more digits.
Status legacy_selu(Graph& graph, Node& node) {
  FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "alpha", AttrType::kFloat));
  FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "gamma", AttrType::kFloat));
  if (!node.attrs.has("alpha")) node.attrs.set("alpha", 1.6732f);
  if (!node.attrs.has("gamma")) node.attrs.set("gamma", 1.0507f);
  return Status::ok();
}

}  // namespace

Status canonicalize_legacy_node(Graph& graph, Node& node, int64_t opset) {
  const std::string& op = node.op_type;
  // In-place hints of opsets < 6; no effect on the result.
  node.attrs.erase("consumed_inputs");
  if (is_legacy_broadcast_op(op)) {
    FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "broadcast", AttrType::kInt));
    return expect_attr_type(graph, node, "axis", AttrType::kInt);
  }
  if (op == "Gemm") {
    // broadcast = 1 let C broadcast (suffix-aligned, as numpy does); 0 required C to be
    // [M, N]. Both are special cases of opset 7's unidirectional broadcasting.
    FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "broadcast", AttrType::kInt));
    node.attrs.erase("broadcast");
    return Status::ok();
  }
  if (op == "Reshape" && opset < 5) return legacy_reshape(graph, node);
  if (op == "Concat" && opset < 4) {
    FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "axis", AttrType::kInt));
    node.attrs.set("axis", node.attrs.get_int("axis", 1));
    return Status::ok();
  }
  if (op == "Pad" && opset < 2) {
    // Pad-1 named `pads` `paddings` (same layout: all begins, then all ends).
    if (node.attrs.has("paddings")) {
      FOVEA_RETURN_IF_ERROR(expect_attr_type(graph, node, "paddings", AttrType::kInts));
      node.attrs.set("pads", node.attrs.get_ints("paddings"));
      node.attrs.erase("paddings");
    }
    return Status::ok();
  }
  if (op == "BatchNormalization") return legacy_batch_norm(graph, node);
  if (op == "Dropout") return legacy_dropout(graph, node);
  if (op == "Selu" && opset < 6) return legacy_selu(graph, node);
  return Status::ok();
}

int64_t oldest_importable_opset(const std::string& op_type, int64_t schema_since_opset) {
  static const char* const kRewritten[] = {"Add",   "Sub",    "Mul",    "Div",
                                           "PRelu", "Concat", "Reshape"};
  for (const char* op : kRewritten) {
    if (op_type == op) return 1;
  }
  return schema_since_opset;
}

}  // namespace fovea
