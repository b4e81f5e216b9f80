#include <algorithm>

#include "engine/passes/batch_norm_params.h"
#include "engine/passes/passes.h"

namespace fovea {
namespace {

// BN over Gemm's output features j: y_ij = m_j * (alpha * (A B')_ij + beta * C_ij) + s_j
//   = alpha * (A (B' m))_ij + (m_j * beta * C_ij + s_j), so column j of B' scales by m_j and
// the new C (beta 1) is m_j * beta * C_ij + s_j, kept a vector [N] unless C varies by row.
bool try_fold(Graph& graph, size_t b, std::vector<FusionRecord>* records) {
  const passes::GraphIndex index(graph);
  const Node& bn = graph.nodes[b];
  const ValueId y = bn.input(0);
  if (y == kNoValue || passes::sole_reader(graph, index, y) != b) return false;
  Node& gemm = graph.nodes[static_cast<size_t>(index.producer(y))];
  if (gemm.op_type != "Gemm" || passes::has_fused_activation(gemm)) return false;
  const Tensor* weights = passes::constant_of(graph, gemm.input(1));
  const Tensor* c = passes::constant_of(graph, gemm.input(2));
  if (weights == nullptr || weights->dtype() != DType::kFloat32 || weights->rank() != 2) {
    return false;
  }
  if (gemm.has_input(2) && (c == nullptr || c->dtype() != DType::kFloat32 || c->rank() > 2)) {
    return false;
  }
  const Shape& out_shape = graph.value(y).shape;
  if (!graph.value(y).rank_known || out_shape.size() != 2 || out_shape[0] < 0) return false;
  const auto affine = passes::constant_batch_norm(graph, index, bn);
  const int64_t rows = out_shape[0];
  const int64_t features = out_shape[1];
  if (!affine || static_cast<int64_t>(affine->channels()) != features) return false;

  const bool trans_b = gemm.attrs.get_int("transB", 0) != 0;
  const int64_t depth = weights->dim(trans_b ? 1 : 0);
  Tensor folded_w(DType::kFloat32, weights->shape());
  for (int64_t k = 0; k < depth; ++k) {
    for (int64_t j = 0; j < features; ++j) {
      const int64_t at = trans_b ? j * depth + k : k * features + j;
      folded_w.data<float>()[at] = static_cast<float>(weights->data<float>()[at] *
                                                      affine->multiplier[static_cast<size_t>(j)]);
    }
  }
  // C's value at (i, j) under Gemm's unidirectional broadcast.
  const int64_t c_rows = c != nullptr && c->rank() == 2 ? c->dim(0) : 1;
  const int64_t c_cols = c != nullptr && c->rank() >= 1 ? c->dim(c->rank() - 1) : 1;
  auto c_at = [&](int64_t i, int64_t j) -> double {
    if (c == nullptr) return 0.0;
    return c->data<float>()[(c_rows == 1 ? 0 : i) * c_cols + (c_cols == 1 ? 0 : j)];
  };
  const double beta = gemm.attrs.get_float("beta", 1.0f);
  const int64_t new_rows = c_rows == 1 ? 1 : rows;
  Tensor folded_c(DType::kFloat32, c_rows == 1 ? Shape{features} : Shape{rows, features});
  for (int64_t i = 0; i < new_rows; ++i) {
    for (int64_t j = 0; j < features; ++j) {
      const auto f = static_cast<size_t>(j);
      folded_c.data<float>()[i * features + j] =
          static_cast<float>(affine->multiplier[f] * beta * c_at(i, j) + affine->shift[f]);
    }
  }
  const std::string bn_name = bn.name;
  gemm.outputs[0] = bn.outputs[0];
  gemm.inputs[1] = graph.add_constant(gemm.name + "_B_bn", std::move(folded_w));
  gemm.inputs.resize(std::max<size_t>(gemm.inputs.size(), 3));
  gemm.inputs[2] = graph.add_constant(gemm.name + "_C_bn", std::move(folded_c));
  gemm.attrs.set("beta", 1.0f);
  passes::record(records, "fuse_gemm_bn", gemm.name, {bn_name});
  passes::remove_nodes(graph, {b});
  return true;
}

}  // namespace

bool fuse_gemm_bn(Graph& graph, std::vector<FusionRecord>* records) {
  bool changed = false;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (graph.nodes[n].op_type != "BatchNormalization") continue;
    if (try_fold(graph, n, records)) {
      changed = true;
      --n;  // the node list shifted down by one
    }
  }
  return changed;
}

}  // namespace fovea
