#include "tests/ops_nn/nn_test_util.h"

#include "engine/ops/shape_inference.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {

Result<std::vector<Tensor>> run_node(const std::string& op_type, const std::vector<Tensor>& inputs,
                                     Attributes attributes, int n_outputs) {
  GraphBuilder builder;
  std::vector<ValueId> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ids.push_back(builder.input("in" + std::to_string(i), inputs[i].dtype(), inputs[i].shape()));
  }
  for (ValueId out : builder.node(op_type, ids, std::move(attributes), n_outputs)) {
    builder.output(out);
  }
  FOVEA_ASSIGN_OR_RETURN(Graph graph, builder.build());
  return run_graph(graph, "reference", inputs);
}

Result<Shape> infer_node_shape(const std::string& op_type, const std::vector<Shape>& inputs,
                               Attributes attributes, int n_outputs, DType dtype, size_t output) {
  Graph graph;
  graph.source = "test.onnx";
  Node node;
  node.name = "node";
  node.op_type = op_type;
  node.attrs = std::move(attributes);
  for (size_t i = 0; i < inputs.size(); ++i) {
    Value v;
    v.name = "in" + std::to_string(i);
    v.dtype = dtype;
    v.shape = inputs[i];
    v.rank_known = true;
    const ValueId id = graph.add_value(std::move(v));
    graph.inputs.push_back(id);
    node.inputs.push_back(id);
  }
  for (int i = 0; i < n_outputs; ++i) {
    Value v;
    v.name = "out" + std::to_string(i);
    node.outputs.push_back(graph.add_value(std::move(v)));
  }
  graph.outputs = node.outputs;
  graph.nodes.push_back(node);
  auto inferred = infer_shapes(graph);
  if (!inferred.is_ok()) return inferred.status();
  const Value& out = graph.value(node.outputs[output]);
  if (!out.rank_known) return internal_error("output rank unknown");
  return out.shape;
}

Tensor expected(const Shape& shape, const std::vector<float>& values) {
  return float_tensor(shape, values);
}

}  // namespace fovea::testing
