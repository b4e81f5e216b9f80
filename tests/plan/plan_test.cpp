// The plan: which backend runs each node, what is computed at build time, run-time shapes,
// plans per input shape, and copies to and from a backend with its own memory.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "engine/backends/backend_registry.h"
#include "engine/ops/op_registry.h"
#include "engine/plan/executor.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

// A backend that takes only Relu, runs it with the reference kernel, and counts what the
// plan asks of it. With `device_memory` it claims its tensors live on a device, so the plan
// must copy in and out through it.
class CountingBackend final : public Backend {
 public:
  explicit CountingBackend(bool device_memory) : device_memory_(device_memory) {}
  const char* name() const override { return "counting"; }
  bool supports(const KernelRequest& request) const override {
    return request.node->op_type == "Relu";
  }
  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& request) override {
    ++prepared;
    return std::unique_ptr<Kernel>(new CountingKernel(*request.node, this));
  }
  MemoryKind memory() const override {
    return device_memory_ ? MemoryKind::kDevice : MemoryKind::kHost;
  }
  Result<Tensor> allocate(DType dtype, const Shape& shape) override {
    FOVEA_ASSIGN_OR_RETURN(Tensor host, Tensor::allocate(dtype, shape));
    if (!device_memory_) return host;
    std::shared_ptr<void> keep(host.raw_data(), [host](void*) {});
    return Tensor::adopt(dtype, shape, keep, MemoryKind::kDevice);
  }
  Status copy(const Tensor& src, Tensor& dst) override {
    ++copies;
    std::memcpy(dst.raw_data(), src.raw_data(), src.byte_size());
    return Status::ok();
  }

  int prepared = 0;
  int runs = 0;
  int copies = 0;

 private:
  class CountingKernel final : public Kernel {
   public:
    CountingKernel(Node node, CountingBackend* owner) : node_(std::move(node)), owner_(owner) {}
    Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
      ++owner_->runs;
      for (const Tensor& t : inputs) {
        if (t.memory() != owner_->memory()) return internal_error("input in the wrong memory");
      }
      return find_op("Relu")->reference(node_, inputs, outputs);
    }

   private:
    Node node_;
    CountingBackend* owner_;
  };

  bool device_memory_;
};

// x → Relu → Sigmoid → Relu → y
Graph relu_sigmoid_relu(Shape input_shape) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, std::move(input_shape));
  b.output(b.op("Relu", {b.op("Sigmoid", {b.op("Relu", {x})})}));
  auto g = b.build();
  EXPECT_TRUE(g.is_ok()) << g.status().message();
  return std::move(g).value();
}

float expected_value(float x) { return 1.0f / (1.0f + std::exp(-std::max(x, 0.0f))); }

TEST(Plan, EachNodeGoesToTheFirstBackendThatTakesIt) {
  auto backend = std::make_unique<CountingBackend>(false);
  CountingBackend* counting = backend.get();
  auto executor = Executor::create(relu_sigmoid_relu({2, 3}), std::move(backend),
                                   std::move(create_backend("reference")).value());
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  EXPECT_EQ(counting->prepared, 2);  // prepared once, when the executor is created

  auto plan = (*executor)->plan_for({{2, 3}});
  ASSERT_TRUE(plan.is_ok());
  const auto steps = (*plan)->steps();
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].backend, "counting");
  EXPECT_EQ(steps[1].backend, "reference");
  EXPECT_EQ(steps[2].backend, "counting");

  const Tensor x = random_tensor({2, 3}, 1);
  for (int run = 0; run < 2; ++run) {
    auto out = (*executor)->run({x});
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    for (int i = 0; i < 6; ++i) {
      EXPECT_NEAR((*out)[0].data<float>()[i], expected_value(x.data<float>()[i]), 1e-6);
    }
  }
  EXPECT_EQ(counting->prepared, 2);  // not prepared again per run
  EXPECT_EQ(counting->runs, 4);
}

TEST(Plan, DeviceMemoryIsCopiedInAndOutByTheBackend) {
  auto backend = std::make_unique<CountingBackend>(true);
  CountingBackend* counting = backend.get();
  auto executor = Executor::create(relu_sigmoid_relu({4}), std::move(backend),
                                   std::move(create_backend("reference")).value());
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  const Tensor x = random_tensor({4}, 2);
  auto out = (*executor)->run({x});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ((*out)[0].memory(), MemoryKind::kHost);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR((*out)[0].data<float>()[i], expected_value(x.data<float>()[i]), 1e-6);
  }
  // host→device for Relu 1, device→host for Sigmoid, host→device for Relu 2, device→host out.
  EXPECT_EQ(counting->copies, 4);
}

TEST(Plan, ShapeSubgraphsAreComputedAtBuildTime) {
  // torchvision's flatten: Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1]))
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {kDynamicDim, 2, 3});
  const ValueId shape = b.op("Shape", {x});
  const ValueId batch = b.op("Gather", {shape, b.constant("zero", int64_tensor({}, {0}))},
                             attrs({{"axis", int64_t{0}}}));
  const ValueId batch1 = b.op("Unsqueeze", {batch, b.constant("axes", int64_tensor({1}, {0}))});
  const ValueId target = b.op("Concat", {batch1, b.constant("minus1", int64_tensor({1}, {-1}))},
                              attrs({{"axis", int64_t{0}}}));
  b.output(b.op("Reshape", {x, target}));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();

  auto executor = Executor::create(*graph, std::move(create_backend("reference")).value(),
                                   std::move(create_backend("reference")).value());
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  for (int64_t batch_size : {1, 4}) {
    auto plan = (*executor)->plan_for({{batch_size, 2, 3}});
    ASSERT_TRUE(plan.is_ok()) << plan.status().message();
    const auto steps = (*plan)->steps();
    ASSERT_EQ(steps.size(), 1u) << "only the Reshape should run";
    EXPECT_EQ(steps[0].op_type, "Reshape");
    EXPECT_FALSE(steps[0].dynamic_shape);

    auto out = (*executor)->run({random_tensor({batch_size, 2, 3}, 3)});
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    EXPECT_EQ((*out)[0].shape(), (Shape{batch_size, 6}));
  }
}

TEST(Plan, ShapesThatDependOnRunTimeValuesAreResolvedAtRunTime) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 6});
  const ValueId target = b.input("target", DType::kInt64, {2});
  b.output(b.op("Reshape", {x, target}));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  auto executor = Executor::create(*graph, std::move(create_backend("onednn")).value(),
                                   std::move(create_backend("reference")).value());
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();

  const Tensor data = random_tensor({2, 6}, 4);
  for (const auto& [rows, cols] : {std::pair<int64_t, int64_t>{3, 4}, {6, 2}}) {
    auto out = (*executor)->run({data, int64_tensor({2}, {rows, cols})});
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    EXPECT_EQ((*out)[0].shape(), (Shape{rows, cols}));
    EXPECT_TRUE(tensors_close((*out)[0], data.reshaped({rows, cols}), 0, 0));
  }
  auto plan = (*executor)->plan_for({{2, 6}, {2}});
  ASSERT_TRUE(plan.is_ok());
  EXPECT_TRUE((*plan)->steps()[0].dynamic_shape);
  EXPECT_EQ((*plan)->steps()[0].backend, "reference");
}

TEST(Executor, FreeBatchGetsOnePlanPerBatchSizeWithConsistentResults) {
  auto executor = Executor::create(relu_sigmoid_relu({kDynamicDim, 5}),
                                   std::move(create_backend("onednn")).value(),
                                   std::move(create_backend("reference")).value());
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  const Tensor batch3 = random_tensor({3, 5}, 5);
  auto out3 = (*executor)->run({batch3});
  ASSERT_TRUE(out3.is_ok()) << out3.status().message();
  ASSERT_EQ((*out3)[0].shape(), (Shape{3, 5}));
  // Row 1 alone must give the same answer as row 1 inside the batch.
  Tensor row(DType::kFloat32, {1, 5});
  std::memcpy(row.raw_data(), batch3.data<float>() + 5, 5 * sizeof(float));
  auto out1 = (*executor)->run({row});
  ASSERT_TRUE(out1.is_ok()) << out1.status().message();
  for (int i = 0; i < 5; ++i) {
    EXPECT_FLOAT_EQ((*out1)[0].data<float>()[i], (*out3)[0].data<float>()[5 + i]);
  }
}

// The plan built up front is for the batch the caller names; other batches get theirs on their
// first run, and a batch below 1 is refused.
TEST(Executor, FreeBatchPreparesTheNamedBatchUpFront) {
  auto make = [](int64_t prepared_batch) {
    return Executor::create(
        relu_sigmoid_relu({kDynamicDim, 5}), std::move(create_backend("onednn")).value(),
        std::move(create_backend("reference")).value(), PlanOptions{}, prepared_batch);
  };
  auto by_default = make(1);
  ASSERT_TRUE(by_default.is_ok()) << by_default.status().message();
  EXPECT_EQ((*by_default)->plan_count(), 1u);
  ASSERT_TRUE((*by_default)->run({random_tensor({4, 5}, 7)}).is_ok());
  EXPECT_EQ((*by_default)->plan_count(), 2u) << "batch 1 up front, batch 4 on its first run";

  auto batch4 = make(4);
  ASSERT_TRUE(batch4.is_ok()) << batch4.status().message();
  EXPECT_EQ((*batch4)->plan_count(), 1u);
  ASSERT_TRUE((*batch4)->run({random_tensor({4, 5}, 7)}).is_ok());
  EXPECT_EQ((*batch4)->plan_count(), 1u) << "batch 4 was prepared up front";
  ASSERT_TRUE((*batch4)->run({random_tensor({1, 5}, 8)}).is_ok());
  EXPECT_EQ((*batch4)->plan_count(), 2u);

  auto zero = make(0);
  ASSERT_FALSE(zero.is_ok());
  EXPECT_NE(zero.status().message().find("batch to prepare must be at least 1"), std::string::npos)
      << zero.status().message();
}

// A fixed batch ignores the batch to prepare: there is only the declared one.
TEST(Executor, FixedBatchIgnoresTheBatchToPrepare) {
  auto executor =
      Executor::create(relu_sigmoid_relu({2, 5}), std::move(create_backend("onednn")).value(),
                       std::move(create_backend("reference")).value(), PlanOptions{}, 8);
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  EXPECT_EQ((*executor)->plan_count(), 1u);
  EXPECT_TRUE((*executor)->run({random_tensor({2, 5}, 9)}).is_ok());
}

TEST(Executor, WrongInputShapeIsAClearError) {
  auto executor = Executor::create(relu_sigmoid_relu({kDynamicDim, 5}),
                                   std::move(create_backend("reference")).value(),
                                   std::move(create_backend("reference")).value());
  ASSERT_TRUE(executor.is_ok());
  auto out = (*executor)->run({random_tensor({2, 4}, 6)});
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("input 'x': expected shape [N,5], got [2,4]"),
            std::string::npos)
      << out.status().message();
  EXPECT_FALSE((*executor)->run({}).is_ok());
}

}  // namespace
}  // namespace fovea::testing
