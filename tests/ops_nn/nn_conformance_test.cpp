// Runs the ONNX node conformance cases of this suite's ops (../shared/onnx-tests/node and
// Debian's libonnx-testdata) on the reference backend: a check of the ops' semantics against
// the ONNX reference implementation. Needs the ONNX importer; the project-wide conformance
// runner (tests/conformance) covers every op, this one keeps the nn ops' failures local.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "importers/onnx/onnx_importer.h"
#include "importers/onnx/tensor_file.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

namespace fs = std::filesystem;

// Cases whose expected status is kUnsupported rather than a numeric match.
bool expected_unsupported(const std::string& name) {
  return name == "test_maxpool_2d_uint8" || name.starts_with("test_maxpool_with_argmax");
}

bool is_nn_case(const std::string& name) {
  if (name.ends_with("_expanded")) return false;  // function-body expansions use other ops
  for (const char* prefix :
       {"test_conv_", "test_convtranspose", "test_averagepool", "test_maxpool", "test_batchnorm",
        "test_globalaveragepool", "test_globalmaxpool", "test_lrn", "test_gemm", "test_matmul_",
        "test_softmax", "test_logsoftmax"}) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

// Runs every nn case under `root`; returns how many were compared numerically.
int run_cases(const fs::path& root) {
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (!is_nn_case(name)) continue;
    SCOPED_TRACE(entry.path().string());
    auto graph = import_onnx_file((entry.path() / "model.onnx").string());
    if (expected_unsupported(name)) {
      EXPECT_FALSE(graph.is_ok());
      if (!graph.is_ok()) {
        EXPECT_EQ(graph.status().code(), StatusCode::kUnsupported) << graph.status().message();
      }
      continue;
    }
    if (!graph.is_ok() && graph.status().code() == StatusCode::kUnsupported &&
        graph.status().message().find("opset") != std::string::npos) {
      continue;  // a model for an opset outside Fovea's range (Debian keeps some opset-1 ones)
    }
    if (!graph.is_ok()) {
      ADD_FAILURE() << graph.status().message();
      continue;
    }
    const fs::path data = entry.path() / "test_data_set_0";
    std::vector<Tensor> inputs;
    std::vector<Tensor> expected;
    bool read_ok = true;
    for (const auto& [prefix, list] : {std::pair{"input_", &inputs}, {"output_", &expected}}) {
      for (int i = 0; fs::exists(data / (prefix + std::to_string(i) + ".pb")); ++i) {
        auto t = read_tensor_file((data / (prefix + std::to_string(i) + ".pb")).string());
        if (!t.is_ok()) {
          ADD_FAILURE() << t.status().message();
          read_ok = false;
          break;
        }
        list->push_back(*t);
      }
    }
    if (!read_ok) continue;
    auto outputs = run_graph(*graph, "reference", inputs);
    if (!outputs.is_ok()) {
      ADD_FAILURE() << outputs.status().message();
      continue;
    }
    EXPECT_EQ(outputs->size(), expected.size());
    for (size_t i = 0; i < expected.size() && i < outputs->size(); ++i) {
      // The ONNX conformance tolerance (expected values are often rounded to 4 decimals).
      EXPECT_TRUE(tensors_close((*outputs)[i], expected[i])) << "output " << i;
    }
    ++checked;
  }
  return checked;
}

TEST(NnConformance, SharedNodeCasesMatchOnnxReference) {
  FOVEA_REQUIRE_SHARED(shared);
  const fs::path root = fs::path(shared) / "onnx-tests" / "node";
  if (!fs::exists(root)) GTEST_SKIP() << root << " is absent";
  EXPECT_GT(run_cases(root), 50);
}

TEST(NnConformance, DebianNodeCasesMatchOnnxReference) {
  const auto testdata = onnx_testdata_dir();
  if (!testdata) GTEST_SKIP() << "libonnx-testdata is not installed";
  const fs::path root = fs::path(*testdata) / "node";
  if (!fs::exists(root)) GTEST_SKIP() << root << " is absent";
  EXPECT_GT(run_cases(root), 50);
}

}  // namespace
}  // namespace fovea::testing
