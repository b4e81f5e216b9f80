// BatchNormalization: y = scale * (x - mean) / sqrt(var + epsilon) + B per channel of
// x [N,C,D1..]. spatial = 0 (opsets < 9) gives scale/B/mean/var per-activation shapes
// [C,D1,..] broadcast over the batch. training_mode = 1 (opset >= 14) normalises with the
// batch's own statistics (biased variance) and outputs the updated running statistics
//   running = input_running * momentum + batch_statistic * (1 - momentum).
#include <cmath>
#include <string>
#include <vector>

#include "engine/ops/op_schema.h"

namespace fovea {
namespace {

constexpr float kDefaultEpsilon = 1e-5f;
constexpr float kDefaultMomentum = 0.9f;
constexpr size_t kParamInputs = 4;  // scale, B, mean, var

Status infer_batch_norm(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    if (ctx.has_input(i) && ctx.inputs[i].dtype != DType::kFloat32) {
      return ctx.unsupported_error(std::string("input ") + std::to_string(i) + " has dtype " +
                                   dtype_name(ctx.inputs[i].dtype) + "; only float32 is supported");
    }
  }
  const bool training = ctx.node->attrs.get_int("training_mode", 0) != 0;
  const bool per_activation = ctx.node->attrs.get_int("spatial", 1) == 0;
  const auto& outputs = ctx.node->outputs;
  if (outputs.size() > 3 && (outputs[3] != kNoValue || outputs.back() != kNoValue)) {
    return ctx.unsupported_error(
        "the saved_mean/saved_var outputs of old training-mode "
        "BatchNormalization are not supported");
  }
  if (x.rank_known && x.shape.size() < 2) {
    return ctx.error("input shape " + shape_to_string(x.shape) + " needs rank >= 2 [N,C,...]");
  }
  if (x.rank_known) {
    // Expected parameter shape: [C], or [C,D1,..] for spatial = 0.
    Shape expected = per_activation ? Shape(x.shape.begin() + 1, x.shape.end()) : Shape{x.shape[1]};
    for (size_t i = 1; i <= kParamInputs; ++i) {
      const ValueInfo& p = ctx.inputs[i];
      if (!p.rank_known || !is_static(expected)) continue;
      const bool per_channel_ok = p.shape == Shape{x.shape[1]};
      if (p.shape != expected && !per_channel_ok) {
        return ctx.error("input " + std::to_string(i) + " has shape " + shape_to_string(p.shape) +
                         ", expected " + shape_to_string(expected) + " for input " +
                         shape_to_string(x.shape));
      }
    }
  }
  ctx.set_output(0, DType::kFloat32, x.shape);
  ctx.outputs[0].rank_known = x.rank_known;
  for (size_t i = 1; i < ctx.node->outputs.size(); ++i) {
    if (ctx.node->outputs[i] == kNoValue) continue;
    if (!training) {
      return ctx.unsupported_error("running_mean/running_var outputs need training_mode = 1");
    }
    const ValueInfo& running = ctx.inputs[i + 2];  // mean → output 1, var → output 2
    ctx.set_output(i, DType::kFloat32, running.shape);
    ctx.outputs[i].rank_known = running.rank_known;
  }
  return Status::ok();
}

Status batch_norm_reference(const Node& node, std::span<const Tensor> inputs,
                            std::span<Tensor> outputs) {
  const Tensor& x = inputs[0];
  if (x.element_count() == 0) return Status::ok();  // nothing to normalise or average
  const float* scale = inputs[1].data<float>();
  const float* bias = inputs[2].data<float>();
  const float* input_mean = inputs[3].data<float>();
  const float* input_var = inputs[4].data<float>();
  const float epsilon = node.attrs.get_float("epsilon", kDefaultEpsilon);
  const float momentum = node.attrs.get_float("momentum", kDefaultMomentum);
  const bool training = node.attrs.get_int("training_mode", 0) != 0;
  const int64_t batch = x.dim(0);
  const int64_t channels = x.dim(1);
  const int64_t spatial = x.element_count() / (batch * channels);
  // Parameters are indexed per channel, or per activation (channel and spatial position).
  const bool per_activation = inputs[1].element_count() != channels;
  const int64_t params = per_activation ? channels * spatial : channels;
  auto param_index = [&](int64_t c, int64_t s) { return per_activation ? c * spatial + s : c; };

  std::vector<float> mean(input_mean, input_mean + params);
  std::vector<float> var(input_var, input_var + params);
  if (training) {
    // Batch statistics over every axis but the channel (and, per activation, the position).
    std::vector<double> sum(static_cast<size_t>(params), 0.0);
    std::vector<double> square_sum(static_cast<size_t>(params), 0.0);
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t c = 0; c < channels; ++c) {
        for (int64_t s = 0; s < spatial; ++s) {
          const double v = x.data<float>()[(n * channels + c) * spatial + s];
          sum[static_cast<size_t>(param_index(c, s))] += v;
          square_sum[static_cast<size_t>(param_index(c, s))] += v * v;
        }
      }
    }
    const double count = static_cast<double>(x.element_count() / params);
    for (size_t p = 0; p < static_cast<size_t>(params); ++p) {
      const double batch_mean = sum[p] / count;
      mean[p] = static_cast<float>(batch_mean);
      var[p] = static_cast<float>(square_sum[p] / count - batch_mean * batch_mean);
    }
    for (size_t out = 1; out < outputs.size() && out < 3; ++out) {
      if (outputs[out].empty()) continue;
      const float* running = out == 1 ? input_mean : input_var;
      const std::vector<float>& current = out == 1 ? mean : var;
      for (size_t p = 0; p < static_cast<size_t>(params); ++p) {
        outputs[out].data<float>()[p] = running[p] * momentum + current[p] * (1.0f - momentum);
      }
    }
  }
  float* dst = outputs[0].data<float>();
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t s = 0; s < spatial; ++s) {
        const auto p = static_cast<size_t>(param_index(c, s));
        const int64_t at = (n * channels + c) * spatial + s;
        dst[at] =
            scale[p] * (x.data<float>()[at] - mean[p]) / std::sqrt(var[p] + epsilon) + bias[p];
      }
    }
  }
  return Status::ok();
}

}  // namespace

const OpSchema& batch_norm_schema() {
  static const OpSchema schema{
      .type = "BatchNormalization",
      .since_opset = 1,
      .min_inputs = 5,
      .max_inputs = 5,
      .min_outputs = 1,
      .max_outputs = 5,
      .attributes = {{"epsilon", AttrType::kFloat},
                     {"momentum", AttrType::kFloat},
                     {"training_mode", AttrType::kInt},
                     {"spatial", AttrType::kInt}},
      .infer = infer_batch_norm,
      .reference = batch_norm_reference,
  };
  return schema;
}

}  // namespace fovea
