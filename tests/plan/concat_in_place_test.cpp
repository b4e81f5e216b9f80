// Concat in place: at batch 1 the branches of an Inception-style block write straight into
// their slices of the Concat's output and the Concat step does nothing. Checked on every CPU
// backend against a batch-2 run of the same graph (never in place: the slices are strided),
// plus the cases that must not go in place. Where a backend keeps activations channels-last a
// slice is strided even at batch 1, so there the Concat copies; the oneDNN backend asks for
// channel blocks at batch 1 in graphs with a channel Concat (onednn_conv.cpp), and
// tests/backends/onednn_concat_slices_test.cpp covers the layouts oneDNN can share.
#include <gtest/gtest.h>

#include <cstring>

#include "engine/backends/backend_registry.h"
#include "engine/plan/executor.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

// GoogLeNet's inception (4e) at a quarter of the channels: sizes where oneDNN picks blocked
// layouts.
constexpr int64_t kChannels = 128;
constexpr int64_t kSize = 14;

std::unique_ptr<Executor> executor_for(const Graph& graph, const std::string& primary) {
  auto executor = Executor::create(graph, std::move(create_backend(primary)).value(),
                                   std::move(create_backend("reference")).value());
  EXPECT_TRUE(executor.is_ok()) << executor.status().message();
  return executor.is_ok() ? std::move(executor).value() : nullptr;
}

ValueId conv(GraphBuilder& b, ValueId x, int64_t in, int64_t out, int64_t kernel, uint64_t seed) {
  const int64_t pad = kernel / 2;
  return b.op(
      "Conv",
      {x, b.constant("w" + std::to_string(seed), random_tensor({out, in, kernel, kernel}, seed)),
       b.constant("b" + std::to_string(seed), random_tensor({out}, seed + 100))},
      attrs({{"pads", std::vector<int64_t>{pad, pad, pad, pad}}}));
}

struct Block {
  ValueId x;
  ValueId a, b, c;  // the three branches
};

// x → {relu(conv1x1) 64, conv3x3 80, maxpool → conv1x1 32}: the GoogLeNet pattern.
Block inception_branches(GraphBuilder& b) {
  Block block;
  block.x = b.input("x", DType::kFloat32, {kDynamicDim, kChannels, kSize, kSize});
  block.a = b.op("Relu", {conv(b, block.x, kChannels, 64, 1, 1)});
  block.b = conv(b, block.x, kChannels, 80, 3, 2);
  const ValueId pooled = b.op("MaxPool", {block.x},
                              attrs({{"kernel_shape", std::vector<int64_t>{3, 3}},
                                     {"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  block.c = conv(b, pooled, kChannels, 32, 1, 3);
  return block;
}

Graph build(GraphBuilder& b) {
  auto graph = b.build();
  EXPECT_TRUE(graph.is_ok()) << graph.status().message();
  return std::move(graph).value();
}

const PlanStepInfo* concat_step(const std::vector<PlanStepInfo>& steps, size_t which = 0) {
  for (const PlanStepInfo& step : steps) {
    if (step.op_type == "Concat" && which-- == 0) return &step;
  }
  return nullptr;
}

// A slice of a Concat along channels is contiguous at batch 1 in plain and channel-blocked
// layouts, not in channels-last ones.
bool slices_contiguous(const PlanStepInfo& concat) {
  const std::string& layout = concat.output_layouts.at(0);
  return layout == "plain" || layout.find("16b") != std::string::npos ||
         layout.find("8b") != std::string::npos;
}

// Whether `backend` lays Inception's branches out so their slices are contiguous at batch 1: the
// reference backend keeps them plain; oneDNN takes channel blocks where its CPU has kernels for
// them (AVX-512).
bool slices_contiguous_on(const std::string& backend) {
  return backend == "reference" || (backend == "onednn" && __builtin_cpu_supports("avx512f") != 0);
}

// Runs `graph` on one image, and on that image stacked with another: the batch-1 result must
// equal the first half of the batch-2 one (computed with an ordinary Concat).
void expect_batch1_matches_batch2(const Graph& graph, const std::string& backend) {
  auto executor = executor_for(graph, backend);
  ASSERT_NE(executor, nullptr);
  const Tensor one = random_tensor({1, kChannels, kSize, kSize}, 21);
  const Tensor other = random_tensor({1, kChannels, kSize, kSize}, 22);
  Tensor two(DType::kFloat32, {2, kChannels, kSize, kSize});
  std::memcpy(two.data<float>(), one.data<float>(), one.byte_size());
  std::memcpy(two.data<float>() + one.element_count(), other.data<float>(), other.byte_size());

  auto single = executor->run({one});
  ASSERT_TRUE(single.is_ok()) << single.status().message();
  auto pair = executor->run({two});
  ASSERT_TRUE(pair.is_ok()) << pair.status().message();
  auto batch2_steps = (*executor->plan_for({two.shape()}))->steps();
  for (size_t i = 0; const PlanStepInfo* step = concat_step(batch2_steps, i); ++i) {
    EXPECT_FALSE(step->in_place) << "batch 2 slices are strided; " << step->node_name;
  }
  for (size_t out = 0; out < single->size(); ++out) {
    const Tensor& s = (*single)[out];
    const Tensor first_half =
        Tensor::wrap(DType::kFloat32, s.shape(), (*pair)[out].data<float>()).clone();
    EXPECT_LE(relative_l2_error(s, first_half), 1e-6) << backend << ", output " << out;
  }
}

class ConcatInPlace : public ::testing::TestWithParam<std::string> {};

TEST_P(ConcatInPlace, BranchesWriteIntoTheirSlices) {
  GraphBuilder b;
  const Block block = inception_branches(b);
  const ValueId joined = b.op("Concat", {block.a, block.b, block.c}, attrs({{"axis", int64_t{1}}}));
  b.output(conv(b, joined, 176, 8, 1, 4));
  const Graph graph = build(b);

  auto executor = executor_for(graph, GetParam());
  ASSERT_NE(executor, nullptr);
  const auto steps = (*executor->plan_for({{1, kChannels, kSize, kSize}}))->steps();
  const PlanStepInfo* concat = concat_step(steps);
  ASSERT_NE(concat, nullptr);
  EXPECT_EQ(concat->in_place, slices_contiguous(*concat))
      << "each branch should write into its slice at batch 1 (layout " << concat->output_layouts[0]
      << ")";
  if (slices_contiguous_on(GetParam())) {
    EXPECT_TRUE(concat->in_place) << "layout " << concat->output_layouts[0];
  }
  expect_batch1_matches_batch2(graph, GetParam());
}

TEST_P(ConcatInPlace, NestedConcatsShareOneBuffer) {
  GraphBuilder b;
  const Block block = inception_branches(b);
  const ValueId inner = b.op("Concat", {block.a, block.b}, attrs({{"axis", int64_t{1}}}));
  const ValueId outer = b.op("Concat", {block.c, inner}, attrs({{"axis", int64_t{1}}}));
  b.output(b.op("Relu", {outer}));
  const Graph graph = build(b);

  auto executor = executor_for(graph, GetParam());
  ASSERT_NE(executor, nullptr);
  const auto steps = (*executor->plan_for({{1, kChannels, kSize, kSize}}))->steps();
  ASSERT_NE(concat_step(steps, 1), nullptr);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(concat_step(steps, i)->in_place, slices_contiguous(*concat_step(steps, i)));
  }
  if (slices_contiguous_on(GetParam())) {
    EXPECT_TRUE(concat_step(steps, 0)->in_place);
    EXPECT_TRUE(concat_step(steps, 1)->in_place);
  }
  expect_batch1_matches_batch2(graph, GetParam());
}

TEST_P(ConcatInPlace, ABranchReadAfterTheConcatKeepsItsOwnBuffer) {
  // `a` feeds the Concat and, later, an in-place Relu chain: writing `a` inside the Concat's
  // output would let that chain overwrite the Concat's result.
  GraphBuilder b;
  const Block block = inception_branches(b);
  const ValueId joined = b.op("Concat", {block.a, block.b, block.c}, attrs({{"axis", int64_t{1}}}));
  const ValueId after = conv(b, joined, 176, 64, 1, 5);
  b.output(b.op("Add", {after, b.op("Sigmoid", {block.a})}));
  const Graph graph = build(b);

  auto executor = executor_for(graph, GetParam());
  ASSERT_NE(executor, nullptr);
  const auto steps = (*executor->plan_for({{1, kChannels, kSize, kSize}}))->steps();
  ASSERT_NE(concat_step(steps), nullptr);
  EXPECT_FALSE(concat_step(steps)->in_place);
  expect_batch1_matches_batch2(graph, GetParam());
}

TEST_P(ConcatInPlace, TheSameValueTwiceIsCopied) {
  GraphBuilder b;
  const Block block = inception_branches(b);
  b.output(b.op("Concat", {block.b, block.b, block.a}, attrs({{"axis", int64_t{1}}})));
  b.output(b.op("Relu", {b.op("Concat", {block.c, block.c}, attrs({{"axis", int64_t{1}}}))}));
  const Graph graph = build(b);

  auto executor = executor_for(graph, GetParam());
  ASSERT_NE(executor, nullptr);
  const auto steps = (*executor->plan_for({{1, kChannels, kSize, kSize}}))->steps();
  ASSERT_NE(concat_step(steps, 1), nullptr);
  EXPECT_FALSE(concat_step(steps, 0)->in_place) << "a graph output is returned, not planned";
  EXPECT_FALSE(concat_step(steps, 1)->in_place) << "one buffer cannot sit in two slices";
  expect_batch1_matches_batch2(graph, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Backends, ConcatInPlace, ::testing::Values("reference", "onednn"));

}  // namespace
}  // namespace fovea::testing
