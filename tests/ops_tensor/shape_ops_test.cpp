// Tensor-manipulation ops: Concat, Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Dropout.
#include <gtest/gtest.h>

#include <numeric>

#include "tests/ops_tensor/op_test_util.h"

namespace fovea::testing {
namespace {

Tensor iota_tensor(const Shape& shape) {
  Tensor t(DType::kFloat32, shape);
  for (int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

Shape output_shape(const Result<Graph>& g) { return g->value(g->outputs[0]).shape; }

TEST(Concat, JoinsAlongPositiveAndNegativeAxis) {
  Tensor a = float_tensor({2, 1}, {1, 2});
  Tensor b = float_tensor({2, 2}, {3, 4, 5, 6});
  const Tensor expected = float_tensor({2, 3}, {1, 3, 4, 2, 5, 6});
  EXPECT_TRUE(tensors_close(run_one("Concat", {feed(a), feed(b)}, attrs({{"axis", int64_t{1}}})),
                            expected));
  EXPECT_TRUE(tensors_close(run_one("Concat", {feed(a), feed(b)}, attrs({{"axis", int64_t{-1}}})),
                            expected));
  Tensor rows = run_one("Concat", {feed(float_tensor({1, 2}, {7, 8})), feed(b)},
                        attrs({{"axis", int64_t{0}}}));
  EXPECT_TRUE(tensors_close(rows, float_tensor({3, 2}, {7, 8, 3, 4, 5, 6})));
}

TEST(Concat, Int64AndFreeBatch) {
  Tensor y = run_one("Concat", {feed(int64_tensor({2}, {1, 2})), feed(int64_tensor({1}, {3}))},
                     attrs({{"axis", int64_t{0}}}));
  EXPECT_TRUE(tensors_close(y, int64_tensor({3}, {1, 2, 3})));
  auto g = infer_op(
      "Concat",
      {declared(DType::kFloat32, {kDynamicDim, 3}), declared(DType::kFloat32, {kDynamicDim, 5})},
      attrs({{"axis", int64_t{1}}}));
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(output_shape(g), (Shape{kDynamicDim, 8}));
}

TEST(Concat, RankOrDimMismatchIsAnError) {
  auto rank =
      infer_op("Concat", {feed(float_tensor({2, 1}, {1, 2})), feed(float_tensor({2}, {3, 4}))},
               attrs({{"axis", int64_t{0}}}));
  ASSERT_FALSE(rank.is_ok());
  EXPECT_EQ(rank.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(rank.status().message().find("rank"), std::string::npos) << rank.status().message();
  auto dim = infer_op("Concat", {feed(iota_tensor({2, 3})), feed(iota_tensor({2, 4}))},
                      attrs({{"axis", int64_t{0}}}));
  EXPECT_FALSE(dim.is_ok());
}

TEST(Flatten, AxisVariants) {
  const Tensor x = iota_tensor({2, 3, 4});
  struct Case {
    int64_t axis;
    Shape expected;
  };
  for (const Case& c : {Case{1, {2, 12}}, Case{0, {1, 24}}, Case{-1, {6, 4}}, Case{3, {24, 1}},
                        Case{-3, {1, 24}}}) {
    Tensor y = run_one("Flatten", {feed(x)}, attrs({{"axis", c.axis}}));
    EXPECT_TRUE(tensors_close(y, x.reshaped(c.expected))) << "axis " << c.axis;
  }
  EXPECT_TRUE(tensors_close(run_one("Flatten", {feed(x)}), x.reshaped({2, 12})));  // default 1
  auto g = infer_op("Flatten", {declared(DType::kFloat32, {kDynamicDim, 3, 4, 4})});
  ASSERT_TRUE(g.is_ok());
  EXPECT_EQ(output_shape(g), (Shape{kDynamicDim, 48}));
  EXPECT_FALSE(infer_op("Flatten", {feed(x)}, attrs({{"axis", int64_t{4}}})).is_ok());
}

TEST(Reshape, MinusOneAndZero) {
  const Tensor x = iota_tensor({2, 3, 4});
  EXPECT_TRUE(tensors_close(run_one("Reshape", {feed(x), constant(int64_tensor({2}, {4, -1}))}),
                            x.reshaped({4, 6})));
  EXPECT_TRUE(tensors_close(run_one("Reshape", {feed(x), constant(int64_tensor({2}, {0, -1}))}),
                            x.reshaped({2, 12})));
  EXPECT_TRUE(tensors_close(run_one("Reshape", {feed(x), constant(int64_tensor({3}, {-1, 0, 2}))}),
                            x.reshaped({4, 3, 2})));
}

TEST(Reshape, AllowZeroKeepsZeroSizedDims) {
  // test_reshape_allowzero_reordered: [0,3,4] → [3,4,0].
  Tensor empty(DType::kFloat32, {0, 3, 4});
  auto g = infer_op("Reshape", {feed(empty), constant(int64_tensor({3}, {3, 4, 0}))},
                    attrs({{"allowzero", int64_t{1}}}));
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(output_shape(g), (Shape{3, 4, 0}));
}

TEST(Reshape, RunTimeTargetGivesKnownRankDynamicDims) {
  auto g = infer_op("Reshape",
                    {declared(DType::kFloat32, {kDynamicDim, 6}), declared(DType::kInt64, {3})});
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(output_shape(g), (Shape{kDynamicDim, kDynamicDim, kDynamicDim}));
  // A constant target with the free batch: 0 copies the dynamic batch, the rest is known.
  auto h = infer_op("Reshape", {declared(DType::kFloat32, {kDynamicDim, 6}),
                                constant(int64_tensor({3}, {0, 2, 3}))});
  ASSERT_TRUE(h.is_ok()) << h.status().message();
  EXPECT_EQ(output_shape(h), (Shape{kDynamicDim, 2, 3}));
  // The copied batch cancels out, so the -1 is still known: [N,3,4,4] → [0,-1] = [N,48].
  auto flat = infer_op("Reshape", {declared(DType::kFloat32, {kDynamicDim, 3, 4, 4}),
                                   constant(int64_tensor({2}, {0, -1}))});
  ASSERT_TRUE(flat.is_ok()) << flat.status().message();
  EXPECT_EQ(output_shape(flat), (Shape{kDynamicDim, 48}));
  // Fed at run time: the plan infers the shape once the value is there.
  const Tensor x = iota_tensor({2, 6});
  Tensor y = run_one("Reshape", {feed(x), feed(int64_tensor({3}, {3, -1, 2}))});
  EXPECT_TRUE(tensors_close(y, x.reshaped({3, 2, 2})));
}

TEST(Reshape, Errors) {
  const Tensor x = iota_tensor({2, 3, 4});
  auto two = infer_op("Reshape", {feed(x), constant(int64_tensor({2}, {-1, -1}))});
  ASSERT_FALSE(two.is_ok());
  EXPECT_EQ(two.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(two.status().message().find("more than one -1"), std::string::npos);
  EXPECT_NE(two.status().message().find("(Reshape)"), std::string::npos);
  EXPECT_FALSE(infer_op("Reshape", {feed(x), constant(int64_tensor({2}, {5, 5}))}).is_ok());
  EXPECT_FALSE(infer_op("Reshape", {feed(x), constant(int64_tensor({2}, {5, -1}))}).is_ok());
  auto runtime = run_op("Reshape", {feed(x), feed(int64_tensor({2}, {-1, -1}))});
  EXPECT_FALSE(runtime.is_ok());
}

TEST(Transpose, DefaultReversesDims) {
  Tensor y = run_one("Transpose", {feed(float_tensor({2, 3}, {1, 2, 3, 4, 5, 6}))});
  EXPECT_TRUE(tensors_close(y, float_tensor({3, 2}, {1, 4, 2, 5, 3, 6})));
}

TEST(Transpose, ExplicitPermMatchesIndexFormula) {
  const Tensor x = iota_tensor({2, 3, 4});
  Tensor y = run_one("Transpose", {feed(x)}, attrs({{"perm", std::vector<int64_t>{2, 0, 1}}}));
  // out[k][i][j] = x[i][j][k] = 12 i + 4 j + k.
  Tensor expected(DType::kFloat32, {4, 2, 3});
  for (int k = 0; k < 4; ++k) {
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 3; ++j) expected.data<float>()[k * 6 + i * 3 + j] = 12 * i + 4 * j + k;
    }
  }
  EXPECT_TRUE(tensors_close(y, expected));
  // int64 data moves the same way.
  Tensor ints = run_one("Transpose", {feed(int64_tensor({2, 2}, {1, 2, 3, 4}))});
  EXPECT_TRUE(tensors_close(ints, int64_tensor({2, 2}, {1, 3, 2, 4})));
}

TEST(Transpose, FreeBatchAndBadPerm) {
  auto g = infer_op("Transpose", {declared(DType::kFloat32, {kDynamicDim, 3, 5})},
                    attrs({{"perm", std::vector<int64_t>{0, 2, 1}}}));
  ASSERT_TRUE(g.is_ok());
  EXPECT_EQ(output_shape(g), (Shape{kDynamicDim, 5, 3}));
  EXPECT_FALSE(infer_op("Transpose", {feed(iota_tensor({2, 3}))},
                        attrs({{"perm", std::vector<int64_t>{0, 0}}}))
                   .is_ok());
}

TEST(Squeeze, AllOnesOrListedAxes) {
  const Tensor x = iota_tensor({1, 3, 1, 2});
  EXPECT_TRUE(tensors_close(run_one("Squeeze", {feed(x)}), x.reshaped({3, 2})));
  EXPECT_TRUE(tensors_close(run_one("Squeeze", {feed(x), constant(int64_tensor({1}, {-2}))}),
                            x.reshaped({1, 3, 2})));
  EXPECT_TRUE(tensors_close(run_one("Squeeze", {feed(x), constant(int64_tensor({2}, {2, 0}))}),
                            x.reshaped({3, 2})));
  EXPECT_FALSE(infer_op("Squeeze", {feed(x), constant(int64_tensor({1}, {1}))}).is_ok());
}

TEST(Squeeze, FreeBatch) {
  auto listed = infer_op("Squeeze", {declared(DType::kFloat32, {kDynamicDim, 3, 1}),
                                     constant(int64_tensor({1}, {2}))});
  ASSERT_TRUE(listed.is_ok());
  EXPECT_EQ(output_shape(listed), (Shape{kDynamicDim, 3}));
  // Without axes, whether the batch goes is only known at run time.
  auto all = infer_op("Squeeze", {declared(DType::kFloat32, {kDynamicDim, 3, 1})});
  ASSERT_TRUE(all.is_ok());
  EXPECT_FALSE(all->value(all->outputs[0]).rank_known);
}

TEST(Unsqueeze, InsertsAtOutputPositions) {
  const Tensor x = iota_tensor({3, 2});
  EXPECT_TRUE(tensors_close(run_one("Unsqueeze", {feed(x), constant(int64_tensor({2}, {0, 3}))}),
                            x.reshaped({1, 3, 2, 1})));
  EXPECT_TRUE(tensors_close(run_one("Unsqueeze", {feed(x), constant(int64_tensor({2}, {3, 0}))}),
                            x.reshaped({1, 3, 2, 1})));
  EXPECT_TRUE(tensors_close(run_one("Unsqueeze", {feed(x), constant(int64_tensor({1}, {-1}))}),
                            x.reshaped({3, 2, 1})));
  Tensor scalar =
      run_one("Unsqueeze", {feed(int64_tensor({}, {7})), constant(int64_tensor({1}, {0}))});
  EXPECT_TRUE(tensors_close(scalar, int64_tensor({1}, {7})));
  EXPECT_FALSE(infer_op("Unsqueeze", {feed(x), constant(int64_tensor({2}, {1, 1}))}).is_ok());
  EXPECT_FALSE(infer_op("Unsqueeze", {feed(x), constant(int64_tensor({1}, {3}))}).is_ok());
}

TEST(Dropout, IsIdentityWithAllTrueMask) {
  const Tensor x = float_tensor({2, 2}, {1, -2, 3, -4});
  auto r = run_op("Dropout", {feed(x), constant(float_tensor({}, {0.5f}))}, {}, 2);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_TRUE(tensors_close((*r)[0], x));
  EXPECT_TRUE(tensors_close((*r)[1], bool_tensor({2, 2}, {true, true, true, true})));
  auto training = infer_op("Dropout", {feed(x), omitted(), constant(bool_tensor({}, {true}))});
  ASSERT_FALSE(training.is_ok());
  EXPECT_EQ(training.status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace fovea::testing
