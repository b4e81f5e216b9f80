#include "tests/cuda/cuda_test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "engine/backends/backend_registry.h"
#include "engine/backends/cuda/cuda_backend.h"
#include "engine/plan/executor.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {

Graph one_node_graph(const std::string& op_type, const std::vector<Shape>& input_shapes,
                     Attributes attributes, const std::vector<Tensor>& constants) {
  GraphBuilder b;
  std::vector<ValueId> inputs;
  for (size_t i = 0; i < input_shapes.size(); ++i) {
    std::string name = "x";
    name += std::to_string(i);
    inputs.push_back(b.input(name, DType::kFloat32, input_shapes[i]));
  }
  for (size_t i = 0; i < constants.size(); ++i) {
    std::string name = "c";
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

KernelRequest request_for(const Graph& graph) {
  KernelRequest r;
  r.graph = &graph;
  r.node = &graph.nodes.at(0);
  for (ValueId in : r.node->inputs) {
    if (in == kNoValue) {
      r.inputs.emplace_back();
      continue;
    }
    const Value& v = graph.value(in);
    r.inputs.push_back(
        ValueInfo{v.dtype, v.shape, v.rank_known, v.is_constant() ? &v.constant : nullptr});
  }
  for (ValueId out : r.node->outputs) {
    const Value& v = graph.value(out);
    r.outputs.push_back(ValueInfo{v.dtype, v.shape, v.rank_known, nullptr});
  }
  return r;
}

Tensor reference_output(const Graph& graph, const std::vector<Tensor>& inputs) {
  auto outputs = run_graph(graph, "reference", inputs);
  EXPECT_TRUE(outputs.is_ok()) << outputs.status().message();
  return outputs.is_ok() ? (*outputs)[0] : Tensor();
}

void expect_same(const Tensor& actual, const Tensor& expected, int ulps) {
  ASSERT_EQ(actual.shape(), expected.shape());
  for (int64_t i = 0; i < actual.element_count(); ++i) {
    const float a = actual.data<float>()[i], e = expected.data<float>()[i];
    if (std::isnan(e)) {
      EXPECT_TRUE(std::isnan(a)) << "element " << i << ": " << a;
    } else if (ulps == 0 || std::isinf(e)) {
      ASSERT_EQ(a, e) << "element " << i;
    } else {
      ASSERT_NEAR(a, e, std::abs(e) * ulps * std::numeric_limits<float>::epsilon() + 1e-30f)
          << "element " << i;
    }
  }
}

namespace {

constexpr const char* kProbeName = "cuda-admission";

// Takes what the CUDA backend takes, and prepares it on the reference backend so that the plan
// can be built without a device.
class CudaAdmissionProbe final : public Backend {
 public:
  explicit CudaAdmissionProbe(std::unique_ptr<Backend> runner) : runner_(std::move(runner)) {}
  const char* name() const override { return kProbeName; }
  bool supports(const KernelRequest& request) const override { return cuda::takes(request); }
  Result<std::unique_ptr<Kernel>> prepare(const KernelRequest& request) override {
    return runner_->prepare(request);
  }

 private:
  std::unique_ptr<Backend> runner_;
};

}  // namespace

std::string steps_left_to_the_cpu(Graph graph, int64_t batch) {
  auto runner = create_backend("reference");
  auto fallback = create_backend("reference");
  if (!runner.is_ok() || !fallback.is_ok()) return "no reference backend";
  auto executor =
      Executor::create(std::move(graph), std::make_unique<CudaAdmissionProbe>(std::move(*runner)),
                       std::move(*fallback), {}, batch);
  if (!executor.is_ok()) return "plan failed: " + executor.status().message();
  auto plan = (*executor)->plan_for((*executor)->input_shapes_for_batch(batch));
  if (!plan.is_ok()) return "plan failed: " + plan.status().message();
  std::ostringstream left;
  for (const PlanStepInfo& step : (*plan)->steps()) {
    if (step.backend != kProbeName && step.backend != "view") {
      left << step.node_name << " (" << step.op_type << ") on " << step.backend << "\n";
    }
  }
  return left.str();
}

}  // namespace fovea::testing
