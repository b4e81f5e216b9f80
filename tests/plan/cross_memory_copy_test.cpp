// A value crosses between host and device memory at most once per run, however many steps
// read it on the other side, and its copy is let go after the last of them. Checked with a
// fake device backend that counts its copies and sees which are still held.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <vector>

#include "tests/common/tensor_testing.h"
#include "tests/plan/fake_device.h"

namespace fovea::testing {
namespace {

class CopyCountingBackend;

// Notes, before running, how many copies the plan made into device memory are still held.
class ReferenceKernel final : public Kernel {
 public:
  ReferenceKernel(Node node, CopyCountingBackend* owner) : node_(std::move(node)), owner_(owner) {}
  Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) override;

 private:
  Node node_;
  CopyCountingBackend* owner_;
};

class CopyCountingBackend final : public FakeDeviceMemory {
 public:
  const char* name() const override { return "copy_counting_device"; }
  bool supports(const KernelRequest& r) const override { return fake_device_takes(*r.node); }
  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& r) override {
    return std::unique_ptr<Kernel>(new ReferenceKernel(*r.node, this));
  }
  // Device tensors whose release is seen: a copy's buffer leaves `copied_in` when it is freed
  // (before its address can be handed out again).
  Result<Tensor> allocate(DType dtype, const Shape& shape) override {
    Tensor host(dtype, shape);
    std::shared_ptr<void> keep(host.raw_data(),
                               [host, held = copied_in](void* p) { held->erase(p); });
    return Tensor::adopt(dtype, shape, keep, MemoryKind::kDevice);
  }
  Status copy(const Tensor& src, Tensor& dst) override {
    ++copies;
    if (dst.memory() == MemoryKind::kDevice) copied_in->insert(dst.raw_data());
    return FakeDeviceMemory::copy(src, dst);
  }
  size_t copies_in_held() const { return copied_in->size(); }

  int copies = 0;
  std::shared_ptr<std::set<void*>> copied_in = std::make_shared<std::set<void*>>();
  std::vector<size_t> held_at_kernel;  // copies_in_held() as each device kernel started
};

Status ReferenceKernel::run(std::span<const Tensor> inputs, std::span<Tensor> outputs) {
  owner_->held_at_kernel.push_back(owner_->copies_in_held());
  return reference_work(node_, inputs, outputs)();
}

// Runs `graph` (input [2,6]) on the fake device with the reference taking the rest, checking
// its output against the reference backend's; returns the backend, which noted the run.
std::unique_ptr<Executor> run_once(const Graph& graph, CopyCountingBackend** device) {
  auto s = plan_on_fake_device<CopyCountingBackend>(graph, /*capture=*/false);
  *device = s.device;
  const Tensor x = random_tensor({2, 6}, 7, -2.0f, 2.0f);
  auto out = s.plan->run(std::vector<Tensor>{x});
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  auto expected = run_graph(graph, "reference", {x});
  EXPECT_TRUE(expected.is_ok());
  if (out.is_ok() && expected.is_ok()) {
    EXPECT_LT(relative_l2_error((*out)[0], (*expected)[0]), 1e-6);
  }
  return std::move(s.executor);
}

int copies_in_one_run(const Graph& graph) {
  CopyCountingBackend* device = nullptr;
  auto executor = run_once(graph, &device);
  return device->copies;
}

Graph build(GraphBuilder& b) {
  auto g = b.build();
  EXPECT_TRUE(g.is_ok()) << g.status().message();
  return std::move(g).value();
}

TEST(CrossMemoryCopy, AHostInputReadByTwoDeviceStepsIsCopiedInOnce) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 6});
  b.output(b.op("Add", {b.op("Relu", {x}), b.op("Sigmoid", {x})}));
  // x in once, the output out once.
  EXPECT_EQ(copies_in_one_run(build(b)), 2);
}

TEST(CrossMemoryCopy, ADeviceValueReadByTwoHostStepsIsCopiedOutOnce) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 6});
  const ValueId y = b.op("Relu", {x});  // device
  const ValueId t = b.op("Tanh", {y});  // host
  const ValueId e = b.op("Elu", {y});   // host
  b.output(b.op("Add", {t, e}));        // device
  // x in, y out (once for both host readers), t and e in, the output out.
  EXPECT_EQ(copies_in_one_run(build(b)), 5);
}

TEST(CrossMemoryCopy, ACopyIsLetGoAfterItsValuesLastReader) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 6});
  const ValueId a = b.op("Relu", {x});     // device: x copied in, read here only
  const ValueId t = b.op("Tanh", {a});     // host
  const ValueId c = b.op("Sigmoid", {t});  // device: t copied in, read here only
  b.output(b.op("Relu", {c}));             // device
  CopyCountingBackend* device = nullptr;
  auto executor = run_once(build(b), &device);
  // Each device kernel holds only its own input's copy: x's is gone after the first Relu,
  // t's after Sigmoid.
  EXPECT_EQ(device->held_at_kernel, (std::vector<size_t>{1, 1, 0}));
}

}  // namespace
}  // namespace fovea::testing
