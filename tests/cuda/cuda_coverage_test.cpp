// Whole models on the CUDA backend's admission checks alone (no GPU needed): a plan whose
// primary takes exactly what the CUDA backend's supports() takes must leave no node of the
// bundled MobileNetV2, the model-zoo structures or the generated families to the CPU fallback.
// A node left there costs two copies between host and device mid-network on every run, and
// keeps --cuda-graph from recording the run at all.
#include <gtest/gtest.h>

#include <string>

#include "importers/onnx/onnx_importer.h"
#include "tests/common/generated_models.h"
#include "tests/common/tensor_testing.h"
#include "tests/cuda/cuda_test_util.h"

namespace fovea::testing {
namespace {

// The plan's steps the CUDA backend would not run for the model at `path` ("" when none).
std::string model_steps_left_to_the_cpu(const std::string& path, int64_t batch) {
  auto graph = import_onnx_file(path);
  if (!graph.is_ok()) return "import failed: " + graph.status().message();
  return steps_left_to_the_cpu(std::move(*graph), batch);
}

class CudaCoverage : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaCoverage, ShippedAndZooModelsRunWhollyOnTheGpu) {
  std::string path = GetParam();
  if (path.rfind("shared:", 0) == 0) {
    FOVEA_REQUIRE_SHARED(shared);
    path = shared + "/" + path.substr(7);
  } else {
    path = std::string(FOVEA_SOURCE_DIR) + "/" + path;
  }
  for (int64_t batch : {1, 64}) {
    EXPECT_EQ(model_steps_left_to_the_cpu(path, batch), "") << path << " at batch " << batch;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, CudaCoverage,
                         ::testing::Values("models/mobilenetv2-fp32.onnx",
                                           "shared:onnx-light/light_bvlc_alexnet.onnx",
                                           "shared:onnx-light/light_vgg19.onnx",
                                           "shared:onnx-light/light_inception_v1.onnx",
                                           "shared:onnx-light/light_resnet50.onnx"),
                         [](const auto& info) {
                           const std::string& p = info.param;
                           std::string name = p.substr(p.find_last_of('/') + 1);
                           name = name.substr(0, name.find('.'));
                           for (char& c : name) c = (c == '-') ? '_' : c;
                           return name;
                         });

// The families the default test run generates anyway (tests/models), in the torchvision style
// the GPU check times against PyTorch.
class CudaCoverageGenerated : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaCoverageGenerated, RunsWhollyOnTheGpu) {
  std::string why;
  const auto path = generated_model(GetParam(), why);
  if (!path) GTEST_SKIP() << why;
  EXPECT_EQ(model_steps_left_to_the_cpu(*path, 1), "") << *path;
}

INSTANTIATE_TEST_SUITE_P(CiSubset, CudaCoverageGenerated,
                         ::testing::Values("resnet18", "alexnet-zoo", "googlenet"),
                         model_test_name);

}  // namespace
}  // namespace fovea::testing
