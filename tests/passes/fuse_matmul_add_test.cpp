// fuse_matmul_add: 2-D MatMul + constant bias → Gemm.
#include <gtest/gtest.h>

#include "engine/passes/passes.h"
#include "tests/common/tensor_testing.h"
#include "tests/passes/pass_testing.h"

namespace fovea::testing {
namespace {

const Pass kMatMulAdd = fuse_matmul_add;

class MatMulAddFusion : public ::testing::TestWithParam<Shape> {};

TEST_P(MatMulAddFusion, BecomesAGemmWithTheBiasAsC) {
  GraphBuilder b;
  const ValueId a = b.input("a", DType::kFloat32, {3, 6});
  const ValueId product = b.op("MatMul", {a, b.constant("w", random_tensor({6, 4}, 1))});
  b.output(b.op("Add", {b.constant("bias", random_tensor(GetParam(), 2)), product}));
  const Graph before = build_graph(b);
  std::vector<FusionRecord> records;
  const Graph after = apply_pass(before, kMatMulAdd, nullptr, &records);
  ASSERT_EQ(after.nodes.size(), 1u);
  EXPECT_EQ(after.nodes[0].op_type, "Gemm");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].pass, "fuse_matmul_add");
  expect_same_outputs(before, after, 0.0);
}

INSTANTIATE_TEST_SUITE_P(BiasShapes, MatMulAddFusion,
                         ::testing::Values(Shape{4}, Shape{1, 4}, Shape{3, 4}, Shape{3, 1},
                                           Shape{}));

TEST(MatMulAddFusion, MustNotFuseBatchedMatMulRunTimeBiasOrAGrowingAdd) {
  GraphBuilder b;
  const ValueId batched = b.input("batched", DType::kFloat32, {2, 3, 6});
  const ValueId a = b.input("a", DType::kFloat32, {3, 6});
  const ValueId run_time_bias = b.input("bias", DType::kFloat32, {4});
  const ValueId w = b.constant("w", random_tensor({6, 4}, 1));
  b.output(b.op("Add", {b.op("MatMul", {batched, w}), b.constant("b1", random_tensor({4}, 2))}));
  b.output(b.op("Add", {b.op("MatMul", {a, w}), run_time_bias}));
  b.output(b.op("Add", {b.op("MatMul", {a, w}), b.constant("b3", random_tensor({2, 3, 4}, 3))}));
  const Graph before = build_graph(b);
  bool changed = true;
  const Graph after = apply_pass(before, kMatMulAdd, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(count_ops(after, "Gemm"), 0);
}

}  // namespace
}  // namespace fovea::testing
