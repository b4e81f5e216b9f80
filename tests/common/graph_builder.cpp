#include "tests/common/graph_builder.h"

#include "engine/ops/shape_inference.h"

namespace fovea::testing {

ValueId GraphBuilder::input(const std::string& name, DType dtype, Shape shape) {
  Value v;
  v.name = name;
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.rank_known = true;
  const ValueId id = graph_.add_value(std::move(v));
  graph_.inputs.push_back(id);
  return id;
}

ValueId GraphBuilder::constant(const std::string& name, Tensor value) {
  return graph_.add_constant(name, std::move(value));
}

std::vector<ValueId> GraphBuilder::node(const std::string& op_type,
                                        const std::vector<ValueId>& inputs, Attributes attrs,
                                        int n_outputs) {
  Node n;
  n.name = op_type + "_" + std::to_string(graph_.nodes.size());
  n.op_type = op_type;
  n.inputs = inputs;
  n.attrs = std::move(attrs);
  for (int i = 0; i < n_outputs; ++i) {
    Value v;
    v.name = n.name + "_out" + std::to_string(i);
    n.outputs.push_back(graph_.add_value(std::move(v)));
  }
  std::vector<ValueId> outputs = n.outputs;
  graph_.nodes.push_back(std::move(n));
  return outputs;
}

ValueId GraphBuilder::op(const std::string& op_type, const std::vector<ValueId>& inputs,
                         Attributes attrs) {
  return node(op_type, inputs, std::move(attrs), 1)[0];
}

void GraphBuilder::output(ValueId id) { graph_.outputs.push_back(id); }

Result<Graph> GraphBuilder::build() {
  Graph graph = graph_;
  FOVEA_RETURN_IF_ERROR(graph.topological_sort());
  auto inferred = infer_shapes(graph);
  if (!inferred.is_ok()) return inferred.status();
  return graph;
}

Attributes attrs(std::initializer_list<std::pair<std::string, AttrValue>> list) {
  Attributes a;
  for (const auto& [name, value] : list) a.set(name, value);
  return a;
}

}  // namespace fovea::testing
