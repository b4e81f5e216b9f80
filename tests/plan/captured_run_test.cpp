// PlanOptions::capture_graph: after one warm-up run, a plan whose steps all run on a device
// backend records a run once per run context (Backend::capture) and replays it, with inputs
// copied into fixed buffers first and outputs copied out after. Checked with a fake device
// backend whose recording, like CUDA's stream capture, stores the kernels' work without doing
// it; replay then does it on the memory recorded.
#include <gtest/gtest.h>

#include <functional>

#include "engine/backends/backend_registry.h"
#include "engine/ops/op_registry.h"
#include "engine/plan/executor.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"
#include "tests/plan/fake_device.h"

namespace fovea::testing {
namespace {

class RecordingBackend;

class RecordingKernel final : public Kernel {
 public:
  RecordingKernel(Node node, RecordingBackend* owner) : node_(std::move(node)), owner_(owner) {}
  Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) override;
  std::optional<size_t> inplace_input(size_t i) const override {
    return fake_device_inplace_input(node_, i);
  }

 private:
  Node node_;
  RecordingBackend* owner_;
};

class RecordingBackend final : public FakeDeviceMemory {
 public:
  const char* name() const override { return "recording_device"; }
  bool supports(const KernelRequest& r) const override { return fake_device_takes(*r.node); }
  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& r) override {
    return std::unique_ptr<Kernel>(new RecordingKernel(*r.node, this));
  }
  Result<Tensor> allocate(DType dtype, const Shape& shape) override {
    if (recording) return internal_error("allocation while recording");
    return FakeDeviceMemory::allocate(dtype, shape);
  }
  Status copy(const Tensor& src, Tensor& dst) override {
    if (recording) return internal_error("copy while recording");
    return FakeDeviceMemory::copy(src, dst);
  }
  Result<std::unique_ptr<CapturedWork>> capture(const std::function<Status()>& work) override {
    ++captures;
    recording = true;
    recorded.clear();
    const Status status = work();
    recording = false;
    if (!status.is_ok()) return status;
    if (fail_captures) return internal_error("capture refused");
    auto fresh = [this, recorded_at = generation]() -> Status {
      if (generation != recorded_at) return internal_error("stale recording");
      return Status::ok();
    };
    return std::unique_ptr<CapturedWork>(new ReplayableWork(std::move(recorded), fresh));
  }

  bool recording = false;
  bool fail_captures = false;
  std::vector<std::function<Status()>> recorded;
  int captures = 0;
  int direct_runs = 0;  // kernel runs done at once, not recorded
  int generation = 0;   // bumped: recordings made before are stale
};

Status RecordingKernel::run(std::span<const Tensor> inputs, std::span<Tensor> outputs) {
  auto work = reference_work(node_, inputs, outputs);
  if (owner_->recording) {
    owner_->recorded.push_back(std::move(work));
    return Status::ok();
  }
  ++owner_->direct_runs;
  return work();
}

using CapturingPlan = FakeDevicePlan<RecordingBackend>;

CapturingPlan make(const Graph& graph, bool capture = true) {
  return plan_on_fake_device<RecordingBackend>(graph, capture);
}

void expect_matches_reference(const Graph& graph, const Tensor& x, const Tensor& out) {
  auto reference = run_graph(graph, "reference", {x});
  ASSERT_TRUE(reference.is_ok());
  EXPECT_EQ(out.memory(), MemoryKind::kHost);
  EXPECT_LT(relative_l2_error(out, (*reference)[0]), 1e-6);
}

Tensor input(uint64_t seed) { return random_tensor({2, 6}, seed, -2.0f, 2.0f); }

Result<Tensor> run(Plan* plan, RunContext& context, const Tensor& x) {
  FOVEA_ASSIGN_OR_RETURN(std::vector<Tensor> out, plan->run(context, std::vector<Tensor>{x}));
  return out[0];
}

TEST(CapturedRun, RecordsOnceAfterAWarmUpRunThenReplays) {
  const Graph graph = fake_device_net(false);
  CapturingPlan s = make(graph);
  RunContext context;
  std::vector<Tensor> outs;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    auto out = run(s.plan, context, input(seed));
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    outs.push_back(*out);
    if (seed == 1) {
      EXPECT_FALSE(s.plan->replaying());
      EXPECT_EQ(s.device->direct_runs, 4);  // the warm-up ran its 4 kernels step by step
    }
  }
  EXPECT_TRUE(s.plan->replaying());
  EXPECT_EQ(s.device->captures, 1);
  EXPECT_EQ(s.device->direct_runs, 4);  // nothing but the warm-up ran outside the recording
  // Every run saw its own input, and later runs did not overwrite earlier outputs.
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    expect_matches_reference(graph, input(seed), outs[seed - 1]);
  }
}

TEST(CapturedRun, EachRunContextRecordsItsOwn) {
  const Graph graph = fake_device_net(false);
  CapturingPlan s = make(graph);
  RunContext first, second;
  ASSERT_TRUE(run(s.plan, first, input(1)).is_ok());  // warm-up
  auto a = run(s.plan, first, input(2));
  auto b = run(s.plan, second, input(3));
  auto a2 = run(s.plan, first, input(4));
  ASSERT_TRUE(a.is_ok() && b.is_ok() && a2.is_ok());
  EXPECT_EQ(s.device->captures, 2);
  expect_matches_reference(graph, input(2), *a);
  expect_matches_reference(graph, input(3), *b);
  expect_matches_reference(graph, input(4), *a2);
}

TEST(CapturedRun, AContextKeepsARecordingPerPlan) {
  // A free batch: one plan per batch size, a service alternating between two of them.
  GraphBuilder builder;
  const ValueId x = builder.input("x", DType::kFloat32, {kDynamicDim, 6});
  builder.output(builder.op("Sigmoid", {builder.op("Relu", {x})}));
  auto graph = builder.build();
  ASSERT_TRUE(graph.is_ok());
  auto backend = std::make_unique<RecordingBackend>();
  RecordingBackend* device = backend.get();
  PlanOptions options;
  options.capture_graph = true;
  auto executor = Executor::create(*graph, std::move(backend),
                                   std::move(create_backend("reference")).value(), options);
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  RunContext context;
  for (int round = 0; round < 3; ++round) {
    for (int64_t batch : {2, 5}) {
      auto plan = (*executor)->plan_for({{batch, 6}});
      ASSERT_TRUE(plan.is_ok());
      const Tensor in = random_tensor({batch, 6}, static_cast<uint64_t>(10 * round + batch));
      auto out = (*plan)->run(context, std::vector<Tensor>{in});
      ASSERT_TRUE(out.is_ok()) << out.status().message();
      expect_matches_reference(*graph, in, (*out)[0]);
    }
  }
  EXPECT_EQ(device->captures, 2);  // one per plan, not one per switch
}

TEST(CapturedRun, AStaleRecordingIsMadeAgain) {
  const Graph graph = fake_device_net(false);
  CapturingPlan s = make(graph);
  RunContext context;
  ASSERT_TRUE(run(s.plan, context, input(1)).is_ok());
  ASSERT_TRUE(run(s.plan, context, input(2)).is_ok());
  ++s.device->generation;  // e.g. the shared workspace grew for another plan
  auto out = run(s.plan, context, input(3));
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ(s.device->captures, 2);
  EXPECT_TRUE(s.plan->replaying());
  expect_matches_reference(graph, input(3), *out);
}

TEST(CapturedRun, AStepOnTheHostKeepsTheRunStepByStep) {
  const Graph graph = fake_device_net(true);
  CapturingPlan s = make(graph);
  EXPECT_NE(s.plan->capture_failure().find("Tanh) runs on reference"), std::string::npos)
      << s.plan->capture_failure();
  RunContext context;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    auto out = run(s.plan, context, input(seed));
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    expect_matches_reference(graph, input(seed), *out);
  }
  EXPECT_EQ(s.device->captures, 0);
  EXPECT_FALSE(s.plan->replaying());
}

TEST(CapturedRun, AFailedCaptureKeepsTheRunStepByStepForGood) {
  const Graph graph = fake_device_net(false);
  CapturingPlan s = make(graph);
  s.device->fail_captures = true;
  RunContext context;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    auto out = run(s.plan, context, input(seed));
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    expect_matches_reference(graph, input(seed), *out);
  }
  EXPECT_EQ(s.device->captures, 1);  // tried once
  EXPECT_EQ(s.plan->capture_failure(), "capture refused");
  EXPECT_FALSE(s.plan->replaying());
}

TEST(CapturedRun, OffUnlessAskedFor) {
  const Graph graph = fake_device_net(false);
  CapturingPlan s = make(graph, /*capture=*/false);
  RunContext context;
  for (uint64_t seed = 1; seed <= 3; ++seed) ASSERT_TRUE(run(s.plan, context, input(seed)).is_ok());
  EXPECT_EQ(s.device->captures, 0);
  EXPECT_EQ(s.device->direct_runs, 12);
}

}  // namespace
}  // namespace fovea::testing
