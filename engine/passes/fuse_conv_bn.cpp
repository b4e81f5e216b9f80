#include <algorithm>
#include <vector>

#include "engine/passes/batch_norm_params.h"
#include "engine/passes/passes.h"

namespace fovea {
namespace {

// Scales each weight by its output channel's multiplier. Conv W is [M, C/group, k..]: one
// contiguous block per output channel. ConvTranspose W is [C, M/group, k..]: element (c, j, ..)
// belongs to output channel (c / (C/group)) * (M/group) + j. Walked block by block (not element
// by element with the channel recomputed): ResNet-50 has 25M weights, and this runs at load.
Tensor scale_by_output_channel(const Node& conv, const Tensor& w,
                               const std::vector<double>& multiplier) {
  int64_t kernel = 1;
  for (int64_t d = 2; d < w.rank(); ++d) kernel *= w.dim(d);
  Tensor scaled(DType::kFloat32, w.shape());
  const float* src = w.data<float>();
  float* dst = scaled.data<float>();
  auto scale_block = [&](int64_t first, int64_t count, size_t channel) {
    const double m = multiplier[channel];
    for (int64_t i = first; i < first + count; ++i) {
      dst[i] = static_cast<float>(static_cast<double>(src[i]) * m);
    }
  };
  if (conv.op_type == "Conv") {
    const int64_t block = w.dim(1) * kernel;
    for (int64_t m = 0; m < w.dim(0); ++m) scale_block(m * block, block, static_cast<size_t>(m));
    return scaled;
  }
  const int64_t group = conv.attrs.get_int("group", 1);
  const int64_t in_per_group = w.dim(0) / group;
  for (int64_t c = 0; c < w.dim(0); ++c) {
    for (int64_t j = 0; j < w.dim(1); ++j) {
      const int64_t m = (c / in_per_group) * w.dim(1) + j;
      scale_block((c * w.dim(1) + j) * kernel, kernel, static_cast<size_t>(m));
    }
  }
  return scaled;
}

int64_t output_channels(const Node& conv, const Tensor& w) {
  return conv.op_type == "Conv" ? w.dim(0) : w.dim(1) * conv.attrs.get_int("group", 1);
}

// Folds BN node `b` into the Conv/ConvTranspose writing its input; false when it may not.
bool try_fold(Graph& graph, size_t b, std::vector<FusionRecord>* records) {
  const passes::GraphIndex index(graph);
  const Node& bn = graph.nodes[b];
  const ValueId x = bn.input(0);
  if (x == kNoValue || passes::sole_reader(graph, index, x) != b) return false;
  const int64_t producer = index.producer(x);
  Node& conv = graph.nodes[static_cast<size_t>(producer)];
  if (conv.op_type != "Conv" && conv.op_type != "ConvTranspose") return false;
  if (passes::has_fused_activation(conv) || conv.has_input(3)) return false;
  const Tensor* w = passes::constant_of(graph, conv.input(1));
  const Tensor* bias = passes::constant_of(graph, conv.input(2));
  if (w == nullptr || w->dtype() != DType::kFloat32 || w->rank() < 3) return false;
  if (conv.has_input(2) && bias == nullptr) return false;
  const auto affine = passes::constant_batch_norm(graph, index, bn);
  const int64_t channels = output_channels(conv, *w);
  if (!affine || static_cast<int64_t>(affine->channels()) != channels) return false;
  if (bias != nullptr && bias->element_count() != channels) return false;

  Tensor folded_w = scale_by_output_channel(conv, *w, affine->multiplier);
  Tensor folded_b(DType::kFloat32, {channels});
  for (int64_t m = 0; m < channels; ++m) {
    const double b0 = bias != nullptr ? bias->data<float>()[m] : 0.0;
    const auto c = static_cast<size_t>(m);
    folded_b.data<float>()[m] = static_cast<float>(b0 * affine->multiplier[c] + affine->shift[c]);
  }
  const std::string bn_name = bn.name;
  const ValueId bn_output = bn.outputs[0];
  conv.inputs[1] = graph.add_constant(conv.name + "_W_bn", std::move(folded_w));
  conv.inputs.resize(std::max<size_t>(conv.inputs.size(), 3));
  conv.inputs[2] = graph.add_constant(conv.name + "_B_bn", std::move(folded_b));
  conv.outputs[0] = bn_output;
  passes::record(records, "fuse_conv_bn", conv.name, {bn_name});
  passes::remove_nodes(graph, {b});
  return true;
}

}  // namespace

bool fuse_conv_bn(Graph& graph, std::vector<FusionRecord>* records) {
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
