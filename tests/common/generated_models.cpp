#include "tests/common/generated_models.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "runtime/internal/model_loader.h"
#include "tests/common/backend_testing.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace fs = std::filesystem;

std::optional<std::string> generated_model(const std::string& name, std::string& why,
                                           int64_t batch) {
  const auto shared = shared_dir();
  if (!shared) {
    why = "../shared is absent";
    return std::nullopt;
  }
  const fs::path dir = fs::path(FOVEA_BINARY_DIR) / "generated_models";
  const std::string file = batch == 1 ? name : name + "_b" + std::to_string(batch);
  const fs::path model = dir / (file + ".onnx");
  if (fs::exists(model)) return model.string();
  if (std::system("/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1") != 0) {
    why = "python3-onnx is not installed (scripts/setup-deps.sh installs it)";
    return std::nullopt;
  }
  // Generate into a folder private to this process, then rename: a concurrent test (ctest -j
  // runs several binaries that ask for the same model) never sees or renames half a file.
  const fs::path tmp = dir / ("tmp_" + file + "_" + std::to_string(getpid()));
  fs::create_directories(tmp);
  const std::string cmd = "/usr/bin/python3 " + *shared + "/tools/make_models.py " + tmp.string() +
                          " --only " + name + " --batch " + std::to_string(batch) + " > /dev/null";
  if (std::system(cmd.c_str()) != 0) {
    why = "make_models.py failed for " + name;
    return std::nullopt;
  }
  fs::rename(tmp / (name + ".onnx"), model);
  fs::remove_all(tmp);
  return model.string();
}

std::string model_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) c = (c == '-') ? '_' : c;
  return name;
}

void expect_backends_agree_on_generated_model(const std::string& name, double max_rel_l2,
                                              int64_t batch, const BackendUnderTest& tested) {
  FOVEA_REQUIRE_BACKEND(tested.name);
  std::string why;
  const auto path = generated_model(name, why, batch);
  if (!path) GTEST_SKIP() << why;

  auto reference = load_model(*path, {.backend = "reference"});
  ASSERT_TRUE(reference.is_ok()) << reference.status().message();
  auto under_test = load_model(*path, {.backend = tested.name, .allow_tf32 = tested.allow_tf32});
  ASSERT_TRUE(under_test.is_ok()) << under_test.status().message();

  const Graph& graph = (*reference)->graph();
  ASSERT_EQ(graph.inputs.size(), 1u);
  Shape shape = graph.value(graph.inputs[0]).shape;
  for (int64_t& d : shape) d = d < 0 ? 1 : d;
  ASSERT_FALSE(shape.empty());
  ASSERT_EQ(shape[0], batch) << name << "'s batch";
  const Tensor input = random_tensor(shape, /*seed=*/2024, 0.0f, 1.0f);

  auto expected = (*reference)->run({input});
  ASSERT_TRUE(expected.is_ok()) << expected.status().message();
  auto actual = (*under_test)->run({input});
  ASSERT_TRUE(actual.is_ok()) << actual.status().message();

  ASSERT_EQ(actual->size(), 1u);
  const Tensor& out = (*actual)[0];
  EXPECT_EQ(out.shape(), (Shape{batch, 1000}));
  for (int64_t i = 0; i < out.element_count(); ++i) {
    ASSERT_TRUE(std::isfinite(out.data<float>()[i])) << "non-finite output at " << i;
  }
  const double err = relative_l2_error(out, (*expected)[0]);
  const std::string label = tested.name + (tested.allow_tf32 ? " (tf32)" : "");
  EXPECT_LE(err, max_rel_l2) << name << ": " << label << " vs reference relative L2 error " << err;
  std::cout << name << ", batch " << batch << ": relative L2 error " << label
            << " vs reference = " << err << "\n";
}

}  // namespace fovea::testing
