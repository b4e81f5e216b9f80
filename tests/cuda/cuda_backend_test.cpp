// The CUDA backend without a GPU: it is registered, creating it fails with a clear error (and
// so does loading a model on it), and its admission checks (supports) take and decline the
// right nodes. These run on any machine with the toolkit.
#include <gtest/gtest.h>

#include <cstdlib>

#include "engine/backends/backend_registry.h"
#include "engine/backends/cuda/cuda_common.h"
#include "runtime/internal/model_loader.h"
#include "tests/common/backend_testing.h"
#include "tests/common/fovea_process.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"
#include "tests/cuda/cuda_test_util.h"

namespace fovea::testing {
namespace {

using Ints = std::vector<int64_t>;

TEST(CudaBackend, IsRegistered) {
  const auto names = backend_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "cuda"), names.end());
}

TEST(CudaBackend, WithoutADeviceCreationFailsClearly) {
  if (!backend_unavailable("cuda")) GTEST_SKIP() << "a CUDA device is present";
  auto backend = create_backend("cuda");
  ASSERT_FALSE(backend.is_ok());
  const std::string& message = backend.status().message();
  EXPECT_EQ(message.rfind("cuda: no CUDA device available (cudaGetDeviceCount: ", 0), 0u)
      << message;
  EXPECT_EQ(message.back(), ')') << message;
  EXPECT_EQ(backend.status().code(), StatusCode::kNotFound);
}

TEST(CudaBackend, WithoutADeviceLoadingAModelFailsClearly) {
  if (!backend_unavailable("cuda")) GTEST_SKIP() << "a CUDA device is present";
  LoadOptions options;
  options.backend = "cuda";
  auto loaded =
      load_model(std::string(FOVEA_SOURCE_DIR) + "/models/mobilenetv2-fp32.onnx", options);
  ASSERT_FALSE(loaded.is_ok());
  EXPECT_NE(loaded.status().message().find("no CUDA device available"), std::string::npos)
      << loaded.status().message();
}

// The program's side: classify takes --backend cuda --tf32 and reports the missing device, or
// the missing module, in one line.
TEST(CudaBackend, WithoutADeviceClassifySaysWhy) {
  if (!backend_unavailable("cuda")) GTEST_SKIP() << "a CUDA device is present";
  const std::string photo = std::string(FOVEA_SOURCE_DIR) + "/models/samples/chelsea.png";
  const FoveaRun run = run_fovea_program("classify --backend cuda --tf32 " + photo);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("cuda: no CUDA device available"), std::string::npos) << run.err;

  ::setenv("FOVEA_CUDA_MODULE", "/nonexistent/libfovea_cuda.so", 1);
  const FoveaRun moved = run_fovea_program("classify --backend cuda " + photo);
  ::unsetenv("FOVEA_CUDA_MODULE");
  EXPECT_EQ(moved.exit_code, 1);
  EXPECT_NE(moved.err.find("cuda: the backend module is not installed (looked for "
                           "/nonexistent/libfovea_cuda.so)"),
            std::string::npos)
      << moved.err;
}

Attributes conv_attrs(Ints pads, std::string activation = "") {
  Attributes a;
  a.set("pads", pads);
  if (!activation.empty()) a.set("activation", activation);
  return a;
}

TEST(CudaSupports, ConvWithFusedActivationAndResidualSum) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 4, 8, 8});
  const ValueId sum = b.input("sum", DType::kFloat32, {1, 6, 8, 8});
  const ValueId w = b.constant("w", random_tensor({6, 4, 3, 3}, 1));
  const ValueId bias = b.constant("b", random_tensor({6}, 2));
  Attributes a = conv_attrs({1, 1, 1, 1}, "Relu");
  b.output(b.op("Conv", {x, w, bias, sum}, a));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  EXPECT_TRUE(cuda::conv_supports(request_for(*graph)));
}

TEST(CudaSupports, ConvTakesAsymmetricPadsAndDeclinesUnknownAttributes) {
  const std::vector<Tensor> weights{random_tensor({2, 3, 3, 3}, 3)};
  const Graph symmetric =
      one_node_graph("Conv", {{1, 3, 8, 8}}, conv_attrs({1, 1, 1, 1}, "HardSwish"), weights);
  EXPECT_TRUE(cuda::conv_supports(request_for(symmetric)));
  const Graph asymmetric =
      one_node_graph("Conv", {{1, 3, 8, 8}}, conv_attrs({0, 0, 1, 1}), weights);
  EXPECT_TRUE(cuda::conv_supports(request_for(asymmetric)));  // pre-padded
  Attributes odd = conv_attrs({1, 1, 1, 1});
  odd.set("some_future_attribute", int64_t{1});
  const Graph unknown = one_node_graph("Conv", {{1, 3, 8, 8}}, odd, weights);
  EXPECT_FALSE(cuda::conv_supports(request_for(unknown)));
}

TEST(CudaSupports, PoolingTakesEveryWindowTheReferenceDoes) {
  // cuDNN's own padding, ceil_mode, asymmetric pads (the direct kernel), windows wholly in the
  // padding, dilations, 1 to 3 spatial dims: all taken.
  const std::vector<std::pair<Shape, Attributes>> windows = {
      {{1, 8, 16, 16},
       attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}})},
      {{1, 8, 16, 16},
       attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}})},
      {{1, 4, 6, 6}, attrs({{"kernel_shape", Ints{7, 7}}, {"pads", Ints{0, 0, 1, 1}}})},
      {{1, 4, 6, 6}, attrs({{"kernel_shape", Ints{2, 2}}, {"pads", Ints{2, 2, 2, 2}}})},
      {{1, 4, 13, 13},
       attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 0, 0}}})},
      {{2, 3, 17}, attrs({{"kernel_shape", Ints{3}}, {"dilations", Ints{2}}})},
      {{1, 2, 5, 6, 7}, attrs({{"kernel_shape", Ints{2, 3, 2}}})},
  };
  for (const auto& [shape, a] : windows) {
    for (const char* op : {"MaxPool", "AveragePool"}) {
      EXPECT_TRUE(cuda::pool_supports(request_for(one_node_graph(op, {shape}, a))))
          << op << " on " << shape_to_string(shape);
    }
  }
  EXPECT_TRUE(cuda::global_pool_supports(
      request_for(one_node_graph("GlobalAveragePool", {{2, 8, 7, 7}}, {}))));
  // Attributes the kernels would ignore, and MaxPool's Indices output, decline.
  Attributes unknown = attrs({{"kernel_shape", Ints{2, 2}}, {"frobnicate", int64_t{1}}});
  EXPECT_FALSE(
      cuda::pool_supports(request_for(one_node_graph("MaxPool", {{1, 4, 6, 6}}, unknown))));
  Graph with_indices =
      one_node_graph("MaxPool", {{1, 4, 6, 6}}, attrs({{"kernel_shape", Ints{2, 2}}}));
  KernelRequest two_outputs = request_for(with_indices);
  two_outputs.outputs.push_back(two_outputs.outputs[0]);
  EXPECT_FALSE(cuda::pool_supports(two_outputs));
}

TEST(CudaSupports, ConstantOfShapeTakesFloatFills) {
  Graph fill = one_node_graph("ConstantOfShape", {}, attrs({{"value", float_tensor({1}, {0.5f})}}),
                              {int64_tensor({2}, {3, 4})});
  EXPECT_TRUE(cuda::constant_of_shape_supports(request_for(fill)));
  Graph zeros = one_node_graph("ConstantOfShape", {}, {}, {int64_tensor({2}, {3, 4})});
  EXPECT_TRUE(cuda::constant_of_shape_supports(request_for(zeros)));
  Graph integers = one_node_graph("ConstantOfShape", {}, attrs({{"value", int64_tensor({1}, {7})}}),
                                  {int64_tensor({2}, {3, 4})});
  EXPECT_FALSE(cuda::constant_of_shape_supports(request_for(integers)));
}

TEST(CudaSupports, LrnTakesWindowsCuDnnAllows) {
  for (int64_t size : {1, 4, 5, 16}) {
    Attributes a;
    a.set("size", size);
    EXPECT_TRUE(cuda::lrn_supports(request_for(one_node_graph("LRN", {{1, 16, 5, 5}}, a)))) << size;
  }
  Attributes too_wide;
  too_wide.set("size", int64_t{CUDNN_LRN_MAX_N + 1});
  EXPECT_FALSE(cuda::lrn_supports(request_for(one_node_graph("LRN", {{1, 16, 5, 5}}, too_wide))));
}

TEST(CudaSupports, ClipNeedsConstantBounds) {
  const Graph constant =
      one_node_graph("Clip", {{1, 4}}, {}, {float_tensor({}, {0.0f}), float_tensor({}, {6.0f})});
  EXPECT_TRUE(cuda::activation_supports(request_for(constant)));
  const Graph computed = one_node_graph("Clip", {{1, 4}, {}, {}}, {});
  EXPECT_FALSE(cuda::activation_supports(request_for(computed)));
}

TEST(CudaSupports, GemmSoftmaxAndBroadcastArithmetic) {
  Attributes gemm;
  gemm.set("transB", int64_t{1});
  const Graph fc =
      one_node_graph("Gemm", {{2, 16}}, gemm, {random_tensor({10, 16}, 4), random_tensor({10}, 5)});
  EXPECT_TRUE(cuda::gemm_supports(request_for(fc)));
  Attributes axis;
  axis.set("axis", int64_t{1});
  EXPECT_TRUE(cuda::softmax_supports(request_for(one_node_graph("Softmax", {{2, 10}}, axis))));
  EXPECT_TRUE(
      cuda::binary_supports(request_for(one_node_graph("Mul", {{2, 3, 4, 4}, {1, 3, 1, 1}}, {}))));
  // Sum/Max/Min with two inputs are binary ops; with three they stay on the reference.
  EXPECT_TRUE(cuda::binary_supports(request_for(one_node_graph("Max", {{2, 3}, {2, 3}}, {}))));
  EXPECT_FALSE(
      cuda::binary_supports(request_for(one_node_graph("Sum", {{2, 3}, {2, 3}, {2, 3}}, {}))));
  EXPECT_TRUE(
      cuda::binary_supports(request_for(one_node_graph("PRelu", {{2, 3, 4, 4}, {3, 1, 1}}, {}))));
  EXPECT_FALSE(cuda::binary_supports(request_for(one_node_graph("MatMul", {{2, 3}, {3, 2}}, {}))));
}

TEST(CudaSupports, PadTakesConstantPadsInEveryMode) {
  for (const char* mode : {"constant", "edge", "reflect", "wrap"}) {
    const Graph pad = one_node_graph("Pad", {{1, 3, 8, 8}}, attrs({{"mode", std::string(mode)}}),
                                     {int64_tensor({8}, {0, 0, 1, 2, 0, 0, 2, 1})});
    EXPECT_TRUE(cuda::pad_supports(request_for(pad))) << mode;
  }
  Graph unknown_mode =
      one_node_graph("Pad", {{1, 3, 8, 8}}, {}, {int64_tensor({8}, {0, 0, 1, 2, 0, 0, 2, 1})});
  unknown_mode.nodes[0].attrs.set("mode", std::string("mirror"));  // no import would accept it
  EXPECT_FALSE(cuda::pad_supports(request_for(unknown_mode)));
  // Pads known only at run time stay on the reference.
  const Graph pad =
      one_node_graph("Pad", {{1, 3, 8, 8}}, {}, {int64_tensor({8}, {0, 0, 1, 2, 0, 0, 2, 1})});
  KernelRequest computed = request_for(pad);
  computed.inputs[1].value = nullptr;
  EXPECT_FALSE(cuda::pad_supports(computed));
}

TEST(CudaSupports, ReduceMeanTakesConstantAxes) {
  const Graph spatial =
      one_node_graph("ReduceMean", {{2, 16, 7, 7}}, {}, {int64_tensor({2}, {2, 3})});
  EXPECT_TRUE(cuda::reduce_mean_supports(request_for(spatial)));
  KernelRequest computed = request_for(spatial);
  computed.inputs[1].value = nullptr;
  EXPECT_FALSE(cuda::reduce_mean_supports(computed));
}

TEST(CudaSupports, TransposeTakesPermutationsUpToRankSix) {
  const Ints nhwc = {0, 2, 3, 1};
  EXPECT_TRUE(cuda::transpose_supports(
      request_for(one_node_graph("Transpose", {{2, 3, 4, 5}}, attrs({{"perm", nhwc}})))));
  EXPECT_TRUE(cuda::transpose_supports(request_for(one_node_graph("Transpose", {{2, 3}}, {}))));
  EXPECT_FALSE(cuda::transpose_supports(
      request_for(one_node_graph("Transpose", {{1, 1, 1, 1, 1, 1, 2}}, {}))));
}

}  // namespace
}  // namespace fovea::testing
