// Executor::run from several threads at once (it promises thread safety): every result must
// be right, and new plans (one per batch size) may be built while others run. ThreadSanitizer
// runs this test (scripts/sanitizers.sh tsan).
#include <gtest/gtest.h>

#include <thread>

#include "engine/backends/backend_registry.h"
#include "engine/plan/executor.h"
#include "tests/common/backend_testing.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

// y = x + 1 over [N,4].
Graph add_one_model() {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {kDynamicDim, 4});
  b.output(b.op("Add", {x, b.constant("one", float_tensor({1}, {1.0f}))}));
  auto graph = b.build();
  EXPECT_TRUE(graph.is_ok()) << graph.status().message();
  return std::move(*graph);
}

class Concurrency : public ::testing::TestWithParam<std::string> {};

TEST_P(Concurrency, ConcurrentRunsAreCorrect) {
  FOVEA_REQUIRE_BACKEND(GetParam());
  auto primary = create_backend(GetParam());
  auto fallback = create_backend("reference");
  ASSERT_TRUE(primary.is_ok() && fallback.is_ok());
  auto created = Executor::create(add_one_model(), std::move(*primary), std::move(*fallback));
  ASSERT_TRUE(created.is_ok()) << created.status().message();
  Executor& executor = **created;

  constexpr int kThreads = 4;
  constexpr int kRuns = 25;
  std::vector<int> wrong(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&executor, &wrong, t] {
      for (int r = 0; r < kRuns; ++r) {
        const int64_t batch = 1 + (t + r) % 3;  // three plans, built on first use
        Tensor x(DType::kFloat32, {batch, 4});
        for (int64_t i = 0; i < batch * 4; ++i) x.data<float>()[i] = float(t * 1000 + r + i);
        auto y = executor.run({x});
        if (!y.is_ok() || y->at(0).shape() != x.shape()) {
          ++wrong[t];
          continue;
        }
        for (int64_t i = 0; i < batch * 4; ++i) {
          if (y->at(0).data<float>()[i] != float(t * 1000 + r + i) + 1.0f) ++wrong[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
}

INSTANTIATE_TEST_SUITE_P(Backends, Concurrency, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace fovea::testing
