// Whole CNNs on the GPU against the CPU reference backend: every family of
// ../shared/tools/make_models.py at batch 1, ResNet-50 also at batch 4 (the issue's bounds:
// relative L2 at most 1e-4 in float32, 1e-2 with TF32). Skipped without a GPU or ../shared.
#include <gtest/gtest.h>

#include "tests/common/generated_models.h"

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

}  // namespace
}  // namespace fovea::testing
