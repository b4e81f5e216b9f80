#include "apps/serve/json_codec.h"

#include <cstring>
#include <map>

namespace fovea::serve {
namespace {

using nlohmann::json;

// Appends the numbers of a flat or nested array to `out` (row-major).
template <typename T>
void flatten(const json& data, std::vector<T>& out, const std::string& name, int depth = 0) {
  if (data.is_array()) {
    if (depth > 16) throw HttpError(400, "input '" + name + "': data is nested too deeply");
    for (const json& item : data) flatten(item, out, name, depth + 1);
    return;
  }
  if constexpr (std::is_same_v<T, uint8_t>) {  // BOOL and UINT8 share the byte storage
    if (data.is_boolean()) {
      out.push_back(data.get<bool>() ? 1 : 0);
      return;
    }
  }
  if (!data.is_number()) {
    throw HttpError(400, "input '" + name + "': data holds a non-number: " + data.dump());
  }
  if constexpr (std::is_floating_point_v<T>) {
    out.push_back(data.get<T>());
  } else {
    if (!data.is_number_integer()) {
      throw HttpError(400, "input '" + name + "': integer data holds " + data.dump());
    }
    out.push_back(data.get<T>());
  }
}

template <typename T>
void fill(HostTensor& tensor, const json& data, const std::string& name) {
  std::vector<T> values;
  values.reserve(static_cast<size_t>(tensor.element_count()));
  flatten(data, values, name);
  if (static_cast<int64_t>(values.size()) != tensor.element_count()) {
    throw HttpError(400, "input '" + name + "': shape " + shape_string(tensor.shape()) + " needs " +
                             std::to_string(tensor.element_count()) + " values, data has " +
                             std::to_string(values.size()));
  }
  // An empty tensor (a zero dim) has no buffer: memcpy's pointers must not be null even for 0.
  if (!values.empty()) std::memcpy(tensor.raw_data(), values.data(), values.size() * sizeof(T));
}

template <typename T>
json to_json_data(const HostTensor& t) {
  const T* p = static_cast<const T*>(t.raw_data());
  return json(std::vector<T>(p, p + t.element_count()));
}

}  // namespace

const char* kserve_datatype(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32: return "FP32";
    case DataType::kFloat64: return "FP64";
    case DataType::kFloat16: return "FP16";
    case DataType::kInt64: return "INT64";
    case DataType::kInt32: return "INT32";
    case DataType::kInt8: return "INT8";
    case DataType::kUInt8: return "UINT8";
    case DataType::kBool: return "BOOL";
  }
  return "BYTES";
}

DataType parse_kserve_datatype(const std::string& name) {
  static const std::map<std::string, DataType> kTypes = {
      {"FP32", DataType::kFloat32}, {"FP64", DataType::kFloat64}, {"INT64", DataType::kInt64},
      {"INT32", DataType::kInt32},  {"INT8", DataType::kInt8},    {"UINT8", DataType::kUInt8},
      {"BOOL", DataType::kBool}};
  auto it = kTypes.find(name);
  if (it == kTypes.end()) {
    throw HttpError(400, "unsupported datatype '" + name +
                             "' (supported: FP32, FP64, INT64, INT32, INT8, UINT8, BOOL)");
  }
  return it->second;
}

void check_input(const HostTensor& tensor, const TensorInfo& info) {
  if (tensor.dtype() != info.dtype) {
    throw HttpError(400, "input '" + info.name + "': expected datatype " +
                             kserve_datatype(info.dtype) + ", got " +
                             kserve_datatype(tensor.dtype()));
  }
  bool matches = tensor.shape().size() == info.shape.size();
  for (size_t d = 0; matches && d < info.shape.size(); ++d) {
    matches = info.shape[d] < 0 || info.shape[d] == tensor.shape()[d];
  }
  if (!matches) {
    throw HttpError(400, "input '" + info.name + "': expected shape " + shape_string(info.shape) +
                             ", got " + shape_string(tensor.shape()));
  }
}

InferRequest parse_infer_request(const std::string& body, const Model& model,
                                 int64_t max_tensor_elements) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw HttpError(400, "the request body is not valid JSON");
  if (!doc.is_object()) throw HttpError(400, "the request body must be a JSON object");
  InferRequest request;
  if (doc.contains("id")) {
    if (!doc["id"].is_string()) throw HttpError(400, "'id' must be a string");
    request.id = doc["id"].get<std::string>();
  }
  if (!doc.contains("inputs") || !doc["inputs"].is_array()) {
    throw HttpError(400, "the request needs an 'inputs' array");
  }
  std::map<std::string, HostTensor> by_name;
  for (const json& in : doc["inputs"]) {
    if (!in.is_object() || !in.contains("name") || !in["name"].is_string()) {
      throw HttpError(400, "every input needs a string 'name'");
    }
    const std::string name = in["name"].get<std::string>();
    bool known = false;
    for (const TensorInfo& info : model.inputs()) known |= info.name == name;
    if (!known) {
      std::string names;
      for (const TensorInfo& info : model.inputs())
        names += (names.empty() ? "'" : ", '") + info.name + "'";
      throw HttpError(400, "unknown input '" + name + "' (the model's inputs: " + names + ")");
    }
    if (by_name.count(name) != 0) throw HttpError(400, "input '" + name + "' given twice");
    if (!in.contains("shape") || !in["shape"].is_array()) {
      throw HttpError(400, "input '" + name + "' needs a 'shape' array");
    }
    std::vector<int64_t> shape;
    // Counted as the engine counts (engine/core/shape.h element_count): the non-zero dims must
    // stay within the limit even when another dim is zero, since their strides still exist.
    int64_t elements = 1;
    for (const json& d : in["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) {
        throw HttpError(400, "input '" + name + "': shape must hold non-negative integers");
      }
      shape.push_back(d.get<int64_t>());
      if (shape.back() == 0) continue;
      if (elements > max_tensor_elements / shape.back()) {
        elements = max_tensor_elements + 1;
      } else {
        elements *= shape.back();
      }
    }
    if (elements > max_tensor_elements) {
      throw HttpError(413, "input '" + name + "': " + shape_string(shape) +
                               " exceeds the limit of " + std::to_string(max_tensor_elements) +
                               " elements per tensor");
    }
    if (!in.contains("datatype") || !in["datatype"].is_string()) {
      throw HttpError(400, "input '" + name + "' needs a string 'datatype'");
    }
    const DataType dtype = parse_kserve_datatype(in["datatype"].get<std::string>());
    if (!in.contains("data")) throw HttpError(400, "input '" + name + "' has no 'data'");
    HostTensor tensor(dtype, shape, name);
    check_input(tensor, model.input(name));
    switch (dtype) {
      case DataType::kFloat32: fill<float>(tensor, in["data"], name); break;
      case DataType::kFloat64: fill<double>(tensor, in["data"], name); break;
      case DataType::kInt64: fill<int64_t>(tensor, in["data"], name); break;
      case DataType::kInt32: fill<int32_t>(tensor, in["data"], name); break;
      case DataType::kInt8: fill<int8_t>(tensor, in["data"], name); break;
      case DataType::kUInt8:
      case DataType::kBool: fill<uint8_t>(tensor, in["data"], name); break;
      case DataType::kFloat16: throw HttpError(400, "FP16 inputs are not supported");
    }
    by_name.emplace(name, std::move(tensor));
  }
  for (const TensorInfo& info : model.inputs()) {
    auto it = by_name.find(info.name);
    if (it == by_name.end()) throw HttpError(400, "input '" + info.name + "' is missing");
    request.inputs.push_back(it->second);
  }
  // Batched inputs must agree on the batch size.
  for (const HostTensor& t : request.inputs) {
    if (!t.shape().empty() && !request.inputs[0].shape().empty() &&
        t.shape()[0] != request.inputs[0].shape()[0]) {
      throw HttpError(400, "inputs disagree on the batch size");
    }
  }
  if (doc.contains("outputs")) {
    if (!doc["outputs"].is_array()) throw HttpError(400, "'outputs' must be an array");
    for (const json& out : doc["outputs"]) {
      if (!out.is_object() || !out.contains("name") || !out["name"].is_string()) {
        throw HttpError(400, "every requested output needs a string 'name'");
      }
      const std::string name = out["name"].get<std::string>();
      bool known = false;
      for (const TensorInfo& info : model.outputs()) known |= info.name == name;
      if (!known) throw HttpError(400, "unknown output '" + name + "'");
      request.requested_outputs.push_back(name);
    }
  }
  return request;
}

json infer_response(const std::string& model_name, const std::string& id,
                    const std::vector<HostTensor>& outputs,
                    const std::vector<std::string>& requested_outputs) {
  json response = {{"model_name", model_name}, {"model_version", "1"}};
  if (!id.empty()) response["id"] = id;
  json list = json::array();
  for (const HostTensor& t : outputs) {
    if (!requested_outputs.empty() && std::find(requested_outputs.begin(), requested_outputs.end(),
                                                t.name()) == requested_outputs.end()) {
      continue;
    }
    json data;
    switch (t.dtype()) {
      case DataType::kFloat32: data = to_json_data<float>(t); break;
      case DataType::kFloat64: data = to_json_data<double>(t); break;
      case DataType::kInt64: data = to_json_data<int64_t>(t); break;
      case DataType::kInt32: data = to_json_data<int32_t>(t); break;
      case DataType::kInt8: data = to_json_data<int8_t>(t); break;
      case DataType::kUInt8: data = to_json_data<uint8_t>(t); break;
      case DataType::kBool: {
        const auto* p = static_cast<const uint8_t*>(t.raw_data());
        data = json::array();
        for (int64_t i = 0; i < t.element_count(); ++i) data.push_back(p[i] != 0);
        break;
      }
      case DataType::kFloat16: throw HttpError(500, "FP16 outputs are not supported");
    }
    list.push_back({{"name", t.name()},
                    {"datatype", kserve_datatype(t.dtype())},
                    {"shape", t.shape()},
                    {"data", std::move(data)}});
  }
  response["outputs"] = std::move(list);
  return response;
}

json model_metadata(const std::string& model_name, const Model& model) {
  auto describe = [](const std::vector<TensorInfo>& infos) {
    json list = json::array();
    for (const TensorInfo& info : infos) {
      list.push_back(
          {{"name", info.name}, {"datatype", kserve_datatype(info.dtype)}, {"shape", info.shape}});
    }
    return list;
  };
  return {{"name", model_name},
          {"versions", {"1"}},
          {"platform", "onnx"},
          {"inputs", describe(model.inputs())},
          {"outputs", describe(model.outputs())}};
}

}  // namespace fovea::serve
