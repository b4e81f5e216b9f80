// Plan::build: optimize, infer shapes, choose backends, follow layouts, make views, then plan
// memory (plan_memory.cpp). Running is in plan_run.cpp.
#include "engine/plan/plan.h"

#include <atomic>
#include <string_view>
#include <tuple>

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

// Ops whose output is their first input's bytes under another shape (on plain data).
bool is_view_op(std::string_view op) {
  return op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze" ||
         op == "Identity";
}

size_t plain_bytes(DType dtype, const Shape& shape) {
  const auto count = element_count(shape);
  return count ? static_cast<size_t>(*count) * dtype_size(dtype) : 0;
}

}  // namespace

Result<std::unique_ptr<Plan>> Plan::build(Graph graph, Backend& primary, Backend& fallback,
                                          const std::map<std::string, Shape>& input_shapes,
                                          const PlanOptions& plan_options) {
  static std::atomic<uint64_t> next_id{1};
  std::unique_ptr<Plan> plan(new Plan());
  plan->id_ = next_id++;
  plan->options_ = plan_options;
  plan->graph_ = std::move(graph);
  InferOptions options;
  options.input_shapes = input_shapes;
  FOVEA_ASSIGN_OR_RETURN(InferResult inferred, infer_shapes(plan->graph_, options));
  if (plan_options.optimize) {
    // Passes see concrete shapes; inference runs again so build-time values match the new graph.
    FOVEA_RETURN_IF_ERROR(optimize_graph(plan->graph_, {}, &plan->optimize_report_));
    FOVEA_ASSIGN_OR_RETURN(InferResult reinferred, infer_shapes(plan->graph_, options));
    inferred = std::move(reinferred);
  }
  plan->known_ = std::move(inferred.known_values);
  if (primary.memory() != MemoryKind::kHost) plan->device_backend_ = &primary;
  FOVEA_RETURN_IF_ERROR(plan->prepare_steps(primary, fallback));
  plan->plan_memory();
  if (plan_options.capture_graph) plan->capture_failure_ = plan->why_not_capturable();
  return plan;
}

Status Plan::prepare_steps(Backend& primary, Backend& fallback) {
  const Graph& g = graph_;
  slots_.resize(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) {
    Slot& slot = slots_[v];
    slot.dtype = g.values[v].dtype;
    slot.shape = g.values[v].shape;
    slot.name = g.values[v].name;
    slot.bytes = plain_bytes(slot.dtype, slot.shape);
    if (!known_[v].empty()) slot.storage = Storage::kKnown;
  }
  for (ValueId id : g.inputs) slots_[static_cast<size_t>(id)].storage = Storage::kInput;
  // Per value: readers not yet prepared, and whether a prepared one reads it at run time.
  std::vector<int64_t> unprepared_readers(g.values.size(), 0);
  std::vector<bool> read_at_run(g.values.size(), false);
  for (const Node& node : g.nodes) {
    for (ValueId in : node.inputs) {
      if (in != kNoValue) ++unprepared_readers[static_cast<size_t>(in)];
    }
  }
  {  // constants the optimizer left without readers
    std::vector<ValueId> all(g.values.size());
    for (size_t v = 0; v < all.size(); ++v) all[v] = static_cast<ValueId>(v);
    release_unread_constants(all, unprepared_readers, read_at_run);
  }
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const size_t steps_before = steps_.size();
    if (!outputs_known(g.nodes[n], known_)) {  // else computed at build time
      FOVEA_ASSIGN_OR_RETURN(bool viewed, try_add_view(n));
      if (!viewed) FOVEA_RETURN_IF_ERROR(add_node_step(n, primary, fallback));
    }
    for (size_t i = steps_before; i < steps_.size(); ++i) {
      const Step& step = steps_[i];
      for (size_t j = 0; j < step.inputs.size(); ++j) {
        const int32_t in = step.inputs[j];
        if (in >= 0 && static_cast<size_t>(in) < g.values.size() &&
            (!step.kernel || step.kernel->reads_input(j))) {
          read_at_run[static_cast<size_t>(in)] = true;
        }
      }
    }
    for (ValueId in : g.nodes[n].inputs) {
      if (in != kNoValue) --unprepared_readers[static_cast<size_t>(in)];
    }
    // Each kernel copies (or holds) what it keeps while it is prepared: release weights as
    // soon as their last reader has them, so the plan's copy and the kernel's never all
    // coexist. Where other plans follow (a free batch), the executor's graph keeps the
    // originals, and what this releases is what this plan made: weights with BatchNorm folded
    // in, folded constants.
    release_unread_constants(g.nodes[n].inputs, unprepared_readers, read_at_run);
  }
  // Graph outputs are returned plain and freshly allocated per run.
  for (ValueId id : g.outputs) {
    FOVEA_ASSIGN_OR_RETURN(int32_t slot, plain_slot(id));
    if (slots_[static_cast<size_t>(slot)].storage == Storage::kArena) {
      slots_[static_cast<size_t>(slot)].storage = Storage::kFresh;
    }
    output_slots_.push_back(slot);
  }
  return Status::ok();
}

void Plan::release_unread_constants(const std::vector<ValueId>& inputs,
                                    std::vector<int64_t>& unprepared_readers,
                                    const std::vector<bool>& read_at_run) {
  for (ValueId v : inputs) {
    if (v == kNoValue) continue;
    const auto i = static_cast<size_t>(v);
    if (known_[i].empty() || unprepared_readers[i] > 0 || read_at_run[i] ||
        graph_.is_graph_output(v)) {
      continue;
    }
    known_[i] = Tensor();
    graph_.release_constant(v);
  }
}

Result<int32_t> Plan::plain_slot(int32_t slot) {
  const auto s = static_cast<size_t>(slot);
  if (!slots_[s].layout) return slot;
  if (slots_[s].plain_copy >= 0) return slots_[s].plain_copy;
  Backend* producer = slots_[s].producer;
  const ValueInfo info{slots_[s].dtype, slots_[s].shape, true, nullptr};
  FOVEA_ASSIGN_OR_RETURN(auto kernel, producer->prepare_to_plain(info, slots_[s].layout));
  Slot plain;
  plain.dtype = slots_[s].dtype;
  plain.shape = slots_[s].shape;
  plain.name = slots_[s].name + ":plain";
  plain.producer = producer;
  plain.bytes = plain_bytes(plain.dtype, plain.shape);
  const bool graph_output =
      slot < static_cast<int32_t>(graph_.values.size()) && graph_.is_graph_output(slot);
  plain.storage = graph_output ? Storage::kFresh : arena_storage(*producer);
  const auto plain_index = static_cast<int32_t>(slots_.size());
  slots_.push_back(std::move(plain));
  slots_[s].plain_copy = plain_index;
  Step step;
  step.backend = producer;
  step.kernel = std::move(kernel);
  step.inputs = {slot};
  step.outputs = {plain_index};
  steps_.push_back(std::move(step));
  return plain_index;
}

Result<bool> Plan::try_add_view(size_t node_index) {
  const Node& node = graph_.nodes[node_index];
  if (!is_view_op(node.op_type) || node.outputs.size() != 1 || !node.has_input(0)) return false;
  const ValueId out = node.outputs[0];
  if (out == kNoValue || graph_.is_graph_output(out) || !outputs_static(graph_, node)) {
    return false;
  }
  const Value& in_value = graph_.value(node.input(0));
  const Value& out_value = graph_.value(out);
  if (in_value.dtype != out_value.dtype || !in_value.rank_known ||
      element_count(in_value.shape) != element_count(out_value.shape)) {
    return false;
  }
  FOVEA_ASSIGN_OR_RETURN(int32_t in, plain_slot(node.input(0)));
  Slot& slot = slots_[static_cast<size_t>(out)];
  slot.storage = Storage::kView;
  slot.view_of = in;
  slot.producer = slots_[static_cast<size_t>(in)].producer;
  Step step;
  step.node = static_cast<int64_t>(node_index);
  step.inputs = {in};
  step.outputs = {out};
  steps_.push_back(std::move(step));
  return true;
}

Status Plan::add_node_step(size_t node_index, Backend& primary, Backend& fallback) {
  const Graph& g = graph_;
  const Node& node = g.nodes[node_index];
  Step step;
  step.node = static_cast<int64_t>(node_index);
  step.dynamic_shape = !outputs_static(g, node);
  KernelRequest request;
  request.graph = &g;
  request.node = &node;
  request.fast_math = options_.fast_math;
  request.huge_pages = options_.huge_pages;
  request.constants_released = options_.release_constants;
  for (ValueId in : node.inputs) {
    request.inputs.push_back(in == kNoValue ? ValueInfo{} : info_of(g.value(in), known_[in]));
  }
  for (ValueId out : node.outputs) {
    request.outputs.push_back(out == kNoValue ? ValueInfo{} : info_of(g.value(out), Tensor()));
  }
  // Inputs keep their layout only for the backend that made it, where it says it takes them.
  auto prepare_on = [&](Backend& backend) -> Result<std::unique_ptr<Kernel>> {
    step.inputs.clear();
    request.input_layouts.assign(node.inputs.size(), nullptr);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ValueId in = node.inputs[i];
      if (in == kNoValue) {
        step.inputs.push_back(-1);
        continue;
      }
      int32_t slot = in;
      const Slot& source = slots_[static_cast<size_t>(in)];
      if (source.layout && source.producer == &backend && backend.accepts_layout(request, i)) {
        request.input_layouts[i] = source.layout;
      } else {
        FOVEA_ASSIGN_OR_RETURN(slot, plain_slot(in));
      }
      step.inputs.push_back(slot);
    }
    return backend.prepare(request);
  };
  step.backend = (!step.dynamic_shape && primary.supports(request)) ? &primary : &fallback;
  auto kernel = prepare_on(*step.backend);
  if (!kernel.is_ok() && step.backend != &fallback) {
    step.backend = &fallback;  // the primary declined late; the reference still runs it
    kernel = prepare_on(fallback);
  }
  if (!kernel.is_ok()) return kernel.status();
  step.kernel = std::move(kernel).value();
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    const ValueId out = node.outputs[i];
    step.outputs.push_back(out);
    if (out == kNoValue) continue;
    Slot& slot = slots_[static_cast<size_t>(out)];
    slot.producer = step.backend;
    slot.layout = step.dynamic_shape ? nullptr : step.kernel->output_layout(i);
    if (slot.layout) slot.bytes = slot.layout->byte_size();
    // A graph output in a non-plain layout is returned through its plain copy (fresh per
    // run), so the value itself can live in the arena.
    const bool arena = !step.dynamic_shape && (!g.is_graph_output(out) || slot.layout);
    slot.storage = arena ? arena_storage(*step.backend) : Storage::kFresh;
  }
  steps_.push_back(std::move(step));
  return Status::ok();
}

Plan::Storage Plan::arena_storage(const Backend& backend) const {
  if (backend.memory() == MemoryKind::kHost) return Storage::kArena;
  return &backend == device_backend_ ? Storage::kDeviceArena : Storage::kFresh;
}

std::pair<std::string, std::string> Plan::step_label(const Step& step) const {
  if (step.node >= 0) {
    const Node& node = graph_.nodes[static_cast<size_t>(step.node)];
    return {node.name, node.op_type};
  }
  return {slots_[static_cast<size_t>(step.inputs[0])].name + ":to_plain", "Reorder"};
}

std::vector<PlanStepInfo> Plan::steps() const {
  std::vector<PlanStepInfo> info;
  for (const Step& step : steps_) {
    PlanStepInfo s;
    std::tie(s.node_name, s.op_type) = step_label(step);
    s.backend = step.kernel ? step.backend->name() : "view";
    s.dynamic_shape = step.dynamic_shape;
    s.in_place = step.in_place;
    for (int32_t out : step.outputs) {
      const LayoutPtr& layout = out >= 0 ? slots_[static_cast<size_t>(out)].layout : nullptr;
      s.output_layouts.push_back(layout ? layout->describe() : "plain");
    }
    info.push_back(std::move(s));
  }
  return info;
}

}  // namespace fovea
