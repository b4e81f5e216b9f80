// Reading ImageFolder trees (bad data gets clear messages; unreadable images are skipped and
// counted), the stratified validation split, and augmentation's reproducibility.
#include "runtime/vision/image_folder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "runtime/vision/augment.h"

namespace fovea::vision {
namespace {
namespace fs = std::filesystem;

class ImageFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("fovea_folder_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void add_image(const std::string& cls, const std::string& name, int size, int shade) {
    fs::create_directories(root_ / cls);
    cv::imwrite((root_ / cls / name).string(),
                cv::Mat(size, size, CV_8UC3, cv::Scalar::all(shade)));
  }
  fs::path root_;
};

TEST_F(ImageFolderTest, ReadsClassesInOrderAndSkipsUnreadableImages) {
  add_image("cat", "a.png", 8, 10);
  add_image("cat", "b.png", 8, 20);
  add_image("dog", "c.png", 12, 30);
  std::ofstream(root_ / "dog" / "broken.jpg") << "not a jpeg";
  std::ofstream(root_ / "dog" / "notes.txt") << "ignored: not an image extension";
  const ImageFolder folder = read_image_folder(root_.string()).value();
  EXPECT_EQ(folder.classes, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(folder.labels(), (std::vector<int32_t>{0, 0, 1}));
  ASSERT_EQ(folder.skipped.size(), 1u);
  EXPECT_NE(folder.skipped[0].find("broken.jpg"), std::string::npos);
  EXPECT_TRUE(folder.sizes_differ());
  EXPECT_EQ(folder.smallest, cv::Size(8, 8));
  EXPECT_EQ(folder.largest, cv::Size(12, 12));
  EXPECT_EQ(read_image_folder(root_.string(), 1).value().images.size(), 2u);  // max per class
}

TEST_F(ImageFolderTest, BadLayoutsGetClearMessages) {
  EXPECT_NE(
      read_image_folder((root_ / "missing").string()).status().message().find("no such folder"),
      std::string::npos);
  EXPECT_NE(read_image_folder(root_.string()).status().message().find("no class subfolders"),
            std::string::npos);
  add_image("only", "a.png", 8, 0);
  EXPECT_NE(read_image_folder(root_.string()).status().message().find("only one class"),
            std::string::npos);
  fs::create_directories(root_ / "empty");
  EXPECT_NE(read_image_folder(root_.string()).status().message().find("'empty' has no image files"),
            std::string::npos);
  fs::remove_all(root_ / "empty");
  fs::create_directories(root_ / "junk");
  std::ofstream(root_ / "junk" / "x.png") << "garbage";
  EXPECT_NE(read_image_folder(root_.string()).status().message().find("could be read"),
            std::string::npos);
}

TEST_F(ImageFolderTest, ValidationSplitIsStratifiedAndSeeded) {
  for (int i = 0; i < 10; ++i) add_image("a", std::to_string(i) + ".png", 4, i);
  for (int i = 0; i < 4; ++i) add_image("b", std::to_string(i) + ".png", 4, i);
  const ImageFolder folder = read_image_folder(root_.string()).value();
  std::vector<size_t> train, val, train2, val2;
  split_validation(folder, 0.2, 7, train, val);
  ASSERT_EQ(val.size(), 3u);  // 2 of 10 from a, 1 of 4 from b (at least one per class)
  EXPECT_EQ(train.size(), 11u);
  int from_b = 0;
  for (size_t i : val) from_b += folder.images[i].label;
  EXPECT_EQ(from_b, 1);
  split_validation(folder, 0.2, 7, train2, val2);
  EXPECT_EQ(val, val2);
}

TEST(Augment, ViewsHaveTheCropSizeAndFollowTheSeed) {
  cv::Mat image(40, 60, CV_8UC3);
  cv::randu(image, 0, 255);
  const Preprocessing pre = imagenet_preset(32);
  AugmentOptions options;
  std::mt19937_64 a(5), b(5), c(6);
  const cv::Mat va = augmented_view(image, pre, options, a);
  const cv::Mat vb = augmented_view(image, pre, options, b);
  const cv::Mat vc = augmented_view(image, pre, options, c);
  EXPECT_EQ(va.size(), cv::Size(32, 32));
  EXPECT_EQ(va.type(), CV_8UC3);
  EXPECT_EQ(cv::norm(va, vb, cv::NORM_INF), 0);
  EXPECT_GT(cv::norm(va, vc, cv::NORM_INF), 0);
}

TEST(Augment, WithEveryTransformOffItIsAPlainResize) {
  cv::Mat image(16, 16, CV_8UC3);
  cv::randu(image, 0, 255);
  AugmentOptions off;
  off.min_area = off.max_area = 1.0f;
  off.min_aspect = off.max_aspect = 1.0f;
  off.horizontal_flip = false;
  off.brightness = off.contrast = 0;
  off.max_rotation_degrees = 0;
  off.noise_std = 0;
  std::mt19937_64 rng(1);
  const cv::Mat view = augmented_view(image, imagenet_preset(16), off, rng);
  EXPECT_EQ(cv::norm(view, image, cv::NORM_INF), 0);
}

}  // namespace
}  // namespace fovea::vision
