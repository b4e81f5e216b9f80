// fovea_vision's pieces on synthetic inputs whose expected values are computed here by hand:
// softmax and top-k, preprocessing arithmetic, preset choice, the metadata reader, the zoo
// table and atomic image writing.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <regex>

#include "runtime/vision/image_io.h"
#include "runtime/vision/model_metadata.h"
#include "runtime/vision/occlusion.h"
#include "runtime/vision/preprocess.h"
#include "runtime/vision/preset_choice.h"
#include "runtime/vision/scores.h"
#include "runtime/vision/zoo_table.h"
#include "tests/common/fovea_process.h"

namespace fovea::vision {
namespace {
namespace fs = std::filesystem;

TEST(Scores, SoftmaxMatchesTheFormulaAndTopKIsOrdered) {
  const std::vector<float> logits = {1.0f, 3.0f, 2.0f, 3.0f};
  const auto p = softmax(logits);
  const double sum = std::exp(1.0) + 2 * std::exp(3.0) + std::exp(2.0);
  EXPECT_NEAR(p[0], std::exp(1.0) / sum, 1e-6);
  EXPECT_NEAR(p[2], std::exp(2.0) / sum, 1e-6);
  const auto top = top_k(p, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].index, 1);  // a tie keeps the lower index first
  EXPECT_EQ(top[1].index, 3);
  EXPECT_EQ(top[2].index, 2);
  EXPECT_EQ(top_k(p, 10).size(), 4u);
  EXPECT_EQ(short_label("fox squirrel, eastern fox squirrel"), "fox squirrel");
}

TEST(Preprocess, ImagenetAndCaffeNormaliseOnePixelAsDocumented) {
  // A 300x200 image of one colour: every model-view pixel has that colour after resizing.
  const cv::Mat image(200, 300, CV_8UC3, cv::Scalar(10, 100, 200));  // B, G, R
  const Preprocessing imagenet = imagenet_preset();
  const cv::Mat view = model_view(image, imagenet);
  ASSERT_EQ(view.rows, 224);
  ASSERT_EQ(view.cols, 224);
  const Tensor batch = make_batch({view, view}, imagenet);
  ASSERT_EQ(batch.shape(), (Shape{2, 3, 224, 224}));
  const float* x = batch.data<float>();
  const int plane = 224 * 224;
  EXPECT_NEAR(x[0], (200 / 255.0 - 0.485) / 0.229, 1e-5);          // R first
  EXPECT_NEAR(x[plane + 5], (100 / 255.0 - 0.456) / 0.224, 1e-5);  // G
  EXPECT_NEAR(x[2 * plane + 7], (10 / 255.0 - 0.406) / 0.225, 1e-5);
  EXPECT_NEAR(x[3 * plane], x[0], 1e-7);  // second image, R plane

  const Preprocessing caffe = caffe_preset(227);
  const Tensor c = make_batch({model_view(image, caffe)}, caffe);
  ASSERT_EQ(c.shape(), (Shape{1, 3, 227, 227}));
  EXPECT_NEAR(c.data<float>()[0], 10 - 104.0, 1e-4);  // B first, 0..255, mean subtracted
  EXPECT_NEAR(c.data<float>()[227 * 227], 100 - 117.0, 1e-4);
  EXPECT_NEAR(c.data<float>()[2 * 227 * 227], 200 - 123.0, 1e-4);
}

TEST(Preprocess, ViewIsTheCenterOfTheShortSideResize) {
  // Left half black, right half white, 512x256: resized to 512x256 → crop columns 144..367,
  // so the view's column 111 is black (x=255 before) and column 112 white (x=256).
  cv::Mat image(256, 512, CV_8UC3, cv::Scalar(0, 0, 0));
  image(cv::Rect(256, 0, 256, 256)).setTo(cv::Scalar(255, 255, 255));
  const cv::Mat view = model_view(image, imagenet_preset());
  EXPECT_EQ(view.at<cv::Vec3b>(100, 111)[0], 0);
  EXPECT_EQ(view.at<cv::Vec3b>(100, 112)[0], 255);
  // The mean colour normalises to zero.
  cv::Mat grey(224, 224, CV_8UC3, mean_colour_bgr(imagenet_preset()));
  const Tensor t = make_batch({grey}, imagenet_preset());
  EXPECT_NEAR(t.data<float>()[0], 0.0, 0.5 / 255 / 0.229 + 1e-6);
}

// view_geometry must describe what model_view really does: a dot drawn in the photo is found
// in the view, and mapped back, lands on the dot again (per axis, for odd sizes too).
TEST(Preprocess, ViewGeometryMapsViewPixelsBackToThePhoto) {
  for (const cv::Size photo_size : {cv::Size(451, 300), cv::Size(300, 451), cv::Size(1000, 333)}) {
    const Preprocessing pre = imagenet_preset();
    const ViewGeometry geometry = view_geometry(photo_size, pre);
    const cv::Rect2d seen = geometry.crop_in_photo();
    // The crop is centred and square in resized pixels; in the photo it spans the short side
    // times crop / resize.
    const double short_side = std::min(photo_size.width, photo_size.height);
    EXPECT_NEAR(seen.width, short_side * 224 / 256, 1.0) << photo_size;
    EXPECT_NEAR(seen.x + seen.width / 2, photo_size.width / 2.0, 1.0) << photo_size;
    EXPECT_NEAR(seen.y + seen.height / 2, photo_size.height / 2.0, 1.0) << photo_size;

    const cv::Point dot(static_cast<int>(seen.x + seen.width * 0.3),
                        static_cast<int>(seen.y + seen.height * 0.7));
    cv::Mat photo(photo_size, CV_8UC3, cv::Scalar(0, 0, 0));
    cv::circle(photo, dot, 3, cv::Scalar(255, 255, 255), cv::FILLED);
    const cv::Mat view = model_view(photo, pre);
    cv::Mat grey;
    cv::extractChannel(view, grey, 0);
    const cv::Moments m = cv::moments(grey);
    ASSERT_GT(m.m00, 0) << photo_size;
    // Moments give the centroid in pixel-corner coordinates; to_photo takes the same.
    const cv::Point2d back = geometry.to_photo({m.m10 / m.m00, m.m01 / m.m00});
    EXPECT_NEAR(back.x, dot.x + 0.5, 1.0) << photo_size;
    EXPECT_NEAR(back.y, dot.y + 0.5, 1.0) << photo_size;
  }
}

TEST(Occlusion, PhotoOverlayColoursTheSeenCropAndDimsTheRest) {
  const cv::Mat photo(200, 400, CV_8UC3, cv::Scalar(100, 100, 100));
  const Preprocessing pre = imagenet_preset();
  // Resized to 512x256, crop x 144..367, y 16..239: photo x 112.5..287.5, y 12.5..187.5.
  cv::Mat drop = cv::Mat::zeros(224, 224, CV_32F);
  drop(cv::Rect(150, 40, 30, 30)).setTo(1.0f);  // one hot square, upper right of the view
  const cv::Mat overlay = overlay_heatmap_on_photo(photo, drop, pre);
  ASSERT_EQ(overlay.size(), photo.size());
  const auto at = [&](cv::Point2d view_pixel) {
    const cv::Point2d p = view_geometry(photo.size(), pre).to_photo(view_pixel);
    return overlay.at<cv::Vec3b>(static_cast<int>(p.y), static_cast<int>(p.x));
  };
  const cv::Vec3b hot = at({165, 55});
  const cv::Vec3b cold = at({40, 180});
  EXPECT_GT(hot[2], hot[0] + 50) << "red where the drop is: " << hot;
  EXPECT_GT(cold[0], cold[2] + 50) << "blue where nothing dropped: " << cold;
  // Outside the crop: the photo, dimmed, and no heat colour.
  EXPECT_EQ(overlay.at<cv::Vec3b>(100, 20), cv::Vec3b(40, 40, 40));
  EXPECT_EQ(overlay.at<cv::Vec3b>(100, 380), cv::Vec3b(40, 40, 40));
  // The crop's outline is drawn in white on its edge (x 112.5 rounds to 113).
  EXPECT_EQ(overlay.at<cv::Vec3b>(100, 113), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(overlay.at<cv::Vec3b>(100, 112), cv::Vec3b(40, 40, 40));
}

TEST(PresetChoice, FlagsThenMetadataThenZooThenHeuristics) {
  ModelFacts facts;
  facts.path = "bvlc.onnx";
  facts.input_height = facts.input_width = 227;
  auto chosen = choose_preprocessing(facts, {});
  ASSERT_TRUE(chosen.is_ok());
  EXPECT_EQ(chosen->preprocessing.name, "caffe");
  EXPECT_EQ(chosen->preprocessing.crop, 227);

  facts.input_height = facts.input_width = 224;
  EXPECT_EQ(choose_preprocessing(facts, {})->preprocessing.name, "imagenet");
  ZooEntry zoo{"googlenet-12.onnx", "u", "-", 1, "caffe", 224};
  facts.zoo = &zoo;
  chosen = choose_preprocessing(facts, {});
  EXPECT_EQ(chosen->preprocessing.name, "caffe");
  EXPECT_NE(chosen->reason.find("zoo"), std::string::npos);
  facts.metadata.properties["preprocessing"] = "ImageNet";
  EXPECT_EQ(choose_preprocessing(facts, {})->preprocessing.name, "imagenet");
  PresetFlags flags;
  flags.preset = "caffe";
  flags.mean = {1, 2, 3};
  chosen = choose_preprocessing(facts, flags);
  EXPECT_EQ(chosen->preprocessing.name, "caffe+flags");
  EXPECT_EQ(chosen->preprocessing.mean[2], 3.0f);
  flags.crop = 200;  // the model's input is 224: a different crop cannot work
  EXPECT_FALSE(choose_preprocessing(facts, flags).is_ok());
}

// A ModelProto written by hand in the wire format: ir_version, doc_string, a graph (skipped),
// and two metadata_props entries.
TEST(ModelMetadata, ReadsDocStringAndPropertiesAndSkipsTheGraph) {
  auto field = [](int number, const std::string& bytes) {
    std::string out(1, static_cast<char>((number << 3) | 2));
    out += static_cast<char>(bytes.size());  // all lengths here are under 128
    return out + bytes;
  };
  auto entry = [&](const std::string& k, const std::string& v) {
    return field(1, k) + field(2, v);
  };
  std::string model = std::string("\x08\x07", 2);  // ir_version = 7
  model += field(6, "Converted from Caffe");
  model += field(7, std::string(100, '\x55'));
  model += field(14, entry("preprocessing", "caffe"));
  model += field(14, entry("author", "me"));
  const fs::path path = fs::temp_directory_path() / ("fovea_meta_" + std::to_string(::getpid()));
  std::ofstream(path, std::ios::binary) << model;
  auto metadata = read_model_metadata(path.string());
  fs::remove(path);
  ASSERT_TRUE(metadata.is_ok()) << metadata.status().message();
  EXPECT_EQ(metadata->doc_string, "Converted from Caffe");
  EXPECT_EQ(metadata->properties.at("preprocessing"), "caffe");
  EXPECT_EQ(metadata->properties.at("author"), "me");
  // The bundled model parses too (and is not mistaken for something else).
  EXPECT_TRUE(
      read_model_metadata(std::string(FOVEA_SOURCE_DIR) + "/models/mobilenetv2-fp32.onnx").is_ok());
}

TEST(ZooTable, EveryEntryIsWellFormed) {
  auto entries = read_zoo_table(std::string(FOVEA_SOURCE_DIR) + "/models/zoo.tsv");
  ASSERT_TRUE(entries.is_ok()) << entries.status().message();
  ASSERT_GE(entries->size(), 8u);
  const std::regex sha256("[0-9a-f]{64}");
  for (const ZooEntry& e : *entries) {
    // Every entry is verifiable: a SHA-256 of the .onnx itself or of the zoo's archive of it.
    EXPECT_TRUE(std::regex_match(e.sha256, sha256)) << e.file;
    EXPECT_TRUE(e.preset == "imagenet" || e.preset == "caffe") << e.file;
    EXPECT_EQ(e.url.rfind("https://", 0), 0u) << e.file;
    const std::string stem = e.file.substr(0, e.file.size() - std::string(".onnx").size());
    const bool direct = e.url.ends_with("/" + e.file);
    const bool archive = e.url.ends_with("/" + stem + ".tar.gz");
    EXPECT_TRUE(direct || archive) << e.file << ": " << e.url;
    EXPECT_GT(e.bytes, 1000000) << e.file;
  }
  EXPECT_NE(find_zoo_entry(*entries, "/some/dir/resnet50-v2-7.onnx"), nullptr);
  EXPECT_EQ(find_zoo_entry(*entries, "mine.onnx"), nullptr);
}

TEST(FilterGrid, ChannelOrderFollowsTheModel) {
  // One 3x3 filter: channel 0 bright in the middle tap, everything else zero.
  Tensor w(DType::kFloat32, {1, 3, 3, 3});
  w.data<float>()[4] = 1.0f;
  auto rgb = filter_grid(w, /*bgr=*/false);
  auto bgr = filter_grid(w, /*bgr=*/true);
  ASSERT_TRUE(rgb.is_ok() && bgr.is_ok());
  // 16x zoom: 48-pixel tile after a 2-pixel gap; its center (2+24, 2+24) is the middle tap.
  const cv::Vec3b rgb_center = rgb->at<cv::Vec3b>(26, 26);
  const cv::Vec3b bgr_center = bgr->at<cv::Vec3b>(26, 26);
  EXPECT_EQ(rgb_center, cv::Vec3b(0, 0, 255));  // channel 0 is red: OpenCV's third
  EXPECT_EQ(bgr_center, cv::Vec3b(255, 0, 0));  // channel 0 is blue
  EXPECT_FALSE(filter_grid(Tensor(DType::kFloat32, {4, 1, 3, 3}), false).is_ok());
}

class ImageFiles : public testing::TempDirTest {};

TEST_F(ImageFiles, AtomicWriteRefusesToOverwriteWithoutForce) {
  const std::string path = (dir_ / "out.png").string();
  const cv::Mat red(8, 8, CV_8UC3, cv::Scalar(0, 0, 255));
  ASSERT_TRUE(write_image_atomic(path, red, false).is_ok());
  const cv::Mat blue(8, 8, CV_8UC3, cv::Scalar(255, 0, 0));
  const Status again = write_image_atomic(path, blue, false);
  EXPECT_FALSE(again.is_ok());
  EXPECT_NE(again.message().find("--force"), std::string::npos);
  EXPECT_EQ(cv::imread(path).at<cv::Vec3b>(0, 0)[2], 255);  // still red
  ASSERT_TRUE(write_image_atomic(path, blue, true).is_ok());
  EXPECT_EQ(cv::imread(path).at<cv::Vec3b>(0, 0)[0], 255);  // now blue
  // No temporary file is left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1);
}

TEST_F(ImageFiles, EveryPromisedFormatDecodes) {
  cv::Mat image(12, 20, CV_8UC3, cv::Scalar(30, 60, 90));
  for (const char* ext : {".jpg", ".png", ".bmp", ".webp", ".tiff"}) {
    const std::string path = (dir_ / (std::string("img") + ext)).string();
    ASSERT_TRUE(write_image_atomic(path, image, false).is_ok()) << ext;
    auto loaded = load_image(path);
    ASSERT_TRUE(loaded.is_ok()) << ext << ": " << loaded.status().message();
    EXPECT_EQ(loaded->cols, 20) << ext;
    EXPECT_EQ(loaded->rows, 12) << ext;
    EXPECT_NEAR(loaded->at<cv::Vec3b>(6, 10)[2], 90, 8) << ext;  // lossy codecs stay close
  }
}

TEST_F(ImageFiles, LoadingConvertsGreyAndAlphaAndExpandsFolders) {
  cv::imwrite((dir_ / "grey.png").string(), cv::Mat(5, 7, CV_8UC1, cv::Scalar(77)));
  cv::imwrite((dir_ / "alpha.png").string(), cv::Mat(5, 7, CV_8UC4, cv::Scalar(1, 2, 3, 4)));
  std::ofstream(dir_ / "readme.txt") << "not an image";
  auto grey = load_image((dir_ / "grey.png").string());
  ASSERT_TRUE(grey.is_ok());
  EXPECT_EQ(grey->type(), CV_8UC3);
  EXPECT_EQ(grey->at<cv::Vec3b>(2, 3)[1], 77);
  auto alpha = load_image((dir_ / "alpha.png").string());
  ASSERT_TRUE(alpha.is_ok());
  EXPECT_EQ(alpha->at<cv::Vec3b>(0, 0)[2], 3);
  const auto paths = expand_image_arguments({dir_.string(), "missing.jpg"});
  ASSERT_EQ(paths.size(), 3u);  // alpha.png, grey.png (sorted), then the missing file as given
  EXPECT_EQ(fs::path(paths[0]).filename(), "alpha.png");
  EXPECT_EQ(paths[2], "missing.jpg");
  EXPECT_EQ(load_image("missing.jpg").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace fovea::vision
