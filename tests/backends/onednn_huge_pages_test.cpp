// PlanOptions::huge_pages: a fully connected layer at small batch keeps its prepared weights on
// memory advised as huge pages; a large batch, or the option off, keeps small pages. The
// results are the same bits either way, and agree with the reference.
#include <gtest/gtest.h>

#include <cstring>

#include "engine/backends/backend_registry.h"
#include "engine/core/host_memory.h"
#include "engine/plan/executor.h"
#include "tests/backends/onednn_test_util.h"
#include "tests/common/process_mappings.h"

namespace fovea::testing {
namespace {

constexpr int64_t kFeatures = 1024;  // 1024 x 1024 float weights: 4 MiB, two huge pages
constexpr size_t kWeightBytes = kFeatures * kFeatures * sizeof(float);

// `batch` kDynamicDim: a free batch dimension.
Graph fully_connected(int64_t batch) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {batch, kFeatures});
  b.output(b.op("Gemm",
                {x, b.constant("w", random_tensor({kFeatures, kFeatures}, 71)),
                 b.constant("b", random_tensor({kFeatures}, 72))},
                attrs({{"transB", int64_t{1}}})));
  auto graph = b.build();
  EXPECT_TRUE(graph.is_ok()) << graph.status().message();
  return std::move(graph).value();
}

struct Loaded {
  std::unique_ptr<Executor> executor;
  size_t advised_bytes = 0;  // huge-page-advised memory the load added
};

Loaded load(const Graph& graph, bool huge_pages) {
  PlanOptions options;
  options.huge_pages = huge_pages;
  const size_t before = huge_page_advised_bytes();
  auto executor = Executor::create(graph, std::move(create_backend("onednn")).value(),
                                   std::move(create_backend("reference")).value(), options);
  EXPECT_TRUE(executor.is_ok()) << executor.status().message();
  Loaded loaded{executor.is_ok() ? std::move(executor).value() : nullptr, 0};
  if (loaded.executor) {
    // Weights are prepared with the plan, built for the declared shapes on first use.
    EXPECT_TRUE(loaded.executor->plan_for(loaded.executor->default_input_shapes()).is_ok());
  }
  const size_t after = huge_page_advised_bytes();
  loaded.advised_bytes = after > before ? after - before : 0;
  return loaded;
}

void expect_same_bits(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()), 0);
}

// Both executors give the same bits for `x`, within 1e-5 of the reference.
void expect_same_results(const Graph& graph, const Loaded& small_pages, const Loaded& huge_pages,
                         const Tensor& x) {
  auto small_out = small_pages.executor->run({x});
  auto huge_out = huge_pages.executor->run({x});
  ASSERT_TRUE(small_out.is_ok()) << small_out.status().message();
  ASSERT_TRUE(huge_out.is_ok()) << huge_out.status().message();
  expect_same_bits((*huge_out)[0], (*small_out)[0]);
  auto expected = run_graph(graph, "reference", {x});
  ASSERT_TRUE(expected.is_ok()) << expected.status().message();
  EXPECT_LE(relative_l2_error((*huge_out)[0], (*expected)[0]), 1e-5);
}

TEST(HugePages, SmallBatchFullyConnectedWeightsAreAdvisedAndExact) {
  const Graph graph = fully_connected(1);
  const Tensor x = random_tensor({1, kFeatures}, 73);
  Loaded small_pages = load(graph, false);
  Loaded huge_pages = load(graph, true);
  ASSERT_NE(small_pages.executor, nullptr);
  ASSERT_NE(huge_pages.executor, nullptr);
  EXPECT_EQ(small_pages.advised_bytes, 0u);
  if (!host_buffer_uses_huge_pages(kWeightBytes, HostBuffer::kStreamedWeights)) {
    EXPECT_EQ(huge_pages.advised_bytes, 0u);  // sanitized builds keep every buffer on the heap
  } else if (kernel_has_transparent_huge_pages()) {
    EXPECT_GE(huge_pages.advised_bytes, kWeightBytes);
  }
  expect_same_results(graph, small_pages, huge_pages, x);
}

// With a free batch, the batch-1 plan reads the graph's weights in place: the executor moves
// them to huge pages, once, and plans for other batches share them.
TEST(HugePages, FreeBatchMovesTheGraphsWeights) {
  const Graph graph = fully_connected(kDynamicDim);
  Loaded small_pages = load(graph, false);
  Loaded huge_pages = load(graph, true);
  ASSERT_NE(small_pages.executor, nullptr);
  ASSERT_NE(huge_pages.executor, nullptr);
  EXPECT_EQ(small_pages.advised_bytes, 0u);
  if (host_buffer_uses_huge_pages(kWeightBytes, HostBuffer::kStreamedWeights) &&
      kernel_has_transparent_huge_pages()) {
    EXPECT_GE(huge_pages.advised_bytes, kWeightBytes);
    EXPECT_LT(huge_pages.advised_bytes, 2 * kWeightBytes);  // one copy, not one per kernel
  }
  for (const int64_t batch : {1, 3}) {
    expect_same_results(graph, small_pages, huge_pages, random_tensor({batch, kFeatures}, 74));
  }
}

TEST(HugePages, LargeBatchKeepsSmallPages) {
  // 32 rows reuse each weight 32 times: compute-bound, so no slower load for it.
  Loaded loaded = load(fully_connected(32), true);
  ASSERT_NE(loaded.executor, nullptr);
  EXPECT_EQ(loaded.advised_bytes, 0u);
}

}  // namespace
}  // namespace fovea::testing
