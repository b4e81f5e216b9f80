// `fovea finetune` end to end on tiny generated folders (the bundled MobileNetV2 at 32×32, two
// epochs): bad data messages, skipped images counted, --force, and `fovea classify` picking up
// the labels file written beside the new model; features over --feature-memory-mb go to a
// nameless file in --cache-dir and give the same model byte for byte.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "tests/common/fovea_process.h"
#include "tests/finetune/fashion_mnist.h"
#include "tests/finetune/feature_store_testing.h"

namespace fovea::testing {
namespace {
namespace fs = std::filesystem;

class FinetuneCli : public TempDirTest {
 protected:
  // Class `cls` gets `n` images: light squares for "light", dark ones otherwise.
  void add_class(const std::string& cls, int n, int shade) {
    fs::create_directories(dir_ / "data" / cls);
    for (int i = 0; i < n; ++i) {
      cv::Mat image(24, 24, CV_8UC3, cv::Scalar::all(shade + 3 * i));
      cv::imwrite((dir_ / "data" / cls / (std::to_string(i) + ".png")).string(), image);
    }
  }
  std::string command(const std::string& extra = "") const {
    return "finetune --model " + bundled_mobilenet() + " --data " + (dir_ / "data").string() +
           " --out " + (dir_ / "new.onnx").string() + " --input-size 32 --epochs 2 --val-split 0 " +
           extra;
  }
  void SetUp() override {
    TempDirTest::SetUp();
    if (!fs::exists(bundled_mobilenet())) GTEST_SKIP() << "the bundled model is absent";
  }
};

TEST_F(FinetuneCli, TrainsSavesLabelsAndClassifyUsesThem) {
  add_class("dark", 4, 10);
  add_class("light", 4, 220);
  std::ofstream(dir_ / "data" / "light" / "broken.png") << "not a png";
  const FoveaRun run = run_fovea_program(command());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("skipped 1 unreadable image"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("broken.png"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("epoch 2/2"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("summary:"), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("img/s"), std::string::npos) << run.err;  // the progress bar
  ASSERT_TRUE(fs::exists(dir_ / "new.onnx"));
  std::ifstream labels(dir_ / "new.labels.txt");
  std::string first, second;
  std::getline(labels, first);
  std::getline(labels, second);
  EXPECT_EQ(first, "dark");
  EXPECT_EQ(second, "light");

  const FoveaRun classify =
      run_fovea_program("classify --top 2 --model " + (dir_ / "new.onnx").string() + " " +
                        (dir_ / "data" / "dark" / "0.png").string());
  ASSERT_EQ(classify.exit_code, 0) << classify.err;
  EXPECT_NE(classify.out.find("crop 32"), std::string::npos) << classify.out;
  EXPECT_NE(classify.out.find("dark"), std::string::npos) << classify.out;
  EXPECT_NE(classify.out.find("light"), std::string::npos) << classify.out;

  // An existing output is kept without --force, replaced with it.
  const auto before = fs::last_write_time(dir_ / "new.onnx");
  const FoveaRun again = run_fovea_program(command());
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("exists; pass --force"), std::string::npos) << again.err;
  EXPECT_EQ(fs::last_write_time(dir_ / "new.onnx"), before);
  const FoveaRun forced = run_fovea_program(command("--force"));
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
}

TEST_F(FinetuneCli, EmptyClassFolderIsAnError) {
  add_class("dark", 2, 10);
  fs::create_directories(dir_ / "data" / "empty");
  const FoveaRun run = run_fovea_program(command());
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("'empty' has no image files"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir_ / "new.onnx"));
}

TEST_F(FinetuneCli, OneClassIsAnError) {
  add_class("dark", 2, 10);
  const FoveaRun run = run_fovea_program(command());
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("only one class"), std::string::npos) << run.err;
}

TEST_F(FinetuneCli, FeaturesOnDiskGiveTheSameModelAsInMemory) {
  add_class("dark", 5, 10);
  add_class("light", 5, 220);
  for (const char* sub : {"memory", "disk", "cache"}) fs::create_directories(dir_ / sub);
  // The same --out file name in two folders, so the models' bytes (metadata included) compare.
  auto run = [&](const std::string& sub, const std::string& extra) {
    return run_fovea_program("finetune --model " + bundled_mobilenet() + " --data " +
                             (dir_ / "data").string() + " --out " +
                             (dir_ / sub / "new.onnx").string() +
                             " --input-size 32 --epochs 2 --val-split 0.2 --augment " + extra);
  };
  const FoveaRun memory = run("memory", "");
  ASSERT_EQ(memory.exit_code, 0) << memory.out << memory.err;
  EXPECT_EQ(memory.out.find("on disk"), std::string::npos) << memory.out;
  const std::string cache = (dir_ / "cache").string();
  const FoveaRun disk = run("disk", "--feature-memory-mb 0.01 --cache-dir " + cache);
  ASSERT_EQ(disk.exit_code, 0) << disk.out << disk.err;
  // 10 images x 1280 floats = 50 KB, over a 10 KB budget.
  EXPECT_NE(disk.out.find("features: 10 x 1280 floats = 50 KB on disk in " + cache +
                          " (over the 10 KB memory budget)"),
            std::string::npos)
      << disk.out;
  auto bytes = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string model = bytes(dir_ / "memory" / "new.onnx");
  ASSERT_FALSE(model.empty());
  EXPECT_TRUE(model == bytes(dir_ / "disk" / "new.onnx"));
  EXPECT_EQ(files_in(dir_ / "cache"), 0);
}

TEST_F(FinetuneCli, UnusableCacheDirIsAnError) {
  add_class("dark", 2, 10);
  add_class("light", 2, 220);
  const FoveaRun missing = run_fovea_program(command("--cache-dir " + (dir_ / "nope").string()));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("--cache-dir " + (dir_ / "nope").string() + ": not a directory"),
            std::string::npos)
      << missing.err;
  // /proc takes no new files, even from root.
  const FoveaRun proc = run_fovea_program(command("--feature-memory-mb 0 --cache-dir /proc"));
  EXPECT_NE(proc.exit_code, 0);
  EXPECT_NE(proc.err.find("feature cache '/proc': cannot create a temporary file there"),
            std::string::npos)
      << proc.err;
  EXPECT_NE(proc.err.find("writable"), std::string::npos) << proc.err;
  EXPECT_FALSE(fs::exists(dir_ / "new.onnx"));
}

}  // namespace
}  // namespace fovea::testing
