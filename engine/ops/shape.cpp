// Shape: the input's dims as an int64 vector, sliced by the `start`/`end` attributes (opset 15;
// negative counts from the end, both clamped to [0, rank]). Any input dtype.
#include <algorithm>

#include "engine/ops/shape_values.h"

namespace fovea {
namespace {

struct Slice {
  int64_t start = 0;
  int64_t length = 0;
};

Slice shape_slice(const Node& node, int64_t rank) {
  auto clamp_index = [rank](int64_t i) {
    if (i < 0) i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  const int64_t start = clamp_index(node.attrs.get_int("start", 0));
  const int64_t end = clamp_index(node.attrs.get_int("end", rank));
  return {start, std::max<int64_t>(0, end - start)};
}

Status infer_shape(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  FOVEA_RETURN_IF_ERROR(require_holdable_dtype(ctx, x.dtype));
  if (!x.rank_known) {
    ctx.set_output(0, DType::kInt64, {kDynamicDim});
    return Status::ok();
  }
  const Slice slice = shape_slice(*ctx.node, static_cast<int64_t>(x.shape.size()));
  ctx.set_output(0, DType::kInt64, {slice.length});
  // When the sliced dims are all known the value is too, so shape subgraphs fold before run
  // time even though the input's data is not known.
  const Shape dims(x.shape.begin() + slice.start, x.shape.begin() + slice.start + slice.length);
  if (is_static(dims)) {
    Tensor value(DType::kInt64, {slice.length});
    for (int64_t i = 0; i < slice.length; ++i) value.data<int64_t>()[i] = dims[i];
    if (ctx.known_outputs.empty()) ctx.known_outputs.resize(1);
    ctx.known_outputs[0] = std::move(value);
  }
  return Status::ok();
}

Status shape_reference(const Node& node, std::span<const Tensor> inputs,
                       std::span<Tensor> outputs) {
  const Tensor& in = inputs[0];
  const Slice slice = shape_slice(node, in.rank());
  int64_t* dst = outputs[0].data<int64_t>();
  for (int64_t i = 0; i < slice.length; ++i) dst[i] = in.dim(slice.start + i);
  return Status::ok();
}

}  // namespace

const OpSchema& shape_schema() {
  static const OpSchema schema{
      .type = "Shape",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 1,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"start", AttrType::kInt}, {"end", AttrType::kInt}},
      .infer = infer_shape,
      .reference = shape_reference,
  };
  return schema;
}

}  // namespace fovea
