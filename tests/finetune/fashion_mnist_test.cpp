// The CI-sized transfer-learning check: the bundled MobileNetV2 backbone at 96×96, a new
// linear head trained on 20 Fashion-MNIST images per class, scored on the first 200 test
// images; then the saved model is checked (onnx::checker), loaded back into Fovea and must
// give the in-memory head's predictions. The full 1000/1000 run is tests/finetune_full.
#include "tests/finetune/fashion_mnist.h"

#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>

#include "engine/training/softmax_cross_entropy.h"
#include "importers/onnx/onnx_exporter.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

constexpr int kInputSize = 96;
constexpr int kTrainPerClass = 20;
constexpr int kTestImages = 200;
// Measured 77.5% with this configuration (seed 0); chance is 10%. A binomial standard error
// at n = 200 is about 3 points, so 60% leaves room for run-to-run kernel differences while
// any real break (wrong preprocessing, cut, labels or gradients) falls far below it.
constexpr double kMinAccuracy = 0.60;

TEST(FashionMnist, SmallTransferRunBeatsChanceAndSavesAnEquivalentModel) {
  const std::string model_path = bundled_mobilenet();
  if (!std::filesystem::exists(model_path)) GTEST_SKIP() << model_path << " is absent";
  const auto train = load_fashion_mnist("train", kTrainPerClass, 0);
  const auto test = load_fashion_mnist("t10k", 0, kTestImages);
  if (!train || !test) GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed";
  ASSERT_EQ(train->images.size(), 10u * kTrainPerClass);
  ASSERT_EQ(test->images.size(), static_cast<size_t>(kTestImages));

  Graph model = import_onnx_file(model_path).value();
  const training::ClassifierCut cut = training::find_classifier_cut(model).value();
  ASSERT_EQ(cut.feature_size, 1280);
  const Graph backbone = training::backbone_graph(model, cut).value();
  training::ExtractorOptions options;
  options.input_size = kInputSize;
  auto extractor = training::FeatureExtractor::create(backbone, options);
  ASSERT_TRUE(extractor.is_ok()) << extractor.status().message();
  const vision::Preprocessing pre = vision::imagenet_preset(kInputSize);
  const Tensor train_x = folder_features(**extractor, *train, pre).value();
  const Tensor test_x = folder_features(**extractor, *test, pre).value();

  training::HeadTrainingOptions train_options;
  train_options.epochs = 30;
  train_options.optimizer.weight_decay = 1e-4f;
  const auto x = train_x;
  auto trained = training::train_linear_head([x](int) -> Result<Tensor> { return x; },
                                             train->labels(), nullptr, 10, train_options);
  ASSERT_TRUE(trained.is_ok()) << trained.status().message();
  const training::Evaluation eval =
      training::evaluate(*trained->head, {test_x, test->labels()}).value();
  std::cout << "held-out accuracy " << eval.accuracy << " on " << kTestImages << " images\n";
  EXPECT_GE(eval.accuracy, kMinAccuracy);

  // Save backbone + head; the checker accepts it and Fovea computes the same logits.
  Graph finetuned = training::attach_linear_head(backbone, trained->head->weight().value,
                                                 trained->head->bias().value, cut.ends_in_softmax,
                                                 cut.output_name)
                        .value();
  finetuned = training::with_input_size(std::move(finetuned), kInputSize).value();
  const std::string bytes = export_onnx_bytes(finetuned).value();
  onnx::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromString(bytes));
  EXPECT_NO_THROW(onnx::checker::check_model(proto));
  const Graph reloaded =
      import_onnx_bytes(bytes.data(), bytes.size(), "finetuned.onnx", "").value();
  const std::vector<size_t> all = every_index(*test);
  const std::vector<size_t> first(all.begin(), all.begin() + 16);
  const Tensor images = vision::folder_batch(*test, first, pre);
  const Tensor saved_logits = run_graph(reloaded, "onednn", {images}).value().at(0);
  const Tensor head_logits = trained->head
                                 ->infer(Tensor::wrap(DType::kFloat32, {16, 1280},
                                                      const_cast<float*>(test_x.data<float>())))
                                 .value();
  EXPECT_EQ(training::argmax_rows(saved_logits), training::argmax_rows(head_logits));
  EXPECT_LT(relative_l2_error(saved_logits, head_logits), 1e-4);
}

}  // namespace
}  // namespace fovea::testing
