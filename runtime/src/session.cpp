// Session: a caller's activation memory and the run path. Inputs are checked and wrapped on
// the caller's thread; the plan lookup and the kernels run on the model thread.
#include <cstring>

#include "runtime/internal/input_check.h"
#include "runtime/src/engine_bridge.h"
#include "runtime/src/model_impl.h"

namespace fovea {

struct Session::Impl {
  std::shared_ptr<const Model> model;
  RunContext context;  // the activation arena; only this session's runs use it
};

Session::Session(std::shared_ptr<const Model> model) : impl_(std::make_unique<Impl>()) {
  if (!model) throw Error(ErrorCode::kInvalidArgument, "Session: null model");
  impl_->model = std::move(model);
}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

const Model& Session::model() const { return *impl_->model; }

size_t Session::activation_bytes() const {
  return impl_->context.arena_bytes() + impl_->context.device_arena_bytes();
}

std::vector<HostTensor> Session::run(const std::map<std::string, TensorView>& inputs) {
  const Model& m = *impl_->model;
  for (const auto& [name, view] : inputs) (void)m.input(name);  // unknown names throw
  std::vector<TensorView> ordered;
  for (const TensorInfo& info : m.inputs()) {
    auto it = inputs.find(info.name);
    if (it == inputs.end()) {
      throw Error(ErrorCode::kInvalidArgument, m.path() + ": input '" + info.name + "' is missing");
    }
    ordered.push_back(it->second);
  }
  return run(ordered);
}

std::vector<HostTensor> Session::run(const std::vector<TensorView>& inputs) {
  Model::Impl& model = *impl_->model->impl_;
  std::vector<Tensor> tensors;
  std::vector<Shape> shapes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string name =
        i < model.inputs.size() ? model.inputs[i].name : "#" + std::to_string(i);
    for (int64_t d : inputs[i].shape()) {
      if (d < 0) {
        throw Error(ErrorCode::kInvalidArgument, "input '" + name + "': shape " +
                                                     shape_string(inputs[i].shape()) +
                                                     " has a negative dimension");
      }
    }
    tensors.push_back(api::wrap_view(inputs[i], name));
    shapes.push_back(inputs[i].shape());
  }
  api::throw_if_error(check_inputs(model.graph(), tensors));

  RunContext& context = impl_->context;
  Result<std::vector<Tensor>> ran = model.thread.call([&]() -> Result<std::vector<Tensor>> {
    FOVEA_ASSIGN_OR_RETURN(Plan * plan, model.plan_for(shapes));
    return plan->run(context, tensors);
  });
  std::vector<Tensor> outputs = api::value_or_throw(std::move(ran));

  std::vector<HostTensor> result;
  for (size_t i = 0; i < outputs.size(); ++i) {
    Tensor out = outputs[i];
    // An output that is a view of an input (an Identity model) must not alias the caller's
    // memory beyond the call.
    const auto* p = static_cast<const std::byte*>(out.raw_data());
    for (const TensorView& in : inputs) {
      const auto* begin = static_cast<const std::byte*>(in.data());
      if (p >= begin && p < begin + in.byte_size()) out = out.clone();
    }
    result.push_back(api::to_host_tensor(out, model.outputs[i].name));
  }
  return result;
}

}  // namespace fovea
