// Binary arithmetic with broadcasting, Sum and Concat on oneDNN against the reference; a
// mixed graph; and an int64 Add that must fall back to the reference and still be right.
#include <gtest/gtest.h>
#include <omp.h>

#include "engine/backends/backend_registry.h"
#include "engine/plan/executor.h"
#include "tests/backends/onednn_test_util.h"

namespace fovea::testing {
namespace {

struct BinaryCase {
  Shape a{};
  Shape b{};
};

class OneDnnBinary : public ::testing::TestWithParam<std::tuple<std::string, BinaryCase>> {};

// oneDNN only broadcasts its second source, so for Sub/Div a broadcasting first operand is
// declined (commutative ops swap the operands instead).
bool expect_onednn(const std::string& op, const BinaryCase& c) {
  auto out = broadcast_shapes(c.a, c.b);
  const bool a_full = out && c.a.size() == out->size() && c.a == *out;
  const bool b_full = out && c.b.size() == out->size() && c.b == *out;
  const bool commutative = op != "Sub" && op != "Div";
  return a_full || (b_full && commutative);
}

TEST_P(OneDnnBinary, MatchesReference) {
  const auto& [op, c] = GetParam();
  GraphBuilder builder;
  const ValueId a = builder.input("a", DType::kFloat32, c.a);
  const ValueId b = builder.input("b", DType::kFloat32, c.b);
  builder.output(builder.op(op, {a, b}));
  auto graph = builder.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  // Divisors kept away from zero.
  expect_onednn_matches_reference(*graph,
                                  {random_tensor(c.a, 70), random_tensor(c.b, 71, 0.5f, 2.0f)},
                                  expect_onednn(op, c) ? "onednn" : "reference");
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, OneDnnBinary,
    ::testing::Combine(::testing::Values("Add", "Sub", "Mul", "Div", "Max", "Min"),
                       ::testing::Values(BinaryCase{{2, 3, 4}, {2, 3, 4}},
                                         BinaryCase{{2, 3, 4}, {4}},
                                         BinaryCase{{2, 3, 4, 5}, {1, 3, 1, 1}},
                                         BinaryCase{{2, 3, 4}, {}},
                                         BinaryCase{{3, 1}, {2, 3, 4}},  // a broadcasts
                                         BinaryCase{{3, 1}, {1, 4}})));  // both broadcast

class OneDnnSum : public ::testing::TestWithParam<int> {};

TEST_P(OneDnnSum, MatchesReference) {
  const int count = GetParam();
  const Shape shape{2, 3, 5};
  GraphBuilder builder;
  std::vector<ValueId> ids;
  std::vector<Tensor> inputs;
  for (int i = 0; i < count; ++i) {
    ids.push_back(builder.input("x" + std::to_string(i), DType::kFloat32, shape));
    inputs.push_back(random_tensor(shape, 80 + i));
  }
  builder.output(builder.op("Sum", ids));
  auto graph = builder.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  expect_onednn_matches_reference(*graph, inputs, "onednn");
}

INSTANTIATE_TEST_SUITE_P(Inputs, OneDnnSum, ::testing::Values(2, 3, 5));

class OneDnnConcat : public ::testing::TestWithParam<int64_t> {};

TEST_P(OneDnnConcat, MatchesReference) {
  const int64_t axis = GetParam();
  const Shape base{2, 3, 4};
  const size_t a = static_cast<size_t>(axis < 0 ? axis + 3 : axis);
  GraphBuilder builder;
  std::vector<ValueId> ids;
  std::vector<Tensor> inputs;
  for (int i = 0; i < 3; ++i) {
    Shape s = base;
    s[a] = i + 1;
    ids.push_back(builder.input("x" + std::to_string(i), DType::kFloat32, s));
    inputs.push_back(random_tensor(s, 90 + i));
  }
  builder.output(builder.op("Concat", ids, attrs({{"axis", axis}})));
  auto graph = builder.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  expect_onednn_matches_reference(*graph, inputs, "onednn");
}

INSTANTIATE_TEST_SUITE_P(Axes, OneDnnConcat, ::testing::Values(0, 1, 2, -1));

// Concat of [1,2] and [1,1] along axis 1, by hand.
TEST(OneDnnConcatHand, TwoRows) {
  GraphBuilder builder;
  const ValueId a = builder.input("a", DType::kFloat32, {1, 2});
  const ValueId b = builder.input("b", DType::kFloat32, {1, 1});
  builder.output(builder.op("Concat", {a, b}, attrs({{"axis", int64_t{1}}})));
  auto graph = builder.build();
  ASSERT_TRUE(graph.is_ok());
  auto out = run_graph(*graph, "onednn", {float_tensor({1, 2}, {1, 2}), float_tensor({1, 1}, {3})});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_TRUE(tensors_close((*out)[0], float_tensor({1, 3}, {1, 2, 3})));
}

// int64 arithmetic is not oneDNN's: the plan gives it to the reference, with exact results.
TEST(OneDnnFallback, Int64AddRunsOnReference) {
  GraphBuilder builder;
  const ValueId a = builder.input("a", DType::kInt64, {3});
  const ValueId b = builder.input("b", DType::kInt64, {3});
  builder.output(builder.op("Add", {a, b}));
  auto graph = builder.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  EXPECT_EQ(onednn_plan_backends(*graph), std::vector<std::string>{"reference"});
  auto out = run_graph(*graph, "onednn",
                       {int64_tensor({3}, {1, -2, 1LL << 40}), int64_tensor({3}, {10, 20, 1})});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  const Tensor& y = (*out)[0];
  ASSERT_EQ(y.dtype(), DType::kInt64);
  EXPECT_EQ(y.data<int64_t>()[0], 11);
  EXPECT_EQ(y.data<int64_t>()[1], 18);
  EXPECT_EQ(y.data<int64_t>()[2], (1LL << 40) + 1);
}

// Asked directly, the backend declines int64 and prepare() reports it instead of crashing.
TEST(OneDnnFallback, PrepareRejectsWhatSupportsDeclines) {
  auto backend = create_backend("onednn", BackendOptions{});
  ASSERT_TRUE(backend.is_ok());
  Node node;
  node.name = "add";
  node.op_type = "Add";
  KernelRequest request;
  request.node = &node;
  request.inputs = {ValueInfo{DType::kInt64, {3}, true}, ValueInfo{DType::kInt64, {3}, true}};
  request.outputs = {ValueInfo{DType::kInt64, {3}, true}};
  EXPECT_FALSE((*backend)->supports(request));
  auto kernel = (*backend)->prepare(request);
  ASSERT_FALSE(kernel.is_ok());
  EXPECT_EQ(kernel.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(kernel.status().message().find("'add'"), std::string::npos);
}

// An explicit thread count reaches OpenMP on the running thread and the answer is unchanged.
TEST(OneDnnOptions, ExplicitThreadCount) {
  const int saved_threads = omp_get_max_threads();
  const Graph graph =
      single_op_graph("Conv", {1, 4, 9, 9}, attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
                      {random_tensor({8, 4, 3, 3}, 110)});
  auto primary = create_backend("onednn", BackendOptions{.threads = 1});
  auto fallback = create_backend("reference", BackendOptions{});
  ASSERT_TRUE(primary.is_ok() && fallback.is_ok());
  auto executor = Executor::create(graph, std::move(primary).value(), std::move(fallback).value());
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  omp_set_num_threads(saved_threads + 1);  // something other than the backend's setting
  const std::vector<Tensor> inputs{random_tensor({1, 4, 9, 9}, 111)};
  auto out = (*executor)->run(inputs);
  const int threads_after_run = omp_get_max_threads();
  omp_set_num_threads(saved_threads);
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ(threads_after_run, 1);
  auto expected = run_graph(graph, "reference", inputs);
  ASSERT_TRUE(expected.is_ok()) << expected.status().message();
  EXPECT_TRUE(tensors_close((*out)[0], (*expected)[0], kRtol, kAtol));
}

// A small network mixing supported and declined nodes: Conv → Relu → MaxPool → Flatten
// (declined: not mapped) → Gemm → Softmax. Checks per-step placement and the end result.
TEST(OneDnnMixed, SmallNetwork) {
  GraphBuilder builder;
  const ValueId x = builder.input("x", DType::kFloat32, {2, 3, 8, 8});
  const ValueId conv = builder.op("Conv",
                                  {x, builder.constant("w", random_tensor({4, 3, 3, 3}, 100)),
                                   builder.constant("bias", random_tensor({4}, 101))},
                                  attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  const ValueId relu = builder.op("Relu", {conv});
  const ValueId pool = builder.op("MaxPool", {relu},
                                  attrs({{"kernel_shape", std::vector<int64_t>{2, 2}},
                                         {"strides", std::vector<int64_t>{2, 2}}}));
  const ValueId flat = builder.op("Flatten", {pool});
  const ValueId fc = builder.op("Gemm",
                                {flat, builder.constant("fc_w", random_tensor({10, 64}, 102)),
                                 builder.constant("fc_b", random_tensor({10}, 103))},
                                attrs({{"transB", int64_t{1}}}));
  builder.output(builder.op("Softmax", {fc}, attrs({{"axis", int64_t{-1}}})));
  auto graph = builder.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  // Conv (Relu fused by the optimizer), MaxPool in the blocked layout, a reorder to plain for
  // the Flatten view, Gemm, Softmax.
  EXPECT_EQ(onednn_plan_backends(*graph),
            (std::vector<std::string>{"onednn", "onednn", "onednn", "view", "onednn", "onednn"}));
  auto onednn = run_graph(*graph, "onednn", {random_tensor({2, 3, 8, 8}, 104)});
  auto reference = run_graph(*graph, "reference", {random_tensor({2, 3, 8, 8}, 104)});
  ASSERT_TRUE(onednn.is_ok()) << onednn.status().message();
  ASSERT_TRUE(reference.is_ok()) << reference.status().message();
  EXPECT_TRUE(tensors_close((*onednn)[0], (*reference)[0], kRtol, kAtol));
}

}  // namespace
}  // namespace fovea::testing
