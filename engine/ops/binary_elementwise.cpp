// Binary arithmetic with numpy broadcasting: Add, Sub, Mul, Div on float32, int64 and int32
// (integer arithmetic carries shape computations; integer Div truncates toward zero).
#include <cstdint>
#include <limits>
#include <type_traits>

#include "engine/ops/broadcast.h"
#include "engine/ops/op_schema.h"
#include "engine/ops/wrapping_arithmetic.h"

namespace fovea {
namespace {

enum class BinaryOp { kAdd, kSub, kMul, kDiv };

bool is_arithmetic_dtype(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kInt64 || dtype == DType::kInt32;
}

Status infer_binary(InferContext& ctx) {
  const DType a = ctx.inputs[0].dtype;
  const DType b = ctx.inputs[1].dtype;
  if (!is_arithmetic_dtype(a)) {
    return ctx.unsupported_error(std::string("dtype ") + dtype_name(a) +
                                 " is not supported (float32, int64, int32)");
  }
  if (a != b) {
    return ctx.error(std::string("input dtypes differ: ") + dtype_name(a) + " and " +
                     dtype_name(b));
  }
  return infer_broadcast_output(ctx, a);
}

template <typename T>
T apply(BinaryOp op, T a, T b) {
  if constexpr (std::is_integral_v<T>) {  // wrapping on overflow, not undefined
    switch (op) {
      case BinaryOp::kAdd: return wrapping_add(a, b);
      case BinaryOp::kSub: return wrapping_sub(a, b);
      case BinaryOp::kMul: return wrapping_mul(a, b);
      case BinaryOp::kDiv: return a / b;  // C++ truncates toward zero, as ONNX expects
    }
    return T{};
  }
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
  }
  return T{};
}

template <typename T>
Status binary_kernel(BinaryOp op, const Node& node, const Tensor& a, const Tensor& b, Tensor& out) {
  const T* src_a = a.data<T>();
  const T* src_b = b.data<T>();
  if constexpr (std::is_integral_v<T>) {
    // Integer division by zero, and MIN / -1 (the one quotient that overflows), are undefined
    // behaviour in C++: refuse them instead.
    if (op == BinaryOp::kDiv) {
      bool divides_by_minus_one = false;
      for (int64_t i = 0; i < b.element_count(); ++i) {
        if (src_b[i] == 0) {
          return invalid_argument("node '" + node.name + "' (Div): integer division by zero");
        }
        divides_by_minus_one |= src_b[i] == -1;
      }
      for (int64_t i = 0; divides_by_minus_one && i < a.element_count(); ++i) {
        if (src_a[i] == std::numeric_limits<T>::min()) {
          return invalid_argument("node '" + node.name + "' (Div): integer overflow");
        }
      }
    }
  }
  T* dst = out.data<T>();
  BroadcastWalker walk(out.shape(), {a.shape(), b.shape()});
  for (int64_t i = 0; i < out.element_count(); ++i, walk.next()) {
    dst[i] = apply<T>(op, src_a[walk.offset(0)], src_b[walk.offset(1)]);
  }
  return Status::ok();
}

template <BinaryOp op>
Status binary_reference(const Node& node, std::span<const Tensor> inputs,
                        std::span<Tensor> outputs) {
  switch (inputs[0].dtype()) {
    case DType::kFloat32: return binary_kernel<float>(op, node, inputs[0], inputs[1], outputs[0]);
    case DType::kInt64: return binary_kernel<int64_t>(op, node, inputs[0], inputs[1], outputs[0]);
    case DType::kInt32: return binary_kernel<int32_t>(op, node, inputs[0], inputs[1], outputs[0]);
    default:
      return unsupported("node '" + node.name + "': dtype " + dtype_name(inputs[0].dtype()) +
                         " is not supported");
  }
}

OpSchema binary_schema(const char* type, ReferenceFn reference) {
  return OpSchema{
      .type = type,
      .since_opset = 7,  // numpy broadcasting; older forms used broadcast/axis attributes
      .min_inputs = 2,
      .max_inputs = 2,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {},
      .infer = infer_binary,
      .reference = reference,
  };
}

}  // namespace

const OpSchema& add_schema() {
  static const OpSchema schema = binary_schema("Add", binary_reference<BinaryOp::kAdd>);
  return schema;
}

const OpSchema& sub_schema() {
  static const OpSchema schema = binary_schema("Sub", binary_reference<BinaryOp::kSub>);
  return schema;
}

const OpSchema& mul_schema() {
  static const OpSchema schema = binary_schema("Mul", binary_reference<BinaryOp::kMul>);
  return schema;
}

const OpSchema& div_schema() {
  static const OpSchema schema = binary_schema("Div", binary_reference<BinaryOp::kDiv>);
  return schema;
}

}  // namespace fovea
