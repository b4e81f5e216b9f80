// Model::Impl: what a loaded model holds. The engine state (executor, plans, kernels) is only
// touched on `thread` (see model_thread.h); metadata and the graph are immutable after load
// and read from any thread.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/plan/executor.h"
#include "fovea/model.h"
#include "runtime/src/model_thread.h"

namespace fovea {

struct Model::Impl {
  std::string path;
  ModelOptions options;
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;

  // Model-thread state.
  std::unique_ptr<Executor> executor;
  std::set<std::vector<Shape>> shapes_within_limit;  // signatures already checked

  // The graph as imported (immutable once loaded; input checks read it from any thread).
  const Graph& graph() const { return executor->graph(); }

  // On the model thread: the plan for `shapes`, checked against the memory limit once.
  Result<Plan*> plan_for(const std::vector<Shape>& shapes);

  api::ModelThread thread;  // last member: joins before the rest is destroyed
};

}  // namespace fovea
