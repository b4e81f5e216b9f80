// Weights held once: for a model with fixed input shapes the Executor hands the graph's
// constants to its one plan, which drops each as soon as no kernel reads it at run time.
// Results stay right, constants a kernel reads at run time stay, and no second plan is built.
// With a free batch the executor keeps the graph's constants for later plans, and each plan
// drops its own references, including weights it made (BatchNorm folded into a Conv).
#include <gtest/gtest.h>

#include "engine/backends/backend_registry.h"
#include "engine/plan/executor.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

// conv(w, b) → [BatchNorm] → relu → flatten → gemm(fc): weights oneDNN copies at prepare. With
// `batch_norm` the optimizer folds the BatchNorm into new Conv weights, one set per plan.
Graph conv_fc(int64_t batch, bool batch_norm = false) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {batch, 3, 6, 6});
  ValueId conv = b.op("Conv", {x, b.constant("w", random_tensor({4, 3, 3, 3}, 1)),
                               b.constant("b", random_tensor({4}, 2))});
  if (batch_norm) {
    conv = b.op("BatchNormalization", {conv, b.constant("scale", random_tensor({4}, 12)),
                                       b.constant("shift", random_tensor({4}, 13)),
                                       b.constant("mean", random_tensor({4}, 14)),
                                       b.constant("var", random_tensor({4}, 15, 0.5f, 2.0f))});
  }
  const ValueId flat = b.op("Flatten", {b.op("Relu", {conv})});
  b.output(b.op("Gemm", {flat, b.constant("fc", random_tensor({5, 64}, 3))},
                attrs({{"transB", int64_t{1}}})));
  auto graph = b.build();
  EXPECT_TRUE(graph.is_ok()) << graph.status().message();
  return std::move(graph).value();
}

std::unique_ptr<Executor> executor_for(const Graph& graph, const std::string& primary) {
  auto executor = Executor::create(graph, std::move(create_backend(primary)).value(),
                                   std::move(create_backend("reference")).value());
  EXPECT_TRUE(executor.is_ok()) << executor.status().message();
  return executor.is_ok() ? std::move(executor).value() : nullptr;
}

bool held(const Graph& graph, const std::string& name) {
  const ValueId id = graph.find_value(name);
  return id != kNoValue && !graph.value(id).constant.empty();
}

TEST(ConstantRelease, FixedShapesHandWeightsToTheKernels) {
  const Graph graph = conv_fc(2);
  auto executor = executor_for(graph, "onednn");
  ASSERT_NE(executor, nullptr);
  // The executor keeps names, dtypes and shapes only.
  const Value& w = executor->graph().value(executor->graph().find_value("w"));
  EXPECT_TRUE(w.is_constant());
  EXPECT_TRUE(w.constant.empty());
  EXPECT_EQ(w.shape, (Shape{4, 3, 3, 3}));
  // oneDNN copied every weight into its own layout: the plan holds none of them.
  Plan* plan = *executor->plan_for({{2, 3, 6, 6}});
  for (const Value& value : plan->graph().values) {
    EXPECT_FALSE(!value.constant.empty() && value.constant.element_count() > 1)
        << value.name << " is still held by the plan";
  }
  const Tensor x = random_tensor({2, 3, 6, 6}, 4);
  for (int run = 0; run < 2; ++run) {
    auto actual = executor->run({x});
    ASSERT_TRUE(actual.is_ok()) << actual.status().message();
    auto expected = run_graph(graph, "reference", {x});
    ASSERT_TRUE(expected.is_ok());
    EXPECT_LE(relative_l2_error((*actual)[0], (*expected)[0]), 1e-5);
  }
}

TEST(ConstantRelease, ConstantsReadAtRunTimeStay) {
  auto executor = executor_for(conv_fc(1), "reference");
  ASSERT_NE(executor, nullptr);
  Plan* plan = *executor->plan_for({{1, 3, 6, 6}});
  EXPECT_TRUE(held(plan->graph(), "fc")) << "the reference Gemm reads its weights every run";
  const Tensor x = random_tensor({1, 3, 6, 6}, 5);
  auto first = executor->run({x});
  auto second = executor->run({x});
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ(relative_l2_error((*first)[0], (*second)[0]), 0.0);
}

TEST(ConstantRelease, NoOtherPlanForAFixedShapeModel) {
  auto executor = executor_for(conv_fc(1), "onednn");
  ASSERT_NE(executor, nullptr);
  auto other = executor->plan_for({{3, 3, 6, 6}});
  ASSERT_FALSE(other.is_ok());
  EXPECT_NE(other.status().message().find("input shapes are fixed ([1,3,6,6])"), std::string::npos)
      << other.status().message();
}

TEST(ConstantRelease, FreeBatchKeepsConstantsForNewPlans) {
  auto executor = executor_for(conv_fc(kDynamicDim), "onednn");
  ASSERT_NE(executor, nullptr);
  EXPECT_TRUE(held(executor->graph(), "w"));
  for (int64_t batch : {1, 3}) {
    const Tensor x = random_tensor({batch, 3, 6, 6}, 6);
    auto actual = executor->run({x});
    ASSERT_TRUE(actual.is_ok()) << actual.status().message();
    auto expected = run_graph(conv_fc(batch), "reference", {x});
    ASSERT_TRUE(expected.is_ok());
    EXPECT_LE(relative_l2_error((*actual)[0], (*expected)[0]), 1e-5) << "batch " << batch;
  }
}

TEST(ConstantRelease, FreeBatchPlansDropTheirOwnReferences) {
  auto executor = executor_for(conv_fc(kDynamicDim, true), "onednn");
  ASSERT_NE(executor, nullptr);
  for (int64_t batch : {1, 3, 1}) {
    const Tensor x = random_tensor({batch, 3, 6, 6}, 17);
    auto actual = executor->run({x});
    ASSERT_TRUE(actual.is_ok()) << actual.status().message();
    auto expected = run_graph(conv_fc(batch, true), "reference", {x});
    ASSERT_TRUE(expected.is_ok());
    EXPECT_LE(relative_l2_error((*actual)[0], (*expected)[0]), 1e-5) << "batch " << batch;
    Plan* plan = *executor->plan_for({{batch, 3, 6, 6}});
    for (const Value& value : plan->graph().values) {
      EXPECT_FALSE(!value.constant.empty() && value.constant.element_count() > 1)
          << value.name << " is still held by the batch-" << batch << " plan";
    }
  }
  for (const char* name : {"w", "scale", "fc"}) {
    EXPECT_TRUE(held(executor->graph(), name)) << name << ": later plans need it";
  }
}

}  // namespace
}  // namespace fovea::testing
