// Plan: a graph compiled for concrete input shapes into a flat list of steps, each a prepared
// backend kernel with its inputs and outputs settled. Running is a loop over the steps.
//
// Built once per input-shape signature (see Executor). Values computable before run time
// (constants, shape subgraphs) are computed at build time and not run again.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/graph.h"
#include "engine/core/status.h"

namespace fovea {

struct PlanOptions {
  bool optimize = true;    // run engine/passes (fusions, folding) before preparing kernels
  bool fast_math = false;  // allow faster, slightly less exact kernels (e.g. Winograd conv)
  bool profile = false;    // time every step (see Plan::last_profile)
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
  std::string node_name;
  std::string op_type;
  std::string backend;
  bool dynamic_shape = false;  // output shapes resolved at run time
};

class Plan {
 public:
  // `primary` is offered every node first; `fallback` (the reference backend) takes the rest,
  // and every node whose output shape depends on run-time values. Both must outlive the plan.
  static Result<std::unique_ptr<Plan>> build(const Graph& graph, Backend& primary,
                                             Backend& fallback,
                                             const std::map<std::string, Shape>& input_shapes,
                                             const PlanOptions& options = {});

  // Inputs in the order of the graph's inputs; returns host tensors in the order of its
  // outputs. Not safe to call concurrently on one Plan.
  Result<std::vector<Tensor>> run(std::span<const Tensor> inputs);

  const Graph& graph() const { return graph_; }
  std::vector<PlanStepInfo> steps() const;
  const PlanOptions& options() const { return options_; }

  // Bytes of intermediate activations alive at the worst point of a run (the size an arena
  // holding them needs); weights and graph inputs/outputs are not counted.
  size_t peak_activation_bytes() const { return peak_activation_bytes_; }
  // Per-step timings of the last run when options().profile is set; empty otherwise.
  const std::vector<StepProfile>& last_profile() const { return last_profile_; }

 private:
  struct Step {
    size_t node = 0;                 // index into graph_.nodes
    Backend* backend = nullptr;
    std::unique_ptr<Kernel> kernel;
    bool dynamic_shape = false;
    std::vector<ValueId> release_after;  // values whose last reader is this step
  };

  Plan() = default;
  Status check_inputs(std::span<const Tensor> inputs) const;
  size_t simulate_peak_bytes() const;
  Result<Tensor> to_backend(const Tensor& t, ValueId id, Backend& backend,
                            const std::vector<Backend*>& owners) const;
  Status run_step(Step& step, std::vector<Tensor>& values, std::vector<Backend*>& owners);

  PlanOptions options_;
  size_t peak_activation_bytes_ = 0;
  std::vector<StepProfile> last_profile_;
  Graph graph_;                      // shapes inferred for this plan's inputs
  std::vector<Tensor> known_values;  // per value: computed at build time, or empty
  std::vector<Step> steps_;
};

}  // namespace fovea
