// Per-node cost for `fovea summary` and `fovea bench --profile`. MACs follow the usual CNN
// accounting (CS231n, ptflops): a convolution costs (C/group)·k multiply-accumulates per output
// element, a fully-connected layer K per output; normalisation and pooling are counted as one
// per element (or per window tap) so the totals match the published figures to within a few
// tenths of a percent. Parameters are counted as torchvision does.
#include "engine/ops/op_cost.h"

#include <optional>
#include <string>

namespace fovea {
namespace {

std::optional<int64_t> static_count(const Graph& graph, ValueId id) {
  if (id == kNoValue) return std::nullopt;
  const Value& value = graph.value(id);
  if (!value.rank_known) return std::nullopt;
  return element_count(value.shape);
}

// Elements of a constant input, or zero when the input is absent or computed at run time.
int64_t constant_elements(const Graph& graph, const Node& node, size_t input) {
  const ValueId id = node.input(input);
  if (id == kNoValue || !graph.value(id).is_constant()) return 0;
  return graph.value(id).constant.element_count();
}

int64_t output_elements(const Graph& graph, const Node& node) {
  if (node.outputs.empty()) return 0;
  return static_count(graph, node.outputs[0]).value_or(0);
}

// Conv: every output element reads (C/group)·k weights: the weight's elements per output
// channel. ConvTranspose: every input element scatters through (M/group)·k weights.
int64_t conv_macs(const Graph& graph, const Node& node, bool transposed) {
  const ValueId w = node.input(1);
  if (w == kNoValue) return 0;
  const Value& weight = graph.value(w);
  const auto weight_count = static_count(graph, w);
  if (!weight_count || weight.shape.empty() || weight.shape[0] <= 0) return 0;
  const int64_t per_channel = *weight_count / weight.shape[0];
  if (transposed) {
    return static_count(graph, node.input(0)).value_or(0) * per_channel;
  }
  return output_elements(graph, node) * per_channel;
}

// Gemm and MatMul: every output element is a K-long dot product.
int64_t matmul_macs(const Graph& graph, const Node& node, bool gemm) {
  const ValueId a = node.input(0);
  if (a == kNoValue || !graph.value(a).rank_known) return 0;
  const Shape& a_shape = graph.value(a).shape;
  if (a_shape.empty()) return 0;
  int64_t k = a_shape.back();
  if (gemm && node.attrs.get_int("transA", 0) != 0 && a_shape.size() == 2) k = a_shape[0];
  if (k < 0) return 0;
  return output_elements(graph, node) * k;
}

int64_t window_taps(const Node& node) {
  int64_t taps = 1;
  for (int64_t k : node.attrs.get_ints("kernel_shape")) taps *= k;
  return taps;
}

}  // namespace

NodeCost node_cost(const Graph& graph, const Node& node) {
  NodeCost cost;
  const std::string& op = node.op_type;
  if (!node.domain.empty()) return cost;
  if (op == "Conv" || op == "ConvTranspose") {
    cost.macs = conv_macs(graph, node, op == "ConvTranspose");
    cost.params = constant_elements(graph, node, 1) + constant_elements(graph, node, 2);
  } else if (op == "Gemm" || op == "MatMul") {
    cost.macs = matmul_macs(graph, node, op == "Gemm");
    // Whichever operands are constants are the layer's weights (and Gemm's bias C).
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      cost.params += constant_elements(graph, node, i);
    }
  } else if (op == "BatchNormalization") {
    cost.macs = output_elements(graph, node);  // one scale-and-shift per element
    cost.params = constant_elements(graph, node, 1) + constant_elements(graph, node, 2);
    cost.buffers = constant_elements(graph, node, 3) + constant_elements(graph, node, 4);
  } else if (op == "PRelu") {
    cost.params = constant_elements(graph, node, 1);
  } else if (op == "AveragePool" || op == "MaxPool" || op == "LpPool") {
    cost.macs = output_elements(graph, node) * window_taps(node);
  } else if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
    cost.macs = static_count(graph, node.input(0)).value_or(0);
  }
  return cost;
}

}  // namespace fovea
