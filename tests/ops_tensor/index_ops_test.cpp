// Shape, Gather and ConstantOfShape: the ops of exported shape subgraphs.
#include <gtest/gtest.h>

#include "tests/ops_tensor/op_test_util.h"

namespace fovea::testing {
namespace {

Shape output_shape(const Result<Graph>& g) { return g->value(g->outputs[0]).shape; }

TEST(Shape, FullAndSliced) {
  const Tensor x(DType::kFloat32, {3, 4, 5});
  EXPECT_TRUE(tensors_close(run_one("Shape", {feed(x)}), int64_tensor({3}, {3, 4, 5})));
  EXPECT_TRUE(tensors_close(run_one("Shape", {feed(x)}, attrs({{"start", int64_t{1}}})),
                            int64_tensor({2}, {4, 5})));
  EXPECT_TRUE(tensors_close(run_one("Shape", {feed(x)}, attrs({{"end", int64_t{-1}}})),
                            int64_tensor({2}, {3, 4})));
  EXPECT_TRUE(tensors_close(
      run_one("Shape", {feed(x)}, attrs({{"start", int64_t{-10}}, {"end", int64_t{10}}})),
      int64_tensor({3}, {3, 4, 5})));  // both clamp to [0, rank]
  Tensor none = run_one("Shape", {feed(x)}, attrs({{"start", int64_t{2}}, {"end", int64_t{1}}}));
  EXPECT_EQ(none.shape(), (Shape{0}));
  EXPECT_EQ(none.dtype(), DType::kInt64);
}

TEST(Shape, OfFreeBatchInputHasKnownLength) {
  auto g = infer_op("Shape", {declared(DType::kFloat32, {kDynamicDim, 3, 8, 8})});
  ASSERT_TRUE(g.is_ok());
  EXPECT_EQ(output_shape(g), (Shape{4}));
  EXPECT_EQ(g->value(g->outputs[0]).dtype, DType::kInt64);
  // Any dtype the engine holds.
  EXPECT_TRUE(tensors_close(run_one("Shape", {feed(Tensor(DType::kUInt8, {2, 7}))}),
                            int64_tensor({2}, {2, 7})));
}

TEST(Shape, ValueIsKnownWhenTheSlicedDimsAre) {
  // The input is a run-time input (data unknown) but its shape is static: the value folds.
  Graph g = single_op_graph("Shape", {declared(DType::kFloat32, {kDynamicDim, 3, 8})},
                            attrs({{"start", int64_t{1}}}));
  auto inferred = infer_shapes(g);
  ASSERT_TRUE(inferred.is_ok()) << inferred.status().message();
  const Tensor& known = inferred->known_values[static_cast<size_t>(g.outputs[0])];
  ASSERT_FALSE(known.empty());
  EXPECT_TRUE(tensors_close(known, int64_tensor({2}, {3, 8})));
  // Including the free batch, the value stays unknown.
  Graph full = single_op_graph("Shape", {declared(DType::kFloat32, {kDynamicDim, 3, 8})});
  auto unknown = infer_shapes(full);
  ASSERT_TRUE(unknown.is_ok());
  EXPECT_TRUE(unknown->known_values[static_cast<size_t>(full.outputs[0])].empty());
}

const Tensor kData = float_tensor({3, 2}, {1, 2, 3, 4, 5, 6});

TEST(Gather, Axis0WithVectorAndNegativeIndices) {
  EXPECT_TRUE(tensors_close(run_one("Gather", {feed(kData), constant(int64_tensor({2}, {2, 0}))}),
                            float_tensor({2, 2}, {5, 6, 1, 2})));
  EXPECT_TRUE(tensors_close(run_one("Gather", {feed(kData), constant(int64_tensor({1}, {-1}))}),
                            float_tensor({1, 2}, {5, 6})));
}

TEST(Gather, Axis1WithScalarIndexDropsTheAxis) {
  Tensor y = run_one("Gather", {feed(kData), constant(int64_tensor({}, {1}))},
                     attrs({{"axis", int64_t{1}}}));
  EXPECT_TRUE(tensors_close(y, float_tensor({3}, {2, 4, 6})));
  Tensor neg = run_one("Gather", {feed(kData), feed(int32_tensor({2}, {-1, 0}))},
                       attrs({{"axis", int64_t{-1}}}));
  EXPECT_TRUE(tensors_close(neg, float_tensor({3, 2}, {2, 1, 4, 3, 6, 5})));
}

TEST(Gather, TwoDimensionalIndicesOnInt64Data) {
  Tensor y = run_one(
      "Gather", {feed(int64_tensor({3}, {10, 20, 30})), feed(int64_tensor({2, 2}, {0, 1, 1, 2}))});
  EXPECT_TRUE(tensors_close(y, int64_tensor({2, 2}, {10, 20, 20, 30})));
}

TEST(Gather, FreeBatchShape) {
  auto g = infer_op(
      "Gather", {declared(DType::kFloat32, {kDynamicDim, 5, 7}), declared(DType::kInt64, {2, 3})},
      attrs({{"axis", int64_t{1}}}));
  ASSERT_TRUE(g.is_ok());
  EXPECT_EQ(output_shape(g), (Shape{kDynamicDim, 2, 3, 7}));
}

TEST(Gather, IndexOutOfRangeIsAnErrorNotACrash) {
  auto constant_index = infer_op("Gather", {feed(kData), constant(int64_tensor({1}, {3}))});
  ASSERT_FALSE(constant_index.is_ok());
  EXPECT_EQ(constant_index.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(constant_index.status().message().find("out of range"), std::string::npos);
  auto runtime = run_op("Gather", {feed(kData), feed(int64_tensor({2}, {0, -4}))});
  ASSERT_FALSE(runtime.is_ok());
  EXPECT_NE(runtime.status().message().find("out of range"), std::string::npos);
  EXPECT_FALSE(infer_op("Gather", {feed(kData), constant(int64_tensor({1}, {0}))},
                        attrs({{"axis", int64_t{2}}}))
                   .is_ok());
}

TEST(ConstantOfShape, DefaultFloatZeroAndTypedValue) {
  Tensor zeros = run_one("ConstantOfShape", {feed(int64_tensor({2}, {2, 3}))});
  EXPECT_TRUE(tensors_close(zeros, float_tensor({2, 3}, {0, 0, 0, 0, 0, 0})));
  Tensor sevens = run_one("ConstantOfShape", {constant(int64_tensor({1}, {3}))},
                          attrs({{"value", int64_tensor({1}, {7})}}));
  EXPECT_TRUE(tensors_close(sevens, int64_tensor({3}, {7, 7, 7})));
  Tensor halves = run_one("ConstantOfShape", {feed(int64_tensor({2}, {1, 2}))},
                          attrs({{"value", float_tensor({1}, {0.5f})}}));
  EXPECT_TRUE(tensors_close(halves, float_tensor({1, 2}, {0.5f, 0.5f})));
}

TEST(ConstantOfShape, UnknownShapeValueGivesKnownRank) {
  auto g = infer_op("ConstantOfShape", {declared(DType::kInt64, {3})});
  ASSERT_TRUE(g.is_ok());
  EXPECT_EQ(output_shape(g), (Shape{kDynamicDim, kDynamicDim, kDynamicDim}));
  EXPECT_FALSE(infer_op("ConstantOfShape", {constant(int64_tensor({2}, {2, -1}))}).is_ok());
}

}  // namespace
}  // namespace fovea::testing
