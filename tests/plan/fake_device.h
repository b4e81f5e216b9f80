// Pieces of the fake "device" backends the plan tests use (no GPU needed): memory that is host
// memory tagged kDevice, and the elementwise ops they take.
#pragma once

#include <cstring>
#include <optional>

#include "engine/backends/backend.h"
#include "engine/core/graph.h"
#include "engine/core/tensor.h"

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

}  // namespace fovea::testing
