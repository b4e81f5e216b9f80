#include "importers/onnx/tensor_file.h"

#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <onnx/onnx_pb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "importers/onnx/tensor_proto.h"

namespace fovea {
namespace {

Status io_error(const std::string& path, const std::string& what) {
  return Status(StatusCode::kIoError, path + ": " + what + ": " + std::strerror(errno));
}

// Writes all of `bytes` to `fd`, retrying short writes.
bool write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
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
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!overwrite && fs::exists(path, ec)) {
    return invalid_argument(path + ": already exists; refusing to replace it");
  }
  onnx::TensorProto proto;
  FOVEA_RETURN_IF_ERROR(tensor_to_proto(tensor, name, &proto));
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) {
    return internal_error(path + ": could not serialize tensor '" + name + "'");
  }
  // A temporary file in the same folder, then rename: readers never see a half-written file.
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string temp = (dir / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return io_error(path, "cannot create a temporary file in " + dir.string());
  ::fchmod(fd, 0644);  // mkstemp creates 0600; a tensor file is ordinary data
  const bool written = write_all(fd, bytes) && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!written) {
    ::unlink(temp.c_str());
    errno = saved_errno;
    return io_error(path, "write failed");
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    ::unlink(temp.c_str());
    errno = rename_errno;
    return io_error(path, "cannot rename the temporary file into place");
  }
  return Status::ok();
}

}  // namespace fovea
