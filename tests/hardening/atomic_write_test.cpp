// Files the tools write (tensor files, images) are written atomically, never replace an
// existing file unless forced, and a failed write leaves nothing behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "importers/onnx/tensor_file.h"
#include "runtime/vision/image_io.h"
#include "tests/common/tensor_testing.h"
#include "tests/importer/onnx_test_util.h"

namespace fovea::testing {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The folder's file names, to see that no temporary file was left behind.
std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AtomicWrites, TensorFileIsNotReplacedWithoutOverwrite) {
  TempDir dir;
  const std::string path = dir.file("t.pb");
  write_bytes(path, "precious");
  const Tensor t = float_tensor({2}, {1.0f, 2.0f});
  const Status refused = write_tensor_file(t, "t", path, /*overwrite=*/false);
  EXPECT_EQ(refused.message(), path + ": already exists; refusing to replace it");
  EXPECT_EQ(read_all(path), "precious");
  ASSERT_TRUE(write_tensor_file(t, "t", path, /*overwrite=*/true).is_ok());
  auto back = read_tensor_file(path);
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_TRUE(tensors_close(*back, t));
  EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"t.pb"});
}

TEST(AtomicWrites, ImageIsNotReplacedWithoutForce) {
  TempDir dir;
  const std::string path = dir.file("out.png");
  write_bytes(path, "precious");
  const cv::Mat image(4, 4, CV_8UC3, cv::Scalar(10, 20, 30));
  const Status refused = vision::write_image_atomic(path, image, /*force=*/false);
  EXPECT_EQ(refused.message(), path + ": exists; pass --force to overwrite it");
  EXPECT_EQ(read_all(path), "precious");
  ASSERT_TRUE(vision::write_image_atomic(path, image, /*force=*/true).is_ok());
  auto back = vision::load_image(path);
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(back->at<cv::Vec3b>(2, 2), cv::Vec3b(10, 20, 30));
  EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"out.png"});
}

TEST(AtomicWrites, FailedImageWriteLeavesNothing) {
  TempDir dir;
  const Status failed = vision::write_image_atomic(dir.file("empty.png"), cv::Mat(), false);
  EXPECT_FALSE(failed.is_ok());
  EXPECT_TRUE(listing(dir.path()).empty());
}

}  // namespace
}  // namespace fovea::testing
