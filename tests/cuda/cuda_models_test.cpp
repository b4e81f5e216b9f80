// Whole CNNs on the GPU against the CPU reference backend: every family of
// ../shared/tools/make_models.py at batch 1, ResNet-50 also at batch 4 (the issue's bounds:
// relative L2 at most 1e-4 in float32, 1e-2 with TF32). Skipped without a GPU or ../shared.
#include <gtest/gtest.h>

#include "runtime/internal/model_loader.h"
#include "tests/common/backend_testing.h"
#include "tests/common/generated_models.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

constexpr double kFloat32Bound = 1e-4;
constexpr double kTf32Bound = 1e-2;

class CudaModel : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaModel, AgreesWithReferenceInFloat32) {
  expect_backends_agree_on_generated_model(GetParam(), kFloat32Bound, 1, {.name = "cuda"});
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, CudaModel,
                         ::testing::Values("alexnet", "alexnet-zoo", "vgg16", "vgg16-bn",
                                           "googlenet", "googlenet-zoo", "resnet18", "resnet50"),
                         model_test_name);

class CudaModelTf32 : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaModelTf32, AgreesWithReferenceWithinTf32Bound) {
  expect_backends_agree_on_generated_model(GetParam(), kTf32Bound, 1,
                                           {.name = "cuda", .allow_tf32 = true});
}

INSTANTIATE_TEST_SUITE_P(IssueModels, CudaModelTf32,
                         ::testing::Values("vgg16", "googlenet", "resnet50"), model_test_name);

TEST(CudaModelBatch, ResNet50AtBatchFourAgreesWithReference) {
  expect_backends_agree_on_generated_model("resnet50", kFloat32Bound, 4, {.name = "cuda"});
}

// --cuda-graph: after the warm-up run, runs replay one recorded graph and give what the same
// model gives step by step (GoogLeNet: pre-padded pooling and Concat; ResNet-50: fused sums).
TEST(CudaGraph, ReplayedRunsGiveWhatStepByStepRunsGive) {
  FOVEA_REQUIRE_BACKEND("cuda");
  for (const char* name : {"googlenet", "resnet50"}) {
    std::string why;
    const auto path = generated_model(name, why);
    if (!path) GTEST_SKIP() << why;
    LoadOptions options;
    options.backend = "cuda";
    auto step_by_step = load_model(*path, options);
    options.plan.capture_graph = true;
    auto graphed = load_model(*path, options);
    ASSERT_TRUE(step_by_step.is_ok() && graphed.is_ok());
    const Shape shape = (*graphed)->default_input_shapes()[0];
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      const Tensor input = random_tensor(shape, seed, 0.0f, 1.0f);
      auto expected = (*step_by_step)->run({input});
      auto actual = (*graphed)->run({input});
      ASSERT_TRUE(expected.is_ok() && actual.is_ok());
      EXPECT_LT(relative_l2_error((*actual)[0], (*expected)[0]), 1e-6) << name << " run " << seed;
    }
    auto plan = (*graphed)->plan_for({shape});
    ASSERT_TRUE(plan.is_ok());
    EXPECT_TRUE((*plan)->replaying()) << name << ": " << (*plan)->capture_failure();
    // Two sessions alternating: each records its own graph on its own stream (cuBLAS and
    // cuDNN follow the switch) and replays it with the other's in between.
    RunContext first, second;
    for (uint64_t seed = 4; seed <= 7; ++seed) {
      const Tensor input = random_tensor(shape, seed, 0.0f, 1.0f);
      auto expected = (*step_by_step)->run({input});
      auto actual = (*plan)->run(seed % 2 == 0 ? first : second, std::vector<Tensor>{input});
      ASSERT_TRUE(expected.is_ok() && actual.is_ok());
      EXPECT_LT(relative_l2_error((*actual)[0], (*expected)[0]), 1e-6) << name << " run " << seed;
    }
    EXPECT_TRUE((*plan)->replaying()) << name << ": " << (*plan)->capture_failure();
    EXPECT_EQ((*plan)->capture_failure(), "") << name;
  }
}

}  // namespace
}  // namespace fovea::testing
