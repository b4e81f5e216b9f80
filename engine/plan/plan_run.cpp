// Plan::run: a loop over the prepared steps. Activations are views into the run context's
// arena at offsets fixed at build time; only graph outputs and values whose shapes are known
// at run time alone are allocated per run.
#include <chrono>
#include <tuple>

#include "engine/core/host_memory.h"
#include "engine/ops/shape_inference.h"
#include "engine/plan/arena.h"
#include "engine/plan/plan.h"

namespace fovea {
namespace {

// A device tensor's bytes in a new host tensor, once `owner`'s queued work has finished.
Result<Tensor> copied_to_host(Backend& owner, const Tensor& t) {
  FOVEA_RETURN_IF_ERROR(owner.synchronize());
  Tensor host(t.dtype(), t.shape());
  FOVEA_RETURN_IF_ERROR(owner.copy(t, host));
  return host;
}

// Binds a run context's stream on the device backend for one run. Unbinding finishes the work
// queued on it, so a run that fails half-way leaves none behind either.
class StreamBinding {
 public:
  StreamBinding() = default;
  StreamBinding(const StreamBinding&) = delete;
  StreamBinding& operator=(const StreamBinding&) = delete;
  ~StreamBinding() {
    if (backend_ != nullptr) (void)backend_->use_stream(nullptr);  // a run's error says more
  }

  Status bind(Backend& backend, BackendStream* stream) {
    FOVEA_RETURN_IF_ERROR(backend.use_stream(stream));
    backend_ = &backend;
    return Status::ok();
  }

 private:
  Backend* backend_ = nullptr;
};

}  // namespace

Result<BackendStream*> RunContext::stream_for(Backend& backend) {
  if (stream_owner_ != &backend) {
    captured_.clear();  // a recording replays on the stream it was made on
    stream_.reset();
    stream_owner_ = nullptr;
    FOVEA_ASSIGN_OR_RETURN(stream_, backend.create_stream());
    stream_owner_ = &backend;
  }
  return stream_.get();
}

std::byte* RunContext::reserve(size_t bytes) {
  if (bytes > capacity_) {
    const size_t rounded = arena_aligned(bytes);
    // Blocked layouts pad; allocate_host's zeros keep NaN bit patterns out of the padding.
    arena_.reset();  // the old contents are not kept: never hold both
    capacity_ = 0;
    arena_ = allocate_host(rounded, HostBuffer::kKept);
    if (!arena_) return nullptr;
    capacity_ = rounded;
  }
  return static_cast<std::byte*>(arena_.get());
}

Result<std::byte*> RunContext::reserve_device(Backend& backend, size_t bytes) {
  if (device_owner_ != &backend || device_arena_.byte_size() < bytes) {
    const size_t rounded = arena_aligned(bytes);
    device_arena_ = Tensor();  // the old contents are not kept: never hold both
    captured_.clear();         // recordings point into the old arena
    FOVEA_ASSIGN_OR_RETURN(device_arena_,
                           backend.allocate(DType::kUInt8, {static_cast<int64_t>(rounded)}));
    device_owner_ = &backend;
  }
  return static_cast<std::byte*>(device_arena_.raw_data());
}

Status Plan::check_inputs(std::span<const Tensor> inputs) const {
  if (inputs.size() != graph_.inputs.size()) {
    return invalid_argument("expected " + std::to_string(graph_.inputs.size()) + " inputs, got " +
                            std::to_string(inputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = graph_.value(graph_.inputs[i]);
    if (inputs[i].dtype() != v.dtype) {
      return invalid_argument("input '" + v.name + "': expected " + dtype_name(v.dtype) + ", got " +
                              dtype_name(inputs[i].dtype()));
    }
    if (inputs[i].shape() != v.shape) {
      return invalid_argument("input '" + v.name + "': expected shape " + shape_to_string(v.shape) +
                              ", got " + shape_to_string(inputs[i].shape()));
    }
  }
  return Status::ok();
}

Result<Tensor> Plan::to_backend(int32_t slot, Backend& backend, RunValues& run) const {
  const auto s = static_cast<size_t>(slot);
  const Tensor& t = run.values[s];
  if (t.empty() || t.memory() == backend.memory()) return t;
  if (!run.copies[s].empty() && run.copies[s].memory() == backend.memory()) return run.copies[s];
  if (fixed_outputs_ != nullptr) {  // recording: a copy waits on the host
    return unsupported("'" + slots_[s].name +
                       "' would be copied between memories inside the recorded run");
  }
  // Device memory is copied by the backend that owns it; host memory by the receiving one.
  Backend* copier = t.memory() == MemoryKind::kDevice ? run.owners[s] : &backend;
  FOVEA_ASSIGN_OR_RETURN(Tensor dst, backend.allocate(t.dtype(), t.shape()));
  if (copier == nullptr) return internal_error("device tensor without an owning backend");
  FOVEA_RETURN_IF_ERROR(copier->copy(t, dst));
  run.copies[s] = dst;
  return dst;
}

Result<Tensor> Plan::output_tensor(const Step& step, size_t i, const ValueInfo& info,
                                   ArenaBases arenas) {
  const int32_t slot = step.outputs[i];
  if (slot >= 0 && slots_[static_cast<size_t>(slot)].storage == Storage::kArena) {
    const Slot& s = slots_[static_cast<size_t>(slot)];
    return Tensor::wrap(s.dtype, s.shape, arenas.host + s.offset);
  }
  if (slot >= 0 && slots_[static_cast<size_t>(slot)].storage == Storage::kDeviceArena) {
    const Slot& s = slots_[static_cast<size_t>(slot)];
    return Tensor::wrap(s.dtype, s.shape, arenas.device + s.offset, device_backend_->memory());
  }
  if (fixed_outputs_ != nullptr && slot >= 0) {  // recording: graph outputs at fixed addresses
    for (size_t o = 0; o < output_slots_.size(); ++o) {
      if (output_slots_[o] == slot) return (*fixed_outputs_)[o];
    }
  }
  if (!info.rank_known || !is_static(info.shape)) {
    return internal_error(step.node >= 0
                              ? graph_.describe_node(graph_.nodes[step.node]) + ": output shape " +
                                    shape_to_string(info.shape) + " unknown at run time"
                              : "conversion output shape unknown");
  }
  return step.backend->allocate(info.dtype, info.shape);
}

Status Plan::run_step(Step& step, ArenaBases arenas, RunValues& run) {
  std::vector<Tensor>& values = run.values;
  std::vector<Backend*>& owners = run.owners;
  if (!step.kernel) {  // a view: same bytes, the node's output shape
    const auto in = static_cast<size_t>(step.inputs[0]);
    const auto out = static_cast<size_t>(step.outputs[0]);
    values[out] = values[in].reshaped(slots_[out].shape);
    owners[out] = owners[in];
  } else if (step.elided) {  // the inputs already wrote their slices of this output
    FOVEA_ASSIGN_OR_RETURN(values[static_cast<size_t>(step.outputs[0])],
                           output_tensor(step, 0, ValueInfo{}, arenas));
    owners[static_cast<size_t>(step.outputs[0])] = step.backend;
  } else {
    std::vector<Tensor> inputs;
    inputs.reserve(step.inputs.size());
    for (int32_t in : step.inputs) {
      if (in < 0 || !step.kernel->reads_input(inputs.size())) {
        inputs.emplace_back();
        continue;
      }
      FOVEA_ASSIGN_OR_RETURN(Tensor t, to_backend(in, *step.backend, run));
      inputs.push_back(std::move(t));
    }
    std::vector<ValueInfo> out_infos;
    if (step.dynamic_shape) {
      const Node& node = graph_.nodes[static_cast<size_t>(step.node)];
      std::vector<ValueInfo> in_infos;
      for (size_t i = 0; i < inputs.size(); ++i) {
        in_infos.push_back(inputs[i].empty()
                               ? ValueInfo{}
                               : ValueInfo{inputs[i].dtype(), inputs[i].shape(), true, &inputs[i]});
      }
      FOVEA_RETURN_IF_ERROR(infer_node(graph_, node, in_infos, out_infos));
    } else {
      for (int32_t out : step.outputs) {
        if (out < 0) {
          out_infos.emplace_back();
          continue;
        }
        const Slot& s = slots_[static_cast<size_t>(out)];
        out_infos.push_back(ValueInfo{s.dtype, s.shape, true, nullptr});
      }
    }
    std::vector<Tensor> outputs;
    for (size_t i = 0; i < step.outputs.size(); ++i) {
      if (step.outputs[i] < 0 && out_infos[i].dtype == DType::kUndefined) {
        outputs.emplace_back();
        continue;
      }
      FOVEA_ASSIGN_OR_RETURN(Tensor t, output_tensor(step, i, out_infos[i], arenas));
      outputs.push_back(std::move(t));
    }
    FOVEA_RETURN_IF_ERROR(step.kernel->run(inputs, outputs));
    for (size_t i = 0; i < step.outputs.size(); ++i) {
      const int32_t out = step.outputs[i];
      if (out < 0) continue;
      values[static_cast<size_t>(out)] = std::move(outputs[i]);
      owners[static_cast<size_t>(out)] = step.backend;
    }
  }
  for (int32_t slot : step.release_after) values[static_cast<size_t>(slot)] = Tensor();
  for (int32_t slot : step.last_read_of) run.copies[static_cast<size_t>(slot)] = Tensor();
  return Status::ok();
}

Result<Plan::ArenaBases> Plan::reserve_arenas(RunContext& context) {
  ArenaBases arenas;
  arenas.host = context.reserve(arena_bytes_);
  if (arenas.host == nullptr && arena_bytes_ > 0) {
    return Status(StatusCode::kOutOfRange,
                  "cannot allocate " + std::to_string(arena_bytes_) + " bytes of activations");
  }
  if (device_arena_bytes_ > 0) {
    auto device = context.reserve_device(*device_backend_, device_arena_bytes_);
    if (!device.is_ok()) {
      return Status(StatusCode::kOutOfRange,
                    std::string(device_backend_->name()) + ": cannot allocate " +
                        std::to_string(device_arena_bytes_) +
                        " bytes of activations: " + device.status().message());
    }
    arenas.device = *device;
  }
  return arenas;
}

Plan::RunValues Plan::initial_values(std::span<const Tensor> inputs,
                                     Backend* inputs_owner) const {
  RunValues run;
  run.values.resize(slots_.size());
  run.owners.assign(slots_.size(), nullptr);
  run.copies.resize(slots_.size());
  for (size_t v = 0; v < known_.size(); ++v) run.values[v] = known_[v];
  for (size_t i = 0; i < inputs.size(); ++i) {
    run.values[graph_.inputs[i]] = inputs[i];
    run.owners[graph_.inputs[i]] = inputs_owner;
  }
  return run;
}

Status Plan::run_steps(ArenaBases arenas, RunValues& run) {
  const std::vector<Tensor>& values = run.values;
  last_profile_.clear();
  for (Step& step : steps_) {
    if (!options_.profile) {
      FOVEA_RETURN_IF_ERROR(run_step(step, arenas, run));
      continue;
    }
    StepProfile profile;
    std::tie(profile.node_name, profile.op_type) = step_label(step);
    profile.backend = step.kernel ? step.backend->name() : "view";
    for (int32_t in : step.inputs) {
      if (in >= 0 && !values[static_cast<size_t>(in)].empty()) {
        profile.input_shapes.push_back(values[static_cast<size_t>(in)].shape());
      }
    }
    const auto start = std::chrono::steady_clock::now();
    FOVEA_RETURN_IF_ERROR(run_step(step, arenas, run));
    if (step.kernel) FOVEA_RETURN_IF_ERROR(step.backend->synchronize());
    profile.milliseconds =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    for (int32_t out : step.outputs) {
      if (out >= 0) profile.output_shapes.push_back(slots_[static_cast<size_t>(out)].shape);
    }
    last_profile_.push_back(std::move(profile));
  }
  return Status::ok();
}

std::string Plan::why_not_capturable() const {
  if (device_backend_ == nullptr) return "the backend computes on the host";
  for (const Step& step : steps_) {
    if (!step.kernel || step.elided) continue;
    const auto [name, op_type] = step_label(step);
    const std::string what = name + " (" + op_type + ")";
    if (step.backend != device_backend_) return what + " runs on " + step.backend->name();
    if (step.dynamic_shape) return what + " has output shapes known at run time only";
  }
  for (int32_t slot : output_slots_) {
    if (slots_[static_cast<size_t>(slot)].producer != device_backend_) {
      return "output '" + slots_[static_cast<size_t>(slot)].name + "' is not computed on " +
             device_backend_->name();
    }
  }
  return "";
}

Result<std::vector<Tensor>> Plan::run_captured(RunContext& context,
                                               std::span<const Tensor> inputs) {
  FOVEA_ASSIGN_OR_RETURN(ArenaBases arenas, reserve_arenas(context));
  RunContext::Captured* captured = nullptr;
  if (auto it = context.captured_.find(id_); it != context.captured_.end()) {
    captured = &it->second;
  } else {
    RunContext::Captured fresh;
    for (ValueId id : graph_.inputs) {
      const Value& v = graph_.value(id);
      FOVEA_ASSIGN_OR_RETURN(Tensor t, device_backend_->allocate(v.dtype, v.shape));
      fresh.inputs.push_back(std::move(t));
    }
    for (int32_t slot : output_slots_) {
      const Slot& s = slots_[static_cast<size_t>(slot)];
      FOVEA_ASSIGN_OR_RETURN(Tensor t, device_backend_->allocate(s.dtype, s.shape));
      fresh.outputs.push_back(std::move(t));
    }
    captured = &context.captured_.emplace(id_, std::move(fresh)).first->second;
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    FOVEA_RETURN_IF_ERROR(device_backend_->copy(inputs[i], captured->inputs[i]));
  }
  // A recording whose memory moved (e.g. a workspace grown for another plan) is made again.
  for (int attempt = 0;; ++attempt) {
    if (!captured->work) {
      RunValues run = initial_values(captured->inputs, device_backend_);
      fixed_outputs_ = &captured->outputs;
      auto work = device_backend_->capture([&] { return run_steps(arenas, run); });
      fixed_outputs_ = nullptr;
      if (!work.is_ok()) {
        capture_failure_ = work.status().message();
        replaying_ = false;
        context.captured_.erase(id_);
        return work.status();
      }
      captured->work = std::move(work).value();
    }
    const Status replayed = captured->work->replay();
    if (replayed.is_ok()) break;
    captured->work.reset();
    if (attempt > 0) return replayed;
  }
  replaying_ = true;
  std::vector<Tensor> outputs;
  for (const Tensor& fixed : captured->outputs) {
    FOVEA_ASSIGN_OR_RETURN(Tensor host, copied_to_host(*device_backend_, fixed));
    outputs.push_back(std::move(host));
  }
  return outputs;
}

Result<std::vector<Tensor>> Plan::run(RunContext& context, std::span<const Tensor> inputs) {
  FOVEA_RETURN_IF_ERROR(check_inputs(inputs));
  StreamBinding binding;
  if (device_backend_ != nullptr) {
    FOVEA_ASSIGN_OR_RETURN(BackendStream * stream, context.stream_for(*device_backend_));
    FOVEA_RETURN_IF_ERROR(binding.bind(*device_backend_, stream));
  }
  // Recording needs warm kernels (libraries initialise lazily on first use): the first run goes
  // step by step. A capture that fails leaves the plan running step by step for good.
  if (options_.capture_graph && !options_.profile && capture_failure_.empty()) {
    if (warmed_up_) {
      auto ran = run_captured(context, inputs);
      if (ran.is_ok() || capture_failure_.empty()) return ran;
    }
    warmed_up_ = true;
  }
  FOVEA_ASSIGN_OR_RETURN(ArenaBases arenas, reserve_arenas(context));
  RunValues run = initial_values(inputs, nullptr);
  FOVEA_RETURN_IF_ERROR(run_steps(arenas, run));

  std::vector<Tensor> outputs;
  for (size_t i = 0; i < output_slots_.size(); ++i) {
    const auto slot = static_cast<size_t>(output_slots_[i]);
    Tensor& t = run.values[slot];
    if (t.empty()) {
      return internal_error("graph output '" + graph_.value(graph_.outputs[i]).name +
                            "' was not computed");
    }
    if (t.memory() == MemoryKind::kDevice) {
      FOVEA_ASSIGN_OR_RETURN(Tensor host, copied_to_host(*run.owners[slot], t));
      outputs.push_back(std::move(host));
    } else {
      outputs.push_back(t);
    }
  }
  return outputs;
}

}  // namespace fovea
