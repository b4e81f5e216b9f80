// Executor: runs a graph on a backend for any input shapes, building one Plan per input-shape
// signature on first use and reusing it afterwards. The plan for the graph's declared shapes
// (where the batch is free: for the batch the caller names, 1 by default) is built up front,
// so primitives and reordered weights exist once the executor is constructed. When every input
// shape is fixed there is only ever that one plan, and it takes over the graph's constants: each
// weight is then held once, in the layout its kernel wants (graph() keeps the constants' names,
// dtypes and shapes only).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/graph.h"
#include "engine/plan/plan.h"

namespace fovea {

class Executor {
 public:
  // Takes ownership of the graph and backends. `fallback` must be the reference backend.
  // Where an input's leading (batch) dim is free, the plan built up front is for
  // `prepared_batch`: a caller that runs batch 8 then builds no batch-1 plan it never uses.
  static Result<std::unique_ptr<Executor>> create(Graph graph, std::unique_ptr<Backend> primary,
                                                  std::unique_ptr<Backend> fallback,
                                                  const PlanOptions& options = {},
                                                  int64_t prepared_batch = 1);

  // Inputs in the graph's input order. Thread-safe (runs are serialised per plan).
  Result<std::vector<Tensor>> run(const std::vector<Tensor>& inputs);

  const Graph& graph() const { return graph_; }
  const Backend& backend() const { return *primary_; }
  // The plan for the given input shapes (built if needed).
  Result<Plan*> plan_for(const std::vector<Shape>& input_shapes);

  // The default input shapes: declared shapes with dynamic dims set to 1.
  std::vector<Shape> default_input_shapes() const { return input_shapes_for_batch(1); }
  // Declared shapes with a free leading dim set to `batch` and other dynamic dims to 1.
  std::vector<Shape> input_shapes_for_batch(int64_t batch) const;
  // How many plans exist (one per input-shape signature run or prepared so far).
  size_t plan_count();

 private:
  Executor() = default;
  Result<std::unique_ptr<Plan>> build_plan(Graph graph, const std::vector<Shape>& input_shapes);

  Graph graph_;
  std::unique_ptr<Backend> primary_;
  std::unique_ptr<Backend> fallback_;
  PlanOptions options_;
  std::mutex mutex_;  // guards plans_ and context_, and serialises runs
  std::map<std::vector<Shape>, std::unique_ptr<Plan>> plans_;
  // Fixed input shapes: one plan, which holds the weights; graph_ keeps only their metadata.
  bool single_plan_ = false;
  // Activation memory shared by every plan's runs (runs are serialised); grows to the largest
  // plan's arena. A per-caller Session will own its own.
  RunContext context_;
};

}  // namespace fovea
