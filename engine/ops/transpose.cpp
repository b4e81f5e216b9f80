// Transpose: output dim i is input dim perm[i]; perm defaults to reversing the dims. Any dtype.
#include <cstring>

#include "engine/ops/axis_params.h"
#include "engine/ops/shape_values.h"

namespace fovea {
namespace {

Status infer_transpose(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  FOVEA_RETURN_IF_ERROR(require_holdable_dtype(ctx, x.dtype));
  if (!x.rank_known) {
    const auto perm = ctx.node->attrs.get_ints("perm");
    if (ctx.node->attrs.has("perm")) {
      ctx.set_output(0, x.dtype, Shape(perm.size(), kDynamicDim));
    } else {
      set_output_unknown_rank(ctx, 0, x.dtype);
    }
    return Status::ok();
  }
  const std::vector<int64_t> perm = resolve_perm(*ctx.node, x.shape.size());
  if (perm.size() != x.shape.size()) {
    return ctx.error("perm is not a permutation of the input's " + std::to_string(x.shape.size()) +
                     " dims");
  }
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = x.shape[static_cast<size_t>(perm[i])];
  ctx.set_output(0, x.dtype, std::move(out));
  return Status::ok();
}

Status transpose_reference(const Node& node, std::span<const Tensor> inputs,
                           std::span<Tensor> outputs) {
  const Tensor& in = inputs[0];
  Tensor& out = outputs[0];
  const std::vector<int64_t> perm = resolve_perm(node, static_cast<size_t>(in.rank()));
  if (perm.size() != static_cast<size_t>(in.rank())) {
    return invalid_argument("node '" + node.name + "' (Transpose): invalid perm");
  }
  const size_t elem = dtype_size(in.dtype());
  const std::vector<int64_t> in_strides = row_major_strides(in.shape());
  const auto rank = static_cast<size_t>(out.rank());
  // Walk the output in order; out index i along dim d moves the input by in_strides[perm[d]].
  std::vector<int64_t> index(rank, 0);
  const auto* src = static_cast<const char*>(in.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  for (int64_t i = 0; i < out.element_count(); ++i) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d) offset += index[d] * in_strides[static_cast<size_t>(perm[d])];
    std::memcpy(dst + static_cast<size_t>(i) * elem, src + static_cast<size_t>(offset) * elem,
                elem);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < out.dim(static_cast<int64_t>(d))) break;
      index[d] = 0;
    }
  }
  return Status::ok();
}

}  // namespace

const OpSchema& transpose_schema() {
  static const OpSchema schema{
      .type = "Transpose",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 1,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"perm", AttrType::kInts}},
      .infer = infer_transpose,
      .reference = transpose_reference,
  };
  return schema;
}

}  // namespace fovea
