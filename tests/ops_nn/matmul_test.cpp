// Gemm (transposes, alpha/beta, C broadcasting) and MatMul (numpy semantics).
#include <gtest/gtest.h>

#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"
#include "tests/ops_nn/nn_test_util.h"

namespace fovea::testing {
namespace {

// A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[1,1]]: A B = [[4,5],[10,11]].
const Tensor kA = float_tensor({2, 3}, {1, 2, 3, 4, 5, 6});
const Tensor kB = float_tensor({3, 2}, {1, 0, 0, 1, 1, 1});
const Tensor kAt = float_tensor({3, 2}, {1, 4, 2, 5, 3, 6});
const Tensor kBt = float_tensor({2, 3}, {1, 0, 1, 0, 1, 1});

Tensor gemm(const std::vector<Tensor>& inputs, Attributes a = {}) {
  auto out = run_node("Gemm", inputs, std::move(a));
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  return out.is_ok() ? (*out)[0] : Tensor();
}

TEST(Gemm, PlainProduct) {
  EXPECT_TRUE(tensors_close(gemm({kA, kB}), expected({2, 2}, {4, 5, 10, 11})));
}

TEST(Gemm, TransposesGiveTheSameProduct) {
  const Attributes both = attrs({{"transA", int64_t{1}}, {"transB", int64_t{1}}});
  EXPECT_TRUE(tensors_close(gemm({kAt, kBt}, both), expected({2, 2}, {4, 5, 10, 11})));
  EXPECT_TRUE(tensors_close(gemm({kAt, kB}, attrs({{"transA", int64_t{1}}})),
                            expected({2, 2}, {4, 5, 10, 11})));
}

TEST(Gemm, AlphaBetaAndBroadcastC) {
  const Attributes ab = attrs({{"alpha", 2.0f}, {"beta", 0.5f}});
  // 2 A B + 0.5 C for each C form.
  EXPECT_TRUE(
      tensors_close(gemm({kA, kB, float_tensor({}, {2})}, ab), expected({2, 2}, {9, 11, 21, 23})));
  EXPECT_TRUE(tensors_close(gemm({kA, kB, float_tensor({2}, {2, 4})}, ab),
                            expected({2, 2}, {9, 12, 21, 24})));
  EXPECT_TRUE(tensors_close(gemm({kA, kB, float_tensor({1, 2}, {2, 4})}, ab),
                            expected({2, 2}, {9, 12, 21, 24})));
  EXPECT_TRUE(tensors_close(gemm({kA, kB, float_tensor({2, 1}, {2, 4})}, ab),
                            expected({2, 2}, {9, 11, 22, 24})));
  EXPECT_TRUE(tensors_close(gemm({kA, kB, float_tensor({2, 2}, {2, 4, 6, 8})}, ab),
                            expected({2, 2}, {9, 12, 23, 26})));
}

TEST(Gemm, ShapeErrors) {
  auto inner = infer_node_shape("Gemm", {{2, 3}, {4, 2}});
  ASSERT_FALSE(inner.is_ok());
  EXPECT_NE(inner.status().message().find("inner"), std::string::npos);
  EXPECT_FALSE(infer_node_shape("Gemm", {{2, 3}, {3, 2}, {3}}).is_ok());
  auto dynamic =
      infer_node_shape("Gemm", {{kDynamicDim, 4}, {10, 4}}, attrs({{"transB", int64_t{1}}}));
  ASSERT_TRUE(dynamic.is_ok()) << dynamic.status().message();
  EXPECT_EQ(*dynamic, (Shape{kDynamicDim, 10}));
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  auto out = run_node("MatMul", {a, b});
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  return out.is_ok() ? (*out)[0] : Tensor();
}

TEST(MatMul, Matrices) {
  EXPECT_TRUE(tensors_close(matmul(kA, kB), expected({2, 2}, {4, 5, 10, 11})));
}

TEST(MatMul, VectorOperandsLoseTheirPromotedDim) {
  const Tensor v = float_tensor({3}, {1, 1, 2});
  EXPECT_TRUE(tensors_close(matmul(v, v), expected({}, {6})));
  EXPECT_TRUE(tensors_close(matmul(kA, v), expected({2}, {9, 21})));
  EXPECT_TRUE(tensors_close(matmul(float_tensor({2}, {1, -1}), kA), expected({3}, {-3, -3, -3})));
  auto shape = infer_node_shape("MatMul", {{3}, {kDynamicDim, 5, 3, 4}});
  ASSERT_TRUE(shape.is_ok()) << shape.status().message();
  EXPECT_EQ(*shape, (Shape{kDynamicDim, 5, 4}));
}

// Independent check of batch broadcasting: each output matrix equals a 2-D MatMul of the
// operand matrices its batch index selects.
TEST(MatMul, BatchDimsBroadcast) {
  const Tensor a = random_tensor({2, 1, 2, 3}, 5);
  const Tensor b = random_tensor({3, 3, 4}, 6);
  const Tensor y = matmul(a, b);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 2, 4}));
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      const Tensor a_ij = float_tensor(
          {2, 3}, std::vector<float>(a.data<float>() + i * 6, a.data<float>() + i * 6 + 6));
      const Tensor b_j = float_tensor(
          {3, 4}, std::vector<float>(b.data<float>() + j * 12, b.data<float>() + j * 12 + 12));
      const Tensor want = matmul(a_ij, b_j);
      const Tensor got =
          float_tensor({2, 4}, std::vector<float>(y.data<float>() + (i * 3 + j) * 8,
                                                  y.data<float>() + (i * 3 + j) * 8 + 8));
      EXPECT_TRUE(tensors_close(got, want)) << "batch " << i << "," << j;
    }
  }
}

TEST(MatMul, ErrorsAndUnsupportedDtypes) {
  auto inner = infer_node_shape("MatMul", {{2, 3}, {2, 3}});
  ASSERT_FALSE(inner.is_ok());
  EXPECT_EQ(inner.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(infer_node_shape("MatMul", {{2, 2, 3}, {3, 3, 4}}).is_ok());
  auto integer = infer_node_shape("MatMul", {{2, 3}, {3, 2}}, {}, 1, DType::kInt32);
  ASSERT_FALSE(integer.is_ok());
  EXPECT_EQ(integer.status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace fovea::testing
