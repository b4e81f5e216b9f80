// Whole models on the CUDA backend's admission checks alone (no GPU needed): a plan whose
// primary takes exactly what the CUDA backend's supports() takes must leave no node of the
// bundled MobileNetV2, the model-zoo structures or the generated families to the CPU fallback.
// A node left there costs two copies between host and device mid-network on every run, and
// keeps --cuda-graph from recording the run at all.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "engine/backends/backend_registry.h"
#include "engine/backends/cuda/cuda_backend.h"
#include "engine/plan/executor.h"
#include "importers/onnx/onnx_importer.h"
#include "tests/common/generated_models.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

constexpr const char* kProbeName = "cuda-admission";

// Takes what the CUDA backend takes, and prepares it on the reference backend so that the plan
// can be built without a device.
class CudaAdmissionProbe final : public Backend {
 public:
  explicit CudaAdmissionProbe(std::unique_ptr<Backend> runner) : runner_(std::move(runner)) {}
  const char* name() const override { return kProbeName; }
  bool supports(const KernelRequest& request) const override { return cuda::takes(request); }
  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& request) override {
    return runner_->prepare(request);
  }

 private:
  std::unique_ptr<Backend> runner_;
};

// The plan's steps the CUDA backend would not run, one per line ("name (Op)"); empty when it
// runs them all. A free batch is set to `batch`.
std::string steps_left_to_the_cpu(const std::string& path, int64_t batch) {
  auto graph = import_onnx_file(path);
  if (!graph.is_ok()) return "import failed: " + graph.status().message();
  auto runner = create_backend("reference");
  auto fallback = create_backend("reference");
  if (!runner.is_ok() || !fallback.is_ok()) return "no reference backend";
  auto executor =
      Executor::create(std::move(*graph), std::make_unique<CudaAdmissionProbe>(std::move(*runner)),
                       std::move(*fallback), {}, batch);
  if (!executor.is_ok()) return "plan failed: " + executor.status().message();
  auto plan = (*executor)->plan_for((*executor)->input_shapes_for_batch(batch));
  if (!plan.is_ok()) return "plan failed: " + plan.status().message();
  std::ostringstream left;
  for (const PlanStepInfo& step : (*plan)->steps()) {
    if (step.backend != kProbeName && step.backend != "view") {
      left << step.node_name << " (" << step.op_type << ") on " << step.backend << "\n";
    }
  }
  return left.str();
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
    EXPECT_EQ(steps_left_to_the_cpu(path, batch), "") << path << " at batch " << batch;
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
  EXPECT_EQ(steps_left_to_the_cpu(*path, 1), "") << *path;
}

INSTANTIATE_TEST_SUITE_P(CiSubset, CudaCoverageGenerated,
                         ::testing::Values("resnet18", "alexnet-zoo", "googlenet"),
                         model_test_name);

}  // namespace
}  // namespace fovea::testing
