// ReduceMean: inputs (data, axes?) with axes int64 (the canonical form; opset < 18 attributes
// become a constant input); attributes keepdims (default 1) and noop_with_empty_axes (default 0:
// no axes means every axis; 1: no axes means the output is the input). float32 only.
#include <algorithm>

#include "engine/ops/axis_params.h"
#include "engine/ops/shape_values.h"

namespace fovea {
namespace {

Shape reduced_shape(const Shape& in, const std::vector<bool>& reduced, bool keepdims) {
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!reduced[d]) {
      out.push_back(in[d]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  return out;
}

Status infer_reduce_mean(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  if (x.dtype != DType::kFloat32) {
    return ctx.unsupported_error(std::string("dtype ") + dtype_name(x.dtype) +
                                 " is not supported (float32 only)");
  }
  if (ctx.has_input(1) && ctx.inputs[1].dtype != DType::kInt64) {
    return ctx.error(std::string("axes must be int64, got ") + dtype_name(ctx.inputs[1].dtype));
  }
  const bool keepdims = ctx.node->attrs.get_int("keepdims", 1) != 0;
  const auto axes = ctx.has_input(1) ? known_ints(ctx, 1) : std::vector<int64_t>{};
  if (!x.rank_known || !axes) {
    // How many axes are reduced, where known (-1 where not).
    const int64_t length = ctx.has_input(1) ? known_length(ctx, 1).value_or(-1) : -1;
    if (x.rank_known && keepdims) {
      ctx.set_output(0, x.dtype, Shape(x.shape.size(), kDynamicDim));
    } else if (x.rank_known && length > 0 && length <= static_cast<int64_t>(x.shape.size())) {
      ctx.set_output(0, x.dtype, Shape(x.shape.size() - static_cast<size_t>(length), kDynamicDim));
    } else {
      set_output_unknown_rank(ctx, 0, x.dtype);
    }
    return Status::ok();
  }
  auto reduced = reduced_dims(*ctx.node, *axes, static_cast<int64_t>(x.shape.size()));
  if (!reduced.is_ok()) return ctx.error(reduced.status().message());
  ctx.set_output(0, x.dtype, reduced_shape(x.shape, *reduced, keepdims));
  return Status::ok();
}

Status reduce_mean_reference(const Node& node, std::span<const Tensor> inputs,
                             std::span<Tensor> outputs) {
  const Tensor& in = inputs[0];
  const std::vector<int64_t> axes =
      inputs.size() > 1 && !inputs[1].empty() ? int_values(inputs[1]) : std::vector<int64_t>{};
  auto reduced_or = reduced_dims(node, axes, in.rank());
  if (!reduced_or.is_ok()) {
    return reduced_or.status().with_context("node '" + node.name + "' (ReduceMean)");
  }
  const std::vector<bool>& reduced = *reduced_or;
  // Each input element adds into the output element with its reduced coordinates set to 0:
  // strides of the keepdims-shaped output, zeroed on reduced dims.
  const Shape kept = reduced_shape(in.shape(), reduced, /*keepdims=*/true);
  std::vector<int64_t> out_strides = row_major_strides(kept);
  int64_t count = 1;
  for (size_t d = 0; d < reduced.size(); ++d) {
    if (reduced[d]) {
      out_strides[d] = 0;
      count *= in.dim(static_cast<int64_t>(d));
    }
  }
  std::vector<double> sums(static_cast<size_t>(outputs[0].element_count()), 0.0);
  std::vector<int64_t> index(reduced.size(), 0);
  const float* src = in.data<float>();
  for (int64_t i = 0; i < in.element_count(); ++i) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d) offset += index[d] * out_strides[d];
    sums[static_cast<size_t>(offset)] += src[i];
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < in.dim(static_cast<int64_t>(d))) break;
      index[d] = 0;
    }
  }
  float* dst = outputs[0].data<float>();
  for (size_t i = 0; i < sums.size(); ++i) {
    dst[i] = static_cast<float>(sums[i] / static_cast<double>(count));
  }
  return Status::ok();
}

}  // namespace

const OpSchema& reduce_mean_schema() {
  static const OpSchema schema{
      .type = "ReduceMean",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 2,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"keepdims", AttrType::kInt}, {"noop_with_empty_axes", AttrType::kInt}},
      .infer = infer_reduce_mean,
      .reference = reduce_mean_reference,
  };
  return schema;
}

}  // namespace fovea
