// Model-zoo graph structures (AlexNet, VGG-19, GoogLeNet, ResNet-50) with constant weights:
// checks graph structure and shapes end to end against the ONNX release's expected outputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <tuple>

#include "importers/onnx/tensor_file.h"
#include "runtime/internal/model_loader.h"
#include "tests/common/backend_testing.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

using LightCase = std::tuple<std::string, std::string>;  // model, backend

class OnnxLight : public ::testing::TestWithParam<LightCase> {};

TEST_P(OnnxLight, MatchesExpectedOutput) {
  FOVEA_REQUIRE_SHARED(shared);
  const auto& [model, backend] = GetParam();
  FOVEA_REQUIRE_BACKEND(backend);
  const std::string dir = shared + "/onnx-light/";
  auto executor = load_model(dir + model + ".onnx", {.backend = backend});
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  const Graph& graph = (*executor)->graph();
  ASSERT_EQ(graph.inputs.size(), 1u);

  // The documented input: arange(n).reshape(shape) / n.
  Shape shape = graph.value(graph.inputs[0]).shape;
  for (int64_t& d : shape) d = d < 0 ? 1 : d;
  Tensor input(DType::kFloat32, shape);
  const int64_t n = input.element_count();
  for (int64_t i = 0; i < n; ++i) {
    input.data<float>()[i] = static_cast<float>(static_cast<double>(i) / static_cast<double>(n));
  }

  auto outputs = (*executor)->run({input});
  ASSERT_TRUE(outputs.is_ok()) << outputs.status().message();
  auto expected = read_tensor_file(dir + model + "_output_0.pb");
  ASSERT_TRUE(expected.is_ok()) << expected.status().message();
  EXPECT_TRUE(tensors_close((*outputs)[0], *expected, 1e-3, 1e-7));
}

INSTANTIATE_TEST_SUITE_P(
    ZooStructures, OnnxLight,
    ::testing::Combine(::testing::Values("light_bvlc_alexnet", "light_vgg19", "light_inception_v1",
                                         "light_resnet50"),
                       ::testing::ValuesIn(all_backends())),
    [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param); });

}  // namespace
}  // namespace fovea::testing
