// Kernel::reads_input: a device backend that uploads a constant once at prepare tells the plan
// so, and the plan then neither passes nor copies that constant on any run. Checked with a
// fake "device" backend whose memory is host memory tagged kDevice (no GPU needed).
#include <gtest/gtest.h>

#include <cstring>

#include "engine/backends/backend_registry.h"
#include "engine/plan/executor.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

Tensor on_device(const Tensor& host) {
  Tensor copy = host.clone();
  std::shared_ptr<void> keep(copy.raw_data(), [copy](void*) {});
  return Tensor::adopt(copy.dtype(), copy.shape(), keep, MemoryKind::kDevice);
}

// y = x + b for a constant b, which the kernel keeps from prepare ("uploaded weights").
class AddConstantKernel final : public Kernel {
 public:
  AddConstantKernel(Tensor b, bool declare) : b_(std::move(b)), declare_(declare) {}
  Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    if (declare_ && !inputs[1].empty()) return internal_error("constant passed although unread");
    const float* x = inputs[0].data<float>();
    for (int64_t i = 0; i < outputs[0].element_count(); ++i) {
      outputs[0].data<float>()[i] = x[i] + b_.data<float>()[i % b_.element_count()];
    }
    return Status::ok();
  }
  bool reads_input(size_t i) const override { return !declare_ || i != 1; }

 private:
  Tensor b_;
  bool declare_;
};

class FakeDeviceBackend final : public Backend {
 public:
  explicit FakeDeviceBackend(bool declare) : declare_(declare) {}
  const char* name() const override { return "fake_device"; }
  bool supports(const KernelRequest& r) const override {
    return r.node->op_type == "Add" && r.inputs[1].value != nullptr;
  }
  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& r) override {
    return std::unique_ptr<Kernel>(new AddConstantKernel(on_device(*r.inputs[1].value), declare_));
  }
  MemoryKind memory() const override { return MemoryKind::kDevice; }
  Result<Tensor> allocate(DType dtype, const Shape& shape) override {
    return on_device(Tensor(dtype, shape));
  }
  Status copy(const Tensor& src, Tensor& dst) override {
    ++*copies;
    std::memcpy(dst.raw_data(), src.raw_data(), src.byte_size());
    return Status::ok();
  }
  std::shared_ptr<int> copies = std::make_shared<int>(0);

 private:
  bool declare_;
};

// A dynamic batch keeps the graph's constants in every plan (Executor releases them only for
// fixed shapes), so there the plan itself must leave the unread constant out.
Graph add_constant_graph(bool dynamic_batch) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {dynamic_batch ? kDynamicDim : 2, 3});
  b.output(b.op("Add", {x, b.constant("b", float_tensor({3}, {1.0f, 2.0f, 3.0f}))}));
  return std::move(b.build()).value();
}

// Copies per run: x in and y out, plus b when the kernel does not declare it unread.
int copies_per_run(bool declare, bool dynamic_batch) {
  auto backend = std::make_unique<FakeDeviceBackend>(declare);
  const std::shared_ptr<int> copies = backend->copies;
  auto executor = Executor::create(add_constant_graph(dynamic_batch), std::move(backend),
                                   std::move(create_backend("reference")).value());
  EXPECT_TRUE(executor.is_ok()) << executor.status().message();
  const Tensor x = float_tensor({2, 3}, {0, 1, 2, 3, 4, 5});
  *copies = 0;
  for (int run = 0; run < 2; ++run) {
    auto y = (*executor)->run({x});
    EXPECT_TRUE(y.is_ok()) << y.status().message();
    if (!y.is_ok()) return -1;
    EXPECT_TRUE(tensors_close((*y)[0], float_tensor({2, 3}, {1, 3, 5, 4, 6, 8})));
  }
  return *copies / 2;
}

TEST(DeviceConstants, UnreadConstantsAreNeitherPassedNorCopied) {
  EXPECT_EQ(copies_per_run(true, false), 2);
  EXPECT_EQ(copies_per_run(true, true), 2);
}

TEST(DeviceConstants, ConstantsAreCopiedPerRunUnlessDeclaredUnread) {
  EXPECT_EQ(copies_per_run(false, false), 3);
  EXPECT_EQ(copies_per_run(false, true), 3);
}

}  // namespace
}  // namespace fovea::testing
