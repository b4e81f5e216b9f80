// Model: loading, metadata, and the model thread's plan cache.
#include <algorithm>

#include "runtime/internal/model_loader.h"
#include "runtime/internal/resource_limits.h"
#include "runtime/src/engine_bridge.h"
#include "runtime/src/model_impl.h"

namespace fovea {
namespace {

std::vector<TensorInfo> describe_values(const Graph& graph, const std::vector<ValueId>& ids,
                                        const char* kind) {
  std::vector<TensorInfo> infos;
  for (ValueId id : ids) {
    const Value& v = graph.value(id);
    TensorInfo info;
    info.name = v.name;
    info.dtype = api::from_engine(v.dtype, std::string(kind) + " '" + v.name + "'");
    info.shape = v.rank_known ? v.shape : Shape{};
    for (int64_t& d : info.shape) d = std::max<int64_t>(d, -1);
    infos.push_back(std::move(info));
  }
  return infos;
}

const TensorInfo& find_info(const std::vector<TensorInfo>& infos, const std::string& name,
                            const std::string& path, const char* kind) {
  for (const TensorInfo& info : infos) {
    if (info.name == name) return info;
  }
  std::string names;
  for (const TensorInfo& info : infos) names += (names.empty() ? "'" : ", '") + info.name + "'";
  throw Error(ErrorCode::kNotFound,
              path + ": no " + kind + " named '" + name + "' (the model has " + names + ")");
}

}  // namespace

Model::Model() : impl_(std::make_unique<Impl>()) {}

Model::~Model() {
  // Kernels are destroyed on the thread that created them (see model_thread.h).
  impl_->thread.call([this] { impl_->executor.reset(); });
}

std::shared_ptr<const Model> Model::load(const std::string& path, const ModelOptions& options) {
  if (options.threads < 0) {
    throw Error(ErrorCode::kInvalidArgument, "ModelOptions::threads must be >= 0");
  }
  if (options.batch < 1) {
    throw Error(ErrorCode::kInvalidArgument,
                "ModelOptions::batch must be >= 1, not " + std::to_string(options.batch));
  }
  if (options.memory_limit_bytes < 0) {
    throw Error(ErrorCode::kInvalidArgument, "ModelOptions::memory_limit_bytes must be >= 0");
  }
  std::shared_ptr<Model> model(new Model());
  Impl& impl = *model->impl_;
  impl.path = path;
  impl.options = options;
  LoadOptions load;
  load.backend = options.backend;
  load.threads = options.threads;
  load.plan.optimize = options.optimize;
  load.plan.fast_math = options.fast_math;
  load.plan.huge_pages = options.huge_pages;
  load.plan.capture_graph = options.cuda_graph;
  load.allow_tf32 = options.tf32;
  load.prepared_batch = options.batch;
  Result<std::unique_ptr<Executor>> loaded =
      impl.thread.call([&] { return load_model(path, load); });
  impl.executor = api::value_or_throw(std::move(loaded));
  impl.inputs = describe_values(impl.graph(), impl.graph().inputs, "input");
  impl.outputs = describe_values(impl.graph(), impl.graph().outputs, "output");
  return model;
}

Result<Plan*> Model::Impl::plan_for(const std::vector<Shape>& shapes) {
  if (options.memory_limit_bytes > 0 && !shapes_within_limit.contains(shapes)) {
    ResourceLimits limits;
    limits.max_total_bytes = options.memory_limit_bytes;
    Status within = check_resource_limits(graph(), shapes, limits);
    if (!within.is_ok()) return within.with_context(path);
    shapes_within_limit.insert(shapes);
  }
  return executor->plan_for(shapes);
}

const std::string& Model::path() const { return impl_->path; }
const ModelOptions& Model::options() const { return impl_->options; }
const std::vector<TensorInfo>& Model::inputs() const { return impl_->inputs; }
const std::vector<TensorInfo>& Model::outputs() const { return impl_->outputs; }
const TensorInfo& Model::input(const std::string& name) const {
  return find_info(impl_->inputs, name, impl_->path, "input");
}
const TensorInfo& Model::output(const std::string& name) const {
  return find_info(impl_->outputs, name, impl_->path, "output");
}

}  // namespace fovea
