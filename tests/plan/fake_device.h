// Pieces of the fake "device" backends the plan tests use (no GPU needed): memory that is host
// memory tagged kDevice, and the elementwise ops they take.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/backends/backend_registry.h"
#include "engine/core/graph.h"
#include "engine/core/tensor.h"
#include "engine/ops/op_registry.h"
#include "engine/plan/executor.h"
#include "tests/common/graph_builder.h"

namespace fovea::testing {

inline Tensor fake_device_tensor(DType dtype, const Shape& shape) {
  Tensor host(dtype, shape);
  std::shared_ptr<void> keep(host.raw_data(), [host](void*) {});
  return Tensor::adopt(dtype, shape, keep, MemoryKind::kDevice);
}

// The memory side of a fake device backend: fake device tensors, copied byte for byte. Tests
// derive their own name, supports and prepare (and count or refuse allocations and copies).
class FakeDeviceMemory : public Backend {
 public:
  MemoryKind memory() const override { return MemoryKind::kDevice; }
  Result<Tensor> allocate(DType dtype, const Shape& shape) override {
    return fake_device_tensor(dtype, shape);
  }
  Status copy(const Tensor& src, Tensor& dst) override {
    std::memcpy(dst.raw_data(), src.raw_data(), src.byte_size());
    return Status::ok();
  }
};

// Relu, Sigmoid and Add, run with their reference implementations.
inline bool fake_device_takes(const Node& node) {
  return node.op_type == "Relu" || node.op_type == "Sigmoid" || node.op_type == "Add";
}

// The unary ones may write over their input.
inline std::optional<size_t> fake_device_inplace_input(const Node& node, size_t i) {
  if (i == 0 && node.op_type != "Add") return 0;
  return std::nullopt;
}

// A kernel's work, done by the reference implementation on the tensors it was given (shallow
// copies: the same memory, as a recorded kernel launch keeps its pointers), to do at once or
// to keep in a recording.
inline std::function<Status()> reference_work(const Node& node, std::span<const Tensor> inputs,
                                              std::span<Tensor> outputs) {
  std::vector<Tensor> in(inputs.begin(), inputs.end());
  std::vector<Tensor> out(outputs.begin(), outputs.end());
  return [node, in, out]() mutable { return find_op(node.op_type)->reference(node, in, out); };
}

// Work recorded like CUDA's stream capture records launches: replay() does it again, on the
// memory recorded, unless `check` fails (stale memory, the wrong stream).
class ReplayableWork final : public CapturedWork {
 public:
  ReplayableWork(std::vector<std::function<Status()>> work, std::function<Status()> check)
      : work_(std::move(work)), check_(std::move(check)) {}
  Status replay() override {
    FOVEA_RETURN_IF_ERROR(check_());
    for (auto& w : work_) FOVEA_RETURN_IF_ERROR(w());
    return Status::ok();
  }

 private:
  std::vector<std::function<Status()>> work_;
  std::function<Status()> check_;
};

// x [2,6] → a = Relu(x); y = Sigmoid(a) + a; z = Relu(y)  [+ Tanh, which stays on the host]
inline Graph fake_device_net(bool host_step) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 6});
  const ValueId a = b.op("Relu", {x});
  ValueId z = b.op("Relu", {b.op("Add", {b.op("Sigmoid", {a}), a})});
  if (host_step) z = b.op("Tanh", {z});
  b.output(z);
  auto g = b.build();
  EXPECT_TRUE(g.is_ok()) << g.status().message();
  return std::move(g).value();
}

// The plan of `graph` for input [2,6] on a fake device backend (the reference takes the
// rest), with the executor that owns both.
template <typename DeviceBackend>
struct FakeDevicePlan {
  DeviceBackend* device = nullptr;
  std::unique_ptr<Executor> executor;
  Plan* plan = nullptr;
};

template <typename DeviceBackend>
FakeDevicePlan<DeviceBackend> plan_on_fake_device(const Graph& graph, bool capture) {
  FakeDevicePlan<DeviceBackend> s;
  auto backend = std::make_unique<DeviceBackend>();
  s.device = backend.get();
  PlanOptions options;
  options.capture_graph = capture;
  auto executor = Executor::create(graph, std::move(backend),
                                   std::move(create_backend("reference")).value(), options);
  EXPECT_TRUE(executor.is_ok()) << executor.status().message();
  s.executor = std::move(executor).value();
  auto plan = s.executor->plan_for({{2, 6}});
  EXPECT_TRUE(plan.is_ok());
  s.plan = *plan;
  return s;
}

}  // namespace fovea::testing
