#include "engine/ops/fused_activation.h"

#include <array>
#include <string_view>
#include <vector>

#include "engine/ops/op_registry.h"

namespace fovea {
namespace {

// Which attributes of the activation op alpha and beta stand for.
struct FusableActivation {
  std::string_view name;
  const char* alpha_attr;  // null when the activation has no alpha
  const char* beta_attr;
};

constexpr std::array<FusableActivation, 8> kFusable = {{
    {"Relu", nullptr, nullptr},
    {"LeakyRelu", "alpha", nullptr},
    {"Elu", "alpha", nullptr},
    {"Sigmoid", nullptr, nullptr},
    {"Tanh", nullptr, nullptr},
    {"HardSigmoid", "alpha", "beta"},
    {"HardSwish", nullptr, nullptr},
    {"Clip", nullptr, nullptr},  // alpha = min, beta = max, passed as inputs
}};

const FusableActivation* find_fusable(const std::string& name) {
  for (const auto& a : kFusable) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

Tensor scalar(float v) {
  Tensor t(DType::kFloat32, {});
  t.data<float>()[0] = v;
  return t;
}

}  // namespace

bool is_fusable_activation(const std::string& name) { return find_fusable(name) != nullptr; }

Status check_fused_activation(const InferContext& ctx) {
  const std::string name = ctx.node->attrs.get_string(kActivationAttr, "");
  if (!name.empty() && !is_fusable_activation(name)) {
    return ctx.unsupported_error("fused activation '" + name + "' is not supported");
  }
  return Status::ok();
}

Status apply_fused_activation(const Node& node, Tensor& data) {
  const std::string name = node.attrs.get_string(kActivationAttr, "");
  if (name.empty()) return Status::ok();
  return apply_activation(name, node.attrs.get_float(kActivationAlphaAttr, 0.0f),
                          node.attrs.get_float(kActivationBetaAttr, 0.0f), data)
      .with_context("node '" + node.name + "' (" + node.op_type + ")");
}

Status apply_activation(const std::string& name, float alpha, float beta, Tensor& data) {
  const FusableActivation* activation = find_fusable(name);
  const OpSchema* schema = find_op(name);
  if (activation == nullptr || schema == nullptr) {
    return unsupported("fused activation '" + name + "' is not supported");
  }
  // Run the activation op's own reference kernel on a stand-in node; the kernels are
  // elementwise (dst[i] depends only on src[i]), so input and output may share memory.
  Node stand_in;
  stand_in.name = "fused_" + name;
  stand_in.op_type = name;
  if (activation->alpha_attr != nullptr) stand_in.attrs.set(activation->alpha_attr, alpha);
  if (activation->beta_attr != nullptr) stand_in.attrs.set(activation->beta_attr, beta);
  std::vector<Tensor> inputs = {data};
  if (name == "Clip") {
    inputs.push_back(scalar(alpha));
    inputs.push_back(scalar(beta));
  }
  std::array<Tensor, 1> outputs = {data};
  return schema->reference(stand_in, inputs, outputs);
}

}  // namespace fovea
