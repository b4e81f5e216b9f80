#include "tests/cuda/cuda_test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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

}  // namespace fovea::testing
