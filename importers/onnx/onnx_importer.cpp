#include "importers/onnx/onnx_importer.h"

#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>

#include "engine/ops/op_registry.h"
#include "engine/ops/shape_inference.h"
#include "importers/onnx/canonicalize.h"
#include "importers/onnx/graph_from_proto.h"
#include "importers/onnx/legacy_broadcast.h"

namespace fovea {
namespace {

constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 25;

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

Status parse_model(google::protobuf::io::ZeroCopyInputStream& stream, int64_t size,
                   const std::string& source, onnx::ModelProto& model) {
  google::protobuf::io::CodedInputStream coded(&stream);
  // The default limit (64 MiB in older protobuf releases) would reject large models.
  coded.SetTotalBytesLimit(static_cast<int>(std::min<int64_t>(size, INT_MAX)));
  if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage()) {
    return invalid_argument(source + ": not a valid ONNX model: protobuf parsing failed");
  }
  return Status::ok();
}

Result<int64_t> default_opset(const onnx::ModelProto& model, const std::string& source) {
  int64_t opset = -1;
  for (const auto& entry : model.opset_import()) {
    if (is_default_domain(entry.domain())) opset = entry.version();
  }
  const std::string range = "Fovea supports default-domain opsets " + std::to_string(kMinOpset) +
                            " to " + std::to_string(kMaxOpset);
  if (opset < 0)
    return unsupported(source + ": the model imports no default-domain opset; " + range);
  if (opset < kMinOpset || opset > kMaxOpset) {
    return unsupported(source + ": opset " + std::to_string(opset) + " is not supported; " + range);
  }
  return opset;
}

// Every node Fovea cannot run, in one message, before anything else can fail on them.
Status check_operators(const onnx::GraphProto& graph, int64_t opset, const std::string& source) {
  const std::vector<std::string> names = node_names(graph);
  std::string list;
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& node = graph.node(i);
    std::string entry;
    if (!is_default_domain(node.domain())) {
      entry = node.op_type() + " (node '" + names[i] + "', domain '" + node.domain() + "')";
    } else if (node.op_type() != "Constant") {
      const OpSchema* schema = find_op(node.op_type());
      if (schema == nullptr ||
          oldest_importable_opset(node.op_type(), schema->since_opset) > opset) {
        entry = node.op_type() + " (node '" + names[i] + "', opset " + std::to_string(opset) + ")";
      }
    }
    if (entry.empty()) continue;
    list += (list.empty() ? "" : ", ") + entry;
  }
  if (list.empty()) return Status::ok();
  return unsupported(source + ": unsupported operators: " + list);
}

Status with_source(const Status& status, const std::string& source) {
  const std::string& message = status.message();
  const bool has_source = message.size() > source.size() && message.starts_with(source) &&
                          message[source.size()] == ':';
  if (status.is_ok() || has_source) return status;
  return status.with_context(source);
}

Result<Graph> import_model(onnx::ModelProto& model, const std::string& source,
                           const std::string& base_dir, const ImportOptions& options) {
  if (!model.has_graph()) return invalid_argument(source + ": the model has no graph");
  FOVEA_ASSIGN_OR_RETURN(const int64_t opset, default_opset(model, source));
  FOVEA_RETURN_IF_ERROR(check_operators(model.graph(), opset, source));
  const TensorSource from{source, base_dir, options.max_tensor_bytes};
  FOVEA_ASSIGN_OR_RETURN(Graph graph, graph_from_proto(*model.mutable_graph(), opset, from));
  // The graph now holds the only copy of the weights; keep just the declared outputs.
  google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> declared_outputs;
  declared_outputs.Swap(model.mutable_graph()->mutable_output());
  model.Clear();
  FOVEA_RETURN_IF_ERROR(with_source(graph.topological_sort(), source));
  FOVEA_RETURN_IF_ERROR(with_source(rewrite_legacy_broadcasting(graph), source));
  auto inferred = infer_shapes(graph);
  if (!inferred.is_ok()) return with_source(inferred.status(), source);
  onnx::GraphProto outputs_only;
  outputs_only.mutable_output()->Swap(&declared_outputs);
  FOVEA_RETURN_IF_ERROR(apply_declared_output_types(outputs_only, graph));
  return graph;
}

Status empty_error(const std::string& source) {
  return invalid_argument(source + ": the file is empty, not an ONNX model");
}

}  // namespace

Result<Graph> import_onnx_file(const std::string& path, const ImportOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) {
    return Status(StatusCode::kNotFound, path + ": cannot open the model: no such file");
  }
  if (!fs::is_regular_file(status)) {
    return invalid_argument(path + ": not a regular file");
  }
  const auto size = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) return Status(StatusCode::kIoError, path + ": cannot read its size: " + ec.message());
  if (size > options.max_model_bytes) {
    return Status(StatusCode::kOutOfRange, path + ": the file is " + std::to_string(size) +
                                               " bytes, over the limit of " +
                                               std::to_string(options.max_model_bytes) + " bytes");
  }
  if (size == 0) return empty_error(path);
  if (size > INT_MAX) {
    return Status(StatusCode::kOutOfRange, path + ": protobuf cannot parse models over 2 GiB");
  }

  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status(StatusCode::kIoError, path + ": cannot open the model: " + std::strerror(errno));
  }
  onnx::ModelProto model;
  Status parsed;
  {
    google::protobuf::io::FileInputStream stream(fd);
    stream.SetCloseOnDelete(true);
    parsed = parse_model(stream, size, path, model);
  }
  FOVEA_RETURN_IF_ERROR(parsed);
  const fs::path folder = fs::path(path).parent_path();
  return import_model(model, path, folder.empty() ? fs::path(".") : folder, options);
}

Result<Graph> import_onnx_bytes(const void* data, size_t size, const std::string& source,
                                const std::string& base_dir, const ImportOptions& options) {
  if (static_cast<int64_t>(size) > options.max_model_bytes) {
    return Status(StatusCode::kOutOfRange, source + ": the model is " + std::to_string(size) +
                                               " bytes, over the limit of " +
                                               std::to_string(options.max_model_bytes) + " bytes");
  }
  if (size == 0) return empty_error(source);
  if (size > static_cast<size_t>(INT_MAX)) {
    return Status(StatusCode::kOutOfRange, source + ": protobuf cannot parse models over 2 GiB");
  }
  google::protobuf::io::ArrayInputStream stream(data, static_cast<int>(size));
  onnx::ModelProto model;
  FOVEA_RETURN_IF_ERROR(parse_model(stream, static_cast<int64_t>(size), source, model));
  return import_model(model, source, base_dir, options);
}

}  // namespace fovea
