#include "importers/onnx/graph_from_proto.h"

#include <unordered_map>
#include <unordered_set>

#include "engine/ops/op_registry.h"
#include "importers/onnx/canonicalize.h"
#include "importers/onnx/onnx_attributes.h"

namespace fovea {
namespace {

void trim_trailing_omitted(std::vector<ValueId>& ids) {
  while (!ids.empty() && ids.back() == kNoValue) ids.pop_back();
}

// "node 'conv_1' (Conv)", as Graph::describe_node() writes it after the source.
std::string describe_proto_node(const std::string& name, const std::string& op) {
  return "node '" + name + "' (" + op + ")";
}

Status add_initializers(onnx::GraphProto& proto, const std::unordered_set<std::string>& used,
                        const TensorSource& from, Graph& graph) {
  for (onnx::TensorProto& init : *proto.mutable_initializer()) {
    const std::string& name = init.name();
    if (name.empty()) return invalid_argument(from.source + ": an initializer has no name");
    if (graph.find_value(name) != kNoValue) {
      return invalid_argument(from.source + ": initializer '" + name + "' is defined twice");
    }
    if (used.count(name) == 0) continue;  // unused weights are not worth holding
    FOVEA_ASSIGN_OR_RETURN(Tensor tensor,
                           take_tensor_from_proto(init, "initializer '" + name + "'", from));
    // Release the protobuf's copy, if one was made, as soon as the engine holds the data.
    std::string().swap(*init.mutable_raw_data());
    Value value;
    value.name = name;
    value.dtype = tensor.dtype();
    value.shape = tensor.shape();
    value.rank_known = true;
    value.constant = std::move(tensor);
    graph.add_value(std::move(value));
  }
  return Status::ok();
}

Status add_inputs(const onnx::GraphProto& proto, const std::string& source, Graph& graph) {
  std::unordered_set<std::string> initializer_names;
  for (const auto& init : proto.initializer()) initializer_names.insert(init.name());
  for (const onnx::ValueInfoProto& info : proto.input()) {
    if (initializer_names.count(info.name()) != 0) continue;  // a constant, not a run-time input
    if (info.name().empty()) return invalid_argument(source + ": a graph input has no name");
    if (graph.find_value(info.name()) != kNoValue) {
      return invalid_argument(source + ": graph input '" + info.name() + "' is declared twice");
    }
    Value value;
    FOVEA_RETURN_IF_ERROR(value_from_type(info, source, value));
    graph.inputs.push_back(graph.add_value(std::move(value)));
  }
  return Status::ok();
}

}  // namespace

std::vector<std::string> node_names(const onnx::GraphProto& proto) {
  std::vector<std::string> names;
  std::unordered_set<std::string> taken;
  for (int i = 0; i < proto.node_size(); ++i) {
    const onnx::NodeProto& node = proto.node(i);
    std::string base = node.name().empty() ? node.op_type() + "_" + std::to_string(i) : node.name();
    std::string name = base;
    for (int suffix = 1; taken.count(name) != 0; ++suffix) {
      name = base + "_" + std::to_string(suffix);
    }
    taken.insert(name);
    names.push_back(std::move(name));
  }
  return names;
}

Status value_from_type(const onnx::ValueInfoProto& info, const std::string& source, Value& value) {
  value.name = info.name();
  if (!info.has_type()) return Status::ok();  // type unknown until inference
  if (!info.type().has_tensor_type()) {
    return unsupported(source + ": '" + info.name() +
                       "' is not a tensor (sequences, maps and optionals are not supported)");
  }
  const auto& tensor_type = info.type().tensor_type();
  value.dtype = dtype_from_onnx(tensor_type.elem_type());
  if (!tensor_type.has_shape()) return Status::ok();
  value.rank_known = true;
  for (const auto& dim : tensor_type.shape().dim()) {
    if (dim.has_dim_value() && dim.dim_value() < 0) {
      return invalid_argument(source + ": '" + info.name() + "' has a negative dimension (" +
                              std::to_string(dim.dim_value()) + ")");
    }
    value.shape.push_back(dim.has_dim_value() ? dim.dim_value() : kDynamicDim);
  }
  return Status::ok();
}

Result<Graph> graph_from_proto(onnx::GraphProto& proto, int64_t opset, const TensorSource& from) {
  const std::string& source = from.source;
  Graph graph;
  graph.source = source;
  graph.opset = opset;

  std::unordered_set<std::string> used;
  for (const auto& node : proto.node()) {
    for (const auto& in : node.input()) used.insert(in);
  }
  for (const auto& out : proto.output()) used.insert(out.name());
  FOVEA_RETURN_IF_ERROR(add_initializers(proto, used, from, graph));
  FOVEA_RETURN_IF_ERROR(add_inputs(proto, source, graph));

  // Pass 1: every node's outputs (and Constant nodes' values), so inputs may refer forward.
  const std::vector<std::string> names = node_names(proto);
  std::unordered_map<std::string, std::string> producer_of;  // value → node name
  std::vector<std::vector<ValueId>> outputs(static_cast<size_t>(proto.node_size()));
  for (int i = 0; i < proto.node_size(); ++i) {
    const onnx::NodeProto& node = proto.node(i);
    const std::string node_desc = describe_proto_node(names[i], node.op_type());
    const std::string where = source + ": " + node_desc;
    for (const std::string& out : node.output()) {
      if (out.empty()) {
        outputs[i].push_back(kNoValue);
        continue;
      }
      if (auto it = producer_of.find(out); it != producer_of.end()) {
        return invalid_argument(source + ": value '" + out + "' is produced by both node '" +
                                it->second + "' and node '" + names[i] + "'");
      }
      if (graph.find_value(out) != kNoValue) {
        return invalid_argument(where + ": output '" + out +
                                "' is already a graph input or initializer");
      }
      producer_of[out] = names[i];
      Value value;
      value.name = out;
      if (node.op_type() == "Constant" && (node.domain().empty() || node.domain() == "ai.onnx")) {
        if (node.output_size() != 1) {
          return invalid_argument(where + ": a Constant node has exactly one output");
        }
        FOVEA_ASSIGN_OR_RETURN(value.constant, constant_node_value(node, node_desc, from));
        value.dtype = value.constant.dtype();
        value.shape = value.constant.shape();
        value.rank_known = true;
      }
      outputs[i].push_back(graph.add_value(std::move(value)));
    }
  }

  // Pass 2: the nodes themselves, canonicalised and checked against their schemas.
  for (int i = 0; i < proto.node_size(); ++i) {
    const onnx::NodeProto& proto_node = proto.node(i);
    if (proto_node.op_type() == "Constant") continue;  // already a graph constant
    const std::string node_desc = describe_proto_node(names[i], proto_node.op_type());
    const std::string where = source + ": " + node_desc;
    Node node;
    node.name = names[i];
    node.op_type = proto_node.op_type();
    node.domain = proto_node.domain() == "ai.onnx" ? "" : proto_node.domain();
    for (const std::string& in : proto_node.input()) {
      if (in.empty()) {
        node.inputs.push_back(kNoValue);
        continue;
      }
      const ValueId id = graph.find_value(in);
      if (id == kNoValue) {
        return invalid_argument(where + ": input '" + in +
                                "' is not produced by any node, initializer or graph input");
      }
      node.inputs.push_back(id);
    }
    node.outputs = std::move(outputs[i]);
    trim_trailing_omitted(node.inputs);
    trim_trailing_omitted(node.outputs);
    FOVEA_ASSIGN_OR_RETURN(node.attrs, convert_attributes(proto_node, node_desc, from));
    FOVEA_RETURN_IF_ERROR(canonicalize_node(graph, node, opset));
    if (const OpSchema* schema = find_op(node.op_type)) {
      FOVEA_RETURN_IF_ERROR(check_attribute_types(graph, node, *schema));
    }
    graph.nodes.push_back(std::move(node));
  }

  for (const onnx::ValueInfoProto& out : proto.output()) {
    const ValueId id = graph.find_value(out.name());
    if (id == kNoValue) {
      return invalid_argument(source + ": graph output '" + out.name() +
                              "' is not produced by any node, initializer or graph input");
    }
    graph.outputs.push_back(id);
  }
  return graph;
}

Status apply_declared_output_types(const onnx::GraphProto& proto, Graph& graph) {
  for (const onnx::ValueInfoProto& out : proto.output()) {
    const ValueId id = graph.find_value(out.name());
    if (id == kNoValue) continue;
    Value declared;
    FOVEA_RETURN_IF_ERROR(value_from_type(out, graph.source, declared));
    Value& value = graph.value(id);
    if (value.dtype == DType::kUndefined) value.dtype = declared.dtype;
    if (!value.rank_known && declared.rank_known) {
      value.shape = declared.shape;
      value.rank_known = true;
    }
  }
  return Status::ok();
}

}  // namespace fovea
