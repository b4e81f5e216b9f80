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

// The backend a generated model is checked on, against the reference backend.
struct BackendUnderTest {
  std::string name = "onednn";
  bool allow_tf32 = false;  // GPU backends: TF32 Tensor Core math
};

// Runs the model on `tested` and on the reference backend with the same seeded input of `batch`
// images and expects relative L2 error at most `max_rel_l2` and a finite output of the right
// shape. Skips when the model cannot be generated or the backend cannot run here.
void expect_backends_agree_on_generated_model(const std::string& name, double max_rel_l2,
                                              int64_t batch = 1,
                                              const BackendUnderTest& tested = {});

// A model name as gtest takes it in a test name ("alexnet-zoo" → "alexnet_zoo").
std::string model_test_name(const ::testing::TestParamInfo<std::string>& info);

}  // namespace fovea::testing
