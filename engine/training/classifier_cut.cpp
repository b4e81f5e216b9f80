#include "engine/training/classifier_cut.h"

#include <algorithm>
#include <unordered_map>

namespace fovea::training {
namespace {

bool is_pass_through(const std::string& op) {
  return op == "Flatten" || op == "Reshape" || op == "Squeeze" || op == "Identity" ||
         op == "Dropout";
}

// A name not yet used in `graph`, from `base`.
std::string fresh_name(const Graph& graph, const std::string& base) {
  std::string name = base;
  for (int i = 1; graph.find_value(name) != kNoValue; ++i) name = base + "_" + std::to_string(i);
  return name;
}

int64_t flattened_size(const Value& value) {
  if (!value.rank_known || value.shape.size() < 2) return 0;
  int64_t size = 1;
  for (size_t i = 1; i < value.shape.size(); ++i) {
    if (value.shape[i] < 0) return 0;
    size *= value.shape[i];
  }
  return size;
}

}  // namespace

Result<ClassifierCut> find_classifier_cut(const Graph& graph, const std::string& node_name) {
  if (graph.outputs.empty()) return invalid_argument(graph.source + ": the model has no outputs");
  ClassifierCut cut;
  const Value& output = graph.value(graph.outputs[0]);
  cut.output_name = output.name;
  if (output.rank_known && output.shape.size() >= 2) cut.original_classes = output.shape[1];
  const std::vector<int64_t> producers = graph.producers();

  if (!node_name.empty()) {
    auto it = std::find_if(graph.nodes.begin(), graph.nodes.end(),
                           [&](const Node& n) { return n.name == node_name; });
    if (it == graph.nodes.end()) {
      return Status(StatusCode::kNotFound, graph.source + ": no node named '" + node_name + "'");
    }
    cut.features = it->outputs.at(0);
  } else {
    ValueId value = graph.outputs[0];
    while (cut.features == kNoValue) {
      const int64_t producer = producers[static_cast<size_t>(value)];
      if (producer < 0) {
        return invalid_argument(graph.source + ": no Gemm or MatMul classifier before output '" +
                                output.name + "'; name the feature node to cut at");
      }
      const Node& node = graph.nodes[static_cast<size_t>(producer)];
      if (node.op_type == "Softmax") {
        cut.ends_in_softmax = true;
        value = node.inputs[0];
      } else if (is_pass_through(node.op_type)) {
        value = node.inputs[0];
      } else if (node.op_type == "Add" && node.inputs.size() == 2 &&
                 graph.value(node.inputs[1]).is_constant()) {
        value = node.inputs[0];  // MatMul + bias
      } else if (node.op_type == "Gemm" || node.op_type == "MatMul") {
        if (node.op_type == "Gemm" && node.attrs.get_int("transA", 0) != 0) {
          return unsupported(graph.describe_node(node) +
                             ": a transposed-A classifier cannot be cut");
        }
        cut.features = node.inputs[0];
        cut.classifier = node.name;
      } else {
        return invalid_argument(graph.describe_node(node) +
                                " ends the model; expected a Gemm or "
                                "MatMul classifier (name the feature node to cut at)");
      }
    }
  }
  cut.feature_size = flattened_size(graph.value(cut.features));
  return cut;
}

Result<Graph> backbone_graph(const Graph& graph, const ClassifierCut& cut) {
  if (cut.features == kNoValue) return internal_error("backbone_graph: the cut has no features");
  // Walk back from the features marking the nodes they need.
  const std::vector<int64_t> producers = graph.producers();
  std::vector<bool> needed_node(graph.nodes.size(), false);
  std::vector<ValueId> stack = {cut.features};
  std::vector<bool> seen(graph.values.size(), false);
  while (!stack.empty()) {
    const ValueId v = stack.back();
    stack.pop_back();
    if (v == kNoValue || seen[static_cast<size_t>(v)]) continue;
    seen[static_cast<size_t>(v)] = true;
    const int64_t p = producers[static_cast<size_t>(v)];
    if (p < 0 || needed_node[static_cast<size_t>(p)]) continue;
    needed_node[static_cast<size_t>(p)] = true;
    for (ValueId in : graph.nodes[static_cast<size_t>(p)].inputs) stack.push_back(in);
  }

  Graph backbone;
  backbone.source = graph.source;
  backbone.opset = graph.opset;
  std::unordered_map<ValueId, ValueId> remap;
  auto map_value = [&](ValueId old_id) -> ValueId {
    if (old_id == kNoValue) return kNoValue;
    auto it = remap.find(old_id);
    if (it != remap.end()) return it->second;
    const ValueId id = backbone.add_value(graph.value(old_id));
    remap.emplace(old_id, id);
    return id;
  };
  for (ValueId in : graph.inputs) backbone.inputs.push_back(map_value(in));
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (!needed_node[i]) continue;
    Node node = graph.nodes[i];
    for (ValueId& v : node.inputs) v = map_value(v);
    for (ValueId& v : node.outputs) v = map_value(v);
    backbone.nodes.push_back(std::move(node));
  }
  backbone.outputs = {map_value(cut.features)};
  return backbone;
}

Result<Graph> attach_linear_head(const Graph& backbone, const Tensor& weight, const Tensor& bias,
                                 bool softmax, const std::string& output_name) {
  if (backbone.outputs.size() != 1) {
    return internal_error("attach_linear_head: the backbone must have one output (features)");
  }
  if (weight.rank() != 2 || bias.rank() != 1 || bias.dim(0) != weight.dim(0)) {
    return invalid_argument("attach_linear_head: weight " + describe(weight) + " and bias " +
                            describe(bias) + " are not [C,D] and [C]");
  }
  Graph graph = backbone;
  ValueId features = graph.outputs[0];
  const Value& feature_value = graph.value(features);
  const bool flatten = !feature_value.rank_known || feature_value.shape.size() != 2;
  const int64_t classes = weight.dim(0);
  auto add_computed = [&](const std::string& name, Shape shape) {
    Value v;
    v.name = name;
    v.dtype = DType::kFloat32;
    v.shape = std::move(shape);
    v.rank_known = true;
    return graph.add_value(std::move(v));
  };
  if (flatten) {
    const ValueId flat =
        add_computed(fresh_name(graph, "head_flatten"), {kDynamicDim, weight.dim(1)});
    Node node;
    node.name = fresh_name(graph, "head_flatten_node");
    node.op_type = "Flatten";
    node.attrs.set("axis", int64_t{1});
    node.inputs = {features};
    node.outputs = {flat};
    graph.nodes.push_back(std::move(node));
    features = flat;
  }
  Value w;
  w.name = fresh_name(graph, "head_weight");
  w.dtype = DType::kFloat32;
  w.shape = weight.shape();
  w.rank_known = true;
  w.constant = weight.clone();
  const ValueId w_id = graph.add_value(std::move(w));
  Value b;
  b.name = fresh_name(graph, "head_bias");
  b.dtype = DType::kFloat32;
  b.shape = bias.shape();
  b.rank_known = true;
  b.constant = bias.clone();
  const ValueId b_id = graph.add_value(std::move(b));

  if (graph.find_value(output_name) != kNoValue) {
    return invalid_argument("attach_linear_head: the backbone already has a value named '" +
                            output_name + "'");
  }
  const ValueId logits = add_computed(softmax ? fresh_name(graph, "head_logits") : output_name,
                                      {kDynamicDim, classes});
  Node gemm;
  gemm.name = fresh_name(graph, "head_fc");
  gemm.op_type = "Gemm";
  gemm.attrs.set("transB", int64_t{1});
  gemm.inputs = {features, w_id, b_id};
  gemm.outputs = {logits};
  graph.nodes.push_back(std::move(gemm));
  ValueId result = logits;
  if (softmax) {
    result = add_computed(output_name, {kDynamicDim, classes});
    Node node;
    node.name = fresh_name(graph, "head_softmax");
    node.op_type = "Softmax";
    node.attrs.set("axis", int64_t{1});
    node.inputs = {logits};
    node.outputs = {result};
    graph.nodes.push_back(std::move(node));
  }
  graph.outputs = {result};
  return graph;
}

}  // namespace fovea::training
