#include <algorithm>

#include "engine/passes/batch_norm_params.h"
#include "engine/passes/passes.h"

namespace fovea {
namespace {

// Output channel of each weight element: Conv W is [M, C/group, k..]; ConvTranspose W is
// [C, M/group, k..] with output channel (c / (C/group)) * (M/group) + j.
int64_t output_channel(const Node& conv, const Tensor& w, int64_t element) {
  int64_t kernel = 1;
  for (int64_t d = 2; d < w.rank(); ++d) kernel *= w.dim(d);
  if (conv.op_type == "Conv") return element / (w.dim(1) * kernel);
  const int64_t group = conv.attrs.get_int("group", 1);
  const int64_t in_channel = element / (w.dim(1) * kernel);
  const int64_t j = (element / kernel) % w.dim(1);
  return (in_channel / (w.dim(0) / group)) * w.dim(1) + j;
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

  Tensor folded_w(DType::kFloat32, w->shape());
  for (int64_t i = 0; i < w->element_count(); ++i) {
    const auto m = static_cast<size_t>(output_channel(conv, *w, i));
    folded_w.data<float>()[i] =
        static_cast<float>(static_cast<double>(w->data<float>()[i]) * affine->multiplier[m]);
  }
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
