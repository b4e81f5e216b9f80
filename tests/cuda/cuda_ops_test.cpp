// The CUDA backend against the reference backend (the oracle), one small graph per operator
// form the backend takes; each must also have run on "cuda", not fallen back. Needs a GPU:
// every test skips with the reason when the backend cannot be created.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "engine/backends/backend_registry.h"
#include "engine/plan/executor.h"
#include "tests/common/backend_testing.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"
#include "tests/cuda/cuda_test_util.h"

namespace fovea::testing {
namespace {

using Ints = std::vector<int64_t>;
constexpr double kRelativeL2 = 1e-5;  // float32 math, different summation order

struct OpCase {
  std::string name;
  std::function<Graph()> graph;
};

Attributes with(std::initializer_list<std::pair<std::string, AttrValue>> list) {
  return attrs(list);
}

Graph conv(Ints x, Ints w, Attributes a, bool bias = true) {
  std::vector<Tensor> constants{random_tensor(w, 11)};
  if (bias) constants.push_back(random_tensor({w[0]}, 12));
  return one_node_graph("Conv", {x}, std::move(a), constants);
}

Graph conv_with_sum(const std::string& activation) {
  GraphBuilder b;
  const ValueId x = b.input("x0", DType::kFloat32, {2, 4, 9, 9});
  const ValueId sum = b.input("x1", DType::kFloat32, {2, 6, 9, 9});
  Attributes a = with({{"pads", Ints{1, 1, 1, 1}}});
  if (!activation.empty()) a.set("activation", activation);
  b.output(b.op("Conv",
                {x, b.constant("w", random_tensor({6, 4, 3, 3}, 13)),
                 b.constant("b", random_tensor({6}, 14)), sum},
                a));
  return std::move(b.build()).value();
}

// A ConstantOfShape too large for constant folding (engine/passes: 2^24 elements), added to an
// input so that the fill is what the output shows.
Graph constant_of_shape_plus_input() {
  const Shape shape = {4100, 4096};
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, shape);
  const ValueId filled = b.op("ConstantOfShape", {b.constant("shape", int64_tensor({2}, shape))},
                              with({{"value", float_tensor({1}, {0.75f})}}));
  b.output(b.op("Add", {x, filled}, {}));
  return std::move(b.build()).value();
}

const std::vector<OpCase>& cases() {
  static const std::vector<OpCase> all = {
      {"conv_plain",
       [] {
         return conv({1, 3, 9, 9}, {4, 3, 3, 3}, {}, false);
       }},
      {"conv_relu",
       [] {
         return conv({2, 3, 8, 8}, {5, 3, 3, 3},
                     with({{"pads", Ints{1, 1, 1, 1}}, {"activation", std::string("Relu")}}));
       }},
      {"conv_hardswish",
       [] {
         return conv({1, 8, 7, 7}, {8, 1, 3, 3},
                     with({{"group", int64_t{8}},
                           {"pads", Ints{1, 1, 1, 1}},
                           {"activation", std::string("HardSwish")}}));
       }},
      {"conv_clip6",
       [] {
         return conv({1, 4, 8, 8}, {6, 2, 3, 3},
                     with({{"group", int64_t{2}},
                           {"strides", Ints{2, 2}},
                           {"activation", std::string("Clip")},
                           {"activation_alpha", 0.0f},
                           {"activation_beta", 6.0f}}));
       }},
      {"conv_dilated",
       [] {
         return conv({1, 2, 12, 12}, {3, 2, 3, 3},
                     with({{"dilations", Ints{2, 2}}, {"pads", Ints{2, 2, 2, 2}}}));
       }},
      {"conv_1d",
       [] {
         return conv({1, 3, 16}, {4, 3, 3}, with({{"strides", Ints{2}}, {"pads", Ints{1, 1}}}));
       }},
      {"conv_3d",
       [] {
         return conv({1, 2, 5, 6, 7}, {3, 2, 3, 3, 3}, with({{"pads", Ints{1, 1, 1, 1, 1, 1}}}));
       }},
      {"conv_asymmetric_pads",  // TensorFlow's SAME at stride 2: pre-padded
       [] {
         return conv({2, 3, 8, 8}, {4, 3, 3, 3},
                     with({{"strides", Ints{2, 2}},
                           {"pads", Ints{0, 0, 1, 1}},
                           {"activation", std::string("Relu")}}));
       }},
      {"conv_same_upper_depthwise",
       [] {
         return conv({1, 6, 9, 10}, {6, 1, 4, 4},
                     with({{"group", int64_t{6}}, {"auto_pad", std::string("SAME_UPPER")}}));
       }},
      {"conv_sum_relu", [] { return conv_with_sum("Relu"); }},
      {"conv_sum_none", [] { return conv_with_sum(""); }},
      {"conv_sum_sigmoid", [] { return conv_with_sum("Sigmoid"); }},
      {"maxpool",
       [] {
         return one_node_graph("MaxPool", {{1, 4, 11, 11}},
                               with({{"kernel_shape", Ints{3, 3}},
                                     {"strides", Ints{2, 2}},
                                     {"pads", Ints{1, 1, 1, 1}}}));
       }},
      {"maxpool_ceil",
       [] {
         return one_node_graph("MaxPool", {{1, 4, 14, 14}},
                               with({{"kernel_shape", Ints{3, 3}},
                                     {"strides", Ints{2, 2}},
                                     {"ceil_mode", int64_t{1}}}));
       }},
      {"maxpool_asymmetric",
       [] {
         return one_node_graph("MaxPool", {{1, 4, 7, 7}},
                               with({{"kernel_shape", Ints{2, 2}}, {"pads", Ints{0, 1, 1, 0}}}));
       }},
      {"maxpool_dropping_trailing_input",  // floor mode: the end padding would be negative
       [] {
         return one_node_graph("MaxPool", {{1, 4, 13, 13}},
                               with({{"kernel_shape", Ints{3, 3}},
                                     {"strides", Ints{2, 2}},
                                     {"pads", Ints{1, 1, 0, 0}}}));
       }},
      {"avgpool_exclude_pad",
       [] {
         return one_node_graph("AveragePool", {{1, 4, 10, 10}},
                               with({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}}));
       }},
      {"avgpool_include_pad",
       [] {
         return one_node_graph("AveragePool", {{1, 4, 10, 10}},
                               with({{"kernel_shape", Ints{3, 3}},
                                     {"pads", Ints{1, 1, 1, 1}},
                                     {"count_include_pad", int64_t{1}}}));
       }},
      // The direct pooling kernel: geometry cuDNN's pooling cannot express.
      {"avgpool_asymmetric_exclude_pad",  // Inception v1's last pool in the model zoo
       [] {
         return one_node_graph("AveragePool", {{2, 8, 6, 6}},
                               with({{"kernel_shape", Ints{7, 7}}, {"pads", Ints{0, 0, 1, 1}}}));
       }},
      {"avgpool_ceil_include_pad",
       [] {
         return one_node_graph("AveragePool", {{1, 4, 14, 14}},
                               with({{"kernel_shape", Ints{3, 3}},
                                     {"strides", Ints{2, 2}},
                                     {"pads", Ints{1, 1, 1, 1}},
                                     {"ceil_mode", int64_t{1}},
                                     {"count_include_pad", int64_t{1}}}));
       }},
      {"pool_windows_wholly_in_padding",
       [] {
         return one_node_graph("AveragePool", {{1, 2, 6, 6}},
                               with({{"kernel_shape", Ints{2, 2}},
                                     {"strides", Ints{2, 2}},
                                     {"pads", Ints{2, 2, 2, 2}}}));
       }},
      {"maxpool_dilated_1d",
       [] {
         return one_node_graph("MaxPool", {{2, 3, 17}},
                               with({{"kernel_shape", Ints{3}}, {"dilations", Ints{2}}}));
       }},
      {"maxpool_3d_asymmetric",
       [] {
         return one_node_graph(
             "MaxPool", {{1, 2, 5, 6, 7}},
             with({{"kernel_shape", Ints{2, 3, 2}}, {"pads", Ints{0, 1, 1, 1, 0, 0}}}));
       }},
      {"global_avg",
       [] {
         return one_node_graph("GlobalAveragePool", {{2, 8, 7, 7}}, {});
       }},
      {"global_max",
       [] {
         return one_node_graph("GlobalMaxPool", {{2, 8, 7, 7}}, {});
       }},
      {"lrn",
       [] {
         return one_node_graph(
             "LRN", {{1, 16, 5, 5}},
             with({{"size", int64_t{5}}, {"alpha", 1e-3f}, {"beta", 0.75f}, {"bias", 2.0f}}));
       }},
      {"lrn_even_window",
       [] {
         return one_node_graph(
             "LRN", {{1, 16, 5, 5}},
             with({{"size", int64_t{4}}, {"alpha", 1e-3f}, {"beta", 0.75f}, {"bias", 2.0f}}));
       }},
      {"softmax_last",
       [] {
         return one_node_graph("Softmax", {{2, 3, 10}}, with({{"axis", int64_t{-1}}}));
       }},
      {"softmax_middle",
       [] {
         return one_node_graph("Softmax", {{2, 3, 10}}, with({{"axis", int64_t{1}}}));
       }},
      {"softmax_coerced",
       [] {
         return one_node_graph("Softmax", {{2, 3, 10}},
                               with({{"axis", int64_t{1}}, {"coerce_2d", int64_t{1}}}));
       }},
      {"logsoftmax",
       [] {
         return one_node_graph("LogSoftmax", {{4, 10}}, with({{"axis", int64_t{1}}}));
       }},
      {"batchnorm",
       [] {
         return one_node_graph("BatchNormalization", {{2, 3, 4, 4}}, {},
                               {random_tensor({3}, 1), random_tensor({3}, 2), random_tensor({3}, 3),
                                random_tensor({3}, 4, 0.5f, 2.0f)});
       }},
      {"gemm_fc_relu",
       [] {
         return one_node_graph("Gemm", {{3, 16}},
                               with({{"transB", int64_t{1}}, {"activation", std::string("Relu")}}),
                               {random_tensor({10, 16}, 5), random_tensor({10}, 6)});
       }},
      {"gemm_full_c_beta",
       [] {
         return one_node_graph("Gemm", {{16, 3}},
                               with({{"transA", int64_t{1}}, {"alpha", 0.5f}, {"beta", 2.0f}}),
                               {random_tensor({16, 10}, 5), random_tensor({3, 10}, 6)});
       }},
      {"matmul_folded",
       [] {
         return one_node_graph("MatMul", {{2, 3, 8}}, {}, {random_tensor({8, 5}, 7)});
       }},
      {"matmul_batched",
       [] {
         return one_node_graph("MatMul", {{4, 3, 8}, {4, 8, 5}}, {});
       }},
      {"relu",
       [] {
         return one_node_graph("Relu", {{2, 3, 4, 5}}, {});
       }},
      {"leaky_relu",
       [] {
         return one_node_graph("LeakyRelu", {{2, 3, 4, 5}}, with({{"alpha", 0.2f}}));
       }},
      {"elu",
       [] {
         return one_node_graph("Elu", {{2, 3, 4, 5}}, {});
       }},
      {"sigmoid",
       [] {
         return one_node_graph("Sigmoid", {{2, 3, 4, 5}}, {});
       }},
      {"tanh",
       [] {
         return one_node_graph("Tanh", {{2, 3, 4, 5}}, {});
       }},
      {"hard_sigmoid",
       [] {
         return one_node_graph("HardSigmoid", {{2, 3, 4, 5}}, {});
       }},
      {"hard_swish",
       [] {
         return one_node_graph("HardSwish", {{2, 3, 4, 5}}, {});
       }},
      {"clip",
       [] {
         return one_node_graph("Clip", {{2, 3, 4, 5}}, {},
                               {float_tensor({}, {-0.5f}), float_tensor({}, {0.5f})});
       }},
      {"add_equal",
       [] {
         return one_node_graph("Add", {{2, 3, 4, 5}, {2, 3, 4, 5}}, {});
       }},
      {"mul_per_channel",
       [] {
         return one_node_graph("Mul", {{2, 3, 4, 5}}, {}, {random_tensor({1, 3, 1, 1}, 8)});
       }},
      {"sub_suffix",
       [] {
         return one_node_graph("Sub", {{2, 3, 4, 5}, {5}}, {});
       }},
      {"div_both_broadcast",
       [] {
         return one_node_graph("Div", {{2, 1, 5}, {1, 4, 1}}, {}, {});
       }},
      {"selu",
       [] {
         return one_node_graph("Selu", {{2, 3, 4, 5}}, {});
       }},
      {"sum_two",
       [] {
         return one_node_graph("Sum", {{2, 3, 4, 5}, {3, 1, 5}}, {});
       }},
      {"max_two",
       [] {
         return one_node_graph("Max", {{2, 3, 4, 5}, {2, 3, 4, 5}}, {});
       }},
      {"min_two",
       [] {
         return one_node_graph("Min", {{2, 3, 4, 5}, {5}}, {});
       }},
      {"prelu_per_channel",
       [] {
         return one_node_graph("PRelu", {{2, 3, 4, 5}}, {}, {random_tensor({3, 1, 1}, 9)});
       }},
      {"pad_constant",
       [] {
         return one_node_graph(
             "Pad", {{1, 3, 5, 6}}, {},
             {int64_tensor({8}, {0, 0, 1, 2, 0, 0, 2, 1}), float_tensor({}, {0.5f})});
       }},
      {"pad_reflect",
       [] {
         return one_node_graph("Pad", {{2, 3, 5, 6}}, with({{"mode", std::string("reflect")}}),
                               {int64_tensor({8}, {0, 0, 3, 2, 0, 0, 2, 3})});
       }},
      {"pad_edge_crop",
       [] {
         return one_node_graph("Pad", {{2, 3, 5, 6}}, with({{"mode", std::string("edge")}}),
                               {int64_tensor({8}, {0, 0, -1, 2, 0, 0, 2, -2})});
       }},
      {"reduce_mean_spatial",  // squeeze-and-excitation's pooling as some exporters write it
       [] {
         return one_node_graph("ReduceMean", {{2, 16, 7, 7}}, {}, {int64_tensor({2}, {2, 3})});
       }},
      {"reduce_mean_long_planes",  // 1,600 elements a mean: a block per output
       [] {
         return one_node_graph("ReduceMean", {{2, 8, 40, 40}}, {}, {int64_tensor({2}, {2, 3})});
       }},
      {"reduce_mean_whole_tensor",
       [] {
         return one_node_graph("ReduceMean", {{4, 8, 32, 32}}, {});
       }},
      {"reduce_mean_channels",
       [] {
         return one_node_graph("ReduceMean", {{2, 5, 3, 4}}, with({{"keepdims", int64_t{0}}}),
                               {int64_tensor({1}, {1})});
       }},
      {"transpose_nhwc",
       [] {
         return one_node_graph("Transpose", {{2, 3, 4, 5}}, with({{"perm", Ints{0, 2, 3, 1}}}));
       }},
      {"transpose_channel_shuffle",  // ShuffleNet: [n, groups, c/groups, h, w] -> swap 1 and 2
       [] {
         return one_node_graph("Transpose", {{2, 4, 3, 5, 5}},
                               with({{"perm", Ints{0, 2, 1, 3, 4}}}));
       }},
      {"concat_channels",
       [] {
         return one_node_graph("Concat", {{2, 3, 4, 4}, {2, 5, 4, 4}},
                               with({{"axis", int64_t{1}}}));
       }},
      {"concat_last",
       [] {
         return one_node_graph("Concat", {{2, 3, 4}, {2, 3, 2}}, with({{"axis", int64_t{-1}}}));
       }},
      {"constant_of_shape", constant_of_shape_plus_input},
      {"flatten_output",
       [] {
         return one_node_graph("Flatten", {{2, 3, 4, 4}}, with({{"axis", int64_t{1}}}));
       }},
  };
  return all;
}

std::vector<Tensor> inputs_for(const Graph& graph) {
  std::vector<Tensor> inputs;
  uint64_t seed = 100;
  for (ValueId id : graph.inputs) {
    // Divisors away from zero; everything else in [-2, 2).
    const bool divisor = graph.nodes[0].op_type == "Div" && inputs.size() == 1;
    inputs.push_back(random_tensor(graph.value(id).shape, seed++, divisor ? 0.5f : -2.0f, 2.0f));
  }
  return inputs;
}

class CudaOps : public ::testing::TestWithParam<size_t> {};

TEST_P(CudaOps, MatchesReferenceOnTheGpu) {
  FOVEA_REQUIRE_BACKEND("cuda");
  const OpCase& c = cases()[GetParam()];
  const Graph graph = c.graph();
  auto executor = Executor::create(graph, std::move(create_backend("cuda")).value(),
                                   std::move(create_backend("reference")).value());
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  auto plan = (*executor)->plan_for((*executor)->default_input_shapes());
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  for (const PlanStepInfo& step : (*plan)->steps()) {
    EXPECT_EQ(step.backend, "cuda") << c.name << ": " << step.node_name << " fell back";
  }
  const std::vector<Tensor> inputs = inputs_for(graph);
  auto reference = run_graph(graph, "reference", inputs);
  ASSERT_TRUE(reference.is_ok()) << reference.status().message();
  for (int run = 0; run < 2; ++run) {  // the second run reuses pooled buffers
    auto gpu = (*executor)->run(inputs);
    ASSERT_TRUE(gpu.is_ok()) << gpu.status().message();
    ASSERT_EQ(gpu->size(), reference->size());
    for (size_t i = 0; i < gpu->size(); ++i) {
      EXPECT_EQ((*gpu)[i].memory(), MemoryKind::kHost);
      EXPECT_LT(relative_l2_error((*gpu)[i], (*reference)[i]), kRelativeL2)
          << c.name << " output " << i << " run " << run;
    }
  }
}

// Here too, without a GPU: the backend's admission takes every node of every case above, so a
// case cannot quietly test the CPU fallback instead (checked on the GPU again, by step).
TEST_P(CudaOps, IsTakenWholeByTheBackend) {
  const OpCase& c = cases()[GetParam()];
  EXPECT_EQ(steps_left_to_the_cpu(c.graph(), 1), "") << c.name;
}

INSTANTIATE_TEST_SUITE_P(Ops, CudaOps, ::testing::Range(size_t{0}, cases().size()),
                         [](const auto& info) { return cases()[info.param].name; });

// TF32 is opt-in: with it a convolution may differ from float32 by ~1e-3, never more than 1e-2.
TEST(CudaTf32, ConvolutionStaysWithinTf32Tolerance) {
  FOVEA_REQUIRE_BACKEND("cuda");
  const Graph graph = conv({1, 64, 28, 28}, {64, 64, 3, 3}, with({{"pads", Ints{1, 1, 1, 1}}}));
  BackendOptions tf32;
  tf32.allow_tf32 = true;
  auto executor = Executor::create(graph, std::move(create_backend("cuda", tf32)).value(),
                                   std::move(create_backend("reference")).value());
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  const std::vector<Tensor> inputs = inputs_for(graph);
  auto gpu = (*executor)->run(inputs);
  ASSERT_TRUE(gpu.is_ok()) << gpu.status().message();
  auto reference = run_graph(graph, "reference", inputs);
  ASSERT_TRUE(reference.is_ok());
  EXPECT_LT(relative_l2_error((*gpu)[0], (*reference)[0]), 1e-2);
}

// A constant too large to fold (PlanOptions::optimize off: the shape inference folds up to
// 2^16 elements) read by pointwise ops: the kernels keep it on the device, so runs copy nothing
// and can be recorded.
TEST(CudaConstants, PointwiseOpsKeepLargeConstantsOnTheDevice) {
  FOVEA_REQUIRE_BACKEND("cuda");
  const Shape shape = {300, 300};
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, shape);
  const ValueId w = b.constant("w", random_tensor(shape, 21, -1.0f, 1.0f));
  b.output(b.op("Add", {x, b.op("Transpose", {b.op("Relu", {w})})}));
  const Graph graph = std::move(b.build()).value();
  PlanOptions options;
  options.optimize = false;
  options.capture_graph = true;
  auto executor = Executor::create(graph, std::move(create_backend("cuda")).value(),
                                   std::move(create_backend("reference")).value(), options);
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  auto plan = (*executor)->plan_for({shape});
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  for (const PlanStepInfo& step : (*plan)->steps()) EXPECT_EQ(step.backend, "cuda");
  for (uint64_t seed = 1; seed <= 3; ++seed) {  // warm-up, record, replay
    const std::vector<Tensor> inputs = {random_tensor(shape, seed)};
    auto gpu = (*executor)->run(inputs);
    ASSERT_TRUE(gpu.is_ok()) << gpu.status().message();
    EXPECT_LT(relative_l2_error((*gpu)[0], reference_output(graph, inputs)), kRelativeL2);
  }
  EXPECT_TRUE((*plan)->replaying()) << (*plan)->capture_failure();
}

// A NaN tap is skipped on every pooling path, as the reference skips it: cuDNN's (symmetric
// window), the direct kernel's (asymmetric pads) and global pooling's.
TEST(CudaPoolNaN, MaxPoolingSkipsNaNTapsOnEveryPath) {
  FOVEA_REQUIRE_BACKEND("cuda");
  const std::vector<std::pair<std::string, Graph>> graphs = {
      {"cudnn", one_node_graph("MaxPool", {{1, 4, 11, 11}},
                               with({{"kernel_shape", Ints{3, 3}},
                                     {"strides", Ints{2, 2}},
                                     {"pads", Ints{1, 1, 1, 1}}}))},
      {"direct", one_node_graph("MaxPool", {{1, 4, 7, 7}},
                                with({{"kernel_shape", Ints{2, 2}}, {"pads", Ints{0, 1, 1, 0}}}))},
      {"global", one_node_graph("GlobalMaxPool", {{2, 8, 7, 7}}, {})}};
  for (const auto& [path, graph] : graphs) {
    // NaN at every 5th element; then, besides, a whole plane of NaN (windows of NaN alone).
    for (const bool nan_plane : {false, true}) {
      std::vector<Tensor> inputs = inputs_for(graph);
      float* x = inputs[0].data<float>();
      const Shape& shape = inputs[0].shape();
      const int64_t plane = shape[2] * shape[3];
      for (int64_t i = 0; i < inputs[0].element_count(); ++i) {
        if (i % 5 == 0 || (nan_plane && i < plane)) x[i] = std::nanf("");
      }
      auto executor = Executor::create(graph, std::move(create_backend("cuda")).value(),
                                       std::move(create_backend("reference")).value());
      ASSERT_TRUE(executor.is_ok()) << executor.status().message();
      auto gpu = (*executor)->run(inputs);
      ASSERT_TRUE(gpu.is_ok()) << path << ": " << gpu.status().message();
      SCOPED_TRACE(path + (nan_plane ? ", a plane of NaN" : ""));
      expect_same((*gpu)[0], reference_output(graph, inputs));
    }
  }
}

}  // namespace
}  // namespace fovea::testing
