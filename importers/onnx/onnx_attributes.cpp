#include "importers/onnx/onnx_attributes.h"

#include <cstring>

namespace fovea {
namespace {

using onnx::AttributeProto;

// Old models (IR < 3) leave `type` unset; the populated field then says what it is.
AttributeProto::AttributeType effective_type(const AttributeProto& attr) {
  if (attr.type() != AttributeProto::UNDEFINED) return attr.type();
  if (attr.has_i()) return AttributeProto::INT;
  if (attr.has_f()) return AttributeProto::FLOAT;
  if (attr.has_s()) return AttributeProto::STRING;
  if (attr.has_t()) return AttributeProto::TENSOR;
  if (attr.ints_size() > 0) return AttributeProto::INTS;
  if (attr.floats_size() > 0) return AttributeProto::FLOATS;
  if (attr.strings_size() > 0) return AttributeProto::STRINGS;
  return AttributeProto::UNDEFINED;
}

template <typename T>
Tensor vector_tensor(const std::vector<T>& values, Shape shape) {
  Tensor t(dtype_of<T>(), std::move(shape));
  if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(T));
  return t;
}

}  // namespace

Result<Attributes> convert_attributes(const onnx::NodeProto& node, const std::string& node_desc,
                                      const TensorSource& from) {
  Attributes attrs;
  for (const AttributeProto& attr : node.attribute()) {
    const std::string& name = attr.name();
    switch (effective_type(attr)) {
      case AttributeProto::INT: attrs.set(name, int64_t{attr.i()}); break;
      case AttributeProto::FLOAT: attrs.set(name, attr.f()); break;
      case AttributeProto::STRING: attrs.set(name, attr.s()); break;
      case AttributeProto::INTS:
        attrs.set(name, std::vector<int64_t>(attr.ints().begin(), attr.ints().end()));
        break;
      case AttributeProto::FLOATS:
        attrs.set(name, std::vector<float>(attr.floats().begin(), attr.floats().end()));
        break;
      case AttributeProto::STRINGS:
        attrs.set(name, std::vector<std::string>(attr.strings().begin(), attr.strings().end()));
        break;
      case AttributeProto::TENSOR: {
        FOVEA_ASSIGN_OR_RETURN(
            Tensor t, tensor_from_proto(attr.t(), node_desc + ": attribute '" + name + "'", from));
        attrs.set(name, std::move(t));
        break;
      }
      default: break;  // graphs, sparse tensors, type protos: no supported op reads them
    }
  }
  return attrs;
}

Status check_attribute_types(const Graph& graph, const Node& node, const OpSchema& schema) {
  for (const AttrSpec& spec : schema.attributes) {
    auto it = node.attrs.all().find(spec.name);
    if (it == node.attrs.all().end()) continue;
    const AttrType actual = attr_type_of(it->second);
    if (actual != spec.type) {
      return invalid_argument(graph.describe_node(node) + ": attribute '" + spec.name +
                              "' must be " + attr_type_name(spec.type) + ", got " +
                              attr_type_name(actual));
    }
  }
  return Status::ok();
}

Result<Tensor> constant_node_value(const onnx::NodeProto& node, const std::string& node_desc,
                                   const TensorSource& from) {
  const std::string where = from.source + ": " + node_desc;
  if (node.attribute_size() != 1) {
    return invalid_argument(where + ": a Constant node needs exactly one value attribute, got " +
                            std::to_string(node.attribute_size()));
  }
  const AttributeProto& attr = node.attribute(0);
  const std::string& name = attr.name();
  if (name == "value") {
    return tensor_from_proto(attr.t(), node_desc + ": attribute 'value'", from);
  }
  if (name == "value_float") return vector_tensor(std::vector<float>{attr.f()}, {});
  if (name == "value_int") return vector_tensor(std::vector<int64_t>{attr.i()}, {});
  if (name == "value_floats") {
    std::vector<float> v(attr.floats().begin(), attr.floats().end());
    const auto n = static_cast<int64_t>(v.size());
    return vector_tensor(v, {n});
  }
  if (name == "value_ints") {
    std::vector<int64_t> v(attr.ints().begin(), attr.ints().end());
    const auto n = static_cast<int64_t>(v.size());
    return vector_tensor(v, {n});
  }
  if (name == "sparse_value" || name == "value_string" || name == "value_strings") {
    return unsupported(where + ": Constant attribute '" + name +
                       "' is not supported (sparse and string constants)");
  }
  return invalid_argument(where + ": unknown Constant attribute '" + name + "'");
}

}  // namespace fovea
