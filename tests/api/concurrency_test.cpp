// Several threads, one Model, a Session each, different inputs: every result must equal the
// single-threaded run of the same input. Run under ThreadSanitizer by scripts/sanitizers.sh
// (-DFOVEA_SANITIZE=thread).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/api/api_test_util.h"
#include "tests/common/backend_testing.h"

namespace fovea {
namespace {

using api_testing::max_relative_difference;
using api_testing::mobilenet_path;
using api_testing::random_images;

void expect_concurrent_runs_match(const ModelOptions& options, int runs_each) {
  auto model = Model::load(mobilenet_path(), options);
  constexpr int kThreads = 4;
  // Per thread its own input (thread 3 uses batch 2, so plans for two shapes are in use).
  std::vector<std::vector<float>> inputs;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::vector<float>> expected;
  {
    Session reference(model);
    for (int t = 0; t < kThreads; ++t) {
      const int batch = t == 3 ? 2 : 1;
      inputs.push_back(random_images(batch, 100 + t));
      shapes.push_back({batch, 3, 224, 224});
      auto out = reference.run({TensorView(inputs[t].data(), shapes[t])});
      expected.emplace_back(out[0].values<float>().begin(), out[0].values<float>().end());
    }
  }
  std::atomic<int> mismatches{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        Session session(model);
        for (int r = 0; r < runs_each; ++r) {
          auto out = session.run({TensorView(inputs[t].data(), shapes[t])});
          if (max_relative_difference(out[0].values<float>(), expected[t]) > 1e-5) ++mismatches;
        }
      } catch (const Error&) {
        ++errors;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Concurrency, ThreadsSharingOneModelGetSingleThreadedResults) {
  expect_concurrent_runs_match({.threads = 1}, 3);
}

// On a GPU each Session queues its runs on a stream of its own and, with CUDA Graphs, records
// its own graph there: no session may see another's work.
TEST(Concurrency, GpuSessionsOnThreadsGetSingleThreadedResults) {
  FOVEA_REQUIRE_BACKEND("cuda");
  expect_concurrent_runs_match({.backend = "cuda"}, 3);
  expect_concurrent_runs_match({.backend = "cuda", .cuda_graph = true}, 3);
}

TEST(Concurrency, TwoModelsRunSideBySide) {
  auto a = Model::load(mobilenet_path(), {.threads = 1});
  auto b = Model::load(mobilenet_path(), {.threads = 1});
  std::vector<float> image = random_images(1, 42);
  std::vector<float> want;
  {
    auto out = Session(a).run({TensorView(image.data(), {1, 3, 224, 224})});
    want.assign(out[0].values<float>().begin(), out[0].values<float>().end());
  }
  std::atomic<int> mismatches{0};
  auto work = [&](std::shared_ptr<const Model> m) {
    Session s(std::move(m));
    for (int r = 0; r < 2; ++r) {
      auto out = s.run({TensorView(image.data(), {1, 3, 224, 224})});
      if (max_relative_difference(out[0].values<float>(), want) > 1e-5) ++mismatches;
    }
  };
  std::thread ta(work, a), tb(work, b);
  ta.join();
  tb.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace fovea
