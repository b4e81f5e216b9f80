// Pointwise float32 activations: Relu, LeakyRelu, Elu, Selu, Sigmoid, Tanh, HardSigmoid,
// HardSwish. Each is a scalar formula plus the attributes it reads; one generic kernel applies it.
#include <algorithm>
#include <cmath>

#include "engine/ops/op_schema.h"

namespace fovea {
namespace {

struct ActivationParams {
  float alpha = 0.0f;
  float beta = 0.0f;
  float gamma = 0.0f;
};

using LoadParamsFn = ActivationParams (*)(const Attributes& attrs);
using ApplyFn = float (*)(float x, const ActivationParams& p);

Status infer_activation(InferContext& ctx) {
  const ValueInfo& x = ctx.inputs[0];
  if (x.dtype != DType::kFloat32) {
    return ctx.unsupported_error(std::string("dtype ") + dtype_name(x.dtype) +
                                 " is not supported (float32 only)");
  }
  ctx.set_output(0, x.dtype, x.shape);
  ctx.outputs[0].rank_known = x.rank_known;
  return Status::ok();
}

template <LoadParamsFn load, ApplyFn apply>
Status activation_reference(const Node& node, std::span<const Tensor> inputs,
                            std::span<Tensor> outputs) {
  const ActivationParams params = load(node.attrs);
  const float* src = inputs[0].data<float>();
  float* dst = outputs[0].data<float>();
  for (int64_t i = 0; i < inputs[0].element_count(); ++i) dst[i] = apply(src[i], params);
  return Status::ok();
}

ActivationParams no_params(const Attributes& /*attrs*/) { return {}; }

// ONNX defaults, from onnx/defs/math/defs.cc.
constexpr float kLeakyReluAlpha = 0.01f;
constexpr float kEluAlpha = 1.0f;
constexpr float kSeluAlpha = 1.67326319217681884765625f;
constexpr float kSeluGamma = 1.05070102214813232421875f;
constexpr float kHardSigmoidAlpha = 0.2f;
constexpr float kHardSigmoidBeta = 0.5f;

ActivationParams leaky_relu_params(const Attributes& a) {
  return {a.get_float("alpha", kLeakyReluAlpha)};
}
ActivationParams elu_params(const Attributes& a) { return {a.get_float("alpha", kEluAlpha)}; }
ActivationParams selu_params(const Attributes& a) {
  return {a.get_float("alpha", kSeluAlpha), 0.0f, a.get_float("gamma", kSeluGamma)};
}
ActivationParams hard_sigmoid_params(const Attributes& a) {
  return {a.get_float("alpha", kHardSigmoidAlpha), a.get_float("beta", kHardSigmoidBeta)};
}

float relu(float x, const ActivationParams&) { return x > 0.0f ? x : 0.0f; }
float leaky_relu(float x, const ActivationParams& p) { return x >= 0.0f ? x : p.alpha * x; }
float elu(float x, const ActivationParams& p) {
  return x >= 0.0f ? x : p.alpha * (std::exp(x) - 1.0f);
}
float selu(float x, const ActivationParams& p) {
  return x > 0.0f ? p.gamma * x : p.gamma * (p.alpha * std::exp(x) - p.alpha);
}
float sigmoid(float x, const ActivationParams&) {
  // Two forms so exp() never overflows.
  if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.0f + e);
}
float tanh_fn(float x, const ActivationParams&) { return std::tanh(x); }
float hard_sigmoid(float x, const ActivationParams& p) {
  return std::clamp(p.alpha * x + p.beta, 0.0f, 1.0f);
}
float hard_swish(float x, const ActivationParams&) {
  return x * std::clamp(x / 6.0f + 0.5f, 0.0f, 1.0f);
}

OpSchema activation_schema(const char* type, int since_opset, std::vector<AttrSpec> attributes,
                           ReferenceFn reference) {
  return OpSchema{
      .type = type,
      .since_opset = since_opset,
      .min_inputs = 1,
      .max_inputs = 1,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = std::move(attributes),
      .infer = infer_activation,
      .reference = reference,
  };
}

}  // namespace

const OpSchema& relu_schema() {
  static const OpSchema schema =
      activation_schema("Relu", 1, {}, activation_reference<no_params, relu>);
  return schema;
}

const OpSchema& leaky_relu_schema() {
  static const OpSchema schema =
      activation_schema("LeakyRelu", 1, {{"alpha", AttrType::kFloat}},
                        activation_reference<leaky_relu_params, leaky_relu>);
  return schema;
}

const OpSchema& elu_schema() {
  static const OpSchema schema = activation_schema("Elu", 1, {{"alpha", AttrType::kFloat}},
                                                   activation_reference<elu_params, elu>);
  return schema;
}

const OpSchema& selu_schema() {
  static const OpSchema schema =
      activation_schema("Selu", 1, {{"alpha", AttrType::kFloat}, {"gamma", AttrType::kFloat}},
                        activation_reference<selu_params, selu>);
  return schema;
}

const OpSchema& sigmoid_schema() {
  static const OpSchema schema =
      activation_schema("Sigmoid", 1, {}, activation_reference<no_params, sigmoid>);
  return schema;
}

const OpSchema& tanh_schema() {
  static const OpSchema schema =
      activation_schema("Tanh", 1, {}, activation_reference<no_params, tanh_fn>);
  return schema;
}

const OpSchema& hard_sigmoid_schema() {
  static const OpSchema schema =
      activation_schema("HardSigmoid", 1, {{"alpha", AttrType::kFloat}, {"beta", AttrType::kFloat}},
                        activation_reference<hard_sigmoid_params, hard_sigmoid>);
  return schema;
}

const OpSchema& hard_swish_schema() {
  static const OpSchema schema =
      activation_schema("HardSwish", 14, {}, activation_reference<no_params, hard_swish>);
  return schema;
}

}  // namespace fovea
