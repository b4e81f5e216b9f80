// The backend interface: everything a backend must say about itself and its memory.
//
// A backend decides, node by node, whether it takes a node (supports), builds a Kernel for it
// once when the plan is made (prepare: create primitives, reorder weights), and runs it.
// Memory is explicit: a backend says where its kernels want tensors (memory()), allocates them
// (allocate) and copies between host and its memory (copy). The plan inserts copies where a
// tensor lives somewhere other than where the next kernel wants it.
//
// Adding a backend touches its own folder and one line in backend_registry.cpp, nothing else.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/core/graph.h"
#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/ops/op_schema.h"

namespace fovea {

struct BackendOptions {
  int threads = 0;  // 0: the backend's default (all cores)
};

// What the plan asks of a backend for one node: the node, and every input and output with
// static shapes. Inputs that are constants (weights, biases) carry their value.
struct KernelRequest {
  const Graph* graph = nullptr;
  const Node* node = nullptr;
  std::vector<ValueInfo> inputs;   // dtype kUndefined for an omitted optional input
  std::vector<ValueInfo> outputs;  // kUndefined for an omitted optional output
  std::string describe() const;    // "model.onnx: node 'conv1' (Conv)"
};

// One prepared step. Owned by the plan; run may be called many times, never concurrently on
// the same Kernel unless the backend documents otherwise.
class Kernel {
 public:
  virtual ~Kernel() = default;
  // `inputs` and `outputs` live in the backend's memory with the shapes given to prepare();
  // outputs are allocated by the caller. An omitted optional input is an empty Tensor.
  virtual Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // True when this backend can run `request`; the plan falls back to the reference backend
  // for nodes no other backend supports. Must be cheap and must not fail.
  virtual bool supports(const KernelRequest& request) const = 0;
  // Builds the kernel for a supported request. Heavy work (primitive creation, weight
  // reorders) happens here, once.
  virtual Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& request) = 0;

  // Where this backend's kernels read and write tensors.
  virtual MemoryKind memory() const { return MemoryKind::kHost; }
  // Allocates a tensor in this backend's memory.
  virtual Result<Tensor> allocate(DType dtype, const Shape& shape) {
    return Tensor::allocate(dtype, shape);
  }
  // Copies between host memory and this backend's memory (either direction); shapes and
  // dtypes of src and dst match.
  virtual Status copy(const Tensor& src, Tensor& dst);
  // Waits for queued work (device backends); CPU backends run synchronously.
  virtual Status synchronize() { return Status::ok(); }
};

}  // namespace fovea
