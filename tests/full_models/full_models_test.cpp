// Every family from ../shared/tools/make_models.py, full size, on both backends.
// Slow (the reference backend is plain loops): run on demand with `ctest -L full_models`.
#include <gtest/gtest.h>

#include "tests/common/generated_models.h"

namespace fovea::testing {
namespace {

class FullModel : public ::testing::TestWithParam<std::string> {};

TEST_P(FullModel, OnednnAgreesWithReference) {
  // Exact float32 by default: relative L2 against the reference at most 1e-5.
  expect_backends_agree_on_generated_model(GetParam(), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, FullModel,
                         ::testing::Values("alexnet", "alexnet-zoo", "vgg16", "vgg16-bn", "vgg19",
                                           "googlenet", "googlenet-zoo", "resnet18", "resnet34",
                                           "resnet50", "resnet101"),
                         model_test_name);

}  // namespace
}  // namespace fovea::testing
