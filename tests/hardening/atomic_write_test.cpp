// Files the tools write (tensor files, images; models and labels share the same writer,
// engine/core/atomic_file.h) are written atomically, never replace an existing file unless
// forced, and a failed write leaves nothing behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "engine/core/atomic_file.h"
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
  EXPECT_EQ(refused.message(), path + ": exists; pass --force to overwrite it");
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

// Two threads replacing one image at once: each write uses its own temporary file, so every
// write succeeds and the result is one of the two images, whole.
TEST(AtomicWrites, ConcurrentForcedWritesOfOneImage) {
  TempDir dir;
  const std::string path = dir.file("out.png");
  const cv::Mat images[2] = {cv::Mat(64, 64, CV_8UC3, cv::Scalar(10, 20, 30)),
                             cv::Mat(64, 64, CV_8UC3, cv::Scalar(200, 100, 50))};
  int failures[2] = {0, 0};
  std::string first_failure[2];
  auto writer = [&](int which) {
    for (int i = 0; i < 200; ++i) {
      const Status status = vision::write_image_atomic(path, images[which], /*force=*/true);
      if (!status.is_ok() && failures[which]++ == 0) first_failure[which] = status.message();
    }
  };
  std::thread first(writer, 0), second(writer, 1);
  first.join();
  second.join();
  EXPECT_EQ(failures[0], 0) << first_failure[0];
  EXPECT_EQ(failures[1], 0) << first_failure[1];
  auto back = vision::load_image(path);
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_TRUE(cv::norm(*back, images[0]) == 0 || cv::norm(*back, images[1]) == 0);
  EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"out.png"});
}

// Without --force, of two threads creating one file at once exactly one wins; the other is told
// the file exists, even when it appeared after that thread's first check.
TEST(AtomicWrites, ConcurrentUnforcedWritesNeverReplace) {
  TempDir dir;
  const std::string path = dir.file("new.png");
  const cv::Mat image(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
  for (int round = 0; round < 50; ++round) {
    std::filesystem::remove(path);
    Status results[2];
    std::thread first([&] { results[0] = vision::write_image_atomic(path, image, false); });
    std::thread second([&] { results[1] = vision::write_image_atomic(path, image, false); });
    first.join();
    second.join();
    ASSERT_NE(results[0].is_ok(), results[1].is_ok()) << "round " << round;
    const Status& refused = results[0].is_ok() ? results[1] : results[0];
    EXPECT_EQ(refused.message(), path + ": exists; pass --force to overwrite it");
  }
  EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"new.png"});
}

// The rename fails (the target is a folder): the written temporary file is removed.
TEST(AtomicWrites, FailedRenameLeavesNoTemporaryFile) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("taken.png/inside"));
  const cv::Mat image(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
  const Status failed = vision::write_image_atomic(dir.file("taken.png"), image, /*force=*/true);
  EXPECT_EQ(failed.code(), StatusCode::kIoError);
  EXPECT_NE(failed.message().find("taken.png: cannot move the written file into place"),
            std::string::npos)
      << failed.message();
  EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"taken.png"});
  // And a folder that does not exist: nothing is created.
  const Status missing = vision::write_image_atomic(dir.file("no/such/dir/x.png"), image, true);
  EXPECT_NE(missing.message().find("cannot create a temporary file beside it"), std::string::npos)
      << missing.message();
}

// Both ways of writing (the unnamed file linked into place, and the named-temporary fallback for
// file systems without O_TMPFILE) keep the same promises: whole files, no replacing without
// overwrite, even against a file that appears concurrently, and nothing left after a failure.
using Writer = Status (*)(const std::string&, std::string_view, bool);
class AtomicWriters : public ::testing::TestWithParam<Writer> {};

TEST_P(AtomicWriters, SamePromisesEitherWay) {
  const Writer write = GetParam();
  TempDir dir;
  const std::string path = dir.file("f.bin");
  ASSERT_TRUE(write(path, "first", false).is_ok());
  EXPECT_EQ(write(path, "second", false).message(), path + ": exists; pass --force to overwrite it");
  EXPECT_EQ(read_all(path), "first");
  ASSERT_TRUE(write(path, "third", true).is_ok());
  EXPECT_EQ(read_all(path), "third");
  EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"f.bin"});
  // Two unforced writers racing for one new name: exactly one wins.
  for (int round = 0; round < 20; ++round) {
    const std::string fresh = dir.file("race" + std::to_string(round));
    Status results[2];
    std::thread a([&] { results[0] = write(fresh, "a", false); });
    std::thread b([&] { results[1] = write(fresh, "b", false); });
    a.join();
    b.join();
    EXPECT_NE(results[0].is_ok(), results[1].is_ok()) << "round " << round;
  }
  // A failed rename (the target is a folder) leaves no temporary file.
  std::filesystem::create_directories(dir.file("taken/inside"));
  EXPECT_EQ(write(dir.file("taken"), "x", true).code(), StatusCode::kIoError);
  EXPECT_EQ(listing(dir.path()).size(), 22u);  // f.bin, race0..race19, taken
}

INSTANTIATE_TEST_SUITE_P(UnnamedOrNamed, AtomicWriters,
                         ::testing::Values(&write_file_atomic,
                                           &write_file_atomic_through_named_temporary));

// A writer killed in the middle of writing leaves nothing behind: afterwards the folder holds
// either nothing or the whole file, never a part of it under any name. (The kill lands mid-write
// nearly always; when the write wins the race, the whole file is what must be there.)
TEST(AtomicWrites, KilledWriterLeavesNothingBehind) {
  TempDir dir;
  const std::string path = dir.file("big.bin");
  const std::string bytes(size_t{256} << 20, 'x');  // before fork: the child only writes
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const char go = 'g';
    if (::write(ready[1], &go, 1) != 1) ::_exit(2);
    ::_exit(write_file_atomic(path, bytes, /*overwrite=*/false).is_ok() ? 0 : 1);
  }
  char go = 0;
  ASSERT_EQ(::read(ready[0], &go, 1), 1);
  ::usleep(20'000);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  const std::vector<std::string> names = listing(dir.path());
  if (!names.empty()) {
    EXPECT_EQ(names, std::vector<std::string>{"big.bin"});
    EXPECT_EQ(std::filesystem::file_size(path), bytes.size());
  }
}

}  // namespace
}  // namespace fovea::testing
