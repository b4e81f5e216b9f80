#include "importers/onnx/onnx_exporter.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "engine/core/atomic_file.h"
#include "importers/onnx/tensor_proto.h"

namespace fovea {
namespace {

constexpr int64_t kMinimumOpset = 13;

// Attributes the engine adds that ONNX does not define: fusions from engine/passes.
bool is_fused_attribute(const std::string& name) {
  return name == "activation" || name == "activation_alpha" || name == "activation_beta";
}

Status set_attribute(const std::string& name, const AttrValue& value, onnx::AttributeProto* out) {
  out->set_name(name);
  switch (attr_type_of(value)) {
    case AttrType::kInt:
      out->set_type(onnx::AttributeProto::INT);
      out->set_i(std::get<int64_t>(value));
      break;
    case AttrType::kFloat:
      out->set_type(onnx::AttributeProto::FLOAT);
      out->set_f(std::get<float>(value));
      break;
    case AttrType::kString:
      out->set_type(onnx::AttributeProto::STRING);
      out->set_s(std::get<std::string>(value));
      break;
    case AttrType::kInts:
      out->set_type(onnx::AttributeProto::INTS);
      for (int64_t v : std::get<std::vector<int64_t>>(value)) out->add_ints(v);
      break;
    case AttrType::kFloats:
      out->set_type(onnx::AttributeProto::FLOATS);
      for (float v : std::get<std::vector<float>>(value)) out->add_floats(v);
      break;
    case AttrType::kStrings:
      out->set_type(onnx::AttributeProto::STRINGS);
      for (const std::string& v : std::get<std::vector<std::string>>(value)) out->add_strings(v);
      break;
    case AttrType::kTensor:
      out->set_type(onnx::AttributeProto::TENSOR);
      return tensor_to_proto(std::get<Tensor>(value), name, out->mutable_t());
  }
  return Status::ok();
}

Status set_value_info(const Value& value, onnx::ValueInfoProto* out) {
  out->set_name(value.name);
  const int32_t elem_type = dtype_to_onnx(value.dtype);
  if (elem_type == onnx::TensorProto::UNDEFINED) {
    return unsupported("value '" + value.name + "' has a type ONNX export cannot write");
  }
  auto* tensor_type = out->mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(elem_type);
  if (!value.rank_known) return Status::ok();
  auto* shape = tensor_type->mutable_shape();
  for (size_t i = 0; i < value.shape.size(); ++i) {
    auto* dim = shape->add_dim();
    if (value.shape[i] >= 0) {
      dim->set_dim_value(value.shape[i]);
    } else {
      std::string param = "N";
      if (i > 0) param = std::string("d").append(std::to_string(i));
      dim->set_dim_param(param);
    }
  }
  return Status::ok();
}

// Canonical Softmax carries coerce_2d = 1 for the pre-13 semantics; at opset 13 that is the
// same computation only when the axis is the last one.
Status export_softmax_attributes(const Graph& graph, const Node& node, onnx::NodeProto* out) {
  const int64_t axis = node.attrs.get_int("axis", -1);
  if (node.attrs.get_int("coerce_2d", 0) != 0) {
    const Value& input = graph.value(node.inputs[0]);
    const int64_t rank = static_cast<int64_t>(input.shape.size());
    if (!input.rank_known || (axis != -1 && axis != rank - 1)) {
      return unsupported(graph.describe_node(node) +
                         ": pre-opset-13 Softmax over several axes has no opset-13 spelling");
    }
  }
  return set_attribute("axis", axis, out->add_attribute());
}

}  // namespace

Result<std::string> export_onnx_bytes(const Graph& graph, const ExportOptions& options) {
  onnx::ModelProto model;
  model.set_ir_version(onnx::IR_VERSION);
  model.set_producer_name(options.producer_name);
  model.set_producer_version(options.producer_version);
  if (!options.doc_string.empty()) model.set_doc_string(options.doc_string);
  const int64_t opset = options.opset > 0 ? options.opset : std::max(graph.opset, kMinimumOpset);
  auto* default_opset = model.add_opset_import();
  default_opset->set_domain("");
  default_opset->set_version(opset);
  std::set<std::string> other_domains;
  for (const auto& [key, value] : options.metadata) {
    auto* prop = model.add_metadata_props();
    prop->set_key(key);
    prop->set_value(value);
  }

  onnx::GraphProto* proto = model.mutable_graph();
  proto->set_name(options.graph_name);
  std::vector<bool> is_initializer(graph.values.size(), false);
  auto name_of = [&graph](ValueId id) {
    return id == kNoValue ? std::string() : graph.value(id).name;
  };
  for (const Node& node : graph.nodes) {
    onnx::NodeProto* out = proto->add_node();
    out->set_name(node.name);
    out->set_op_type(node.op_type);
    if (!node.domain.empty()) {
      out->set_domain(node.domain);
      other_domains.insert(node.domain);
    }
    // Trailing omitted inputs are dropped; inner ones stay as "".
    size_t input_count = node.inputs.size();
    while (input_count > 0 && node.inputs[input_count - 1] == kNoValue) --input_count;
    for (size_t i = 0; i < input_count; ++i) {
      const ValueId id = node.inputs[i];
      out->add_input(name_of(id));
      if (id != kNoValue && graph.value(id).is_constant()) {
        is_initializer[static_cast<size_t>(id)] = true;
      }
    }
    for (ValueId id : node.outputs) out->add_output(name_of(id));
    if (node.op_type == "Softmax" || node.op_type == "LogSoftmax") {
      FOVEA_RETURN_IF_ERROR(export_softmax_attributes(graph, node, out));
      continue;
    }
    for (const auto& [name, value] : node.attrs.all()) {
      if (is_fused_attribute(name)) {
        return unsupported(graph.describe_node(node) + ": fused attribute '" + name +
                           "' has no ONNX form; export the graph before optimization");
      }
      FOVEA_RETURN_IF_ERROR(
          set_attribute(name, value, out->add_attribute()).with_context(graph.describe_node(node)));
    }
  }
  for (const std::string& domain : other_domains) {
    auto* import = model.add_opset_import();
    import->set_domain(domain);
    import->set_version(1);
  }
  for (size_t i = 0; i < graph.values.size(); ++i) {
    if (!is_initializer[i]) continue;
    const Value& value = graph.values[i];
    FOVEA_RETURN_IF_ERROR(tensor_to_proto(value.constant, value.name, proto->add_initializer()));
  }
  for (ValueId id : graph.inputs) {
    FOVEA_RETURN_IF_ERROR(set_value_info(graph.value(id), proto->add_input()));
  }
  for (ValueId id : graph.outputs) {
    FOVEA_RETURN_IF_ERROR(set_value_info(graph.value(id), proto->add_output()));
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    return internal_error("the exported model could not be serialized (over 2 GiB?)");
  }
  return bytes;
}

Status write_onnx_file(const std::string& path, const Graph& graph, const ExportOptions& options,
                       bool force) {
  FOVEA_ASSIGN_OR_RETURN(std::string bytes, export_onnx_bytes(graph, options));
  return write_file_atomic(path, bytes, force).with_context("writing the model");
}

}  // namespace fovea
