// Pad: inputs (data, pads, constant_value?, axes?) and attribute mode (the canonical form;
// opset < 11 attributes become constant inputs). pads lists every begin then every end, for
// `axes` (default: all dims); negative pads crop. Modes: constant (fill with constant_value,
// default 0), edge (repeat the border), reflect (mirror without repeating the border), wrap.
// Any dtype.
#include <algorithm>
#include <cstring>

#include "engine/ops/axis_params.h"
#include "engine/ops/shape_values.h"

namespace fovea {
namespace {

// The input coordinate an out-of-range coordinate reads in the non-constant modes
// (size > 0).
int64_t source_coord(PadMode mode, int64_t coord, int64_t size) {
  switch (mode) {
    case PadMode::kEdge: return std::clamp<int64_t>(coord, 0, size - 1);
    case PadMode::kWrap: return ((coord % size) + size) % size;
    case PadMode::kReflect: {
      if (size == 1) return 0;
      const int64_t period = 2 * (size - 1);  // reflection repeats with this period
      int64_t c = ((coord % period) + period) % period;
      return c < size ? c : period - c;
    }
    case PadMode::kConstant: break;
  }
  return coord;
}

Status infer_pad(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  const std::string mode = ctx.node->attrs.get_string("mode", "constant");
  if (!parse_pad_mode(mode)) return ctx.unsupported_error("mode '" + mode + "' is not supported");
  FOVEA_RETURN_IF_ERROR(require_holdable_dtype(ctx, x.dtype));
  if (ctx.inputs[1].dtype != DType::kInt64) {
    return ctx.error(std::string("pads must be int64, got ") + dtype_name(ctx.inputs[1].dtype));
  }
  if (ctx.has_input(2) && ctx.inputs[2].dtype != x.dtype) {
    return ctx.error(std::string("constant_value has dtype ") + dtype_name(ctx.inputs[2].dtype) +
                     ", data has " + dtype_name(x.dtype));
  }
  if (ctx.has_input(3) && !is_index_dtype(ctx.inputs[3].dtype)) {
    return ctx.error(std::string("axes must be int64 or int32, got ") +
                     dtype_name(ctx.inputs[3].dtype));
  }
  if (!x.rank_known) {
    set_output_unknown_rank(ctx, 0, x.dtype);
    return Status::ok();
  }
  const auto pads = known_ints(ctx, 1);
  const auto axes = known_ints(ctx, 3);
  if (!pads || (ctx.has_input(3) && !axes)) {
    ctx.set_output(0, x.dtype, Shape(x.shape.size(), kDynamicDim));
    return Status::ok();
  }
  auto amounts = resolve_pads(*pads, axes, static_cast<int64_t>(x.shape.size()));
  if (!amounts.is_ok()) return ctx.error(amounts.status().message());
  Shape out = x.shape;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] < 0) continue;
    const bool grows = amounts->begin[d] > 0 || amounts->end[d] > 0;
    if (mode != "constant" && grows && out[d] == 0) {
      return ctx.error("mode '" + mode + "' cannot pad dim " + std::to_string(d) + " of size 0");
    }
    out[d] += amounts->begin[d] + amounts->end[d];
    if (out[d] < 0) {
      return ctx.error("pads crop dim " + std::to_string(d) + " of shape " +
                       shape_to_string(x.shape) + " below zero");
    }
  }
  ctx.set_output(0, x.dtype, std::move(out));
  return Status::ok();
}

Status pad_reference(const Node& node, std::span<const Tensor> inputs, std::span<Tensor> outputs) {
  const Tensor& in = inputs[0];
  Tensor& out = outputs[0];
  const std::optional<std::vector<int64_t>> axes =
      inputs.size() > 3 && !inputs[3].empty() ? std::optional(int_values(inputs[3])) : std::nullopt;
  auto amounts = resolve_pads(int_values(inputs[1]), axes, in.rank());
  if (!amounts.is_ok()) return amounts.status().with_context("node '" + node.name + "' (Pad)");
  const PadMode mode =
      parse_pad_mode(node.attrs.get_string("mode", "constant")).value_or(PadMode::kConstant);
  const size_t elem = dtype_size(in.dtype());
  std::vector<char> fill(elem, 0);
  if (inputs.size() > 2 && !inputs[2].empty() && inputs[2].element_count() > 0) {
    std::memcpy(fill.data(), inputs[2].raw_data(), elem);
  }
  const std::vector<int64_t> in_strides = row_major_strides(in.shape());
  const auto rank = static_cast<size_t>(in.rank());
  std::vector<int64_t> index(rank, 0);
  const auto* src = static_cast<const char*>(in.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  // Each output element maps back to input coordinate (index - begin); outside it is the fill.
  for (int64_t i = 0; i < out.element_count(); ++i) {
    bool inside = true;
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t size = in.dim(static_cast<int64_t>(d));
      int64_t coord = index[d] - amounts->begin[d];
      if (mode != PadMode::kConstant && size > 0 && (coord < 0 || coord >= size)) {
        coord = source_coord(mode, coord, size);
      }
      inside &= coord >= 0 && coord < size;
      offset += coord * in_strides[d];
    }
    const char* from = inside ? src + static_cast<size_t>(offset) * elem : fill.data();
    std::memcpy(dst + static_cast<size_t>(i) * elem, from, elem);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < out.dim(static_cast<int64_t>(d))) break;
      index[d] = 0;
    }
  }
  return Status::ok();
}

}  // namespace

const OpSchema& pad_schema() {
  static const OpSchema schema{
      .type = "Pad",
      .since_opset = 1,
      .min_inputs = 2,
      .max_inputs = 4,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"mode", AttrType::kString}},
      .infer = infer_pad,
      .reference = pad_reference,
  };
  return schema;
}

}  // namespace fovea
