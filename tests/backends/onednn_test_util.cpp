#include "tests/backends/onednn_test_util.h"

#include "engine/backends/backend_registry.h"
#include "engine/backends/onednn/onednn_common.h"
#include "engine/plan/executor.h"

namespace fovea::testing {

std::vector<std::string> onednn_plan_backends(const Graph& graph) {
  std::vector<std::string> names;
  auto primary = create_backend("onednn", BackendOptions{});
  auto fallback = create_backend("reference", BackendOptions{});
  if (!primary.is_ok() || !fallback.is_ok()) {
    ADD_FAILURE() << "cannot create backends";
    return names;
  }
  auto executor = Executor::create(graph, std::move(primary).value(), std::move(fallback).value());
  if (!executor.is_ok()) {
    ADD_FAILURE() << executor.status().message();
    return names;
  }
  auto plan = (*executor)->plan_for((*executor)->default_input_shapes());
  if (!plan.is_ok()) {
    ADD_FAILURE() << plan.status().message();
    return names;
  }
  for (const PlanStepInfo& step : (*plan)->steps()) names.push_back(step.backend);
  return names;
}

void expect_onednn_matches_reference(const Graph& graph, const std::vector<Tensor>& inputs,
                                     const std::string& expected_backend, double rtol,
                                     double atol) {
  const std::vector<std::string> backends = onednn_plan_backends(graph);
  ASSERT_FALSE(backends.empty()) << "the plan has no steps";
  for (size_t i = 0; i < backends.size(); ++i) {
    EXPECT_EQ(backends[i], expected_backend) << "step " << i;
  }
  auto onednn = run_graph(graph, "onednn", inputs);
  ASSERT_TRUE(onednn.is_ok()) << onednn.status().message();
  auto reference = run_graph(graph, "reference", inputs);
  ASSERT_TRUE(reference.is_ok()) << reference.status().message();
  ASSERT_EQ(onednn->size(), reference->size());
  for (size_t i = 0; i < onednn->size(); ++i) {
    EXPECT_TRUE(tensors_close((*onednn)[i], (*reference)[i], rtol, atol)) << "output " << i;
  }
}

Graph single_op_graph(const std::string& op_type, const Shape& x_shape, Attributes attributes,
                      const std::vector<Tensor>& constants) {
  GraphBuilder b;
  std::vector<ValueId> inputs{b.input("x", DType::kFloat32, x_shape)};
  for (size_t i = 0; i < constants.size(); ++i) {
    std::string name = "c";  // built in two steps: GCC 12 misreports "c" + to_string()
    name += std::to_string(i);
    inputs.push_back(constants[i].empty() ? kNoValue : b.constant(name, constants[i]));
  }
  b.output(b.op(op_type, inputs, std::move(attributes)));
  auto graph = b.build();
  if (!graph.is_ok()) {
    ADD_FAILURE() << op_type << ": " << graph.status().message();
    return Graph();
  }
  return std::move(graph).value();
}

KernelRequest single_op_request(const Graph& graph, const Shape& x_shape,
                                const std::vector<Tensor>& constants, const Shape& output) {
  KernelRequest request;
  request.graph = &graph;
  request.node = graph.nodes.empty() ? nullptr : &graph.nodes.front();
  request.inputs.push_back(ValueInfo{DType::kFloat32, x_shape, true, nullptr});
  for (const Tensor& t : constants) {
    request.inputs.push_back(ValueInfo{t.dtype(), t.shape(), true, &t});
  }
  request.outputs.push_back(ValueInfo{DType::kFloat32, output, true, nullptr});
  return request;
}

PreparedKernel prepare_onednn_kernel(const KernelRequest& request) {
  PreparedKernel p;
  auto backend = create_backend("onednn");
  if (!backend.is_ok()) {
    ADD_FAILURE() << backend.status().message();
    return p;
  }
  p.backend = std::move(backend).value();
  if (!p.backend->supports(request)) {
    ADD_FAILURE() << "the oneDNN backend declines " << request.describe();
    return p;
  }
  auto kernel = p.backend->prepare(request);
  if (!kernel.is_ok()) {
    ADD_FAILURE() << kernel.status().message();
    return p;
  }
  p.kernel = std::move(kernel).value();
  return p;
}

namespace {

onednn::md desc_of(const LayoutPtr& layout, const Shape& shape) {
  return layout ? static_cast<const onednn::OneDnnLayout&>(*layout).desc()
                : onednn::plain_md(shape);
}

// Copies `from` (laid out as `from_md`) into a new float tensor of `shape` laid out as `to_md`.
Tensor reordered(const Tensor& from, const onednn::md& from_md, const onednn::md& to_md,
                 const Shape& shape) {
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  Tensor to(DType::kFloat32, {static_cast<int64_t>(to_md.get_size() / sizeof(float))});
  dnnl::memory src(from_md, engine, const_cast<void*>(from.raw_data()));
  dnnl::memory dst(to_md, engine, to.raw_data());
  dnnl::reorder(src, dst).execute(stream, src, dst);
  stream.wait();
  return to.reshaped(shape);
}

}  // namespace

Result<Tensor> run_kernel_plain(Kernel& kernel, const KernelRequest& request,
                                std::vector<Tensor> inputs, const Shape& y_shape) {
  const Shape x_shape = inputs.at(0).shape();
  inputs[0] = reordered(inputs[0], onednn::plain_md(x_shape),
                        desc_of(request.input_layout(0), x_shape), x_shape);
  const onednn::md y_md = desc_of(kernel.output_layout(0), y_shape);
  Tensor y(DType::kFloat32, {static_cast<int64_t>(y_md.get_size() / sizeof(float))});
  std::vector<Tensor> outputs{y.reshaped(y_shape)};
  FOVEA_RETURN_IF_ERROR(kernel.run(inputs, outputs));
  return reordered(outputs[0], y_md, onednn::plain_md(y_shape), y_shape);
}

std::string dims_name(const std::vector<int64_t>& dims) {
  std::string s;
  for (int64_t d : dims) {
    if (!s.empty()) s += 'x';
    s += std::to_string(d);
  }
  return s.empty() ? "scalar" : s;
}

}  // namespace fovea::testing
