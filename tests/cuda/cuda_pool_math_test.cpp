// The direct pooling kernel's math (cuda_pool_math.h), run on the host: the CUDA kernel calls
// the same function per output element, so these check everything but the launch without a
// GPU. Against the reference backend bit for bit (same order of summation), and against the
// ONNX conformance data for every MaxPool/AveragePool case.
#include "engine/backends/cuda/cuda_pool_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "engine/backends/cuda/cuda_params.h"
#include "importers/onnx/onnx_importer.h"
#include "importers/onnx/tensor_file.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"
#include "tests/cuda/cuda_test_util.h"

namespace fovea::testing {
namespace {

using Ints = std::vector<int64_t>;

// Pools `x` as the direct kernel would for `node`; an error where it declines.
Result<Tensor> direct_pool(const Node& node, const Tensor& x) {
  FOVEA_ASSIGN_OR_RETURN(SpatialParams p, resolve_pool(node, x.shape()));
  Shape y_shape = {x.dim(0), x.dim(1)};
  y_shape.insert(y_shape.end(), p.output_spatial.begin(), p.output_spatial.end());
  FOVEA_ASSIGN_OR_RETURN(cuda::PoolGeometry g,
                         cuda::map_direct_pool(p, x.shape(), y_shape, node.op_type == "MaxPool",
                                               node.attrs.get_int("count_include_pad", 0) != 0));
  Tensor y(DType::kFloat32, y_shape);
  for (int64_t i = 0; i < y.element_count(); ++i) {
    y.data<float>()[i] = cuda::pool_output(x.data<float>(), g, i);
  }
  return y;
}

struct Window {
  const char* name;
  Shape x;
  Attributes attrs;
};

void PrintTo(const Window& w, std::ostream* os) { *os << w.name; }

class DirectPoolMath : public ::testing::TestWithParam<Window> {};

TEST_P(DirectPoolMath, EqualsTheReferenceBitForBit) {
  const Window& w = GetParam();
  for (const char* op : {"MaxPool", "AveragePool"}) {
    for (int64_t include_pad : {0, 1}) {
      if (std::string(op) == "MaxPool" && include_pad == 1) continue;
      Attributes a = w.attrs;
      if (include_pad) a.set("count_include_pad", include_pad);
      const Graph graph = one_node_graph(op, {w.x}, a);
      Tensor x = random_tensor(w.x, 7, -3.0f, 3.0f);
      x.data<float>()[1] = std::numeric_limits<float>::quiet_NaN();  // NaN handled alike
      const Tensor expected = reference_output(graph, {x});
      auto actual = direct_pool(graph.nodes[0], x);
      ASSERT_TRUE(actual.is_ok()) << actual.status().message();
      SCOPED_TRACE(std::string(op) + (include_pad ? " count_include_pad" : ""));
      expect_same(*actual, expected);  // same taps, order and division
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Windows, DirectPoolMath,
    ::testing::Values(Window{"symmetric",
                             {1, 3, 11, 11},
                             attrs({{"kernel_shape", Ints{3, 3}},
                                    {"strides", Ints{2, 2}},
                                    {"pads", Ints{1, 1, 1, 1}}})},
                      Window{"ceil_mode",
                             {2, 4, 14, 14},
                             attrs({{"kernel_shape", Ints{3, 3}},
                                    {"strides", Ints{2, 2}},
                                    {"pads", Ints{1, 1, 1, 1}},
                                    {"ceil_mode", int64_t{1}}})},
                      Window{"inception_v1_last",
                             {1, 8, 6, 6},
                             attrs({{"kernel_shape", Ints{7, 7}}, {"pads", Ints{0, 0, 1, 1}}})},
                      Window{"asymmetric",
                             {1, 2, 7, 7},
                             attrs({{"kernel_shape", Ints{2, 2}}, {"pads", Ints{0, 1, 1, 0}}})},
                      Window{"wholly_in_padding",
                             {1, 2, 6, 6},
                             attrs({{"kernel_shape", Ints{2, 2}},
                                    {"strides", Ints{2, 2}},
                                    {"pads", Ints{2, 2, 2, 2}}})},
                      Window{"dilated_1d",
                             {2, 3, 17},
                             attrs({{"kernel_shape", Ints{3}}, {"dilations", Ints{2}}})},
                      Window{"same_upper_3d",
                             {1, 2, 5, 6, 7},
                             attrs({{"kernel_shape", Ints{2, 3, 2}},
                                    {"strides", Ints{2, 2, 2}},
                                    {"auto_pad", std::string("SAME_UPPER")}})}),
    [](const auto& info) { return std::string(info.param.name); });

// Every MaxPool/AveragePool case of the ONNX node tests (../shared and Debian's suite) whose
// dtype and outputs the backend takes.
TEST(DirectPoolMath, MatchesOnnxConformanceData) {
  namespace fs = std::filesystem;
  int checked = 0;
  for (const std::string& root : {shared_dir().value_or("") + "/onnx-tests/node",
                                  std::string(FOVEA_ONNX_TESTDATA_DIR) + "/node"}) {
    if (!fs::is_directory(root)) continue;
    for (const auto& entry : fs::directory_iterator(root)) {
      const std::string name = entry.path().filename().string();
      if ((name.rfind("test_maxpool", 0) != 0 && name.rfind("test_averagepool", 0) != 0) ||
          name.find("argmax") != std::string::npos || name.find("uint8") != std::string::npos) {
        continue;
      }
      SCOPED_TRACE(entry.path().string());
      auto graph = import_onnx_file((entry.path() / "model.onnx").string());
      ASSERT_TRUE(graph.is_ok()) << graph.status().message();
      ASSERT_EQ(graph->nodes.size(), 1u);
      auto x = read_tensor_file((entry.path() / "test_data_set_0/input_0.pb").string());
      auto expected = read_tensor_file((entry.path() / "test_data_set_0/output_0.pb").string());
      ASSERT_TRUE(x.is_ok() && expected.is_ok());
      auto actual = direct_pool(graph->nodes[0], *x);
      ASSERT_TRUE(actual.is_ok()) << actual.status().message();
      EXPECT_TRUE(tensors_close(*actual, *expected, 1e-3, 1e-7));
      ++checked;
    }
  }
  if (checked == 0) GTEST_SKIP() << "no ONNX pooling test cases found";
  EXPECT_GE(checked, 25);  // ../shared holds 36 such cases, Debian's suite 25
}

}  // namespace
}  // namespace fovea::testing
