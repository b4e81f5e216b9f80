// MatMul: numpy.matmul. 1-D operands are promoted ([K] → [1,K] for A, [K,1] for B) and the
// promoted dim removed from the result; leading (batch) dims broadcast. Fused form
// (engine/passes): attribute `activation` applied to the result.
#include <string>

#include "engine/ops/fused_activation.h"
#include "engine/ops/op_schema.h"

namespace fovea {
namespace {

struct MatMulShapes {
  Shape a;      // promoted to rank >= 2
  Shape b;      // promoted to rank >= 2
  Shape batch;  // broadcast batch dims
  Shape y;      // final output shape (promoted dims removed)
};

Result<MatMulShapes> matmul_shapes(const Shape& a, const Shape& b) {
  if (a.empty() || b.empty()) {
    return invalid_argument("operands " + shape_to_string(a) + " and " + shape_to_string(b) +
                            " must have rank >= 1");
  }
  MatMulShapes s;
  s.a = a.size() == 1 ? Shape{1, a[0]} : a;
  s.b = b.size() == 1 ? Shape{b[0], 1} : b;
  const int64_t k_a = s.a[s.a.size() - 1];
  const int64_t k_b = s.b[s.b.size() - 2];
  if (k_a != k_b && k_a != kDynamicDim && k_b != kDynamicDim) {
    return invalid_argument("inner dimensions differ: " + shape_to_string(a) + " x " +
                            shape_to_string(b));
  }
  auto batch =
      broadcast_shapes(Shape(s.a.begin(), s.a.end() - 2), Shape(s.b.begin(), s.b.end() - 2));
  if (!batch) {
    return invalid_argument("batch dimensions of " + shape_to_string(a) + " and " +
                            shape_to_string(b) + " do not broadcast");
  }
  s.batch = *batch;
  s.y = s.batch;
  if (a.size() != 1) s.y.push_back(s.a[s.a.size() - 2]);
  if (b.size() != 1) s.y.push_back(s.b[s.b.size() - 1]);
  return s;
}

Status infer_matmul(InferContext& ctx) {
  for (size_t i = 0; i < 2; ++i) {
    if (ctx.inputs[i].dtype != DType::kFloat32) {
      return ctx.unsupported_error(std::string("input ") + std::to_string(i) + " has dtype " +
                                   dtype_name(ctx.inputs[i].dtype) + "; only float32 is supported");
    }
  }
  FOVEA_RETURN_IF_ERROR(check_fused_activation(ctx));
  ctx.set_output(0, DType::kFloat32, {});
  if (!ctx.inputs[0].rank_known || !ctx.inputs[1].rank_known) {
    ctx.outputs[0].rank_known = false;
    return Status::ok();
  }
  auto shapes = matmul_shapes(ctx.inputs[0].shape, ctx.inputs[1].shape);
  if (!shapes.is_ok()) return ctx.error(shapes.status().message());
  ctx.set_output(0, DType::kFloat32, shapes->y);
  return Status::ok();
}

// Offset of the matrix selected by batch index `flat` (row-major over `batch`) in an operand
// with batch dims `dims` right-aligned against `batch`; size-1 dims broadcast.
int64_t batch_offset(int64_t flat, const Shape& batch, const Shape& operand, int64_t matrix) {
  const size_t operand_batch = operand.size() - 2;
  int64_t offset = 0;
  int64_t operand_stride = matrix;
  for (size_t i = 0; i < batch.size(); ++i) {
    const size_t axis = batch.size() - 1 - i;
    const int64_t index = flat % batch[axis];
    flat /= batch[axis];
    if (i >= operand_batch) continue;
    const int64_t dim = operand[operand_batch - 1 - i];
    offset += (dim == 1 ? 0 : index) * operand_stride;
    operand_stride *= dim;
  }
  return offset;
}

Status matmul_reference(const Node& node, std::span<const Tensor> inputs,
                        std::span<Tensor> outputs) {
  FOVEA_ASSIGN_OR_RETURN(MatMulShapes s, matmul_shapes(inputs[0].shape(), inputs[1].shape()));
  const int64_t m = s.a[s.a.size() - 2];
  const int64_t k = s.a[s.a.size() - 1];
  const int64_t n = s.b[s.b.size() - 1];
  int64_t batches = 1;
  for (int64_t d : s.batch) batches *= d;
  const float* a = inputs[0].data<float>();
  const float* b = inputs[1].data<float>();
  float* y = outputs[0].data<float>();
  for (int64_t batch = 0; batch < batches; ++batch) {
    const float* a_matrix = a + batch_offset(batch, s.batch, s.a, m * k);
    const float* b_matrix = b + batch_offset(batch, s.batch, s.b, k * n);
    float* y_matrix = y + batch * m * n;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        float sum = 0.0f;
        for (int64_t p = 0; p < k; ++p) sum += a_matrix[i * k + p] * b_matrix[p * n + j];
        y_matrix[i * n + j] = sum;
      }
    }
  }
  return apply_fused_activation(node, outputs[0]);
}

}  // namespace

const OpSchema& matmul_schema() {
  static const OpSchema schema{
      .type = "MatMul",
      .since_opset = 1,
      .min_inputs = 2,
      .max_inputs = 2,
      .min_outputs = 1,
      .max_outputs = 1,
      .attributes = {{"activation", AttrType::kString},
                     {"activation_alpha", AttrType::kFloat},
                     {"activation_beta", AttrType::kFloat}},
      .infer = infer_matmul,
      .reference = matmul_reference,
  };
  return schema;
}

}  // namespace fovea
