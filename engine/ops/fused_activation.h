// The activation a fused Conv, Gemm or MatMul applies to its result (engine/ops/README.md,
// "Fused forms"): attribute `activation` names it, `activation_alpha`/`activation_beta` carry
// its parameters. The math is the activation ops' own reference kernels, so a fused node
// computes exactly what the unfused pair did.
#pragma once

#include <string>

#include "engine/core/attributes.h"
#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/ops/op_schema.h"

namespace fovea {

inline constexpr const char* kActivationAttr = "activation";
inline constexpr const char* kActivationAlphaAttr = "activation_alpha";
inline constexpr const char* kActivationBetaAttr = "activation_beta";

// True for the activations a fused node may carry: Relu, LeakyRelu, Elu, Sigmoid, Tanh,
// HardSigmoid, HardSwish, Clip. The empty name means none.
bool is_fusable_activation(const std::string& name);

// Shape-inference check for a node's fused attributes (an unknown name is unsupported).
Status check_fused_activation(const InferContext& ctx);

// Applies the node's fused activation, if any, in place to `data` (float32).
Status apply_fused_activation(const Node& node, Tensor& data);

// Applies activation `name` (alpha, beta as in the attributes) in place to float32 `data`.
Status apply_activation(const std::string& name, float alpha, float beta, Tensor& data);

}  // namespace fovea
