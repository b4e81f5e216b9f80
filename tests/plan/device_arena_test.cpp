// Intermediates a device backend writes live in one device arena per run context, at offsets
// planned from their live ranges like the host arena's (in place included): a run allocates
// device memory only for the copied-in inputs and the returned outputs, whatever the depth.
// Checked with a fake "device" backend whose memory is host memory tagged kDevice (no GPU).
#include <gtest/gtest.h>

#include "engine/backends/backend_registry.h"
#include "engine/ops/op_registry.h"
#include "engine/plan/executor.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"
#include "tests/plan/fake_device.h"

namespace fovea::testing {
namespace {

// Runs the reference implementation of Relu, Sigmoid and Add on "device" tensors; the unary
// ones may write over their input.
class ElementwiseKernel final : public Kernel {
 public:
  explicit ElementwiseKernel(Node node) : node_(std::move(node)) {}
  Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) override {
    for (const Tensor& t : inputs) {
      if (t.memory() != MemoryKind::kDevice) return internal_error("input not on the device");
    }
    if (outputs[0].memory() != MemoryKind::kDevice) return internal_error("output not on device");
    return find_op(node_.op_type)->reference(node_, inputs, outputs);
  }
  std::optional<size_t> inplace_input(size_t i) const override {
    return fake_device_inplace_input(node_, i);
  }

 private:
  Node node_;
};

class FakeDeviceBackend final : public FakeDeviceMemory {
 public:
  const char* name() const override { return "fake_device"; }
  bool supports(const KernelRequest& r) const override { return fake_device_takes(*r.node); }
  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& r) override {
    return std::unique_ptr<Kernel>(new ElementwiseKernel(*r.node));
  }
  Result<Tensor> allocate(DType dtype, const Shape& shape) override {
    ++allocations;
    return FakeDeviceMemory::allocate(dtype, shape);
  }
  int allocations = 0;
};

// x → (Relu → Sigmoid) × depth → y
Graph deep_chain(int depth, Shape shape) {
  GraphBuilder b;
  ValueId v = b.input("x", DType::kFloat32, std::move(shape));
  for (int i = 0; i < depth; ++i) v = b.op("Sigmoid", {b.op("Relu", {v})});
  b.output(v);
  auto g = b.build();
  EXPECT_TRUE(g.is_ok()) << g.status().message();
  return std::move(g).value();
}

// x → a = Relu(x); b = Sigmoid(a); c = Add(a, b); y = Relu(Add(c, a)): a stays live across.
Graph diamond(Shape shape) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, std::move(shape));
  const ValueId a = b.op("Relu", {x});
  const ValueId c = b.op("Add", {a, b.op("Sigmoid", {a})});
  b.output(b.op("Relu", {b.op("Add", {c, a})}));
  auto g = b.build();
  EXPECT_TRUE(g.is_ok()) << g.status().message();
  return std::move(g).value();
}

struct Ran {
  std::vector<Tensor> outputs;
  int allocations_per_run = 0;
  size_t device_arena_bytes = 0;
};

Ran run_twice_on_fake_device(const Graph& graph, const Tensor& x) {
  auto backend = std::make_unique<FakeDeviceBackend>();
  FakeDeviceBackend* device = backend.get();
  auto executor =
      Executor::create(graph, std::move(backend), std::move(create_backend("reference")).value());
  EXPECT_TRUE(executor.is_ok()) << executor.status().message();
  Ran ran;
  auto plan = (*executor)->plan_for({x.shape()});
  EXPECT_TRUE(plan.is_ok());
  ran.device_arena_bytes = (*plan)->device_arena_bytes();
  RunContext context;
  EXPECT_TRUE(
      (*plan)->run(context, std::vector<Tensor>{x}).is_ok());  // the first run grows the arena
  const int before = device->allocations;
  auto out = (*plan)->run(context, std::vector<Tensor>{x});
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  ran.allocations_per_run = device->allocations - before;
  EXPECT_EQ(context.device_arena_bytes(), ran.device_arena_bytes);
  if (out.is_ok()) ran.outputs = std::move(out).value();
  return ran;
}

TEST(DeviceArena, DeepChainRunsInOneBufferWritingInPlace) {
  const Tensor x = random_tensor({4, 16}, 7, -2.0f, 2.0f);
  const Ran shallow = run_twice_on_fake_device(deep_chain(2, {4, 16}), x);
  const Ran deep = run_twice_on_fake_device(deep_chain(12, {4, 16}), x);
  // Every intermediate is written over its input: one buffer of 4 × 16 floats.
  EXPECT_EQ(deep.device_arena_bytes, 4 * 16 * sizeof(float));
  EXPECT_EQ(shallow.device_arena_bytes, deep.device_arena_bytes);
  // Per run: the input copied to the device and the graph output, at any depth.
  EXPECT_EQ(shallow.allocations_per_run, 2);
  EXPECT_EQ(deep.allocations_per_run, 2);

  auto reference = run_graph(deep_chain(12, {4, 16}), "reference", {x});
  ASSERT_TRUE(reference.is_ok());
  ASSERT_EQ(deep.outputs.size(), 1u);
  EXPECT_EQ(deep.outputs[0].memory(), MemoryKind::kHost);
  EXPECT_LT(relative_l2_error(deep.outputs[0], (*reference)[0]), 1e-6);
}

TEST(DeviceArena, ValuesLiveAtOnceGetSeparateBytes) {
  const Tensor x = random_tensor({3, 5}, 11, -2.0f, 2.0f);
  const Ran ran = run_twice_on_fake_device(diamond({3, 5}), x);
  // a and the first sum are live together (the Sigmoid goes in place over nothing: a is read
  // later), so at least two buffers; the sums and final Relu reuse them.
  const size_t one = 64;  // 15 floats, rounded up to the arena's alignment
  EXPECT_GE(ran.device_arena_bytes, 2 * one);
  EXPECT_LE(ran.device_arena_bytes, 3 * one);
  auto reference = run_graph(diamond({3, 5}), "reference", {x});
  ASSERT_TRUE(reference.is_ok());
  ASSERT_EQ(ran.outputs.size(), 1u);
  EXPECT_LT(relative_l2_error(ran.outputs[0], (*reference)[0]), 1e-6);
}

TEST(DeviceArena, EachRunContextHasItsOwn) {
  const Graph graph = deep_chain(3, {8});
  auto executor = Executor::create(graph, std::make_unique<FakeDeviceBackend>(),
                                   std::move(create_backend("reference")).value());
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  auto plan = (*executor)->plan_for({{8}});
  ASSERT_TRUE(plan.is_ok());
  const Tensor x1 = random_tensor({8}, 1, -1.0f, 1.0f);
  const Tensor x2 = random_tensor({8}, 2, -1.0f, 1.0f);
  RunContext first, second;
  auto out1 = (*plan)->run(first, std::vector<Tensor>{x1});
  auto out2 = (*plan)->run(second, std::vector<Tensor>{x2});
  ASSERT_TRUE(out1.is_ok() && out2.is_ok());
  EXPECT_GT(first.device_arena_bytes(), 0u);
  EXPECT_EQ(first.device_arena_bytes(), second.device_arena_bytes());
  EXPECT_EQ(first.arena_bytes(), 0u);  // nothing of this graph runs on the host
  auto again1 = (*plan)->run(first, std::vector<Tensor>{x1});
  ASSERT_TRUE(again1.is_ok());
  EXPECT_LT(relative_l2_error((*again1)[0], (*out1)[0]), 1e-7);
  auto reference = run_graph(graph, "reference", {x2});
  ASSERT_TRUE(reference.is_ok());
  EXPECT_LT(relative_l2_error((*out2)[0], (*reference)[0]), 1e-6);
}

}  // namespace
}  // namespace fovea::testing
