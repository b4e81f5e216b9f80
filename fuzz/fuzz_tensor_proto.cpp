// Fuzz target: serialized TensorProto bytes (the input_N.pb / output_N.pb files of ONNX test
// cases) → parse_tensor_bytes, then a round trip through tensor_to_proto for what parsed.
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "importers/onnx/tensor_file.h"
#include "importers/onnx/tensor_proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fovea;
  // The stored data must match the dims before anything is allocated, so a fuzzed shape
  // cannot make this allocate more than the input's own size.
  auto tensor = parse_tensor_bytes(data, size, "fuzz.pb");
  if (!tensor.is_ok()) return 0;
  onnx::TensorProto proto;
  const Status written = tensor_to_proto(*tensor, "t", &proto);
  if (!written.is_ok()) return 0;
  // What was written must read back to the same bytes.
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) __builtin_trap();
  auto again = parse_tensor_bytes(bytes.data(), bytes.size(), "roundtrip.pb");
  if (!again.is_ok() || again->shape() != tensor->shape() || again->dtype() != tensor->dtype() ||
      again->byte_size() != tensor->byte_size()) {
    __builtin_trap();
  }
  if (tensor->byte_size() > 0 &&
      std::memcmp(again->raw_data(), tensor->raw_data(), tensor->byte_size()) != 0) {
    __builtin_trap();
  }
  return 0;
}
