#include "engine/plan/plan.h"

#include <chrono>

#include "engine/ops/shape_inference.h"

namespace fovea {
namespace {

ValueInfo info_of(const Value& v, const Tensor& known) {
  return ValueInfo{v.dtype, v.shape, v.rank_known, known.empty() ? nullptr : &known};
}

bool outputs_static(const Graph& graph, const Node& node) {
  for (ValueId out : node.outputs) {
    if (out == kNoValue) continue;
    const Value& v = graph.value(out);
    if (!v.rank_known || !is_static(v.shape)) return false;
  }
  return true;
}

bool outputs_known(const Node& node, const std::vector<Tensor>& known) {
  for (ValueId out : node.outputs) {
    if (out != kNoValue && known[static_cast<size_t>(out)].empty()) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Plan>> Plan::build(const Graph& graph, Backend& primary,
                                          Backend& fallback,
                                          const std::map<std::string, Shape>& input_shapes,
                                          const PlanOptions& plan_options) {
  std::unique_ptr<Plan> plan(new Plan());
  plan->options_ = plan_options;
  plan->graph_ = graph;
  InferOptions options;
  options.input_shapes = input_shapes;
  FOVEA_ASSIGN_OR_RETURN(InferResult inferred, infer_shapes(plan->graph_, options));
  plan->known_values = std::move(inferred.known_values);

  const Graph& g = plan->graph_;
  std::vector<int64_t> last_use(g.values.size(), -1);
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const Node& node = g.nodes[n];
    if (outputs_known(node, plan->known_values)) continue;  // computed at build time
    Step step;
    step.node = n;
    step.dynamic_shape = !outputs_static(g, node);
    KernelRequest request;
    request.graph = &g;
    request.node = &node;
    for (ValueId in : node.inputs) {
      request.inputs.push_back(in == kNoValue ? ValueInfo{}
                                              : info_of(g.value(in), plan->known_values[in]));
    }
    for (ValueId out : node.outputs) {
      request.outputs.push_back(out == kNoValue ? ValueInfo{}
                                                : info_of(g.value(out), Tensor()));
    }
    step.backend = (!step.dynamic_shape && primary.supports(request)) ? &primary : &fallback;
    auto kernel = step.backend->prepare(request);
    if (!kernel.is_ok() && step.backend != &fallback) {
      step.backend = &fallback;  // the primary declined late; the reference still runs it
      kernel = fallback.prepare(request);
    }
    if (!kernel.is_ok()) return kernel.status();
    step.kernel = std::move(kernel).value();
    for (ValueId in : node.inputs) {
      if (in != kNoValue) last_use[static_cast<size_t>(in)] = static_cast<int64_t>(plan->steps_.size());
    }
    plan->steps_.push_back(std::move(step));
  }
  // Release each intermediate after its last reader so peak memory follows liveness.
  for (size_t v = 0; v < g.values.size(); ++v) {
    const auto id = static_cast<ValueId>(v);
    if (last_use[v] < 0 || g.is_graph_output(id) || !plan->known_values[v].empty()) continue;
    plan->steps_[static_cast<size_t>(last_use[v])].release_after.push_back(id);
  }
  plan->peak_activation_bytes_ = plan->simulate_peak_bytes();
  return plan;
}

size_t Plan::simulate_peak_bytes() const {
  size_t live = 0;
  size_t peak = 0;
  auto bytes_of = [this](ValueId id) -> size_t {
    const Value& v = graph_.value(id);
    const auto count = element_count(v.shape);
    return count && !graph_.is_graph_output(id) ? static_cast<size_t>(*count) * dtype_size(v.dtype)
                                                : 0;
  };
  for (const Step& step : steps_) {
    for (ValueId out : graph_.nodes[step.node].outputs) {
      if (out != kNoValue) live += bytes_of(out);
    }
    peak = std::max(peak, live);
    for (ValueId id : step.release_after) live -= std::min(live, bytes_of(id));
  }
  return peak;
}

Status Plan::check_inputs(std::span<const Tensor> inputs) const {
  if (inputs.size() != graph_.inputs.size()) {
    return invalid_argument("expected " + std::to_string(graph_.inputs.size()) +
                            " inputs, got " + std::to_string(inputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = graph_.value(graph_.inputs[i]);
    if (inputs[i].dtype() != v.dtype) {
      return invalid_argument("input '" + v.name + "': expected " + dtype_name(v.dtype) +
                              ", got " + dtype_name(inputs[i].dtype()));
    }
    if (inputs[i].shape() != v.shape) {
      return invalid_argument("input '" + v.name + "': expected shape " +
                              shape_to_string(v.shape) + ", got " +
                              shape_to_string(inputs[i].shape()));
    }
  }
  return Status::ok();
}

Result<Tensor> Plan::to_backend(const Tensor& t, ValueId id, Backend& backend,
                                const std::vector<Backend*>& owners) const {
  if (t.empty() || t.memory() == backend.memory()) return t;
  // Device memory is copied by the backend that owns it; host memory by the receiving one.
  Backend* copier = t.memory() == MemoryKind::kDevice ? owners[static_cast<size_t>(id)] : &backend;
  FOVEA_ASSIGN_OR_RETURN(Tensor dst, backend.allocate(t.dtype(), t.shape()));
  if (copier == nullptr) return internal_error("device tensor without an owning backend");
  FOVEA_RETURN_IF_ERROR(copier->copy(t, dst));
  return dst;
}

Status Plan::run_step(Step& step, std::vector<Tensor>& values, std::vector<Backend*>& owners) {
  const Node& node = graph_.nodes[step.node];
  std::vector<Tensor> inputs;
  inputs.reserve(node.inputs.size());
  for (ValueId in : node.inputs) {
    if (in == kNoValue) {
      inputs.emplace_back();
      continue;
    }
    FOVEA_ASSIGN_OR_RETURN(Tensor t, to_backend(values[in], in, *step.backend, owners));
    inputs.push_back(std::move(t));
  }
  std::vector<ValueInfo> out_infos;
  if (step.dynamic_shape) {
    std::vector<ValueInfo> in_infos;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] == kNoValue) {
        in_infos.emplace_back();
      } else {
        in_infos.push_back({inputs[i].dtype(), inputs[i].shape(), true, &inputs[i]});
      }
    }
    FOVEA_RETURN_IF_ERROR(infer_node(graph_, node, in_infos, out_infos));
  } else {
    for (ValueId out : node.outputs) {
      out_infos.push_back(out == kNoValue ? ValueInfo{} : info_of(graph_.value(out), Tensor()));
    }
  }
  std::vector<Tensor> outputs;
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i] == kNoValue && out_infos[i].dtype == DType::kUndefined) {
      outputs.emplace_back();
      continue;
    }
    if (!out_infos[i].rank_known || !is_static(out_infos[i].shape)) {
      return internal_error(graph_.describe_node(node) + ": output shape " +
                            shape_to_string(out_infos[i].shape) + " unknown at run time");
    }
    FOVEA_ASSIGN_OR_RETURN(Tensor t, step.backend->allocate(out_infos[i].dtype, out_infos[i].shape));
    outputs.push_back(std::move(t));
  }
  FOVEA_RETURN_IF_ERROR(step.kernel->run(inputs, outputs));
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    const ValueId out = node.outputs[i];
    if (out == kNoValue) continue;
    values[static_cast<size_t>(out)] = std::move(outputs[i]);
    owners[static_cast<size_t>(out)] = step.backend;
  }
  for (ValueId id : step.release_after) values[static_cast<size_t>(id)] = Tensor();
  return Status::ok();
}

Result<std::vector<Tensor>> Plan::run(std::span<const Tensor> inputs) {
  FOVEA_RETURN_IF_ERROR(check_inputs(inputs));
  std::vector<Tensor> values = known_values;
  std::vector<Backend*> owners(values.size(), nullptr);
  for (size_t i = 0; i < inputs.size(); ++i) values[graph_.inputs[i]] = inputs[i];
  last_profile_.clear();
  for (Step& step : steps_) {
    if (!options_.profile) {
      FOVEA_RETURN_IF_ERROR(run_step(step, values, owners));
      continue;
    }
    const Node& node = graph_.nodes[step.node];
    StepProfile profile{node.name, node.op_type, step.backend->name(), {}, {}, 0.0};
    for (ValueId in : node.inputs) {
      if (in != kNoValue && !values[static_cast<size_t>(in)].empty()) {
        profile.input_shapes.push_back(values[static_cast<size_t>(in)].shape());
      }
    }
    const auto start = std::chrono::steady_clock::now();
    FOVEA_RETURN_IF_ERROR(run_step(step, values, owners));
    FOVEA_RETURN_IF_ERROR(step.backend->synchronize());
    profile.milliseconds =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count();
    for (ValueId out : node.outputs) {
      if (out != kNoValue) profile.output_shapes.push_back(graph_.value(out).shape);
    }
    last_profile_.push_back(std::move(profile));
  }

  std::vector<Tensor> outputs;
  for (ValueId id : graph_.outputs) {
    Tensor& t = values[static_cast<size_t>(id)];
    if (t.empty()) {
      return internal_error("graph output '" + graph_.value(id).name + "' was not computed");
    }
    if (t.memory() == MemoryKind::kDevice) {
      Backend* owner = owners[static_cast<size_t>(id)];
      FOVEA_RETURN_IF_ERROR(owner->synchronize());
      Tensor host(t.dtype(), t.shape());
      FOVEA_RETURN_IF_ERROR(owner->copy(t, host));
      outputs.push_back(std::move(host));
    } else {
      outputs.push_back(t);
    }
  }
  return outputs;
}

std::vector<PlanStepInfo> Plan::steps() const {
  std::vector<PlanStepInfo> info;
  for (const Step& step : steps_) {
    const Node& node = graph_.nodes[step.node];
    info.push_back({node.name, node.op_type, step.backend->name(), step.dynamic_shape});
  }
  return info;
}

}  // namespace fovea
