// Inputs the fuzzers (fuzz/) found, replayed exactly: each crashed, tripped a sanitizer or
// exhausted memory before its fix. Under scripts/sanitizers.sh (ASan+UBSan) they also guard the
// undefined behaviour itself, not only the returned status.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <limits>

#include "apps/serve/json_codec.h"
#include "engine/core/shape.h"
#include "importers/onnx/onnx_importer.h"
#include "importers/onnx/tensor_file.h"
#include "runtime/vision/image_header.h"
#include "runtime/vision/image_io.h"
#include "tests/importer/onnx_test_util.h"

namespace fovea::testing {
namespace {

// fuzz_model crash-10c319bd: a PRelu slope initializer of shape [0, 2^63-1, 8000] has zero
// elements, but folding PRelu computed its strides, which overflowed int64 (UBSan:
// engine/core/shape.cpp row_major_strides). Such a shape is now refused as overflowing.
const uint8_t kPreluHugeEmptySlope[] = {
    0x08, 0x03, 0x12, 0x07, 0x70, 0x79, 0x74, 0x6f, 0x72, 0x63, 0x68, 0x1a, 0x03, 0x30, 0x2e,
    0x33, 0x3a, 0x7e, 0x0a, 0x10, 0x0a, 0x01, 0x31, 0x0a, 0x01, 0x31, 0x12, 0x01, 0x32, 0x22,
    0x05, 0x50, 0x52, 0x65, 0x6c, 0x75, 0x12, 0x10, 0x74, 0x6f, 0x72, 0x63, 0x68, 0x2d, 0x6e,
    0x69, 0x74, 0x2d, 0x65, 0x78, 0x70, 0x6f, 0x72, 0x74, 0x2a, 0x15, 0x08, 0x03, 0x10, 0x01,
    0x42, 0x01, 0x31, 0x0a, 0x0c, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    0x80, 0x3e, 0x5a, 0x17, 0x0a, 0x01, 0x30, 0x12, 0x12, 0x0a, 0x10, 0x08, 0x01, 0x12, 0x0c,
    0x0a, 0x02, 0x08, 0x02, 0x0a, 0x02, 0x08, 0x27, 0x2a, 0x02, 0x08, 0x04, 0x5a, 0x0f, 0x0a,
    0x01, 0x31, 0x12, 0x0a, 0x0a, 0x08, 0x08, 0x01, 0x12, 0x04, 0x0a, 0x02, 0x08, 0x03, 0x62,
    0x17, 0x0a, 0x01, 0x31, 0x12, 0x12, 0x0a, 0x10, 0x08, 0x01, 0x12, 0x0c, 0x0a, 0x02, 0x08,
    0x02, 0x0a, 0x02, 0x08, 0x03, 0x0a, 0x02, 0x08, 0x04, 0x42, 0x02, 0x10, 0x0a,
};

// fuzz_tensor_proto oom-642139e2: 21 bytes declaring a float tensor of about 1.6 GB with 6
// bytes of raw_data; the tensor was allocated (and zero-filled) before the data size was compared
// with the shape.
const uint8_t kTensorWithoutData[] = {
    0x10, 0x01, 0x42, 0x01, 0x7a, 0x0a, 0x06, 0xd5, 0xf9, 0xcd, 0x01,
    0x01, 0x7a, 0x4a, 0x06, 0xd5, 0xf9, 0xcd, 0x01, 0x7a, 0x3f,
};

// fuzz_model crash-c1945370: ConvTranspose whose input X is declared with rank 0; shape
// inference wrote y[0] of an empty shape (UBSan: reference binding to null pointer).
const uint8_t kConvTransposeScalarInput[] = {
    0x08, 0x06, 0x12, 0x0c, 0xb3, 0x61, 0x63, 0x6b, 0x65, 0x6e, 0x64, 0x2d, 0x74, 0x65, 0x73,
    0x74, 0x3a, 0x7c, 0x0a, 0x18, 0x0a, 0x01, 0x58, 0x0a, 0x01, 0x57, 0x12, 0x01, 0x59, 0x22,
    0x0d, 0x43, 0x6f, 0x6e, 0x76, 0x54, 0x72, 0x61, 0x6e, 0x73, 0x70, 0x6f, 0x73, 0x65, 0x12,
    0x15, 0x74, 0x65, 0x73, 0x74, 0x5f, 0x63, 0x6f, 0x6e, 0x76, 0x74, 0x72, 0x61, 0x6e, 0x73,
    0x70, 0x6f, 0x73, 0x65, 0x5f, 0x32, 0x64, 0x5a, 0x17, 0x0a, 0x01, 0x58, 0x12, 0x12, 0x0a,
    0x10, 0x08, 0x01, 0x12, 0x04, 0x10, 0x02, 0x08, 0x01, 0x0a, 0x02, 0x08, 0x41, 0x0a, 0x02,
    0x08, 0x03, 0x5a, 0x17, 0x0a, 0x01, 0x57, 0x12, 0x12, 0x0a, 0x10, 0x08, 0x01, 0x12, 0x0c,
    0x0a, 0x02, 0x08, 0x01, 0x0a, 0x02, 0x08, 0x12, 0x0a, 0x02, 0x48, 0x03, 0x62, 0x17, 0x0a,
    0x01, 0x59, 0x12, 0x12, 0x0a, 0x10, 0x08, 0x01, 0x12, 0x0c, 0x0a, 0x02, 0x08, 0x01, 0x0a,
    0x02, 0x08, 0x02, 0x0a, 0x02, 0x08, 0x05, 0x42, 0x04, 0x0a, 0x00, 0x10, 0x0b,
};

TEST(FuzzRegressions, ConvTransposeOfAScalar) {
  auto graph = import_onnx_bytes(kConvTransposeScalarInput, sizeof(kConvTransposeScalarInput),
                                 "model.onnx", "");
  ASSERT_FALSE(graph.is_ok());
  EXPECT_NE(graph.status().message().find("needs a batch, a channel and at least one spatial dim"),
            std::string::npos)
      << graph.status().message();
}

TEST(FuzzRegressions, ElementCountRefusesOverflowHiddenByAZeroDim) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(element_count({0, kMax, 8000}), std::nullopt);
  EXPECT_EQ(element_count({0, kMax}), 0);  // the non-zero dims alone still fit
  EXPECT_EQ(element_count({3, 0, 5}), 0);
  EXPECT_EQ(element_count({3, 4, 5}), 60);
}

TEST(FuzzRegressions, PreluWithHugeEmptySlope) {
  auto graph =
      import_onnx_bytes(kPreluHugeEmptySlope, sizeof(kPreluHugeEmptySlope), "model.onnx", "");
  ASSERT_FALSE(graph.is_ok());
  EXPECT_EQ(graph.status().code(), StatusCode::kOutOfRange) << graph.status().message();
  EXPECT_NE(graph.status().message().find("initializer '1'"), std::string::npos)
      << graph.status().message();
}

TEST(FuzzRegressions, TensorFileDeclaringGigabytesWithoutData) {
  auto tensor = parse_tensor_bytes(kTensorWithoutData, sizeof(kTensorWithoutData), "t.pb");
  ASSERT_FALSE(tensor.is_ok());
  EXPECT_EQ(tensor.status().code(), StatusCode::kInvalidArgument) << tensor.status().message();
  EXPECT_NE(tensor.status().message().find(
                "raw_data holds 6 bytes, but shape [3374293,1,122] needs 1646654984"),
            std::string::npos)
      << tensor.status().message();
}

// fuzz_tensor_proto (second run): a tensor file declaring 1 GiB of external data, which a
// file given alone can never have, was allocated before the external data was looked at.
// The error is the same either way; under the fuzzer's memory limit the allocation was the bug.
TEST(FuzzRegressions, TensorFileWithExternalDataIsRefusedBeforeAllocating) {
  onnx::TensorProto proto;
  proto.set_data_type(onnx::TensorProto::FLOAT);
  proto.add_dims(int64_t{1} << 28);
  proto.set_data_location(onnx::TensorProto::EXTERNAL);
  auto* entry = proto.add_external_data();
  entry->set_key("location");
  entry->set_value("weights.bin");
  std::string bytes;
  ASSERT_TRUE(proto.SerializeToString(&bytes));
  auto tensor = parse_tensor_bytes(bytes.data(), bytes.size(), "t.pb");
  ASSERT_FALSE(tensor.is_ok());
  EXPECT_NE(tensor.status().message().find("t.pb: external data 'weights.bin' cannot be read"),
            std::string::npos)
      << tensor.status().message();
}

// fuzz_serve_request (first run, a seed): a request with a zero batch dim, e.g. "shape":
// [0,3,2,2] with "data": [], copied its values with memcpy from a null pointer into a tensor
// without a buffer (UBSan: null pointer passed as argument 2 in json_codec.cpp fill). Such a
// request is valid and must run to empty outputs.
// The fuzz target's model: FP32 x [N,3,2,2] and INT64 ids [N,4], passed through.
std::shared_ptr<const Model> serve_fuzz_model(TempDir& dir) {
  onnx::ModelProto proto = make_model(13);
  add_input(proto, "x", onnx::TensorProto::FLOAT, {-1, 3, 2, 2});
  add_input(proto, "ids", onnx::TensorProto::INT64, {-1, 4});
  add_output(proto, "y", onnx::TensorProto::FLOAT, {-1, 3, 2, 2});
  add_output(proto, "ids_out", onnx::TensorProto::INT64, {-1, 4});
  add_node(proto, "Relu", {"x"}, {"y"});
  add_node(proto, "Identity", {"ids"}, {"ids_out"});
  std::string bytes;
  EXPECT_TRUE(proto.SerializeToString(&bytes));
  write_bytes(dir.file("m.onnx"), bytes);
  return Model::load(dir.file("m.onnx"), {.backend = "reference", .threads = 1});
}

TEST(FuzzRegressions, ServeRequestWithAnEmptyBatch) {
  TempDir dir;
  auto model = serve_fuzz_model(dir);

  const serve::InferRequest request = serve::parse_infer_request(
      R"({"inputs": [{"name": "x", "shape": [0, 3, 2, 2], "datatype": "FP32", "data": []},
                     {"name": "ids", "shape": [0, 4], "datatype": "INT64", "data": [[]]}]})",
      *model, 4096);
  ASSERT_EQ(request.inputs.size(), 2u);
  EXPECT_EQ(request.inputs[0].shape(), (std::vector<int64_t>{0, 3, 2, 2}));
  EXPECT_EQ(request.inputs[1].shape(), (std::vector<int64_t>{0, 4}));
  const std::vector<TensorView> views = {request.inputs[0].view(), request.inputs[1].view()};
  const std::vector<HostTensor> outputs = Session(model).run(views);
  const nlohmann::json response = serve::infer_response("m", "", outputs, {});
  EXPECT_EQ(response["outputs"][0]["shape"], nlohmann::json({0, 3, 2, 2}));
  EXPECT_EQ(response["outputs"][1]["data"], nlohmann::json::array());
}

// fuzz_serve_request crash-a6dc3dfc (2026-12-06, 35 s into a 600 s run): "shape":
// [9223372036854775807, 3, 2, 0]. The request's size check multiplied the dims in order,
// saturated, then multiplied by the 0 and saw an empty tensor; the tensor's own count (like the
// engine's) refuses non-zero dims that overflow even beside a zero, and threw an error that is
// not an HTTP answer. The check now counts as the engine does: the client gets a 413.
TEST(FuzzRegressions, ServeRequestWithHugeDimsBesideAZero) {
  TempDir dir;
  auto model = serve_fuzz_model(dir);
  try {
    serve::parse_infer_request(
        R"({"inputs": [{"name": "x", "shape": [9223372036854775807, 3, 2, 0], "datatype": "FP32",
                        "data": [0]}, {"name": [0]}]})",
        *model, 4096);
    FAIL() << "accepted";
  } catch (const serve::HttpError& e) {
    EXPECT_EQ(e.status(), 413);
    EXPECT_NE(std::string(e.what()).find("exceeds the limit of 4096 elements"), std::string::npos)
        << e.what();
  }
}

// fuzz_image crash-04887fff: a TIFF whose first directory holds ImageWidth twice (3, then 2).
// The header reader kept the last value, libtiff keeps the first, so the pixel limit was checked
// against a different size than the one decoded (a huge first width could have passed).
TEST(FuzzRegressions, TiffWithARepeatedWidthTagIsReadAsLibtiffReadsIt) {
  const std::string tiff = std::string("II*\0\x1a\0\0\0", 8) + std::string(18, '\x7f') +
                           std::string("\x03\0", 2) +                               // three entries
                           std::string("\0\x01\x03\0\x01\0\0\0\x03\0\0\0", 12) +    // width 3
                           std::string("\x01\x01\x03\0\x01\0\0\0\x02\0\0\0", 12) +  // height 2
                           std::string("\0\x01\x03\0\x01\0\0\0\x02\0\0\0", 12);     // width 2
  const auto header =
      vision::read_image_header({reinterpret_cast<const uint8_t*>(tiff.data()), tiff.size()});
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->width, 3u);
  EXPECT_EQ(header->height, 2u);
}

// WebP-looking bytes with "DICM" at offset 128: OpenCV handed them to GDCM, which aborted
// the process on an assert (fuzz_image, crash-06e65b5e...). Now a clear error.
TEST(FuzzRegressions, WebpWithADicomSignatureIsRefused) {
  std::string bytes = std::string("RIFF\xb0$RIWEBPVP8LIF://P\0\0", 24) + std::string(104, '\xf5') +
                      std::string("DICM\x02\0\0\0\0\0\0", 11);
  ASSERT_EQ(bytes.size(), 139u);
  auto decoded = vision::decode_image(
      {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, "crash.webp");
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_NE(decoded.status().message().find("crash.webp: carries a DICOM signature"),
            std::string::npos)
      << decoded.status().message();
}

}  // namespace
}  // namespace fovea::testing
