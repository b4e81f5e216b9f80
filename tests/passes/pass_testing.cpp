#include "tests/passes/pass_testing.h"

#include <algorithm>
#include <cmath>

#include "engine/backends/backend_registry.h"
#include "engine/ops/shape_inference.h"
#include "engine/plan/executor.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {

int count_ops(const Graph& graph, const std::string& op_type) {
  return static_cast<int>(std::count_if(graph.nodes.begin(), graph.nodes.end(),
                                        [&](const Node& n) { return n.op_type == op_type; }));
}

Graph build_graph(GraphBuilder& builder) {
  auto graph = builder.build();
  if (!graph.is_ok()) {
    ADD_FAILURE() << "building the test graph failed: " << graph.status().message();
    return Graph();
  }
  return std::move(graph).value();
}

Graph apply_pass(const Graph& graph, const Pass& pass, bool* changed,
                 std::vector<FusionRecord>* records) {
  Graph result = graph;
  const bool did_change = pass(result, records);
  if (changed != nullptr) *changed = did_change;
  const Status sorted = result.topological_sort();
  EXPECT_TRUE(sorted.is_ok()) << sorted.message();
  auto inferred = infer_shapes(result);
  EXPECT_TRUE(inferred.is_ok()) << inferred.status().message();
  return result;
}

Result<std::vector<Tensor>> run_unoptimized(const Graph& graph, const std::vector<Tensor>& inputs) {
  FOVEA_ASSIGN_OR_RETURN(auto primary, create_backend("reference"));
  FOVEA_ASSIGN_OR_RETURN(auto fallback, create_backend("reference"));
  PlanOptions options;
  options.optimize = false;
  FOVEA_ASSIGN_OR_RETURN(auto executor,
                         Executor::create(graph, std::move(primary), std::move(fallback), options));
  return executor->run(inputs);
}

std::vector<Tensor> random_inputs(const Graph& graph, uint64_t seed) {
  std::vector<Tensor> inputs;
  for (ValueId id : graph.inputs) {
    Shape shape = graph.value(id).shape;
    for (int64_t& d : shape) d = d < 0 ? 1 : d;
    inputs.push_back(random_tensor(shape, seed++));
  }
  return inputs;
}

void expect_same_outputs(const Graph& before, const Graph& after, double max_rel_l2,
                         uint64_t seed) {
  ASSERT_EQ(before.inputs.size(), after.inputs.size());
  ASSERT_EQ(before.outputs.size(), after.outputs.size());
  for (size_t i = 0; i < before.outputs.size(); ++i) {
    EXPECT_EQ(before.value(before.outputs[i]).name, after.value(after.outputs[i]).name)
        << "graph output " << i << " was renamed";
  }
  const std::vector<Tensor> inputs = random_inputs(before, seed);
  auto expected = run_unoptimized(before, inputs);
  ASSERT_TRUE(expected.is_ok()) << expected.status().message();
  auto actual = run_unoptimized(after, inputs);
  ASSERT_TRUE(actual.is_ok()) << actual.status().message();
  ASSERT_EQ(expected->size(), actual->size());
  for (size_t i = 0; i < expected->size(); ++i) {
    ASSERT_EQ((*expected)[i].shape(), (*actual)[i].shape()) << "output " << i;
    const double error = relative_l2_error((*actual)[i], (*expected)[i]);
    EXPECT_LE(error, max_rel_l2) << "output " << i;
  }
}

}  // namespace fovea::testing
