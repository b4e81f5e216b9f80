#include "engine/plan/executor.h"

#include <set>

#include "engine/core/host_memory.h"

namespace fovea {
namespace {

// PlanOptions::huge_pages where the batch is free: small-batch plans read a fully connected
// layer's weights from the graph's own buffer (engine/backends/onednn/onednn_matmul.cpp), so
// that one buffer moves to streamed-weight memory, once, for every plan to share.
void move_fc_weights_to_streamed_memory(Graph& graph) {
  std::set<ValueId> moved;
  for (const Node& node : graph.nodes) {
    if ((node.op_type != "Gemm" && node.op_type != "MatMul") || !node.has_input(1)) continue;
    const ValueId id = node.input(1);
    Tensor& weights = graph.value(id).constant;
    if (weights.empty() || weights.memory() != MemoryKind::kHost || moved.count(id) != 0 ||
        !host_buffer_uses_huge_pages(weights.byte_size(), HostBuffer::kStreamedWeights)) {
      continue;
    }
    Tensor copy = copy_to_host_buffer(weights, HostBuffer::kStreamedWeights);
    if (copy.empty()) continue;  // huge pages are a hint: keep the buffer there is
    weights = std::move(copy);
    moved.insert(id);
  }
}

}  // namespace

Result<std::unique_ptr<Executor>> Executor::create(Graph graph, std::unique_ptr<Backend> primary,
                                                   std::unique_ptr<Backend> fallback,
                                                   const PlanOptions& options,
                                                   int64_t prepared_batch) {
  if (prepared_batch < 1) {
    return invalid_argument(graph.source + ": the batch to prepare must be at least 1, not " +
                            std::to_string(prepared_batch));
  }
  std::unique_ptr<Executor> executor(new Executor());
  executor->options_ = options;
  executor->primary_ = std::move(primary);
  executor->fallback_ = std::move(fallback);
  // Only prepare eagerly when every input's shape is known apart from free dims: a model whose
  // inputs have unknown rank gets its plan on the first run.
  bool ranks_known = true;
  bool shapes_fixed = true;
  for (ValueId id : graph.inputs) {
    const Value& input = graph.value(id);
    ranks_known &= input.rank_known;
    shapes_fixed &= input.rank_known && is_static(input.shape);
  }
  if (!shapes_fixed) {
    executor->graph_ = std::move(graph);
    if (options.huge_pages) move_fc_weights_to_streamed_memory(executor->graph_);
    if (ranks_known) {
      FOVEA_ASSIGN_OR_RETURN(Plan * plan,
                             executor->plan_for(executor->input_shapes_for_batch(prepared_batch)));
      (void)plan;
    }
    return executor;
  }
  // Fixed input shapes: the one plan there can be takes the graph's constants, and its kernels
  // keep the only copy of each weight (in their own layouts). The executor keeps the rest.
  executor->graph_ = graph;
  for (Value& value : executor->graph_.values) {
    if (value.is_constant()) {
      value.constant = Tensor();
      value.constant_released = true;
    }
  }
  executor->options_.release_constants = true;
  FOVEA_ASSIGN_OR_RETURN(auto plan,
                         executor->build_plan(std::move(graph), executor->default_input_shapes()));
  executor->plans_.emplace(executor->default_input_shapes(), std::move(plan));
  executor->single_plan_ = true;
  return executor;
}

Result<std::unique_ptr<Plan>> Executor::build_plan(Graph graph,
                                                   const std::vector<Shape>& input_shapes) {
  std::map<std::string, Shape> by_name;
  for (size_t i = 0; i < graph.inputs.size() && i < input_shapes.size(); ++i) {
    by_name[graph.value(graph.inputs[i]).name] = input_shapes[i];
  }
  return Plan::build(std::move(graph), *primary_, *fallback_, by_name, options_);
}

std::vector<Shape> Executor::input_shapes_for_batch(int64_t batch) const {
  std::vector<Shape> shapes;
  for (ValueId id : graph_.inputs) {
    Shape s = graph_.value(id).shape;
    for (size_t d = 0; d < s.size(); ++d) {
      if (s[d] < 0) s[d] = d == 0 ? batch : 1;
    }
    shapes.push_back(std::move(s));
  }
  return shapes;
}

size_t Executor::plan_count() {
  std::lock_guard<std::mutex> lock(mutex_);
  return plans_.size();
}

Result<Plan*> Executor::plan_for(const std::vector<Shape>& input_shapes) {
  auto it = plans_.find(input_shapes);
  if (it != plans_.end()) return it->second.get();
  if (single_plan_) {
    std::string shapes;
    for (const Shape& shape : default_input_shapes()) {
      shapes += (shapes.empty() ? "" : ", ") + shape_to_string(shape);
    }
    return invalid_argument(graph_.source + ": the model's input shapes are fixed (" + shapes +
                            "); it cannot be planned for other shapes");
  }
  FOVEA_ASSIGN_OR_RETURN(auto plan, build_plan(graph_, input_shapes));
  Plan* raw = plan.get();
  plans_.emplace(input_shapes, std::move(plan));
  return raw;
}

Result<std::vector<Tensor>> Executor::run(const std::vector<Tensor>& inputs) {
  if (inputs.size() != graph_.inputs.size()) {
    return invalid_argument("expected " + std::to_string(graph_.inputs.size()) + " inputs, got " +
                            std::to_string(inputs.size()));
  }
  std::vector<Shape> shapes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& declared = graph_.value(graph_.inputs[i]);
    const Shape& given = inputs[i].shape();
    if (declared.rank_known) {
      bool matches = declared.shape.size() == given.size();
      for (size_t d = 0; matches && d < given.size(); ++d) {
        matches = declared.shape[d] < 0 || declared.shape[d] == given[d];
      }
      if (!matches) {
        return invalid_argument("input '" + declared.name + "': expected shape " +
                                shape_to_string(declared.shape) + ", got " +
                                shape_to_string(given));
      }
    }
    shapes.push_back(given);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  FOVEA_ASSIGN_OR_RETURN(Plan * plan, plan_for(shapes));
  return plan->run(context_, inputs);
}

}  // namespace fovea
