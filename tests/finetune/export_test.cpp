// Cutting a classifier at its final Gemm, attaching a new head and exporting the result as
// ONNX: the export passes onnx::checker, loads back into Fovea and computes exactly what the
// backbone followed by the head computes.
#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/training/classifier_cut.h"
#include "importers/onnx/onnx_exporter.h"
#include "importers/onnx/onnx_importer.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::training {
namespace {
namespace fs = std::filesystem;
using testing::attrs;

// input [N,3,8,8] → Conv(4) → Relu → GlobalAveragePool → Flatten → Gemm(5) → Softmax.
Graph small_classifier(bool softmax) {
  testing::GraphBuilder b;
  const ValueId x = b.input("input", DType::kFloat32, {kDynamicDim, 3, 8, 8});
  const ValueId w = b.constant("conv_w", testing::random_tensor({4, 3, 3, 3}, 1));
  const ValueId conv = b.op("Conv", {x, w}, attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  const ValueId relu = b.op("Relu", {conv});
  const ValueId gap = b.op("GlobalAveragePool", {relu});
  const ValueId flat = b.op("Flatten", {gap}, attrs({{"axis", int64_t{1}}}));
  const ValueId fc_w = b.constant("fc_w", testing::random_tensor({5, 4}, 2));
  const ValueId fc_b = b.constant("fc_b", testing::random_tensor({5}, 3));
  ValueId out = b.op("Gemm", {flat, fc_w, fc_b}, attrs({{"transB", int64_t{1}}}));
  if (softmax) out = b.op("Softmax", {out}, attrs({{"axis", int64_t{1}}}));
  b.output(out);
  Graph g = b.build().value();
  g.source = "small.onnx";
  g.opset = 13;
  return g;
}

// logits = features·Wᵀ + b (and softmax), computed here independently of the engine.
std::vector<float> head_by_hand(const Tensor& features, const Tensor& w, const Tensor& b,
                                bool softmax) {
  const int64_t n = features.dim(0), d = features.dim(1), c = w.dim(0);
  std::vector<float> out(static_cast<size_t>(n * c));
  for (int64_t i = 0; i < n; ++i) {
    double total = 0;
    for (int64_t o = 0; o < c; ++o) {
      double s = b.data<float>()[o];
      for (int64_t k = 0; k < d; ++k)
        s += features.data<float>()[i * d + k] * w.data<float>()[o * d + k];
      out[i * c + o] = static_cast<float>(softmax ? std::exp(s) : s);
      total += out[i * c + o];
    }
    if (softmax) {
      for (int64_t o = 0; o < c; ++o) out[i * c + o] = static_cast<float>(out[i * c + o] / total);
    }
  }
  return out;
}

void expect_checker_accepts(const std::string& bytes) {
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(bytes));
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    FAIL() << "onnx::checker rejected the export: " << e.what();
  }
}

TEST(ClassifierCut, FindsTheFinalGemmThroughSoftmax) {
  const Graph g = small_classifier(true);
  const ClassifierCut cut = find_classifier_cut(g).value();
  EXPECT_EQ(cut.classifier, "Gemm_4");
  EXPECT_EQ(g.value(cut.features).name, "Flatten_3_out0");
  EXPECT_EQ(cut.feature_size, 4);
  EXPECT_TRUE(cut.ends_in_softmax);
  EXPECT_EQ(cut.original_classes, 5);
  const Graph backbone = backbone_graph(g, cut).value();
  ASSERT_EQ(backbone.outputs.size(), 1u);
  EXPECT_EQ(backbone.value(backbone.outputs[0]).name, "Flatten_3_out0");
  EXPECT_EQ(backbone.nodes.size(), 4u);  // Conv, Relu, GAP, Flatten
  EXPECT_EQ(backbone.find_value("fc_w"), kNoValue);
  EXPECT_FALSE(find_classifier_cut(g, "no_such_node").is_ok());
}

TEST(ClassifierCut, RefusesAModelWithoutAClassifier) {
  testing::GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 4});
  b.output(b.op("Relu", {x}));
  const auto cut = find_classifier_cut(b.build().value());
  ASSERT_FALSE(cut.is_ok());
  EXPECT_NE(cut.status().message().find("Gemm or MatMul"), std::string::npos);
}

class ExportRoundTrip : public ::testing::TestWithParam<bool> {};

TEST_P(ExportRoundTrip, CheckerAcceptsAndFoveaReproducesTheHead) {
  const bool softmax = GetParam();
  const Graph g = small_classifier(softmax);
  const ClassifierCut cut = find_classifier_cut(g).value();
  const Graph backbone = backbone_graph(g, cut).value();
  const Tensor w = testing::random_tensor({3, 4}, 10);
  const Tensor b = testing::random_tensor({3}, 11);
  const Graph finetuned =
      attach_linear_head(backbone, w, b, cut.ends_in_softmax, cut.output_name).value();
  ExportOptions options;
  options.metadata["fovea.preprocessing"] = "imagenet";
  const std::string bytes = export_onnx_bytes(finetuned, options).value();
  expect_checker_accepts(bytes);

  const Graph reloaded = import_onnx_bytes(bytes.data(), bytes.size(), "export.onnx", "").value();
  ASSERT_EQ(reloaded.outputs.size(), 1u);
  EXPECT_EQ(reloaded.value(reloaded.outputs[0]).name, cut.output_name);
  EXPECT_EQ(reloaded.value(reloaded.outputs[0]).shape, (Shape{kDynamicDim, 3}));

  const Tensor images = testing::random_tensor({2, 3, 8, 8}, 12);
  const Tensor features = testing::run_graph(backbone, "reference", {images}).value().at(0);
  const std::vector<float> expected = head_by_hand(features, w, b, softmax);
  for (const char* backend : {"reference", "onednn"}) {
    const Tensor out = testing::run_graph(reloaded, backend, {images}).value().at(0);
    ASSERT_EQ(out.element_count(), static_cast<int64_t>(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_NEAR(out.data<float>()[i], expected[i], 1e-4 + 1e-4 * std::abs(expected[i]))
          << backend;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(LogitsAndSoftmax, ExportRoundTrip, ::testing::Bool());

TEST(Export, ANamedCutWithSpatialFeaturesGetsAFlatten) {
  const Graph g = small_classifier(false);
  const ClassifierCut cut = find_classifier_cut(g, "GlobalAveragePool_2").value();
  EXPECT_TRUE(cut.classifier.empty());
  EXPECT_EQ(cut.feature_size, 4);
  const Graph backbone = backbone_graph(g, cut).value();
  const Graph finetuned = attach_linear_head(backbone, testing::random_tensor({2, 4}, 4),
                                             testing::random_tensor({2}, 5), false, "scores")
                              .value();
  EXPECT_EQ(finetuned.nodes[finetuned.nodes.size() - 2].op_type, "Flatten");
  const std::string bytes = export_onnx_bytes(finetuned).value();
  expect_checker_accepts(bytes);
  const Graph reloaded = import_onnx_bytes(bytes.data(), bytes.size(), "named.onnx", "").value();
  const Tensor out =
      testing::run_graph(reloaded, "reference", {testing::random_tensor({1, 3, 8, 8}, 6)})
          .value()
          .at(0);
  EXPECT_EQ(out.shape(), (Shape{1, 2}));
}

TEST(Export, RefusesFusedAttributes) {
  Graph g = small_classifier(false);
  g.nodes[0].attrs.set("activation", std::string("Relu"));
  const auto bytes = export_onnx_bytes(g);
  ASSERT_FALSE(bytes.is_ok());
  EXPECT_NE(bytes.status().message().find("fused attribute 'activation'"), std::string::npos);
}

TEST(Export, WritesAtomicallyAndNeverOverwritesWithoutForce) {
  const fs::path dir = fs::temp_directory_path() / ("fovea_export_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "m.onnx").string();
  const Graph g = small_classifier(false);
  ASSERT_TRUE(write_onnx_file(path, g).is_ok());
  const auto size = fs::file_size(path);
  { std::ofstream(path, std::ios::trunc) << "user data"; }
  const Status refused = write_onnx_file(path, g);
  EXPECT_FALSE(refused.is_ok());
  EXPECT_NE(refused.message().find("--force"), std::string::npos);
  EXPECT_EQ(fs::file_size(path), 9u);  // untouched
  ASSERT_TRUE(write_onnx_file(path, g, {}, /*force=*/true).is_ok());
  EXPECT_EQ(fs::file_size(path), size);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()),
            1);  // no temp left
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fovea::training
