// Binary and variadic arithmetic with broadcasting, PRelu and Clip, on hand-computed cases.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/ops_tensor/op_test_util.h"

namespace fovea::testing {
namespace {

const Tensor kA = float_tensor({2, 3}, {1, 2, 3, 4, 5, 6});

TEST(BinaryElementwise, AddBroadcastsTrailingVector) {
  Tensor y = run_one("Add", {feed(kA), feed(float_tensor({3}, {10, 20, 30}))});
  EXPECT_TRUE(tensors_close(y, float_tensor({2, 3}, {11, 22, 33, 14, 25, 36})));
}

TEST(BinaryElementwise, SubBroadcastsColumn) {
  Tensor y = run_one("Sub", {feed(kA), feed(float_tensor({2, 1}, {1, 2}))});
  EXPECT_TRUE(tensors_close(y, float_tensor({2, 3}, {0, 1, 2, 2, 3, 4})));
}

TEST(BinaryElementwise, MulBroadcastsBothWays) {
  Tensor y =
      run_one("Mul", {feed(float_tensor({2, 1}, {1, 2})), feed(float_tensor({1, 3}, {1, 2, 3}))});
  EXPECT_TRUE(tensors_close(y, float_tensor({2, 3}, {1, 2, 3, 2, 4, 6})));
}

TEST(BinaryElementwise, DivByScalarAndConstant) {
  Tensor y = run_one("Div", {feed(kA), constant(float_tensor({}, {2}))});
  EXPECT_TRUE(tensors_close(y, float_tensor({2, 3}, {0.5f, 1, 1.5f, 2, 2.5f, 3})));
}

TEST(BinaryElementwise, IntegerDivTruncatesTowardZero) {
  // The expectations of ONNX's test_div_int32_trunc.
  Tensor y = run_one(
      "Div", {feed(int64_tensor({4}, {-3, 3, -3, 3})), feed(int64_tensor({4}, {2, 2, -2, -2}))});
  EXPECT_TRUE(tensors_close(y, int64_tensor({4}, {-1, 1, 1, -1})));
  Tensor y32 = run_one(
      "Div", {feed(int32_tensor({4}, {-7, 7, -7, 7})), feed(int32_tensor({4}, {2, 2, -2, -2}))});
  EXPECT_TRUE(tensors_close(y32, int32_tensor({4}, {-3, 3, 3, -3})));
}

TEST(BinaryElementwise, Int64ArithmeticBroadcastsScalar) {
  Tensor x = int64_tensor({3}, {1, 2, 3});
  Tensor s = int64_tensor({}, {10});
  EXPECT_TRUE(tensors_close(run_one("Add", {feed(x), feed(s)}), int64_tensor({3}, {11, 12, 13})));
  EXPECT_TRUE(tensors_close(run_one("Mul", {feed(x), feed(s)}), int64_tensor({3}, {10, 20, 30})));
  EXPECT_TRUE(tensors_close(run_one("Sub", {feed(s), feed(x)}), int64_tensor({3}, {9, 8, 7})));
}

// Found by fuzz_model (UBSan: signed integer overflow in Add): integer Add, Sub, Mul and Sum
// wrap around, as in numpy and ONNX Runtime, instead of being undefined behaviour.
TEST(BinaryElementwise, IntegerOverflowWrapsAround) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  const Tensor big = int64_tensor({2}, {kMax, kMin});
  EXPECT_TRUE(tensors_close(run_one("Add", {feed(big), feed(int64_tensor({2}, {1, -1}))}),
                            int64_tensor({2}, {kMin, kMax})));
  EXPECT_TRUE(tensors_close(run_one("Sub", {feed(big), feed(int64_tensor({2}, {-1, 1}))}),
                            int64_tensor({2}, {kMin, kMax})));
  EXPECT_TRUE(tensors_close(run_one("Mul", {feed(big), feed(int64_tensor({2}, {2, 2}))}),
                            int64_tensor({2}, {-2, 0})));
  EXPECT_TRUE(tensors_close(run_one("Sum", {feed(big), feed(int64_tensor({2}, {1, -1})),
                                            feed(int64_tensor({2}, {1, 0}))}),
                            int64_tensor({2}, {kMin + 1, kMax})));
  constexpr int32_t kMax32 = std::numeric_limits<int32_t>::max();
  EXPECT_TRUE(tensors_close(
      run_one("Add", {feed(int32_tensor({1}, {kMax32})), feed(int32_tensor({1}, {1}))}),
      int32_tensor({1}, {std::numeric_limits<int32_t>::min()})));
}

TEST(BinaryElementwise, IntegerDivisionByZeroIsAnError) {
  auto r = run_op("Div", {feed(int64_tensor({2}, {1, 2})), feed(int64_tensor({2}, {1, 0}))});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("division by zero"), std::string::npos);
}

// Element `flat` of `out_shape`, read from `in` by numpy's rule: align trailing dims, index 0
// along a dim of size 1. Independent of the kernel's stride walker.
float broadcast_read(const Tensor& in, const Shape& out_shape, int64_t flat) {
  const size_t lead = out_shape.size() - in.shape().size();
  int64_t offset = 0;
  int64_t rest = flat;
  int64_t in_stride = 1;
  for (size_t d = out_shape.size(); d-- > 0;) {
    const int64_t coord = rest % out_shape[d];
    rest /= out_shape[d];
    if (d < lead) continue;
    const int64_t dim = in.shape()[d - lead];
    offset += (dim == 1 ? 0 : coord) * in_stride;
    in_stride *= dim;
  }
  return in.data<float>()[offset];
}

TEST(BinaryElementwise, BroadcastSweepMatchesIndexFormula) {
  struct Case {
    Shape a, b, out;
  };
  const Case cases[] = {{{2, 3, 4}, {4}, {2, 3, 4}},
                        {{2, 1, 4}, {3, 1}, {2, 3, 4}},
                        {{1}, {2, 3}, {2, 3}},
                        {{5, 1, 1, 2}, {1, 3, 1}, {5, 1, 3, 2}},
                        {{2, 3, 1, 5}, {2, 1, 4, 1}, {2, 3, 4, 5}},
                        {{}, {3, 2}, {3, 2}}};
  uint64_t seed = 1;
  for (const Case& c : cases) {
    const Tensor a = random_tensor(c.a, seed++);
    const Tensor b = random_tensor(c.b, seed++);
    Tensor y = run_one("Sub", {feed(a), feed(b)});
    Tensor expected(DType::kFloat32, c.out);
    for (int64_t i = 0; i < expected.element_count(); ++i) {
      expected.data<float>()[i] = broadcast_read(a, c.out, i) - broadcast_read(b, c.out, i);
    }
    EXPECT_TRUE(tensors_close(y, expected, 1e-6))
        << shape_to_string(c.a) << " - " << shape_to_string(c.b);
  }
}

TEST(BinaryElementwise, ShapeInferenceWithFreeBatch) {
  auto g = infer_op(
      "Add", {declared(DType::kFloat32, {kDynamicDim, 3, 1}), declared(DType::kFloat32, {4})});
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(g->value(g->outputs[0]).shape, (Shape{kDynamicDim, 3, 4}));
}

TEST(BinaryElementwise, Errors) {
  auto incompatible = infer_op("Add", {feed(kA), feed(float_tensor({2}, {1, 2}))});
  ASSERT_FALSE(incompatible.is_ok());
  EXPECT_EQ(incompatible.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(incompatible.status().message().find("node 'node' (Add)"), std::string::npos)
      << incompatible.status().message();

  auto mixed = infer_op("Mul", {feed(kA), feed(int64_tensor({3}, {1, 2, 3}))});
  ASSERT_FALSE(mixed.is_ok());
  EXPECT_EQ(mixed.status().code(), StatusCode::kInvalidArgument);

  Tensor bytes(DType::kUInt8, {2});
  auto uint8 = infer_op("Add", {feed(bytes), feed(bytes)});
  ASSERT_FALSE(uint8.is_ok());
  EXPECT_EQ(uint8.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(uint8.status().message().find("uint8"), std::string::npos);
}

TEST(VariadicElementwise, SumOfThreeBroadcastInputs) {
  Tensor y = run_one("Sum", {feed(float_tensor({2}, {1, 2})), feed(float_tensor({2, 1}, {10, 20})),
                             feed(float_tensor({}, {100}))});
  EXPECT_TRUE(tensors_close(y, float_tensor({2, 2}, {111, 112, 121, 122})));
}

TEST(VariadicElementwise, MaxMinOfThree) {
  std::vector<OpArg> args = {feed(float_tensor({3}, {1, 5, 3})), feed(float_tensor({3}, {4, 2, 6})),
                             feed(float_tensor({3}, {0, 0, 7}))};
  EXPECT_TRUE(tensors_close(run_one("Max", args), float_tensor({3}, {4, 5, 7})));
  EXPECT_TRUE(tensors_close(run_one("Min", args), float_tensor({3}, {0, 0, 3})));
}

TEST(VariadicElementwise, OneInputIsACopy) {
  Tensor x = float_tensor({2}, {-1, 2});
  EXPECT_TRUE(tensors_close(run_one("Max", {feed(x)}), x));
  EXPECT_TRUE(tensors_close(run_one("Sum", {feed(x)}), x));
}

TEST(VariadicElementwise, MaxPropagatesNaNAndHandlesInt64) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor y = run_one("Max", {feed(float_tensor({2}, {nan, 1})), feed(float_tensor({2}, {0, 2}))});
  ASSERT_EQ(y.element_count(), 2);
  EXPECT_TRUE(std::isnan(y.data<float>()[0]));
  EXPECT_EQ(y.data<float>()[1], 2.0f);
  Tensor m = run_one("Min", {feed(int64_tensor({3}, {5, -2, 9})), feed(int64_tensor({1}, {3}))});
  EXPECT_TRUE(tensors_close(m, int64_tensor({3}, {3, -2, 3})));
}

TEST(PRelu, SlopeBroadcastsToInput) {
  Tensor y = run_one("PRelu", {feed(float_tensor({2, 3}, {-1, 2, -3, 4, -5, 6})),
                               constant(float_tensor({3}, {0.1f, 0.2f, 0.3f}))});
  EXPECT_TRUE(tensors_close(y, float_tensor({2, 3}, {-0.1f, 2, -0.9f, 4, -1.0f, 6})));
  // Per-channel slope shaped [C,1,1], as exported for conv nets.
  Tensor c = run_one("PRelu", {feed(float_tensor({1, 2, 1, 2}, {-1, -2, 3, -4})),
                               constant(float_tensor({2, 1, 1}, {0.5f, 0.25f}))});
  EXPECT_TRUE(tensors_close(c, float_tensor({1, 2, 1, 2}, {-0.5f, -1, 3, -1})));
}

TEST(PRelu, SlopeThatWouldGrowTheOutputIsAnError) {
  auto g = infer_op("PRelu", {feed(float_tensor({3}, {1, 2, 3})),
                              constant(float_tensor({2, 3}, {1, 1, 1, 1, 1, 1}))});
  ASSERT_FALSE(g.is_ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
}

TEST(Clip, BoundsAsInputs) {
  Tensor x = float_tensor({3}, {-2, 0, 6});
  EXPECT_TRUE(tensors_close(
      run_one("Clip", {feed(x), constant(float_tensor({}, {-1})), constant(float_tensor({}, {5}))}),
      float_tensor({3}, {-1, 0, 5})));
  // Bounds fed at run time rather than constant.
  EXPECT_TRUE(tensors_close(
      run_one("Clip", {feed(x), feed(float_tensor({}, {0})), feed(float_tensor({}, {1}))}),
      float_tensor({3}, {0, 0, 1})));
}

TEST(Clip, MinGreaterThanMaxGivesMax) {
  // test_clip_min_greater_than_max: min = 2, max = 1 → every element 1.
  Tensor y = run_one("Clip", {feed(float_tensor({3}, {-2, 0, 6})), constant(float_tensor({}, {2})),
                              constant(float_tensor({}, {1}))});
  EXPECT_TRUE(tensors_close(y, float_tensor({3}, {1, 1, 1})));
}

TEST(Clip, OmittedBoundsDoNotClip) {
  Tensor x = float_tensor({3}, {-2, 0, 6});
  EXPECT_TRUE(tensors_close(run_one("Clip", {feed(x)}), x));
  EXPECT_TRUE(tensors_close(run_one("Clip", {feed(x), constant(float_tensor({}, {0}))}),
                            float_tensor({3}, {0, 0, 6})));
  EXPECT_TRUE(tensors_close(run_one("Clip", {feed(x), omitted(), constant(float_tensor({}, {1}))}),
                            float_tensor({3}, {-2, 0, 1})));
}

}  // namespace
}  // namespace fovea::testing
