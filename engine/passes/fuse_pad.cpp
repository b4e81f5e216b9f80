#include <cmath>
#include <limits>
#include <optional>

#include "engine/passes/pass_utils.h"
#include "engine/passes/passes.h"

namespace fovea {
namespace {

// The constant Pad's spatial amounts as [begin.., end..] over dims 2.. (the layout of the
// `pads` attribute of Conv and the pools); nullopt when it pads the batch or channel dims, crops,
// or its pads or axes are not constant.
std::optional<std::vector<int64_t>> spatial_pads(const Graph& graph, const Node& pad, size_t rank) {
  const Tensor* pads = passes::constant_of(graph, pad.input(1));
  if (pads == nullptr || rank < 3) return std::nullopt;
  std::vector<int64_t> axes;
  if (pad.has_input(3)) {
    const Tensor* axes_value = passes::constant_of(graph, pad.input(3));
    if (axes_value == nullptr) return std::nullopt;
    for (int64_t i = 0; i < axes_value->element_count(); ++i) {
      int64_t axis = axes_value->int_at(i);
      axes.push_back(axis < 0 ? axis + static_cast<int64_t>(rank) : axis);
    }
  } else {
    for (size_t d = 0; d < rank; ++d) axes.push_back(static_cast<int64_t>(d));
  }
  if (pads->element_count() != 2 * static_cast<int64_t>(axes.size())) return std::nullopt;
  const size_t spatial = rank - 2;
  std::vector<int64_t> result(2 * spatial, 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t begin = pads->int_at(static_cast<int64_t>(i));
    const int64_t end = pads->int_at(static_cast<int64_t>(i + axes.size()));
    if (begin < 0 || end < 0 || axes[i] < 0 || axes[i] >= static_cast<int64_t>(rank)) {
      return std::nullopt;
    }
    if (axes[i] < 2) {
      if (begin != 0 || end != 0) return std::nullopt;
      continue;
    }
    const auto d = static_cast<size_t>(axes[i] - 2);
    result[d] += begin;
    result[d + spatial] += end;
  }
  return result;
}

// The value Pad fills with: 0 when omitted; nullopt when not a constant.
std::optional<double> fill_value(const Graph& graph, const Node& pad) {
  if (!pad.has_input(2)) return 0.0;
  const Tensor* value = passes::constant_of(graph, pad.input(2));
  if (value == nullptr || value->element_count() > 1) return std::nullopt;
  return value->element_count() == 0 ? 0.0 : value->as_double(0);
}

bool all_zero(const std::vector<int64_t>& v) {
  for (int64_t x : v) {
    if (x != 0) return false;
  }
  return true;
}

// Whether `reader` can absorb the padding exactly, given what the Pad fills with.
bool can_absorb(const Node& reader, double fill, const std::vector<int64_t>& total_pads) {
  const std::string auto_pad = reader.attrs.get_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && !auto_pad.empty()) return false;
  if (reader.op_type == "Conv") return fill == 0.0;  // Conv's own padding is zeros
  // Pools: ONNX requires pads smaller than the kernel.
  const std::vector<int64_t> kernel = reader.attrs.get_ints("kernel_shape");
  const std::vector<int64_t> dilations =
      reader.attrs.get_ints("dilations", std::vector<int64_t>(kernel.size(), 1));
  if (kernel.empty() || 2 * kernel.size() != total_pads.size() ||
      dilations.size() != kernel.size()) {
    return false;
  }
  for (size_t d = 0; d < total_pads.size(); ++d) {
    const size_t k = d % kernel.size();
    if (total_pads[d] >= (kernel[k] - 1) * dilations[k] + 1) return false;
  }
  if (reader.op_type == "MaxPool") {
    // Max ignores its own padding; only -inf fill is as neutral.
    return std::isinf(fill) && fill < 0;
  }
  if (reader.op_type == "AveragePool") {
    // Padded zeros count in the divisor, so the pool must count its pads too: fine when it
    // already does or has none. ceil_mode's extra windows are left alone.
    if (fill != 0.0 || reader.attrs.get_int("ceil_mode", 0) != 0) return false;
    return reader.attrs.get_int("count_include_pad", 0) != 0 ||
           all_zero(reader.attrs.get_ints("pads"));
  }
  return false;
}

bool try_fold(Graph& graph, size_t p, std::vector<FusionRecord>* records) {
  const Node& pad = graph.nodes[p];
  if (pad.attrs.get_string("mode", "constant") != "constant") return false;
  const ValueId padded = pad.outputs[0];
  const passes::GraphIndex index(graph);
  const auto reader_index = passes::sole_reader(graph, index, padded);
  if (!reader_index) return false;
  Node& reader = graph.nodes[*reader_index];
  if (reader.op_type != "Conv" && reader.op_type != "AveragePool" && reader.op_type != "MaxPool") {
    return false;
  }
  if (reader.inputs[0] != padded || !passes::only_first_output_used(graph, index, reader)) {
    return false;
  }
  const Value& data = graph.value(pad.inputs[0]);
  if (!data.rank_known || data.dtype != DType::kFloat32) return false;
  const auto fill = fill_value(graph, pad);
  const auto extra = spatial_pads(graph, pad, data.shape.size());
  if (!fill || !extra) return false;
  std::vector<int64_t> pads = reader.attrs.get_ints("pads");
  if (reader.attrs.get_string("auto_pad", "NOTSET") == "VALID") pads.clear();
  if (pads.empty()) pads.assign(extra->size(), 0);
  if (pads.size() != extra->size()) return false;
  for (size_t d = 0; d < pads.size(); ++d) pads[d] += (*extra)[d];
  if (!can_absorb(reader, *fill, pads)) return false;

  reader.attrs.set("pads", pads);
  reader.attrs.erase("auto_pad");
  if (reader.op_type == "AveragePool") reader.attrs.set("count_include_pad", int64_t{1});
  reader.inputs[0] = pad.inputs[0];
  passes::record(records, "fuse_pad", reader.name, {pad.name});
  passes::remove_nodes(graph, {p});
  return true;
}

}  // namespace

bool fuse_pad(Graph& graph, std::vector<FusionRecord>* records) {
  bool changed = false;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (graph.nodes[n].op_type != "Pad") continue;
    if (try_fold(graph, n, records)) {
      changed = true;
      --n;  // the node list shifted down by one
    }
  }
  return changed;
}

}  // namespace fovea
