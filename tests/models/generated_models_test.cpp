// The CI-sized subset of the full-size model check (tests/full_models runs every family).
#include "tests/common/generated_models.h"

#include <gtest/gtest.h>

namespace fovea::testing {
namespace {

class GeneratedModel : public ::testing::TestWithParam<std::string> {};

TEST_P(GeneratedModel, OnednnAgreesWithReference) {
  // Exact float32 by default: relative L2 against the reference at most 1e-5.
  expect_backends_agree_on_generated_model(GetParam(), 1e-5);
}

// Covers residual adds + BN (resnet18), LRN + grouped conv + Reshape + Softmax (alexnet-zoo)
// and inception concat + ceil-mode pools (googlenet).
INSTANTIATE_TEST_SUITE_P(CiSubset, GeneratedModel,
                         ::testing::Values("resnet18", "alexnet-zoo", "googlenet"),
                         model_test_name);

// From batch 4 the oneDNN backend runs convolutions on 16-channel blocks (onednn_conv.cpp):
// residual sums and Inception's branches on those kernels, whole.
class GeneratedModelBatchFour : public ::testing::TestWithParam<std::string> {};

TEST_P(GeneratedModelBatchFour, OnednnAgreesWithReference) {
  expect_backends_agree_on_generated_model(GetParam(), 1e-5, 4);
}

INSTANTIATE_TEST_SUITE_P(CiSubset, GeneratedModelBatchFour,
                         ::testing::Values("resnet18", "googlenet"), model_test_name);

}  // namespace
}  // namespace fovea::testing
