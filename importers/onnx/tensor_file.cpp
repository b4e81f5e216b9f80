#include "importers/onnx/tensor_file.h"

#include <google/protobuf/io/coded_stream.h>
#include <onnx/onnx_pb.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <iterator>

#include "engine/core/atomic_file.h"
#include "importers/onnx/tensor_proto.h"

namespace fovea {
namespace {

Status io_error(const std::string& path, const std::string& what) {
  return Status(StatusCode::kIoError, path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

Result<Tensor> parse_tensor_bytes(const void* data, size_t size, const std::string& source) {
  if (size > static_cast<size_t>(INT_MAX)) {
    return Status(StatusCode::kOutOfRange, source + ": tensor files over 2 GiB are not supported");
  }
  google::protobuf::io::CodedInputStream coded(static_cast<const uint8_t*>(data),
                                               static_cast<int>(size));
  coded.SetTotalBytesLimit(static_cast<int>(size));
  onnx::TensorProto proto;
  if (!proto.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage()) {
    return invalid_argument(source + ": not a valid TensorProto: protobuf parsing failed");
  }
  const std::string what = proto.name().empty() ? "tensor" : "tensor '" + proto.name() + "'";
  return tensor_from_proto(proto, what, TensorSource{source, "", int64_t{4} << 30});
}

Result<Tensor> read_tensor_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kNotFound, path + ": cannot open the tensor file");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return io_error(path, "read failed");
  return parse_tensor_bytes(bytes.data(), bytes.size(), path);
}

Status write_tensor_file(const Tensor& tensor, const std::string& name, const std::string& path,
                         bool overwrite) {
  onnx::TensorProto proto;
  FOVEA_RETURN_IF_ERROR(tensor_to_proto(tensor, name, &proto));
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) {
    return internal_error(path + ": could not serialize tensor '" + name + "'");
  }
  return write_file_atomic(path, bytes, overwrite);
}

}  // namespace fovea
