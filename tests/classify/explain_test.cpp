// `fovea explain`: the occlusion heatmap's peak lies on the object, the overlay and the
// filter grid are written as images, and existing files are not overwritten without --force.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <regex>

#include "tests/common/fovea_process.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {
namespace fs = std::filesystem;

const std::string kModel = std::string(FOVEA_SOURCE_DIR) + "/models/mobilenetv2-fp32.onnx";

class ExplainCli : public TempDirTest {};

TEST_F(ExplainCli, HeatmapPeakLiesOnTheCatsFace) {
  FOVEA_REQUIRE_SHARED(shared);
  const std::string out = (dir_ / "heat.png").string();
  const FoveaRun run = run_fovea_program("explain " + kModel + " " + shared +
                                         "/photos/skimage_chelsea.png --out " + out);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Egyptian cat"), std::string::npos) << run.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(run.out, m, std::regex(R"(image (\d+) (\d+) \(451x300\))")))
      << run.out;
  const int x = std::stoi(m[1]), y = std::stoi(m[2]);
  // skimage_chelsea.png is 451x300 and the cat's head fills it except the blurred background
  // right of x≈390 and the two top corners beside the ears. The model's center crop sees
  // x 94..356, y 19..281, all of it head: eyes near (170,115) and (318,137), nose near
  // (262,243), striped forehead above. So the peak must simply be inside that crop and off
  // the background; the composite test below is the one that can tell a misplaced heatmap.
  EXPECT_GE(x, 94) << run.out;
  EXPECT_LE(x, 356) << run.out;
  EXPECT_GE(y, 19) << run.out;
  EXPECT_LE(y, 281) << run.out;
  // The overlay is the whole photo, the heatmap at the peak hotter (redder) than at the
  // least-dropped part of the crop, and the unseen strip right of the crop dimmed.
  const cv::Mat overlay = cv::imread(out);
  const cv::Mat photo = cv::imread(shared + "/photos/skimage_chelsea.png");
  ASSERT_FALSE(overlay.empty());
  ASSERT_EQ(overlay.size(), photo.size());
  const cv::Vec3b peak = overlay.at<cv::Vec3b>(y, x);
  EXPECT_GT(peak[2], peak[0]) << "the peak is not red: " << peak;
  const cv::Vec3b outside = overlay.at<cv::Vec3b>(150, 420);
  const cv::Vec3b original = photo.at<cv::Vec3b>(150, 420);
  for (int c = 0; c < 3; ++c) EXPECT_LT(outside[c], original[c]) << outside << original;

  const std::string view_out = (dir_ / "view.png").string();
  const FoveaRun view = run_fovea_program("explain " + kModel + " " + shared +
                                          "/photos/skimage_chelsea.png --view-only --stride 32"
                                          " --out " + view_out);
  ASSERT_EQ(view.exit_code, 0) << view.err;
  const cv::Mat view_overlay = cv::imread(view_out);
  EXPECT_EQ(view_overlay.size(), cv::Size(224, 224));
}

// The cat pasted into the lower left of a plain white square: occluding plain white hides
// nothing the classifier needs, so the largest drop must fall on the pasted photo. A heatmap
// mirrored, transposed or mapped back to the wrong pixels would put it in the empty part.
TEST_F(ExplainCli, HeatmapPeakFollowsTheCatWhenItIsMovedAside) {
  FOVEA_REQUIRE_SHARED(shared);
  const cv::Mat cat = cv::imread(shared + "/photos/skimage_chelsea.png");
  ASSERT_FALSE(cat.empty());
  cv::Mat canvas(448, 448, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Rect placed(40, 260, 224, 149);  // inside the center crop (28..420 here)
  cv::Mat small;
  cv::resize(cat, small, placed.size(), 0, 0, cv::INTER_AREA);
  small.copyTo(canvas(placed));
  const std::string photo = (dir_ / "aside.png").string();
  ASSERT_TRUE(cv::imwrite(photo, canvas));
  const FoveaRun run = run_fovea_program("explain " + kModel + " " + photo + " --out " +
                                         (dir_ / "heat.png").string() + " --stride 24");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(run.out, m, std::regex(R"(image (\d+) (\d+) \(448x448\))")))
      << run.out;
  const cv::Point peak(std::stoi(m[1]), std::stoi(m[2]));
  EXPECT_TRUE(placed.contains(peak)) << run.out;
}

TEST_F(ExplainCli, FiltersGridAndNoOverwriteWithoutForce) {
  const std::string out = (dir_ / "filters.png").string();
  const FoveaRun run = run_fovea_program("explain " + kModel + " --filters " + out);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // MobileNetV2's stem: 32 filters of 3x3 → a 6x6 grid of 48-pixel tiles with 2-pixel gaps.
  EXPECT_NE(run.out.find("32 first-layer filters [32,3,3,3]"), std::string::npos) << run.out;
  const cv::Mat grid = cv::imread(out);
  ASSERT_FALSE(grid.empty());
  EXPECT_EQ(grid.cols, 6 * 50 + 2);
  EXPECT_EQ(grid.rows, 6 * 50 + 2);
  const auto written = fs::last_write_time(out);

  const FoveaRun again = run_fovea_program("explain " + kModel + " --filters " + out);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(fs::last_write_time(out), written);
  const FoveaRun forced = run_fovea_program("explain " + kModel + " --filters " + out + " --force");
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
}

TEST_F(ExplainCli, MissingImageIsOneClearError) {
  const FoveaRun run = run_fovea_program("explain " + kModel + " " + (dir_ / "no.png").string() +
                                         " --out " + (dir_ / "h.png").string());
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("no.png: no such file"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir_ / "h.png"));
}

}  // namespace
}  // namespace fovea::testing
