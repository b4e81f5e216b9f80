// Full-size CNNs with random weights from ../shared/tools/make_models.py, generated on first
// use into the build folder, and the check every backend must pass on them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace fovea::testing {

// Path of the generated model (e.g. "resnet18") with a fixed batch of `batch`, generating it if
// needed; nullopt (with the reason in `why`) when ../shared or python3-onnx is absent.
std::optional<std::string> generated_model(const std::string& name, std::string& why,
                                           int64_t batch = 1);

// Runs the model on the onednn and reference backends with the same seeded input of `batch`
// images and expects relative L2 error at most `max_rel_l2` and a finite output of the right
// shape.
void expect_backends_agree_on_generated_model(const std::string& name, double max_rel_l2,
                                              int64_t batch = 1);

// A model name as gtest takes it in a test name ("alexnet-zoo" → "alexnet_zoo").
std::string model_test_name(const ::testing::TestParamInfo<std::string>& info);

}  // namespace fovea::testing
