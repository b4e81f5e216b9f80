// One line per operator. Each schema lives in its op's own file; to add an op, write
// engine/ops/<op>.cpp with a `const OpSchema& <op>_schema()` and add it to both lists below.
#include "engine/ops/op_registry.h"

#include <array>
#include <string_view>

namespace fovea {

// --- declarations: neural-network ops (convolution, pooling, normalization, matmul) ---
const OpSchema& conv_schema();
const OpSchema& conv_transpose_schema();
const OpSchema& batch_norm_schema();
const OpSchema& max_pool_schema();
const OpSchema& average_pool_schema();
const OpSchema& global_average_pool_schema();
const OpSchema& global_max_pool_schema();
const OpSchema& lrn_schema();
const OpSchema& gemm_schema();
const OpSchema& matmul_schema();
const OpSchema& softmax_schema();
const OpSchema& log_softmax_schema();
// @nn-declarations
// --- declarations: elementwise, activation and tensor-manipulation ops ---
const OpSchema& identity_schema();
const OpSchema& relu_schema();
const OpSchema& leaky_relu_schema();
const OpSchema& elu_schema();
const OpSchema& selu_schema();
const OpSchema& sigmoid_schema();
const OpSchema& tanh_schema();
const OpSchema& hard_sigmoid_schema();
const OpSchema& hard_swish_schema();
const OpSchema& prelu_schema();
const OpSchema& clip_schema();
const OpSchema& add_schema();
const OpSchema& sub_schema();
const OpSchema& mul_schema();
const OpSchema& div_schema();
const OpSchema& sum_schema();
const OpSchema& max_schema();
const OpSchema& min_schema();
const OpSchema& concat_schema();
const OpSchema& flatten_schema();
const OpSchema& reshape_schema();
const OpSchema& transpose_schema();
const OpSchema& squeeze_schema();
const OpSchema& unsqueeze_schema();
const OpSchema& dropout_schema();
const OpSchema& constant_of_shape_schema();
const OpSchema& shape_schema();
const OpSchema& gather_schema();
const OpSchema& reduce_mean_schema();
const OpSchema& pad_schema();
// @tensor-declarations

namespace {

using SchemaFn = const OpSchema& (*)();

constexpr SchemaFn kOpTable[] = {
    // neural-network ops
    &conv_schema,
    &conv_transpose_schema,
    &batch_norm_schema,
    &max_pool_schema,
    &average_pool_schema,
    &global_average_pool_schema,
    &global_max_pool_schema,
    &lrn_schema,
    &gemm_schema,
    &matmul_schema,
    &softmax_schema,
    &log_softmax_schema,
    // @nn-table
    // elementwise, activation and tensor-manipulation ops
    &identity_schema,
    &relu_schema,
    &leaky_relu_schema,
    &elu_schema,
    &selu_schema,
    &sigmoid_schema,
    &tanh_schema,
    &hard_sigmoid_schema,
    &hard_swish_schema,
    &prelu_schema,
    &clip_schema,
    &add_schema,
    &sub_schema,
    &mul_schema,
    &div_schema,
    &sum_schema,
    &max_schema,
    &min_schema,
    &concat_schema,
    &flatten_schema,
    &reshape_schema,
    &transpose_schema,
    &squeeze_schema,
    &unsqueeze_schema,
    &dropout_schema,
    &constant_of_shape_schema,
    &shape_schema,
    &gather_schema,
    &reduce_mean_schema,
    &pad_schema,
    // @tensor-table
};

const std::array<const OpSchema*, std::size(kOpTable)>& schemas() {
  static const auto table = [] {
    std::array<const OpSchema*, std::size(kOpTable)> t{};
    for (size_t i = 0; i < std::size(kOpTable); ++i) t[i] = &kOpTable[i]();
    return t;
  }();
  return table;
}

}  // namespace

const OpSchema* find_op(std::string_view op_type) {
  for (const OpSchema* schema : schemas()) {
    if (op_type == schema->type) return schema;
  }
  return nullptr;
}

std::span<const OpSchema* const> all_ops() { return schemas(); }

}  // namespace fovea
