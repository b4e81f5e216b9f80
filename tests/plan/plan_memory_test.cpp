// Activation memory: arena offsets from live ranges (best fit, never overlapping live bytes),
// in-place steps, views, outputs that survive later runs, re-planning on a new batch size, and
// the optimizer switch.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/backends/backend_registry.h"
#include "engine/plan/arena.h"
#include "engine/plan/executor.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

bool bytes_overlap(const ArenaBuffer& a, size_t offset_a, const ArenaBuffer& b, size_t offset_b) {
  return offset_a < offset_b + b.bytes && offset_b < offset_a + a.bytes;
}

TEST(Arena, BuffersAliveTogetherNeverShareBytes) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<ArenaBuffer> buffers;
    for (int i = 0; i < 30; ++i) {
      const int64_t first = static_cast<int64_t>(rng() % 40);
      buffers.push_back({1 + rng() % 5000, first, first + static_cast<int64_t>(rng() % 8)});
    }
    const ArenaLayout layout = plan_arena(buffers);
    for (size_t i = 0; i < buffers.size(); ++i) {
      EXPECT_EQ(layout.offsets[i] % kArenaAlignment, 0u);
      EXPECT_LE(layout.offsets[i] + buffers[i].bytes, layout.total_bytes);
      for (size_t j = i + 1; j < buffers.size(); ++j) {
        const bool live_together = buffers[i].first_step <= buffers[j].last_step &&
                                   buffers[j].first_step <= buffers[i].last_step;
        if (live_together) {
          EXPECT_FALSE(bytes_overlap(buffers[i], layout.offsets[i], buffers[j], layout.offsets[j]))
              << "trial " << trial << ": buffers " << i << " and " << j;
        }
      }
    }
  }
}

TEST(Arena, AChainReusesTwoBuffers) {
  // Step i writes buffer i and reads buffer i-1: two buffers suffice at any time.
  std::vector<ArenaBuffer> chain;
  for (int64_t i = 0; i < 6; ++i) chain.push_back({1024, i, i + 1});
  EXPECT_EQ(plan_arena(chain).total_bytes, 2 * 1024u);
}

TEST(Arena, BestFitTakesTheSmallestGapThatHolds) {
  // Larger buffers go first: live L1 at 0, short-lived D1 at 4096, live L2 at 8192, short-lived
  // D2 at 12288, live L3 at 13312. Once D1 and D2 are dead, N (1024 bytes) fits both the
  // 4096-byte gap D1 left and the 1024-byte gap D2 left; best fit takes the latter.
  const std::vector<ArenaBuffer> buffers{
      {4096, 0, 9}, {4096, 0, 1}, {4096, 0, 9}, {1024, 0, 1}, {1024, 0, 9}, {1024, 5, 9},
  };
  const ArenaLayout layout = plan_arena(buffers);
  EXPECT_EQ(layout.offsets[1], 4096u);
  EXPECT_EQ(layout.offsets[3], 12288u);
  EXPECT_EQ(layout.offsets[5], layout.offsets[3]);
  EXPECT_EQ(layout.total_bytes, 14336u);
}

std::unique_ptr<Executor> executor_for(const Graph& graph, const std::string& primary,
                                       PlanOptions options = {}) {
  auto executor = Executor::create(graph, std::move(create_backend(primary)).value(),
                                   std::move(create_backend("reference")).value(), options);
  EXPECT_TRUE(executor.is_ok()) << executor.status().message();
  return executor.is_ok() ? std::move(executor).value() : nullptr;
}

// a = relu(x); b = sigmoid(a); c = tanh(a); d = b + c; y = d + a: `a` is read by the last step,
// so nothing may overwrite it; `d` may overwrite `b`.
Graph diamond(Shape shape) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, std::move(shape));
  const ValueId a = b.op("Relu", {x});
  const ValueId d = b.op("Add", {b.op("Sigmoid", {a}), b.op("Tanh", {a})});
  b.output(b.op("Add", {d, a}));
  auto g = b.build();
  EXPECT_TRUE(g.is_ok()) << g.status().message();
  return std::move(g).value();
}

float diamond_value(float x) {
  const float a = std::max(x, 0.0f);
  return 1.0f / (1.0f + std::exp(-a)) + std::tanh(a) + a;
}

class Diamond : public ::testing::TestWithParam<std::string> {};

TEST_P(Diamond, ALaterReaderSeesItsValue) {
  const Shape shape{2, 3, 5, 7};
  auto executor = executor_for(diamond(shape), GetParam());
  ASSERT_NE(executor, nullptr);
  const auto steps = (*executor->plan_for({shape}))->steps();
  ASSERT_EQ(steps.size(), 5u);
  EXPECT_FALSE(steps[1].in_place) << "sigmoid must not overwrite a, which is read later";
  EXPECT_FALSE(steps[2].in_place) << "tanh must not overwrite a, which is read later";
  if (GetParam() == "onednn") {
    EXPECT_TRUE(steps[3].in_place) << "b dies at d = b + c";
  }

  // Two runs: the first run's output must survive the second.
  const Tensor x1 = random_tensor(shape, 1, -2.0f, 2.0f);
  const Tensor x2 = random_tensor(shape, 2, -2.0f, 2.0f);
  auto y1 = executor->run({x1});
  ASSERT_TRUE(y1.is_ok()) << y1.status().message();
  auto y2 = executor->run({x2});
  ASSERT_TRUE(y2.is_ok()) << y2.status().message();
  for (int64_t i = 0; i < x1.element_count(); ++i) {
    EXPECT_NEAR((*y1)[0].data<float>()[i], diamond_value(x1.data<float>()[i]), 1e-5) << i;
    EXPECT_NEAR((*y2)[0].data<float>()[i], diamond_value(x2.data<float>()[i]), 1e-5) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Diamond, ::testing::Values("reference", "onednn"));

TEST(PlanMemory, ArenaReusesMemoryAlongAChain) {
  GraphBuilder b;
  ValueId h = b.input("x", DType::kFloat32, {1, 1000});
  for (int i = 0; i < 6; ++i) h = b.op(i % 2 ? "Sigmoid" : "Tanh", {h});
  b.output(h);
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok());
  auto executor = executor_for(*graph, "reference");
  ASSERT_NE(executor, nullptr);
  Plan* plan = *executor->plan_for({{1, 1000}});
  // Five intermediates of 4000 bytes, at most two alive at once.
  EXPECT_GT(plan->arena_bytes(), 0u);
  EXPECT_LE(plan->arena_bytes(), 2 * 4032u);
}

TEST(PlanMemory, FlattenOfPlainDataIsAView) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 3, 4});
  const ValueId flat = b.op("Flatten", {b.op("Relu", {x})});
  b.output(b.op("Sigmoid", {flat}));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok());
  auto executor = executor_for(*graph, "reference");
  ASSERT_NE(executor, nullptr);
  const auto steps = (*executor->plan_for({{2, 3, 4}}))->steps();
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[1].op_type, "Flatten");
  EXPECT_EQ(steps[1].backend, "view");
  const Tensor input = random_tensor({2, 3, 4}, 3);
  auto out = executor->run({input});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 12}));
  for (int i = 0; i < 24; ++i) {
    const float v = std::max(input.data<float>()[i], 0.0f);
    EXPECT_NEAR((*out)[0].data<float>()[i], 1.0f / (1.0f + std::exp(-v)), 1e-6);
  }
}

// conv(3x3) + relu on a free batch: each batch size gets its own plan (and arena size), and
// every one matches the reference, also when an earlier batch size comes back.
TEST(PlanMemory, BatchChangesReplan) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {kDynamicDim, 4, 9, 9});
  const ValueId conv = b.op(
      "Conv",
      {x, b.constant("w", random_tensor({8, 4, 3, 3}, 4)), b.constant("b", random_tensor({8}, 5))},
      attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  const ValueId pool = b.op("MaxPool", {b.op("Relu", {conv})},
                            attrs({{"kernel_shape", std::vector<int64_t>{2, 2}}}));
  b.output(b.op("Flatten", {pool}));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  auto executor = executor_for(*graph, "onednn");
  ASSERT_NE(executor, nullptr);
  size_t last_arena = 0;
  for (int64_t batch : {1, 3, 1, 5}) {
    const Tensor input = random_tensor({batch, 4, 9, 9}, static_cast<uint64_t>(10 + batch));
    auto out = executor->run({input});
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    auto expected = run_graph(*graph, "reference", {input});
    ASSERT_TRUE(expected.is_ok());
    EXPECT_EQ((*out)[0].shape(), (Shape{batch, 8 * 8 * 8}));
    EXPECT_LE(relative_l2_error((*out)[0], (*expected)[0]), 1e-5) << "batch " << batch;
    const size_t arena = (*executor->plan_for({{batch, 4, 9, 9}}))->arena_bytes();
    if (batch == 5) {
      EXPECT_GT(arena, last_arena);
    }
    if (batch == 1) last_arena = arena;
  }
}

TEST(PlanOptimize, OptimizerFusesUnlessTurnedOff) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 3, 6, 6});
  const ValueId conv = b.op("Conv", {x, b.constant("w", random_tensor({4, 3, 3, 3}, 6))});
  b.output(b.op("Relu", {conv}));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok());
  const Tensor input = random_tensor({1, 3, 6, 6}, 7);
  std::vector<Tensor> results;
  for (bool optimize : {false, true}) {
    PlanOptions options;
    options.optimize = optimize;
    auto executor = executor_for(*graph, "onednn", options);
    ASSERT_NE(executor, nullptr);
    Plan* plan = *executor->plan_for({{1, 3, 6, 6}});
    int relus = 0;
    for (const PlanStepInfo& step : plan->steps()) relus += step.op_type == "Relu";
    EXPECT_EQ(relus, optimize ? 0 : 1);
    EXPECT_EQ(plan->optimize_report().records.empty(), !optimize);
    auto out = executor->run({input});
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    results.push_back((*out)[0]);
  }
  EXPECT_LE(relative_l2_error(results[1], results[0]), 1e-6);
}

}  // namespace
}  // namespace fovea::testing
