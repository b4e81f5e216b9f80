// Reshape: inputs (data, shape int64), attribute allowzero. In the target shape, 0 copies the
// input's dim at that position (unless allowzero = 1, when it means a zero-size dim) and one -1
// is inferred from the element count. Any dtype; the data is copied unchanged.
#include <cstring>

#include "engine/ops/shape_values.h"

namespace fovea {
namespace {

Status infer_reshape(InferContext& ctx) {
  const ValueInfo& data = ctx.inputs[0];
  FOVEA_RETURN_IF_ERROR(require_holdable_dtype(ctx, data.dtype));
  if (ctx.inputs[1].dtype != DType::kInt64) {
    return ctx.error(std::string("shape input must be int64, got ") +
                     dtype_name(ctx.inputs[1].dtype));
  }
  const auto target = known_ints(ctx, 1);
  if (!target) {
    // The target arrives at run time: the rank is its length, the dims are unknown.
    const auto length = known_length(ctx, 1);
    if (!length) {
      set_output_unknown_rank(ctx, 0, data.dtype);
    } else {
      ctx.set_output(0, data.dtype, Shape(static_cast<size_t>(*length), kDynamicDim));
    }
    return Status::ok();
  }
  const bool allow_zero = ctx.node->attrs.get_int("allowzero", 0) != 0;
  Shape out(target->size());
  int64_t infer_at = -1;
  bool has_zero = false;
  for (size_t i = 0; i < target->size(); ++i) {
    const int64_t dim = (*target)[i];
    if (dim == -1) {
      if (infer_at >= 0) {
        // The requested values as written: shape_to_string would print -1 as "N" or "?".
        std::string values;
        for (int64_t v : *target) values += (values.empty() ? "" : ",") + std::to_string(v);
        return ctx.error("shape [" + values + "] has more than one -1");
      }
      infer_at = static_cast<int64_t>(i);
      out[i] = kDynamicDim;
    } else if (dim < -1) {
      return ctx.error("shape has invalid dim " + std::to_string(dim));
    } else if (dim == 0 && !allow_zero) {
      if (!data.rank_known) {
        out[i] = kDynamicDim;
      } else if (i >= data.shape.size()) {
        return ctx.error("shape dim " + std::to_string(i) +
                         " is 0 (copy the input's dim) but "
                         "the input " +
                         shape_to_string(data.shape) + " has no such dim");
      } else {
        out[i] = data.shape[i];
      }
    } else {
      has_zero |= dim == 0;
      out[i] = dim;
    }
  }
  if (allow_zero && has_zero && infer_at >= 0) {
    return ctx.error("shape has both 0 and -1 with allowzero = 1");
  }
  std::optional<int64_t> in_count;
  if (data.rank_known) in_count = element_count(data.shape);
  if (infer_at >= 0 && data.rank_known) {
    // Dims copied by 0 are the same factor on both sides, so they cancel even when dynamic
    // ([N,12] to [0,-1,2] gives [N,6,2]); the -1 is known when what remains is.
    Shape in_rest;
    Shape out_rest;
    for (size_t i = 0; i < data.shape.size(); ++i) {
      const bool copied = i < target->size() && (*target)[i] == 0 && !allow_zero;
      if (!copied) in_rest.push_back(data.shape[i]);
    }
    for (size_t i = 0; i < out.size(); ++i) {
      const bool copied = (*target)[i] == 0 && !allow_zero;
      if (!copied && static_cast<int64_t>(i) != infer_at) out_rest.push_back(out[i]);
    }
    const auto rest_in = element_count(in_rest);
    const auto rest_out = element_count(out_rest);
    if (rest_in && rest_out) {
      if (*rest_out == 0 || *rest_in % *rest_out != 0) {
        return ctx.error("cannot reshape " + shape_to_string(data.shape) + " to " +
                         shape_to_string(*target));
      }
      out[static_cast<size_t>(infer_at)] = *rest_in / *rest_out;
    }
  } else if (in_count && infer_at < 0) {
    const auto out_count = element_count(out);
    if (out_count && *out_count != *in_count) {
      return ctx.error("cannot reshape " + shape_to_string(data.shape) + " (" +
                       std::to_string(*in_count) + " elements) to " + shape_to_string(out));
    }
  }
  ctx.set_output(0, data.dtype, std::move(out));
  return Status::ok();
}

Status reshape_reference(const Node& node, std::span<const Tensor> inputs,
                         std::span<Tensor> outputs) {
  if (inputs[0].byte_size() != outputs[0].byte_size()) {
    return internal_error("node '" + node.name + "' (Reshape): output size differs from input");
  }
  if (inputs[0].byte_size() > 0) {
    std::memcpy(outputs[0].raw_data(), inputs[0].raw_data(), inputs[0].byte_size());
  }
  return Status::ok();
}

}  // namespace

const OpSchema& reshape_schema() {
  static const OpSchema schema{
      .type = "Reshape",
      .since_opset = 5,  // the target shape became an input
      .min_inputs = 2,
      .max_inputs = 2,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"allowzero", AttrType::kInt}},
      .infer = infer_reshape,
      .reference = reshape_reference,
  };
  return schema;
}

}  // namespace fovea
