// The backend interface: everything a backend must say about itself and its memory.
//
// A backend decides, node by node, whether it takes a node (supports), builds a Kernel for it
// once when the plan is made (prepare: create primitives, reorder weights), and runs it.
// Memory is explicit: a backend says where its kernels want tensors (memory()), allocates them
// (allocate) and copies between host and its memory (copy). The plan inserts copies where a
// tensor lives somewhere other than where the next kernel wants it.
//
// Layouts. A Tensor is always described by its logical (ONNX, row-major) shape; the bytes may
// be laid out otherwise when the producing kernel says so. Design choice: layouts travel per
// value, not per region. A kernel reports the layout it writes each output in
// (Kernel::output_layout, an opaque TensorLayout the backend owns; null = plain row-major). The
// plan hands a non-plain value to a consumer only when the consumer runs on the same backend
// and that backend accepts it there (Backend::accepts_layout); everywhere else (another
// backend, a view such as Flatten, a graph output) the plan inserts a conversion step built by
// the producer (Backend::prepare_to_plain). We chose this over handing a backend whole regions
// of nodes because it keeps one kernel per node (per-node fallback, profiling and tests stay
// as they are) and a new backend (e.g. CUDA with NHWC) only implements these three hooks in
// its own folder; a backend that ignores them gets plain tensors everywhere.
//
// Adding a backend touches its own folder and one line in backend_registry.cpp, nothing else.
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
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
  // GPU backends: allow TF32 Tensor Core math for float32 convolutions and GEMMs (about 1e-3
  // relative error, more than PlanOptions::fast_math allows). Off: exact float32 math.
  bool allow_tf32 = false;
};

// How a backend lays out a tensor's bytes (e.g. oneDNN's channel-blocked nChw16c). Opaque to
// everyone but the backend that made it; immutable and shared.
class TensorLayout {
 public:
  virtual ~TensorLayout() = default;
  // Bytes a buffer in this layout needs (blocked layouts may pad, so this can exceed the plain
  // size).
  virtual size_t byte_size() const = 0;
  // True when buffers in both layouts are interchangeable byte for byte.
  virtual bool equals(const TensorLayout& other) const = 0;
  // For summaries and errors: "blocked nChw16c".
  virtual std::string describe() const = 0;
};
using LayoutPtr = std::shared_ptr<const TensorLayout>;  // null: plain row-major

// What the plan asks of a backend for one node: the node, and every input and output with
// static shapes. Inputs that are constants (weights, biases) carry their value.
struct KernelRequest {
  const Graph* graph = nullptr;
  const Node* node = nullptr;
  std::vector<ValueInfo> inputs;   // dtype kUndefined for an omitted optional input
  std::vector<ValueInfo> outputs;  // kUndefined for an omitted optional output
  // Per input, the layout its bytes arrive in; empty or null entries are plain. Non-null only
  // for layouts this backend made and said it accepts (accepts_layout).
  std::vector<LayoutPtr> input_layouts;
  // PlanOptions::fast_math: kernels may trade exactness (within 1e-3 relative L2) for speed.
  bool fast_math = false;
  // PlanOptions::huge_pages: memory-bound kernels may keep their weights on huge pages.
  bool huge_pages = false;
  // PlanOptions::release_constants: the plan drops a constant input once its kernels have
  // copied it, so a kernel that copies weights into its own layout holds the only copy (no
  // reason to borrow the graph's buffer to save memory).
  bool constants_released = false;
  std::string describe() const;  // "model.onnx: node 'conv1' (Conv)"
  LayoutPtr input_layout(size_t i) const {
    return i < input_layouts.size() ? input_layouts[i] : nullptr;
  }
};

// One prepared step. Owned by the plan; run may be called many times, never concurrently on
// the same Kernel unless the backend documents otherwise.
class Kernel {
 public:
  virtual ~Kernel() = default;
  // `inputs` and `outputs` live in the backend's memory with the shapes given to prepare(),
  // laid out as the request's input_layouts and this kernel's output_layout() say;
  // outputs are allocated by the caller. An omitted optional input is an empty Tensor.
  virtual Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) = 0;
  // Optional: the layout output `i` is written in, fixed at prepare. Null: plain row-major.
  virtual LayoutPtr output_layout(size_t /*i*/) const { return nullptr; }
  // Optional: an input whose buffer output `i` may reuse (the plan passes the same buffer for
  // both when that input is not read afterwards and the layouts and sizes match). The kernel
  // must be correct both with and without the sharing.
  virtual std::optional<size_t> inplace_input(size_t /*i*/) const { return std::nullopt; }
  // Optional: false when run() does not read input `i` (a constant the kernel copied at
  // prepare, e.g. weights a device backend uploaded once). The plan then passes an empty
  // Tensor there instead of moving the constant into the backend's memory on every run.
  virtual bool reads_input(size_t /*i*/) const { return true; }
  // Optional, for a kernel whose output 0 is its inputs' bytes laid end to end (a Concat whose
  // slices are contiguous, e.g. along channels at batch 1): per input, the byte offset of its
  // bytes inside output 0, in the layouts of the request and output_layout(0). The plan may then
  // have each producer write straight into its slice and skip run() entirely; the kernel must
  // stay correct when run normally.
  virtual std::optional<std::vector<size_t>> input_offsets_in_output() const {
    return std::nullopt;
  }
};

// Work a device backend recorded once and reissues as a whole (CUDA Graphs): see
// Backend::capture.
class CapturedWork {
 public:
  virtual ~CapturedWork() = default;
  // Queues the recorded work again, on the same memory. Fails (and must be captured again)
  // when memory the recording uses has moved since, e.g. a shared workspace that grew.
  virtual Status replay() = 0;
};

// A device backend's own queue of work for one caller: see Backend::create_stream.
class BackendStream {
 public:
  virtual ~BackendStream() = default;
};

// True when every attribute `node` carries is one of `allowed`: a backend's supports() uses it
// to decline nodes with attributes its kernel would silently ignore.
bool attributes_within(const Node& node, std::initializer_list<const char*> allowed);

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // True when this backend can run `request`; the plan falls back to the reference backend
  // for nodes no other backend supports. Must be cheap and must not fail. The answer must not
  // depend on input_layouts.
  virtual bool supports(const KernelRequest& request) const = 0;
  // Builds the kernel for a supported request. Heavy work (primitive creation, weight
  // reorders) happens here, once.
  virtual Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& request) = 0;

  // Optional: whether prepare() takes input `i` of `request` in one of this backend's own
  // non-plain layouts. When false the plan converts that input to plain first.
  virtual bool accepts_layout(const KernelRequest& /*request*/, size_t /*i*/) const {
    return false;
  }
  // Optional (required once a kernel reports a non-plain output layout): a kernel with one
  // input, `info` laid out as `layout`, and one plain output of the same shape.
  virtual Result<std::unique_ptr<Kernel>> prepare_to_plain(const ValueInfo& /*info*/,
                                                           const LayoutPtr& layout) {
    return unsupported(std::string(name()) + ": cannot convert layout " +
                       (layout ? layout->describe() : std::string("plain")) + " to plain");
  }

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
  // Optional (device backends): a stream of work for one caller (each Session's runs: its
  // kernels, copies, waits and recordings), from the backend's own pool of streams. Null where
  // the backend has a single queue, as CPU backends do.
  virtual Result<std::unique_ptr<BackendStream>> create_stream() {
    return std::unique_ptr<BackendStream>();
  }
  // Sends kernel runs, copies, synchronize() and capture() to `stream` (one of this backend's,
  // or null: its own) until the next call, after finishing the work queued on the stream it
  // replaces. The plan binds a run context's stream for the length of a run; runs are
  // serialised, so one stream at a time holds queued work.
  virtual Status use_stream(BackendStream* /*stream*/) { return Status::ok(); }
  // Optional (device backends): calls `work`, which runs this backend's kernels only, recording
  // the work they queue instead of doing it, and returns the recording. The kernels' run() must
  // then only queue work: no waiting, no allocation, no reading device memory on the host.
  virtual Result<std::unique_ptr<CapturedWork>> capture(const std::function<Status()>& /*work*/) {
    return unsupported(std::string(name()) + ": cannot capture work");
  }
};

}  // namespace fovea
