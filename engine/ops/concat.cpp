// Concat: joins inputs along `axis` (negative counts from the end). Any dtype; all inputs share
// dtype and rank, and every dim except `axis` must match.
#include <cstring>

#include "engine/ops/shape_values.h"

namespace fovea {
namespace {

constexpr int kMaxConcatInputs = 1 << 16;

Status infer_concat(InferContext& ctx) {
  const DType dtype = ctx.inputs[0].dtype;
  FOVEA_RETURN_IF_ERROR(require_holdable_dtype(ctx, dtype));
  const ValueInfo* ranked = nullptr;
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    const ValueInfo& in = ctx.inputs[i];
    if (in.dtype != dtype) {
      return ctx.error("input " + std::to_string(i) + " has dtype " + dtype_name(in.dtype) +
                       ", input 0 has " + dtype_name(dtype));
    }
    if (in.rank_known && ranked == nullptr) ranked = &in;
  }
  if (ranked == nullptr) {
    set_output_unknown_rank(ctx, 0, dtype);
    return Status::ok();
  }
  const auto rank = static_cast<int64_t>(ranked->shape.size());
  const auto axis = normalize_axis(ctx.node->attrs.get_int("axis", 0), rank);
  if (!axis) {
    return ctx.error("axis " + std::to_string(ctx.node->attrs.get_int("axis", 0)) +
                     " is out of range for rank " + std::to_string(rank));
  }
  Shape out = ranked->shape;
  out[*axis] = 0;
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    const ValueInfo& in = ctx.inputs[i];
    if (!in.rank_known) {
      out[*axis] = kDynamicDim;
      continue;
    }
    if (static_cast<int64_t>(in.shape.size()) != rank) {
      return ctx.error("input " + std::to_string(i) + " has shape " + shape_to_string(in.shape) +
                       ", rank differs from " + shape_to_string(ranked->shape));
    }
    for (int64_t d = 0; d < rank; ++d) {
      const int64_t dim = in.shape[d];
      if (d == *axis) {
        out[d] = (out[d] < 0 || dim < 0) ? kDynamicDim : out[d] + dim;
      } else if (out[d] < 0) {
        out[d] = dim;  // a known dim (or still dynamic) settles it
      } else if (dim >= 0 && dim != out[d]) {
        return ctx.error("input " + std::to_string(i) + " has shape " + shape_to_string(in.shape) +
                         ", dim " + std::to_string(d) + " differs from " + std::to_string(out[d]));
      }
    }
  }
  ctx.set_output(0, dtype, std::move(out));
  return Status::ok();
}

Status concat_reference(const Node& node, std::span<const Tensor> inputs,
                        std::span<Tensor> outputs) {
  Tensor& out = outputs[0];
  const int64_t axis = *normalize_axis(node.attrs.get_int("axis", 0), out.rank());
  const size_t elem = dtype_size(out.dtype());
  const int64_t outer = dims_product(out.shape(), 0, static_cast<size_t>(axis));
  auto* dst = static_cast<char*>(out.raw_data());
  // Each outer slice of the output is the inputs' outer slices one after another.
  for (int64_t o = 0; o < outer; ++o) {
    for (const Tensor& in : inputs) {
      const int64_t chunk = in.element_count() / (outer == 0 ? 1 : outer);
      const size_t bytes = static_cast<size_t>(chunk) * elem;
      if (bytes == 0) continue;
      std::memcpy(dst, static_cast<const char*>(in.raw_data()) + o * bytes, bytes);
      dst += bytes;
    }
  }
  return Status::ok();
}

}  // namespace

const OpSchema& concat_schema() {
  static const OpSchema schema{
      .type = "Concat",
      .since_opset = 4,  // `axis` became required
      .min_inputs = 1,
      .max_inputs = kMaxConcatInputs,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"axis", AttrType::kInt}},
      .infer = infer_concat,
      .reference = concat_reference,
  };
  return schema;
}

}  // namespace fovea
