// LRN: local response normalization across channels (AlexNet, GoogLeNet):
//   y[n,c,...] = x[n,c,...] / (bias + alpha / size * sum_{c' in window(c)} x[n,c',...]^2)^beta
// with window(c) = [c - floor((size-1)/2), c + ceil((size-1)/2)] clipped to the channels.
#include <algorithm>
#include <cmath>
#include <string>

#include "engine/ops/op_schema.h"

namespace fovea {
namespace {

constexpr float kDefaultAlpha = 1e-4f;
constexpr float kDefaultBeta = 0.75f;
constexpr float kDefaultBias = 1.0f;

Status infer_lrn(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  if (x.dtype != DType::kFloat32) {
    return ctx.unsupported_error(std::string("input dtype ") + dtype_name(x.dtype) +
                                 "; only float32 is supported");
  }
  if (!ctx.node->attrs.has("size") || ctx.node->attrs.get_int("size", 0) < 1) {
    return ctx.error("attribute size is required and must be >= 1");
  }
  if (x.rank_known && x.shape.size() < 3) {
    return ctx.error("input shape " + shape_to_string(x.shape) + " needs rank >= 3 [N,C,D1,...]");
  }
  ctx.set_output(0, DType::kFloat32, x.shape);
  ctx.outputs[0].rank_known = x.rank_known;
  return Status::ok();
}

Status lrn_reference(const Node& node, std::span<const Tensor> inputs, std::span<Tensor> outputs) {
  const Tensor& x = inputs[0];
  if (x.element_count() == 0) return Status::ok();
  const int64_t size = node.attrs.get_int("size", 1);
  const float alpha = node.attrs.get_float("alpha", kDefaultAlpha);
  const float beta = node.attrs.get_float("beta", kDefaultBeta);
  const float bias = node.attrs.get_float("bias", kDefaultBias);
  const int64_t batch = x.dim(0);
  const int64_t channels = x.dim(1);
  const int64_t spatial = x.element_count() / (batch * channels);
  const int64_t before = (size - 1) / 2;    // floor((size-1)/2)
  const int64_t after = size - 1 - before;  // ceil((size-1)/2)
  const float* src = x.data<float>();
  float* dst = outputs[0].data<float>();
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t first = std::max<int64_t>(0, c - before);
      const int64_t last = std::min<int64_t>(channels - 1, c + after);
      for (int64_t s = 0; s < spatial; ++s) {
        float square_sum = 0.0f;
        for (int64_t k = first; k <= last; ++k) {
          const float v = src[(n * channels + k) * spatial + s];
          square_sum += v * v;
        }
        const int64_t at = (n * channels + c) * spatial + s;
        dst[at] = src[at] / std::pow(bias + alpha / static_cast<float>(size) * square_sum, beta);
      }
    }
  }
  return Status::ok();
}

}  // namespace

const OpSchema& lrn_schema() {
  static const OpSchema schema{
      .type = "LRN",
      .since_opset = 1,
      .min_inputs = 1,
      .max_inputs = 1,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"alpha", AttrType::kFloat},
                     {"beta", AttrType::kFloat},
                     {"bias", AttrType::kFloat},
                     {"size", AttrType::kInt}},
      .infer = infer_lrn,
      .reference = lrn_reference,
  };
  return schema;
}

}  // namespace fovea
