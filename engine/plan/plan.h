// Plan: a graph compiled for concrete input shapes into a flat list of steps, each a prepared
// backend kernel with its inputs and outputs settled. Running is a loop over the steps.
//
// Built once per input-shape signature (see Executor). At build time the plan: infers shapes,
// runs the optimizer (engine/passes) unless told not to, computes what it can (constants,
// shape subgraphs), picks a backend per node, follows each value's layout (inserting
// conversions to plain where a consumer needs one), turns Reshape-like nodes on plain data into
// views, lets kernels write in place over inputs that die there, and assigns every
// intermediate an offset in one activation arena from the values' live ranges.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/graph.h"
#include "engine/core/status.h"
#include "engine/passes/optimize.h"

namespace fovea {

struct PlanOptions {
  bool optimize = true;    // run engine/passes (fusions, folding) before preparing kernels
  bool fast_math = false;  // allow faster, slightly less exact kernels (e.g. Winograd conv)
  bool profile = false;    // time every step (see Plan::last_profile)
  // Put the weights of memory-bound layers (a fully connected layer at batch 16 or less) on
  // transparent huge pages: they stream faster on every run, but can take longer to fault in
  // at load (engine/core/host_memory.h). For long-running callers. Where the batch is free,
  // small-batch kernels read the graph's own weights in place, so Executor moves those to
  // huge pages instead (once, shared by every plan).
  bool huge_pages = false;
  // The plan always drops its own reference to each constant once every kernel using it has
  // made its own copy (or holds it, or never reads it at run time). This says the caller
  // builds no other plan from the graph's constants, so that reference is the last: kernels
  // may then copy weights into their own layouts rather than borrow the graph's buffer.
  // Executor sets it for graphs whose input shapes are all fixed.
  bool release_constants = false;
  // Device backends that can (Backend::capture): record a whole run once per run context and
  // replay it as one launch (CUDA Graphs), when every step runs on that backend. Plans where
  // that does not hold, or whose capture fails, run step by step as usual.
  bool capture_graph = false;
};

// One step's timing from the last profiled run.
struct StepProfile {
  std::string node_name;
  std::string op_type;
  std::string backend;
  std::vector<Shape> input_shapes;
  std::vector<Shape> output_shapes;
  double milliseconds = 0;
};

struct PlanStepInfo {
  std::string node_name;       // for a layout conversion: "<value>:to_plain"
  std::string op_type;         // for a layout conversion: "Reorder"
  std::string backend;         // "view" for a Reshape-like node that only renames memory
  bool dynamic_shape = false;  // output shapes resolved at run time
  bool in_place = false;       // output 0 shares the buffer of one of its inputs
  std::vector<std::string> output_layouts;  // per output: "plain" or the backend's description
};

// What one caller's runs use: the activation arena in host memory and, for a plan on a device
// backend, one in that backend's memory and a stream of that backend's (Backend::create_stream)
// its runs queue their work on. A Session owns one; a plan only borrows it during run(),
// growing it when it is too small. Not shared by concurrent runs.
class RunContext {
 public:
  RunContext() = default;
  RunContext(const RunContext&) = delete;
  RunContext& operator=(const RunContext&) = delete;
  RunContext(RunContext&&) = default;
  RunContext& operator=(RunContext&&) = default;

  size_t arena_bytes() const { return capacity_; }
  size_t device_arena_bytes() const { return device_arena_.byte_size(); }

 private:
  friend class Plan;
  std::byte* reserve(size_t bytes);  // zero-filled when it grows
  // Device memory of `backend` (uninitialised), grown to at least `bytes`.
  Result<std::byte*> reserve_device(Backend& backend, size_t bytes);
  // `backend`'s stream for this context's runs, made on first use (null: it has one queue).
  Result<BackendStream*> stream_for(Backend& backend);
  std::shared_ptr<void> arena_;
  size_t capacity_ = 0;
  Tensor device_arena_;  // bytes, in device_owner_'s memory
  const Backend* device_owner_ = nullptr;
  std::unique_ptr<BackendStream> stream_;  // stream_owner_'s
  const Backend* stream_owner_ = nullptr;
  // Runs recorded by PlanOptions::capture_graph, per plan (Plan::id_): fixed device inputs and
  // outputs, and the recording. All point into device_arena_ and replay on stream_: cleared
  // when either changes.
  struct Captured {
    std::vector<Tensor> inputs, outputs;
    std::unique_ptr<CapturedWork> work;
  };
  std::map<uint64_t, Captured> captured_;
};

class Plan {
 public:
  // `primary` is offered every node first; `fallback` (the reference backend) takes the rest,
  // and every node whose output shape depends on run-time values. Both must outlive the plan.
  static Result<std::unique_ptr<Plan>> build(Graph graph, Backend& primary, Backend& fallback,
                                             const std::map<std::string, Shape>& input_shapes,
                                             const PlanOptions& options = {});

  // Inputs in the order of the graph's inputs; returns host tensors in the order of its
  // outputs, freshly allocated per run (later runs never overwrite them). Activations live in
  // `context`'s arena. Not safe to call concurrently on one Plan.
  Result<std::vector<Tensor>> run(RunContext& context, std::span<const Tensor> inputs);
  // Same, with a context the plan owns.
  Result<std::vector<Tensor>> run(std::span<const Tensor> inputs) {
    return run(own_context_, inputs);
  }

  // The optimized graph (shapes inferred for this plan's inputs).
  const Graph& graph() const { return graph_; }
  std::vector<PlanStepInfo> steps() const;
  const PlanOptions& options() const { return options_; }
  // What the optimizer did (empty with options().optimize false).
  const OptimizeReport& optimize_report() const { return optimize_report_; }

  // Bytes of the activation arena a run needs (intermediates with reuse by liveness, blocked
  // layouts' padding included); weights and graph inputs/outputs are not counted.
  size_t arena_bytes() const { return arena_bytes_; }
  // The same for intermediates a device backend writes: its own arena, in its memory.
  size_t device_arena_bytes() const { return device_arena_bytes_; }
  size_t peak_activation_bytes() const { return arena_bytes_; }  // older name of arena_bytes()
  // Whether runs replay a recorded graph (PlanOptions::capture_graph): false until a run has
  // captured one, and false for good once capture proved impossible (capture_failure() says
  // why).
  bool replaying() const { return replaying_; }
  const std::string& capture_failure() const { return capture_failure_; }
  // Per-step timings of the last run when options().profile is set; empty otherwise.
  const std::vector<StepProfile>& last_profile() const { return last_profile_; }

 private:
  // Where a slot's bytes come from at run time.
  enum class Storage : uint8_t {
    kKnown,        // computed at build time (known_)
    kInput,        // a graph input, the caller's tensor
    kArena,        // at `offset` in the run context's arena
    kDeviceArena,  // at `offset` in the run context's device arena (the primary's memory)
    kView,         // the bytes of slot `view_of`, reshaped
    kFresh,        // allocated per run (graph outputs, dynamic shapes)
  };
  // A value the steps pass around: the graph's values first, then hidden plain copies.
  struct Slot {
    DType dtype = DType::kUndefined;
    Shape shape;
    LayoutPtr layout;             // null: plain
    Backend* producer = nullptr;  // who wrote it (and owns its layout)
    Storage storage = Storage::kFresh;
    size_t bytes = 0;
    size_t offset = 0;
    int32_t view_of = -1;
    int32_t plain_copy = -1;  // the slot holding a plain conversion, once made
    // For a slot placed inside another group's buffer (a Concat input written in place): its
    // byte offset from the start of its parent's bytes.
    size_t offset_in_parent = 0;
    std::string name;
  };
  struct Step {
    int64_t node = -1;  // index into graph_.nodes; -1 for a layout conversion
    Backend* backend = nullptr;
    std::unique_ptr<Kernel> kernel;  // null for a view
    bool dynamic_shape = false;
    bool in_place = false;
    bool elided = false;  // a Concat whose inputs were written into its output: nothing to run
    std::vector<int32_t> inputs;         // slots; -1 for an omitted input
    std::vector<int32_t> outputs;        // slots; -1 for an omitted output
    std::vector<int32_t> release_after;  // per-run slots whose last reader is this step
    std::vector<int32_t> last_read_of;   // every slot whose last reader is this step
  };

  Plan() = default;
  Status prepare_steps(Backend& primary, Backend& fallback);
  // Drops build-time values no step reads at run time, `reads[v]` counting the unprepared
  // readers of value v (see prepare_steps).
  void release_unread_constants(const std::vector<ValueId>& inputs,
                                std::vector<int64_t>& unprepared_readers,
                                const std::vector<bool>& read_at_run);
  Result<int32_t> plain_slot(int32_t slot);
  // A step's node name and op type (a layout conversion: "<value>:to_plain", "Reorder").
  std::pair<std::string, std::string> step_label(const Step& step) const;
  Status add_node_step(size_t node_index, Backend& primary, Backend& fallback);
  Result<bool> try_add_view(size_t node_index);
  void plan_memory();
  void place_concat_inputs(std::vector<int32_t>& parent, std::vector<int64_t>& group_last);
  Status check_inputs(std::span<const Tensor> inputs) const;
  // A run's values per slot; the backend that made each (device memory is copied by its owner);
  // and each value's copy in the other memory, once a step has needed it there, for its other
  // readers in that memory.
  struct RunValues {
    std::vector<Tensor> values;
    std::vector<Backend*> owners;
    std::vector<Tensor> copies;
  };
  // Slot `slot`'s value in `backend`'s memory (copied once per run).
  Result<Tensor> to_backend(int32_t slot, Backend& backend, RunValues& run) const;
  struct ArenaBases {
    std::byte* host = nullptr;
    std::byte* device = nullptr;
  };
  // Where a slot produced by `backend` lives when the plan may place it in an arena.
  Storage arena_storage(const Backend& backend) const;
  Status run_step(Step& step, ArenaBases arenas, RunValues& run);
  Result<Tensor> output_tensor(const Step& step, size_t i, const ValueInfo& info,
                               ArenaBases arenas);
  Result<ArenaBases> reserve_arenas(RunContext& context);
  // Per slot: the build-time constants, and `inputs` (made by `inputs_owner`: null for the
  // caller's host memory) at the graph inputs.
  RunValues initial_values(std::span<const Tensor> inputs, Backend* inputs_owner) const;
  // The steps, from `run` holding the inputs; the graph outputs' values are left in it.
  Status run_steps(ArenaBases arenas, RunValues& run);
  // Whether every step can go into one recording on the device backend.
  std::string why_not_capturable() const;
  Result<std::vector<Tensor>> run_captured(RunContext& context, std::span<const Tensor> inputs);

  PlanOptions options_;
  OptimizeReport optimize_report_;
  size_t arena_bytes_ = 0;
  size_t device_arena_bytes_ = 0;
  Backend* device_backend_ = nullptr;  // the primary, when its memory is not the host's
  std::vector<StepProfile> last_profile_;
  Graph graph_;
  std::vector<Tensor> known_;  // per graph value: computed at build time, or empty
  std::vector<Slot> slots_;
  std::vector<Step> steps_;
  std::vector<int32_t> output_slots_;  // per graph output, the (plain) slot returned
  // Capture (PlanOptions::capture_graph): the first run warms up, later ones record and replay.
  bool warmed_up_ = false;
  bool replaying_ = false;
  std::string capture_failure_;  // set: never try again
  uint64_t id_ = 0;  // unique per plan in the process: run contexts key recordings by it
  const std::vector<Tensor>* fixed_outputs_ = nullptr;  // while recording: where outputs go
  RunContext own_context_;
};

}  // namespace fovea
