#include "engine/passes/pass_utils.h"
#include "engine/passes/passes.h"

namespace fovea {
namespace {

// A constant bias that broadcasts to [rows, cols] the way Gemm's C does, without making the
// Add's result larger than the MatMul's: rank <= 2, each dim 1 or equal to the target's.
bool is_gemm_bias(const Tensor* bias, const Shape& y) {
  if (bias == nullptr || bias->dtype() != DType::kFloat32 || bias->rank() > 2) return false;
  for (int64_t i = 0; i < bias->rank(); ++i) {
    const int64_t dim = bias->dim(bias->rank() - 1 - i);
    if (dim != 1 && dim != y[static_cast<size_t>(1 - i)]) return false;
  }
  return true;
}

bool try_fuse(Graph& graph, size_t a, std::vector<FusionRecord>* records) {
  const passes::GraphIndex index(graph);
  const Node& add = graph.nodes[a];
  for (size_t side = 0; side < 2; ++side) {
    const ValueId product = add.inputs[side];
    const ValueId bias = add.inputs[1 - side];
    if (passes::sole_reader(graph, index, product) != a) continue;
    Node& matmul = graph.nodes[static_cast<size_t>(index.producer(product))];
    if (matmul.op_type != "MatMul" || passes::has_fused_activation(matmul)) continue;
    const Value& lhs = graph.value(matmul.inputs[0]);
    const Value& rhs = graph.value(matmul.inputs[1]);
    const Value& y = graph.value(product);
    if (!lhs.rank_known || !rhs.rank_known || lhs.shape.size() != 2 || rhs.shape.size() != 2) {
      continue;
    }
    if (!is_gemm_bias(passes::constant_of(graph, bias), y.shape)) continue;
    // Gemm computes 1 * (A B) + 1 * C: the same float operations as MatMul then Add.
    const std::string add_name = add.name;
    matmul.op_type = "Gemm";
    matmul.inputs.push_back(bias);
    matmul.outputs[0] = add.outputs[0];
    passes::record(records, "fuse_matmul_add", matmul.name, {add_name});
    passes::remove_nodes(graph, {a});
    return true;
  }
  return false;
}

}  // namespace

bool fuse_matmul_add(Graph& graph, std::vector<FusionRecord>* records) {
  bool changed = false;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (graph.nodes[n].op_type != "Add" || graph.nodes[n].inputs.size() != 2) continue;
    if (try_fuse(graph, n, records)) {
      changed = true;
      --n;  // the node list shifted down by one
    }
  }
  return changed;
}

}  // namespace fovea
