// Softmax and LogSoftmax along `axis` (default -1). With coerce_2d = 1 (the canonical form of
// opsets < 13) the dims [axis..) are flattened into one and normalised together.
// Numerically stable: the maximum is subtracted before exponentiating.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "engine/ops/op_schema.h"

namespace fovea {
namespace {

constexpr int64_t kDefaultAxis = -1;

Status infer_softmax(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  if (x.dtype != DType::kFloat32) {
    return ctx.unsupported_error(std::string("input dtype ") + dtype_name(x.dtype) +
                                 "; only float32 is supported");
  }
  if (x.rank_known) {
    const int64_t axis = ctx.node->attrs.get_int("axis", kDefaultAxis);
    const auto rank = static_cast<int64_t>(x.shape.size());
    if (!normalize_axis(axis, rank)) {
      return ctx.error("axis " + std::to_string(axis) + " is out of range for input " +
                       shape_to_string(x.shape));
    }
  }
  ctx.set_output(0, DType::kFloat32, x.shape);
  ctx.outputs[0].rank_known = x.rank_known;
  return Status::ok();
}

// Views x as [outer, length, inner] and normalises each of the outer*inner lines of `length`
// elements spaced `inner` apart.
Status softmax_common(const Node& node, std::span<const Tensor> inputs, std::span<Tensor> outputs,
                      bool log) {
  const Tensor& x = inputs[0];
  const int64_t rank = x.rank();
  const auto axis_opt = normalize_axis(node.attrs.get_int("axis", kDefaultAxis), rank);
  if (!axis_opt) return invalid_argument("softmax axis is out of range for " + describe(x));
  const auto axis = static_cast<size_t>(*axis_opt);
  const bool coerce_2d = node.attrs.get_int("coerce_2d", 0) != 0;
  int64_t outer = 1;
  int64_t length = 1;
  int64_t inner = 1;
  for (size_t i = 0; i < x.shape().size(); ++i) {
    if (i < axis) {
      outer *= x.shape()[i];
    } else if (i == axis || coerce_2d) {
      length *= x.shape()[i];
    } else {
      inner *= x.shape()[i];
    }
  }
  const float* src = x.data<float>();
  float* dst = outputs[0].data<float>();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t in = 0; in < inner; ++in) {
      const int64_t base = o * length * inner + in;
      auto at = [&](int64_t i) { return base + i * inner; };
      float max_value = -std::numeric_limits<float>::infinity();
      for (int64_t i = 0; i < length; ++i) max_value = std::max(max_value, src[at(i)]);
      double sum = 0.0;
      for (int64_t i = 0; i < length; ++i) sum += std::exp(src[at(i)] - max_value);
      const auto log_sum = static_cast<float>(std::log(sum));
      for (int64_t i = 0; i < length; ++i) {
        const float shifted = src[at(i)] - max_value;
        dst[at(i)] = log ? shifted - log_sum : static_cast<float>(std::exp(shifted) / sum);
      }
    }
  }
  return Status::ok();
}

Status softmax_reference(const Node& node, std::span<const Tensor> inputs,
                         std::span<Tensor> outputs) {
  return softmax_common(node, inputs, outputs, /*log=*/false);
}

Status log_softmax_reference(const Node& node, std::span<const Tensor> inputs,
                             std::span<Tensor> outputs) {
  return softmax_common(node, inputs, outputs, /*log=*/true);
}

}  // namespace

const OpSchema& softmax_schema() {
  static const OpSchema schema{
      .type = "Softmax",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 1,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"axis", AttrType::kInt}, {"coerce_2d", AttrType::kInt}},
      .infer = infer_softmax,
      .reference = softmax_reference,
  };
  return schema;
}

const OpSchema& log_softmax_schema() {
  static const OpSchema schema{
      .type = "LogSoftmax",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 1,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"axis", AttrType::kInt}, {"coerce_2d", AttrType::kInt}},
      .infer = infer_softmax,
      .reference = log_softmax_reference,
  };
  return schema;
}

}  // namespace fovea
