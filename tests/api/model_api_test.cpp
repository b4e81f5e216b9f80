// The public API used as an application would: metadata, runs against the internal executor,
// dynamic batch, errors, and output ownership.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/backends/backend_registry.h"
#include "runtime/internal/model_loader.h"
#include "tests/api/api_test_util.h"
#include "tests/common/backend_testing.h"

namespace fovea {
namespace {

using api_testing::max_relative_difference;
using api_testing::mobilenet_path;
using api_testing::random_images;

std::shared_ptr<const Model> mobilenet(int threads = 0) {
  static std::map<int, std::shared_ptr<const Model>> cache;  // loading takes a moment
  auto& model = cache[threads];
  if (!model) model = Model::load(mobilenet_path(), {.threads = threads});
  return model;
}

TEST(ModelApi, DescribesInputsAndOutputsWithTheFreeBatchDimension) {
  auto model = mobilenet();
  ASSERT_EQ(model->inputs().size(), 1u);
  EXPECT_EQ(model->inputs()[0].name, "input");
  EXPECT_EQ(model->inputs()[0].dtype, DataType::kFloat32);
  EXPECT_EQ(model->inputs()[0].shape, (std::vector<int64_t>{-1, 3, 224, 224}));
  ASSERT_EQ(model->outputs().size(), 1u);
  EXPECT_EQ(model->outputs()[0].shape, (std::vector<int64_t>{-1, 1000}));
  EXPECT_EQ(&model->input("input"), &model->inputs()[0]);
  EXPECT_EQ(shape_string(model->inputs()[0].shape), "[N,3,224,224]");
}

TEST(ModelApi, RunMatchesTheInternalExecutor) {
  std::vector<float> image = random_images(1, 7);
  Session session(mobilenet());
  auto outputs = session.run({{"input", TensorView(image.data(), {1, 3, 224, 224})}});
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].name(), mobilenet()->outputs()[0].name);
  EXPECT_EQ(outputs[0].shape(), (std::vector<int64_t>{1, 1000}));

  auto executor = load_model(mobilenet_path(), {});
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  Tensor input = Tensor::wrap(DType::kFloat32, {1, 3, 224, 224}, image.data());
  auto expected = (*executor)->run({input});
  ASSERT_TRUE(expected.is_ok()) << expected.status().message();
  std::span<const float> want((*expected)[0].data<float>(), 1000);
  EXPECT_LT(max_relative_difference(outputs[0].values<float>(), want), 1e-5);
}

TEST(ModelApi, BatchRowsMatchSingleImageRuns) {
  const int n = 3;
  std::vector<float> batch = random_images(n, 11);
  Session session(mobilenet());
  auto batched = session.run({TensorView(batch.data(), {n, 3, 224, 224})});
  ASSERT_EQ(batched[0].shape(), (std::vector<int64_t>{n, 1000}));
  const size_t image_size = 3 * 224 * 224;
  for (int i = 0; i < n; ++i) {
    auto single = session.run({TensorView(batch.data() + i * image_size, {1, 3, 224, 224})});
    std::span<const float> row = batched[0].values<float>().subspan(i * 1000u, 1000);
    EXPECT_LT(max_relative_difference(row, single[0].values<float>()), 1e-4) << "image " << i;
  }
}

TEST(ModelApi, OutputsOfEarlierRunsStayUnchanged) {
  std::vector<float> a = random_images(1, 1), b = random_images(1, 2);
  Session session(mobilenet());
  auto first = session.run({TensorView(a.data(), {1, 3, 224, 224})});
  std::vector<float> copy(first[0].values<float>().begin(), first[0].values<float>().end());
  auto second = session.run({TensorView(b.data(), {1, 3, 224, 224})});
  EXPECT_NE(first[0].raw_data(), second[0].raw_data());
  EXPECT_TRUE(std::equal(copy.begin(), copy.end(), first[0].values<float>().begin()));
  EXPECT_GT(max_relative_difference(second[0].values<float>(), copy), 1e-3);  // inputs differ
}

TEST(ModelApi, SessionKeepsTheModelAlive) {
  auto model = Model::load(mobilenet_path(), {.threads = 1});
  std::weak_ptr<const Model> watch = model;
  auto session = std::make_unique<Session>(std::move(model));
  EXPECT_FALSE(watch.expired());
  std::vector<float> image = random_images(1, 3);
  EXPECT_EQ(session->run({TensorView(image.data(), {1, 3, 224, 224})}).size(), 1u);
  session.reset();
  EXPECT_TRUE(watch.expired());
}

// Runs `f` and returns the fovea::Error it throws (fails the test when it throws nothing).
template <typename F>
Error thrown_by(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected fovea::Error";
  return Error(ErrorCode::kInternal, "");
}

// A model prepared for batch 2 gives what the default one (prepared for batch 1) gives at
// batch 2, and at batch 1.
TEST(ModelApi, PreparedBatchGivesTheSameResults) {
  auto batch2 = Model::load(mobilenet_path(), {.threads = 1, .batch = 2});
  std::vector<float> images = random_images(2, 13);
  for (int64_t n : {2, 1}) {
    auto got = Session(batch2).run({TensorView(images.data(), {n, 3, 224, 224})});
    auto want = Session(mobilenet()).run({TensorView(images.data(), {n, 3, 224, 224})});
    ASSERT_EQ(got[0].shape(), (std::vector<int64_t>{n, 1000}));
    EXPECT_LT(max_relative_difference(got[0].values<float>(), want[0].values<float>()), 1e-4)
        << "batch " << n;
  }
}

TEST(ModelApiErrors, MissingFileNamesThePath) {
  Error e = thrown_by([] { Model::load("/nonexistent/model.onnx"); });
  EXPECT_NE(std::string(e.what()).find("/nonexistent/model.onnx"), std::string::npos) << e.what();
}

TEST(ModelApiErrors, UnknownBackendIsRefused) {
  Error e = thrown_by([] { Model::load(mobilenet_path(), {.backend = "tpu"}); });
  EXPECT_NE(std::string(e.what()).find("tpu"), std::string::npos) << e.what();
}

// The GPU options travel to the backend: on a GPU, TF32 and CUDA Graph sessions agree with
// the CPU; without one (where the backend was built), loading says why.
TEST(ModelApiGpu, CudaOptionsReachTheBackend) {
  const auto names = backend_names();
  if (std::find(names.begin(), names.end(), "cuda") == names.end()) {
    GTEST_SKIP() << "the cuda backend is not built here";
  }
  const ModelOptions options{.backend = "cuda", .tf32 = true, .cuda_graph = true};
  if (testing::backend_unavailable("cuda")) {
    Error e = thrown_by([&] { Model::load(mobilenet_path(), options); });
    EXPECT_NE(std::string(e.what()).find("no CUDA device available"), std::string::npos)
        << e.what();
    return;
  }
  auto gpu = Model::load(mobilenet_path(), options);
  Session session(gpu), cpu(mobilenet());
  for (uint32_t seed : {1u, 2u, 3u}) {  // the first run warms up, the next ones replay
    std::vector<float> image = random_images(1, seed);
    const TensorView view(image.data(), {1, 3, 224, 224});
    auto got = session.run({{"input", view}});
    auto want = cpu.run({{"input", view}});
    EXPECT_LT(max_relative_difference(got[0].values<float>(), want[0].values<float>()), 1e-2);
  }
}

TEST(ModelApiErrors, BadInputsAreInvalidArgumentsNamingTheInput) {
  Session session(mobilenet());
  std::vector<float> image = random_images(1, 5);
  Error shape = thrown_by([&] { session.run({TensorView(image.data(), {1, 3, 112, 448})}); });
  EXPECT_EQ(shape.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(std::string(shape.what()).find("input"), std::string::npos) << shape.what();
  EXPECT_NE(std::string(shape.what()).find("224"), std::string::npos) << shape.what();

  std::vector<int64_t> ints(3 * 224 * 224);
  Error dtype = thrown_by([&] { session.run({TensorView(ints.data(), {1, 3, 224, 224})}); });
  EXPECT_EQ(dtype.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(std::string(dtype.what()).find("int64"), std::string::npos) << dtype.what();

  Error name = thrown_by([&] {
    session.run(
        std::map<std::string, TensorView>{{"pixels", TensorView(image.data(), {1, 3, 224, 224})}});
  });
  EXPECT_EQ(name.code(), ErrorCode::kNotFound);
  EXPECT_NE(std::string(name.what()).find("'pixels'"), std::string::npos) << name.what();

  Error count = thrown_by([&] { session.run(std::vector<TensorView>{}); });
  EXPECT_EQ(count.code(), ErrorCode::kInvalidArgument);

  Error negative = thrown_by([&] { session.run({TensorView(image.data(), {-1, 3, 224, 224})}); });
  EXPECT_EQ(negative.code(), ErrorCode::kInvalidArgument);
}

TEST(ModelApiErrors, BatchBelowOneIsRefused) {
  Error e = thrown_by([] { Model::load(mobilenet_path(), {.batch = 0}); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(std::string(e.what()).find("ModelOptions::batch"), std::string::npos) << e.what();
}

TEST(ModelApiErrors, MemoryLimitRefusesLargeBatchesButNotSmallOnes) {
  // MobileNetV2 needs a few MB of activations per image at 224x224.
  auto model = Model::load(mobilenet_path(), {.threads = 1, .memory_limit_bytes = 64 << 20});
  Session session(model);
  std::vector<float> one = random_images(1, 9);
  EXPECT_EQ(session.run({TensorView(one.data(), {1, 3, 224, 224})}).size(), 1u);
  std::vector<float> many(64u * 3 * 224 * 224);
  Error e = thrown_by([&] { session.run({TensorView(many.data(), {64, 3, 224, 224})}); });
  EXPECT_EQ(e.code(), ErrorCode::kOutOfRange) << e.what();
}

TEST(ModelApiErrors, TypedAccessChecksTheType) {
  HostTensor t(DataType::kFloat32, {2, 2}, "t");
  EXPECT_EQ(t.values<float>().size(), 4u);
  Error e = thrown_by([&] { (void)t.values<int64_t>(); });
  EXPECT_NE(std::string(e.what()).find("float32"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace fovea
