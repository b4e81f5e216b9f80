// The fused forms (engine/ops/README.md) on oneDNN against the reference: Conv/Gemm/MatMul
// activations as eltwise post-ops, the Conv `sum` input as a sum post-op (copied in, or in place
// when the plan hands the conv the dying summand's buffer), and Winograd under fast math.
#include <gtest/gtest.h>

#include "engine/backends/backend_registry.h"
#include "engine/plan/executor.h"
#include "tests/backends/onednn_test_util.h"

namespace fovea::testing {
namespace {

// The activation, alpha and beta a fused node may carry; alpha/beta chosen so each bound bites.
struct Activation {
  std::string name;
  float alpha = 0.0f;
  float beta = 0.0f;
};

const Activation kActivations[] = {
    {"Relu"},      {"LeakyRelu", 0.1f},         {"Elu", 0.7f},        {"Sigmoid"}, {"Tanh"},
    {"HardSwish"}, {"HardSigmoid", 0.3f, 0.4f}, {"Clip", -0.5f, 0.5f}};

Attributes with_activation(Attributes a, const Activation& act) {
  a.set("activation", act.name);
  a.set("activation_alpha", act.alpha);
  a.set("activation_beta", act.beta);
  return a;
}

std::unique_ptr<Executor> make_executor(const Graph& graph, PlanOptions options = {}) {
  auto executor = Executor::create(graph, std::move(create_backend("onednn")).value(),
                                   std::move(create_backend("reference")).value(), options);
  EXPECT_TRUE(executor.is_ok()) << executor.status().message();
  return executor.is_ok() ? std::move(executor).value() : nullptr;
}

// Runs on oneDNN (optimizer off, so the fused node reaches the backend as built) and on the
// reference, checks the relative L2 error and that `op_type` ran on oneDNN.
void expect_fused_matches(const Graph& graph, const std::vector<Tensor>& inputs,
                          const std::string& op_type, double max_error = 1e-5,
                          bool expect_in_place = false) {
  PlanOptions options;
  options.optimize = false;
  auto onednn = make_executor(graph, options);
  ASSERT_NE(onednn, nullptr);
  auto plan = onednn->plan_for(onednn->default_input_shapes());
  ASSERT_TRUE(plan.is_ok());
  bool found = false;
  for (const PlanStepInfo& step : (*plan)->steps()) {
    if (step.op_type != op_type) continue;
    found = true;
    EXPECT_EQ(step.backend, "onednn") << step.node_name;
    if (expect_in_place) {
      EXPECT_TRUE(step.in_place) << step.node_name;
    }
  }
  EXPECT_TRUE(found) << op_type << " is not in the plan";
  auto actual = onednn->run(inputs);
  ASSERT_TRUE(actual.is_ok()) << actual.status().message();
  auto expected = run_graph(graph, "reference", inputs);
  ASSERT_TRUE(expected.is_ok()) << expected.status().message();
  for (size_t i = 0; i < actual->size(); ++i) {
    EXPECT_LE(relative_l2_error((*actual)[i], (*expected)[i]), max_error) << "output " << i;
  }
}

class FusedConvActivation : public ::testing::TestWithParam<std::tuple<Activation, bool>> {};

// Conv + activation, with and without a `sum` that is a graph input (copied into dst).
TEST_P(FusedConvActivation, MatchesReference) {
  const auto& [act, with_sum] = GetParam();
  const Shape x_shape{2, 5, 9, 9};
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, x_shape);
  std::vector<ValueId> inputs{x, b.constant("w", random_tensor({7, 5, 3, 3}, 21)),
                              b.constant("b", random_tensor({7}, 22))};
  std::vector<Tensor> feeds{random_tensor(x_shape, 20, -2.0f, 2.0f)};
  if (with_sum) {
    inputs.push_back(b.input("s", DType::kFloat32, {2, 7, 9, 9}));
    feeds.push_back(random_tensor({2, 7, 9, 9}, 23));
  }
  b.output(b.op("Conv", inputs,
                with_activation(attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}), act)));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  expect_fused_matches(*graph, feeds, "Conv");
}

INSTANTIATE_TEST_SUITE_P(Sweep, FusedConvActivation,
                         ::testing::Combine(::testing::ValuesIn(kActivations), ::testing::Bool()),
                         [](const auto& info) {
                           return std::get<0>(info.param).name +
                                  (std::get<1>(info.param) ? "_sum" : "");
                         });

// A residual block: y = relu(conv2(relu(conv1(x))) + conv0(x)). The summand conv0(x) dies at
// conv2, so conv2 writes over it (in place, blocked layout); bias slot empty on conv2.
class FusedResidual : public ::testing::TestWithParam<std::tuple<Shape, int64_t>> {};

TEST_P(FusedResidual, InPlaceSumMatchesReference) {
  const auto& [x_shape, channels] = GetParam();
  const int64_t c = x_shape[1];
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, x_shape);
  const Attributes pad1 = attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  const ValueId shortcut =
      b.op("Conv", {x, b.constant("w0", random_tensor({channels, c, 1, 1}, 1))});
  const ValueId h = b.op("Conv",
                         {x, b.constant("w1", random_tensor({channels, c, 3, 3}, 2)),
                          b.constant("b1", random_tensor({channels}, 3))},
                         with_activation(pad1, {"Relu"}));
  b.output(
      b.op("Conv",
           {h, b.constant("w2", random_tensor({channels, channels, 3, 3}, 4)), kNoValue, shortcut},
           with_activation(pad1, {"Relu"})));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  PlanOptions options;
  options.optimize = false;
  auto executor = make_executor(*graph, options);
  ASSERT_NE(executor, nullptr);
  const auto steps = (*executor->plan_for(executor->default_input_shapes()))->steps();
  ASSERT_GE(steps.size(), 3u);
  EXPECT_TRUE(steps[2].in_place) << "the last conv should accumulate into the shortcut's buffer";
  expect_fused_matches(*graph, {random_tensor(x_shape, 5)}, "Conv");
}

INSTANTIATE_TEST_SUITE_P(Sweep, FusedResidual,
                         ::testing::Values(std::make_tuple(Shape{1, 3, 8, 8}, int64_t{16}),
                                           std::make_tuple(Shape{2, 16, 7, 7}, int64_t{32}),
                                           std::make_tuple(Shape{1, 8, 5, 6}, int64_t{12}),
                                           std::make_tuple(Shape{4, 16, 7, 7}, int64_t{32})));

class FusedGemmActivation : public ::testing::TestWithParam<Activation> {};

TEST_P(FusedGemmActivation, GemmAndMatMulMatchReference) {
  const Activation& act = GetParam();
  {
    GraphBuilder b;
    const ValueId x = b.input("x", DType::kFloat32, {3, 20});
    b.output(b.op(
        "Gemm",
        {x, b.constant("w", random_tensor({11, 20}, 31)), b.constant("c", random_tensor({11}, 32))},
        with_activation(attrs({{"transB", int64_t{1}}}), act)));
    auto graph = b.build();
    ASSERT_TRUE(graph.is_ok()) << graph.status().message();
    expect_fused_matches(*graph, {random_tensor({3, 20}, 33, -2.0f, 2.0f)}, "Gemm");
  }
  {
    GraphBuilder b;
    const ValueId x = b.input("x", DType::kFloat32, {2, 3, 6});
    b.output(
        b.op("MatMul", {x, b.constant("w", random_tensor({6, 5}, 34))}, with_activation({}, act)));
    auto graph = b.build();
    ASSERT_TRUE(graph.is_ok()) << graph.status().message();
    expect_fused_matches(*graph, {random_tensor({2, 3, 6}, 35, -2.0f, 2.0f)}, "MatMul");
  }
}

INSTANTIATE_TEST_SUITE_P(Sweep, FusedGemmActivation, ::testing::ValuesIn(kActivations),
                         [](const auto& info) { return info.param.name; });

// Fast math may pick Winograd for 3x3 stride-1 convolutions: within 1e-3 relative L2.
TEST(FastMath, WinogradConvWithinTolerance) {
  for (const Shape& x_shape : {Shape{1, 16, 14, 14}, Shape{2, 32, 9, 11}}) {
    const int64_t c = x_shape[1];
    GraphBuilder b;
    const ValueId x = b.input("x", DType::kFloat32, x_shape);
    b.output(b.op("Conv",
                  {x, b.constant("w", random_tensor({32, c, 3, 3}, 41)),
                   b.constant("b", random_tensor({32}, 42))},
                  attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}})));
    auto graph = b.build();
    ASSERT_TRUE(graph.is_ok()) << graph.status().message();
    PlanOptions options;
    options.fast_math = true;
    auto executor = make_executor(*graph, options);
    ASSERT_NE(executor, nullptr);
    const Tensor input = random_tensor(x_shape, 43);
    auto fast = executor->run({input});
    ASSERT_TRUE(fast.is_ok()) << fast.status().message();
    auto expected = run_graph(*graph, "reference", {input});
    ASSERT_TRUE(expected.is_ok());
    EXPECT_LE(relative_l2_error((*fast)[0], (*expected)[0]), 1e-3);
  }
}

}  // namespace
}  // namespace fovea::testing
