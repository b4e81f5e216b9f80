#include "engine/ops/shape_inference.h"

#include "engine/ops/op_registry.h"

namespace fovea {
namespace {

bool all_inputs_known(const std::vector<ValueInfo>& inputs, const Node& node) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (node.inputs[i] != kNoValue && inputs[i].value == nullptr) return false;
  }
  return true;
}

// Evaluates a node whose inputs are all known, when its outputs are small.
Status fold_node(const Node& node, const OpSchema& schema, const std::vector<ValueInfo>& inputs,
                 const std::vector<ValueInfo>& outputs, int64_t max_elements,
                 std::vector<Tensor>& known_values) {
  std::vector<Tensor> in;
  in.reserve(inputs.size());
  for (const ValueInfo& info : inputs) in.push_back(info.value ? *info.value : Tensor());
  std::vector<Tensor> out;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const auto count = element_count(outputs[i].shape);
    if (!outputs[i].rank_known || !count || *count > max_elements) return Status::ok();
    out.push_back(Tensor(outputs[i].dtype, outputs[i].shape));
  }
  FOVEA_RETURN_IF_ERROR(schema.reference(node, in, out));
  for (size_t i = 0; i < out.size(); ++i) {
    if (node.outputs[i] != kNoValue) known_values[static_cast<size_t>(node.outputs[i])] = out[i];
  }
  return Status::ok();
}

}  // namespace

Status infer_node(const Graph& graph, const Node& node, std::vector<ValueInfo>& inputs,
                  std::vector<ValueInfo>& outputs, std::vector<Tensor>* known_outputs) {
  const std::string where = graph.describe_node(node);
  if (!node.domain.empty() && node.domain != "ai.onnx") {
    return unsupported(where + ": domain '" + node.domain + "' is not supported");
  }
  const OpSchema* schema = find_op(node.op_type);
  if (schema == nullptr) return unsupported(where + ": operator is not supported");
  const auto n_in = static_cast<int>(node.inputs.size());
  const auto n_out = static_cast<int>(node.outputs.size());
  if (n_in < schema->min_inputs || n_in > schema->max_inputs) {
    return invalid_argument(where + ": expects " + std::to_string(schema->min_inputs) + " to " +
                            std::to_string(schema->max_inputs) + " inputs, got " +
                            std::to_string(n_in));
  }
  if (n_out < schema->min_outputs || n_out > schema->max_outputs) {
    return invalid_argument(where + ": expects " + std::to_string(schema->min_outputs) + " to " +
                            std::to_string(schema->max_outputs) + " outputs, got " +
                            std::to_string(n_out));
  }
  for (int i = 0; i < schema->min_inputs; ++i) {
    if (node.inputs[static_cast<size_t>(i)] == kNoValue) {
      return invalid_argument(where + ": required input " + std::to_string(i) + " is missing");
    }
  }
  InferContext ctx;
  ctx.graph = &graph;
  ctx.node = &node;
  ctx.inputs = inputs;
  ctx.outputs.assign(node.outputs.size(), ValueInfo{});
  FOVEA_RETURN_IF_ERROR(schema->infer(ctx));
  ctx.outputs.resize(node.outputs.size());
  // A shape whose element count overflows int64 (a broken or hostile model) stops here, so no
  // later size computation can wrap around into a small allocation.
  for (const ValueInfo& out : ctx.outputs) {
    if (out.rank_known && is_static(out.shape) && !element_count(out.shape)) {
      return Status(StatusCode::kOutOfRange, where + ": output shape " +
                                                 shape_to_string(out.shape) +
                                                 " has more elements than int64 can count");
    }
  }
  outputs = std::move(ctx.outputs);
  if (known_outputs != nullptr) {
    ctx.known_outputs.resize(node.outputs.size());
    *known_outputs = std::move(ctx.known_outputs);
  }
  return Status::ok();
}

Result<InferResult> infer_shapes(Graph& graph, const InferOptions& options) {
  InferResult result;
  result.known_values.resize(graph.values.size());
  for (size_t v = 0; v < graph.values.size(); ++v) {
    if (graph.values[v].is_constant()) result.known_values[v] = graph.values[v].constant;
  }
  for (ValueId id : graph.inputs) {
    Value& input = graph.value(id);
    if (auto it = options.input_shapes.find(input.name); it != options.input_shapes.end()) {
      if (input.rank_known && input.shape.size() != it->second.size()) {
        return invalid_argument("input '" + input.name + "': expected rank " +
                                std::to_string(input.shape.size()) + " " +
                                shape_to_string(input.shape) + ", got " +
                                shape_to_string(it->second));
      }
      input.shape = it->second;
      input.rank_known = true;
    }
    if (auto it = options.input_values.find(input.name); it != options.input_values.end()) {
      result.known_values[static_cast<size_t>(id)] = it->second;
    }
  }

  for (const Node& node : graph.nodes) {
    std::vector<ValueInfo> inputs(node.inputs.size());
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ValueId id = node.inputs[i];
      if (id == kNoValue) continue;
      const Value& v = graph.value(id);
      const Tensor& known = result.known_values[static_cast<size_t>(id)];
      inputs[i] = ValueInfo{v.dtype, v.shape, v.rank_known, known.empty() ? nullptr : &known};
    }
    std::vector<ValueInfo> outputs;
    std::vector<Tensor> known_outputs;
    FOVEA_RETURN_IF_ERROR(infer_node(graph, node, inputs, outputs, &known_outputs));
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] == kNoValue) continue;
      Value& out = graph.value(node.outputs[i]);
      out.dtype = outputs[i].dtype;
      out.shape = outputs[i].shape;
      out.rank_known = outputs[i].rank_known;
      if (!known_outputs[i].empty()) {
        result.known_values[static_cast<size_t>(node.outputs[i])] = known_outputs[i];
      }
    }
    if (all_inputs_known(inputs, node)) {
      FOVEA_RETURN_IF_ERROR(fold_node(node, *find_op(node.op_type), inputs, outputs,
                                      options.max_folded_elements, result.known_values));
    }
  }
  return result;
}

}  // namespace fovea
