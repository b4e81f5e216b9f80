// The CI-sized subset of the full-size model check (tests/full_models runs every family).
#include <gtest/gtest.h>

#include "tests/common/generated_models.h"

namespace fovea::testing {
namespace {

class GeneratedModel : public ::testing::TestWithParam<std::string> {};

TEST_P(GeneratedModel, OnednnAgreesWithReference) {
  expect_backends_agree_on_generated_model(GetParam(), 1e-4);
}

// Covers residual adds + BN (resnet18), LRN + grouped conv + Reshape + Softmax (alexnet-zoo)
// and inception concat + ceil-mode pools (googlenet).
INSTANTIATE_TEST_SUITE_P(CiSubset, GeneratedModel,
                         ::testing::Values("resnet18", "alexnet-zoo", "googlenet"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = (c == '-') ? '_' : c;
                           return n;
                         });

}  // namespace
}  // namespace fovea::testing
