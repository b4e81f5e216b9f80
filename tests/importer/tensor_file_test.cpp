// Tensor files: round trips, the no-overwrite rule, bad input, the ONNX test-data convention.
#include "importers/onnx/tensor_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/common/tensor_testing.h"
#include "tests/importer/onnx_test_util.h"

namespace fovea::testing {
namespace {

TEST(TensorFile, RoundTripFloatInt64Bool) {
  TempDir dir;
  const Tensor f = float_tensor({2, 3}, {0.5f, -1.0f, 2.0f, 3.0f, -4.5f, 1e-7f});
  ASSERT_TRUE(write_tensor_file(f, "f", dir.file("f.pb"), false).is_ok());
  auto f_back = read_tensor_file(dir.file("f.pb"));
  ASSERT_TRUE(f_back.is_ok()) << f_back.status().message();
  EXPECT_EQ(f_back->shape(), (Shape{2, 3}));
  EXPECT_EQ(float_values(*f_back), float_values(f));

  const Tensor i = int64_tensor({3}, {-1, 0, int64_t{1} << 50});
  ASSERT_TRUE(write_tensor_file(i, "i", dir.file("i.pb"), false).is_ok());
  auto i_back = read_tensor_file(dir.file("i.pb"));
  ASSERT_TRUE(i_back.is_ok()) << i_back.status().message();
  EXPECT_EQ(int64_values(*i_back), (std::vector<int64_t>{-1, 0, int64_t{1} << 50}));

  Tensor b(DType::kBool, {2});
  b.data<uint8_t>()[1] = 1;
  ASSERT_TRUE(write_tensor_file(b, "b", dir.file("b.pb"), false).is_ok());
  auto b_back = read_tensor_file(dir.file("b.pb"));
  ASSERT_TRUE(b_back.is_ok()) << b_back.status().message();
  ASSERT_EQ(b_back->dtype(), DType::kBool);
  EXPECT_EQ(b_back->data<uint8_t>()[0], 0);
  EXPECT_EQ(b_back->data<uint8_t>()[1], 1);
}

TEST(TensorFile, WrittenFileIsAnOnnxTensorProto) {
  TempDir dir;
  ASSERT_TRUE(
      write_tensor_file(float_tensor({2}, {1.0f, 2.0f}), "named", dir.file("t.pb"), false).is_ok());
  std::ifstream in(dir.file("t.pb"), std::ios::binary);
  onnx::TensorProto proto;
  ASSERT_TRUE(proto.ParseFromIstream(&in));
  EXPECT_EQ(proto.name(), "named");
  EXPECT_EQ(proto.data_type(), onnx::TensorProto::FLOAT);
  ASSERT_EQ(proto.dims_size(), 1);
  EXPECT_EQ(proto.dims(0), 2);
}

TEST(TensorFile, RefusesToOverwriteUnlessAsked) {
  TempDir dir;
  const std::string path = dir.file("t.pb");
  ASSERT_TRUE(write_tensor_file(float_tensor({1}, {1.0f}), "t", path, false).is_ok());
  EXPECT_TRUE(is_error(write_tensor_file(float_tensor({1}, {2.0f}), "t", path, false),
                       StatusCode::kInvalidArgument, "exists; pass --force"));
  EXPECT_EQ(float_values(*read_tensor_file(path)), (std::vector<float>{1.0f}));
  ASSERT_TRUE(write_tensor_file(float_tensor({1}, {2.0f}), "t", path, true).is_ok());
  EXPECT_EQ(float_values(*read_tensor_file(path)), (std::vector<float>{2.0f}));
  // No temporary files are left behind.
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST(TensorFile, Errors) {
  TempDir dir;
  EXPECT_TRUE(is_error(read_tensor_file(dir.file("none.pb")).status(), StatusCode::kNotFound,
                       dir.file("none.pb")));
  const std::string garbage = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff";
  EXPECT_TRUE(is_error(parse_tensor_bytes(garbage.data(), garbage.size(), "g.pb").status(),
                       StatusCode::kInvalidArgument, "g.pb: not a valid TensorProto"));
  onnx::TensorProto strings;
  strings.set_data_type(onnx::TensorProto::STRING);
  strings.add_dims(1);
  strings.add_string_data("text");
  const std::string bytes = strings.SerializeAsString();
  EXPECT_TRUE(is_error(parse_tensor_bytes(bytes.data(), bytes.size(), "s.pb").status(),
                       StatusCode::kUnsupported, "data type string"));
  EXPECT_TRUE(is_error(write_tensor_file(Tensor(), "e", dir.file("e.pb"), false),
                       StatusCode::kUnsupported, "tensor 'e'"));
}

// The ONNX conformance data: test_relu's input is float32 [3,4,5] and its output is max(x, 0).
TEST(TensorFile, ReadsOnnxConformanceData) {
  const auto root = onnx_testdata_dir();
  if (!root) GTEST_SKIP() << "libonnx-testdata is not installed";
  const std::string dir = *root + "/node/test_relu/test_data_set_0/";
  auto input = read_tensor_file(dir + "input_0.pb");
  auto output = read_tensor_file(dir + "output_0.pb");
  ASSERT_TRUE(input.is_ok()) << input.status().message();
  ASSERT_TRUE(output.is_ok()) << output.status().message();
  EXPECT_EQ(input->shape(), (Shape{3, 4, 5}));
  ASSERT_EQ(output->shape(), input->shape());
  for (int64_t i = 0; i < input->element_count(); ++i) {
    EXPECT_EQ(output->data<float>()[i], std::max(input->data<float>()[i], 0.0f));
  }
}

}  // namespace
}  // namespace fovea::testing
