// A value crosses between host and device memory at most once per run, however many steps
// read it on the other side. Checked with a fake device backend that counts its copies.
#include <gtest/gtest.h>

#include "tests/common/tensor_testing.h"
#include "tests/plan/fake_device.h"

namespace fovea::testing {
namespace {

class ReferenceKernel final : public Kernel {
 public:
  explicit ReferenceKernel(Node node) : node_(std::move(node)) {}
  Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    return reference_work(node_, inputs, outputs)();
  }

 private:
  Node node_;
};

class CopyCountingBackend final : public FakeDeviceMemory {
 public:
  const char* name() const override { return "copy_counting_device"; }
  bool supports(const KernelRequest& r) const override { return fake_device_takes(*r.node); }
  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& r) override {
    return std::unique_ptr<Kernel>(new ReferenceKernel(*r.node));
  }
  Status copy(const Tensor& src, Tensor& dst) override {
    ++copies;
    return FakeDeviceMemory::copy(src, dst);
  }
  int copies = 0;
};

// Runs `graph` (input [2,6]) on the fake device with the reference taking the rest; returns
// the copies one run made, after checking its output against the reference backend's.
int copies_in_one_run(const Graph& graph) {
  auto s = plan_on_fake_device<CopyCountingBackend>(graph, /*capture=*/false);
  const Tensor x = random_tensor({2, 6}, 7, -2.0f, 2.0f);
  auto out = s.plan->run(std::vector<Tensor>{x});
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  auto expected = run_graph(graph, "reference", {x});
  EXPECT_TRUE(expected.is_ok());
  if (out.is_ok() && expected.is_ok()) {
    EXPECT_LT(relative_l2_error((*out)[0], (*expected)[0]), 1e-6);
  }
  return s.device->copies;
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

}  // namespace
}  // namespace fovea::testing
