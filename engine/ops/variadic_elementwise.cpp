// Variadic elementwise ops with numpy broadcasting over all inputs: Sum, Max, Min
// (float32, int64, int32). Max and Min propagate NaN, like numpy.maximum/minimum.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "engine/ops/broadcast.h"
#include "engine/ops/op_schema.h"
#include "engine/ops/wrapping_arithmetic.h"

namespace fovea {
namespace {

enum class VariadicOp { kSum, kMax, kMin };

constexpr int kMaxVariadicInputs = 1 << 16;

Status infer_variadic(InferContext& ctx) {
  const DType dtype = ctx.inputs[0].dtype;
  if (dtype != DType::kFloat32 && dtype != DType::kInt64 && dtype != DType::kInt32) {
    return ctx.unsupported_error(std::string("dtype ") + dtype_name(dtype) +
                                 " is not supported (float32, int64, int32)");
  }
  for (size_t i = 1; i < ctx.inputs.size(); ++i) {
    if (ctx.inputs[i].dtype != dtype) {
      return ctx.error("input " + std::to_string(i) + " has dtype " +
                       dtype_name(ctx.inputs[i].dtype) + ", input 0 has " + dtype_name(dtype));
    }
  }
  return infer_broadcast_output(ctx, dtype);
}

template <typename T>
T combine(VariadicOp op, T acc, T x) {
  if constexpr (std::is_floating_point_v<T>) {
    if (op != VariadicOp::kSum && (std::isnan(acc) || std::isnan(x))) return NAN;
  }
  switch (op) {
    case VariadicOp::kSum:
      if constexpr (std::is_integral_v<T>) return wrapping_add(acc, x);  // not undefined
      return acc + x;
    case VariadicOp::kMax: return x > acc ? x : acc;
    case VariadicOp::kMin: return x < acc ? x : acc;
  }
  return acc;
}

template <typename T>
void variadic_kernel(VariadicOp op, std::span<const Tensor> inputs, Tensor& out) {
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) shapes.push_back(t.shape());
  T* dst = out.data<T>();
  BroadcastWalker walk(out.shape(), shapes);
  for (int64_t i = 0; i < out.element_count(); ++i, walk.next()) {
    T acc = inputs[0].data<T>()[walk.offset(0)];
    for (size_t k = 1; k < inputs.size(); ++k) {
      acc = combine<T>(op, acc, inputs[k].data<T>()[walk.offset(k)]);
    }
    dst[i] = acc;
  }
}

template <VariadicOp op>
Status variadic_reference(const Node& node, std::span<const Tensor> inputs,
                          std::span<Tensor> outputs) {
  switch (inputs[0].dtype()) {
    case DType::kFloat32: variadic_kernel<float>(op, inputs, outputs[0]); break;
    case DType::kInt64: variadic_kernel<int64_t>(op, inputs, outputs[0]); break;
    case DType::kInt32: variadic_kernel<int32_t>(op, inputs, outputs[0]); break;
    default:
      return unsupported("node '" + node.name + "': dtype " + dtype_name(inputs[0].dtype()) +
                         " is not supported");
  }
  return Status::ok();
}

OpSchema variadic_schema(const char* type, ReferenceFn reference) {
  return OpSchema{
      .type = type,
      .since_opset = 1,  // pre-8 forms (equal shapes) are a special case of broadcasting
      .min_inputs = 1,
      .max_inputs = kMaxVariadicInputs,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {},
      .infer = infer_variadic,
      .reference = reference,
  };
}

}  // namespace

const OpSchema& sum_schema() {
  static const OpSchema schema = variadic_schema("Sum", variadic_reference<VariadicOp::kSum>);
  return schema;
}

const OpSchema& max_schema() {
  static const OpSchema schema = variadic_schema("Max", variadic_reference<VariadicOp::kMax>);
  return schema;
}

const OpSchema& min_schema() {
  static const OpSchema schema = variadic_schema("Min", variadic_reference<VariadicOp::kMin>);
  return schema;
}

}  // namespace fovea
