// A plan on a device backend queues each run on the run context's own stream
// (Backend::create_stream, one per RunContext: per Session), bound for the length of the run
// (Backend::use_stream) and let go after it, even when the run fails. Checked with a fake
// device backend that notes the stream bound at each kernel run, copy and recording.
#include <gtest/gtest.h>

#include <functional>

#include "engine/plan/executor.h"
#include "tests/common/tensor_testing.h"
#include "tests/plan/fake_device.h"

namespace fovea::testing {
namespace {

constexpr int kNoStream = 0;  // the backend's own stream

struct FakeStream final : BackendStream {
  explicit FakeStream(int id) : id(id) {}
  int id;
};

class StreamedBackend;

class StreamedKernel final : public Kernel {
 public:
  StreamedKernel(Node node, StreamedBackend* owner) : node_(std::move(node)), owner_(owner) {}
  Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) override;

 private:
  Node node_;
  StreamedBackend* owner_;
};

class StreamedBackend final : public FakeDeviceMemory {
 public:
  const char* name() const override { return "streamed_device"; }
  bool supports(const KernelRequest& r) const override { return fake_device_takes(*r.node); }
  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& r) override {
    return std::unique_ptr<Kernel>(new StreamedKernel(*r.node, this));
  }
  Status copy(const Tensor& src, Tensor& dst) override {
    copy_streams.push_back(bound);
    return FakeDeviceMemory::copy(src, dst);
  }
  Result<std::unique_ptr<BackendStream>> create_stream() override {
    if (refuse_streams) return internal_error("streamed_device: out of streams");
    return std::unique_ptr<BackendStream>(new FakeStream(++streams_made));
  }
  Status use_stream(BackendStream* stream) override {
    bound = stream ? dynamic_cast<FakeStream&>(*stream).id : kNoStream;
    return Status::ok();
  }
  Result<std::unique_ptr<CapturedWork>> capture(const std::function<Status()>& work) override {
    capture_streams.push_back(bound);
    recording = true;
    recorded.clear();
    const Status status = work();
    recording = false;
    FOVEA_RETURN_IF_ERROR(status);
    // Like CUDA's, a recording replays only on the stream it was made on.
    auto on_its_stream = [this, stream = bound]() -> Status {
      if (bound != stream) return internal_error("replayed on another stream");
      return Status::ok();
    };
    return std::unique_ptr<CapturedWork>(new ReplayableWork(std::move(recorded), on_its_stream));
  }

  int bound = kNoStream;
  int streams_made = 0;
  bool refuse_streams = false;
  bool fail_kernels = false;
  bool recording = false;
  std::vector<std::function<Status()>> recorded;
  std::vector<int> kernel_streams, copy_streams, capture_streams;
};

Status StreamedKernel::run(std::span<const Tensor> inputs, std::span<Tensor> outputs) {
  if (owner_->fail_kernels) return internal_error("streamed_device: kernel failed");
  auto work = reference_work(node_, inputs, outputs);
  if (owner_->recording) {
    owner_->recorded.push_back(std::move(work));
    return Status::ok();
  }
  owner_->kernel_streams.push_back(owner_->bound);
  return work();
}

using StreamedPlan = FakeDevicePlan<StreamedBackend>;

StreamedPlan make(bool capture = false) {
  return plan_on_fake_device<StreamedBackend>(fake_device_net(false), capture);
}

Tensor input(uint64_t seed) { return random_tensor({2, 6}, seed, -2.0f, 2.0f); }

// Runs once and returns the streams the run's kernels and copies saw (in that order).
std::vector<int> streams_of_one_run(StreamedPlan& s, RunContext& context, uint64_t seed) {
  s.device->kernel_streams.clear();
  s.device->copy_streams.clear();
  const Tensor x = input(seed);
  auto out = s.plan->run(context, std::vector<Tensor>{x});
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  if (out.is_ok()) {
    auto expected = run_graph(s.plan->graph(), "reference", {x});
    EXPECT_TRUE(expected.is_ok());
    if (expected.is_ok()) {
      EXPECT_LT(relative_l2_error((*out)[0], (*expected)[0]), 1e-6);
    }
  }
  EXPECT_EQ(s.device->bound, kNoStream) << "the run left its stream bound";
  std::vector<int> seen = s.device->kernel_streams;
  seen.insert(seen.end(), s.device->copy_streams.begin(), s.device->copy_streams.end());
  return seen;
}

// Every element is `stream`, and there is at least one.
void expect_all_on(const std::vector<int>& seen, int stream) {
  ASSERT_FALSE(seen.empty());
  for (int s : seen) EXPECT_EQ(s, stream);
}

TEST(RunStream, EachRunContextQueuesItsKernelsAndCopiesOnItsOwnStream) {
  StreamedPlan s = make();
  RunContext first, second;
  const std::vector<int> a = streams_of_one_run(s, first, 1);
  const std::vector<int> b = streams_of_one_run(s, second, 2);
  const std::vector<int> a2 = streams_of_one_run(s, first, 3);
  ASSERT_FALSE(a.empty() || b.empty());
  EXPECT_NE(a[0], kNoStream);
  EXPECT_NE(b[0], kNoStream);
  EXPECT_NE(a[0], b[0]);
  expect_all_on(a, a[0]);
  expect_all_on(b, b[0]);
  expect_all_on(a2, a[0]);  // a context keeps its stream from run to run
  EXPECT_EQ(s.device->streams_made, 2);
  // 4 kernels (Relu, Sigmoid, Add, Relu), the input copied in and the output out.
  EXPECT_EQ(a.size(), 6u);
}

TEST(RunStream, AFailedRunStillLetsGoOfItsStream) {
  StreamedPlan s = make();
  RunContext context;
  s.device->fail_kernels = true;
  auto failed = s.plan->run(context, std::vector<Tensor>{input(1)});
  ASSERT_FALSE(failed.is_ok());
  EXPECT_NE(failed.status().message().find("kernel failed"), std::string::npos);
  EXPECT_EQ(s.device->bound, kNoStream);
  s.device->fail_kernels = false;
  const std::vector<int> seen = streams_of_one_run(s, context, 2);
  ASSERT_FALSE(seen.empty());
  expect_all_on(seen, seen[0]);
  EXPECT_EQ(s.device->streams_made, 1);  // the same context, the same stream
}

TEST(RunStream, AStreamThatCannotBeMadeFailsTheRunWithTheBackendsReason) {
  StreamedPlan s = make();
  s.device->refuse_streams = true;
  RunContext context;
  auto failed = s.plan->run(context, std::vector<Tensor>{input(1)});
  ASSERT_FALSE(failed.is_ok());
  EXPECT_NE(failed.status().message().find("out of streams"), std::string::npos)
      << failed.status().message();
  EXPECT_TRUE(s.device->kernel_streams.empty());
  s.device->refuse_streams = false;  // not remembered: the next run asks again
  const std::vector<int> seen = streams_of_one_run(s, context, 2);
  ASSERT_FALSE(seen.empty());
  EXPECT_NE(seen[0], kNoStream);
}

TEST(RunStream, EachContextRecordsOnAndReplaysOnItsOwnStream) {
  StreamedPlan s = make(/*capture=*/true);
  RunContext first, second;
  // Warm-up, then a recording per context; later runs replay (on the recording's stream, or
  // the fake recording fails them).
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    for (RunContext* context : {&first, &second}) {
      const Tensor x = input(seed);
      auto out = s.plan->run(*context, std::vector<Tensor>{x});
      ASSERT_TRUE(out.is_ok()) << out.status().message();
      auto expected = run_graph(s.plan->graph(), "reference", {x});
      ASSERT_TRUE(expected.is_ok());
      EXPECT_LT(relative_l2_error((*out)[0], (*expected)[0]), 1e-6);
      EXPECT_EQ(s.device->bound, kNoStream);
    }
  }
  EXPECT_TRUE(s.plan->replaying()) << s.plan->capture_failure();
  ASSERT_EQ(s.device->capture_streams.size(), 2u);
  EXPECT_NE(s.device->capture_streams[0], kNoStream);
  EXPECT_NE(s.device->capture_streams[1], kNoStream);
  EXPECT_NE(s.device->capture_streams[0], s.device->capture_streams[1]);
  EXPECT_EQ(s.device->streams_made, 2);
}

}  // namespace
}  // namespace fovea::testing
