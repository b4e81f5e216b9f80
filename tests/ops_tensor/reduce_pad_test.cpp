// ReduceMean and Pad on hand-computed cases.
#include <gtest/gtest.h>

#include "tests/ops_tensor/op_test_util.h"

namespace fovea::testing {
namespace {

Shape output_shape(const Result<Graph>& g) { return g->value(g->outputs[0]).shape; }

// x[i][j][k] = 4 i + 2 j + k.
const Tensor kCube = float_tensor({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});

TEST(ReduceMean, OneAxisWithAndWithoutKeepdims) {
  const Tensor axes = int64_tensor({1}, {1});
  EXPECT_TRUE(tensors_close(run_one("ReduceMean", {feed(kCube), constant(axes)}),
                            float_tensor({2, 1, 2}, {1, 2, 5, 6})));
  EXPECT_TRUE(tensors_close(
      run_one("ReduceMean", {feed(kCube), constant(axes)}, attrs({{"keepdims", int64_t{0}}})),
      float_tensor({2, 2}, {1, 2, 5, 6})));
  EXPECT_TRUE(tensors_close(run_one("ReduceMean", {feed(kCube), constant(int64_tensor({1}, {-1}))}),
                            float_tensor({2, 2, 1}, {0.5f, 2.5f, 4.5f, 6.5f})));
  EXPECT_TRUE(tensors_close(run_one("ReduceMean", {feed(kCube), feed(int64_tensor({2}, {0, 2}))},
                                    attrs({{"keepdims", int64_t{0}}})),
                            float_tensor({2}, {2.5f, 4.5f})));
}

TEST(ReduceMean, NoAxesReducesAllOrNothing) {
  EXPECT_TRUE(tensors_close(run_one("ReduceMean", {feed(kCube)}), float_tensor({1, 1, 1}, {3.5f})));
  EXPECT_TRUE(tensors_close(run_one("ReduceMean", {feed(kCube)}, attrs({{"keepdims", int64_t{0}}})),
                            float_tensor({}, {3.5f})));
  EXPECT_TRUE(tensors_close(
      run_one("ReduceMean", {feed(kCube)}, attrs({{"noop_with_empty_axes", int64_t{1}}})), kCube));
}

TEST(ReduceMean, GlobalPoolingShapeWithFreeBatch) {
  auto g = infer_op("ReduceMean", {declared(DType::kFloat32, {kDynamicDim, 8, 7, 7}),
                                   constant(int64_tensor({2}, {2, 3}))});
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(output_shape(g), (Shape{kDynamicDim, 8, 1, 1}));
  EXPECT_FALSE(infer_op("ReduceMean", {feed(kCube), constant(int64_tensor({1}, {3}))}).is_ok());
}

TEST(Pad, ConstantValueAtBeginAndEnd) {
  // pads = [begin0, begin1, end0, end1] = [1, 0, 0, 1].
  const Tensor x = float_tensor({2, 2}, {1, 2, 3, 4});
  Tensor y = run_one(
      "Pad", {feed(x), constant(int64_tensor({4}, {1, 0, 0, 1})), constant(float_tensor({}, {9}))});
  EXPECT_TRUE(tensors_close(y, float_tensor({3, 3}, {9, 9, 9, 1, 2, 9, 3, 4, 9})));
  Tensor zero = run_one("Pad", {feed(x), constant(int64_tensor({4}, {0, 1, 0, 0}))});
  EXPECT_TRUE(tensors_close(zero, float_tensor({2, 3}, {0, 1, 2, 0, 3, 4})));
}

TEST(Pad, NegativePadsCrop) {
  const Tensor x = float_tensor({3, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8});
  Tensor y = run_one("Pad", {feed(x), constant(int64_tensor({4}, {-1, 0, 0, -1}))});
  EXPECT_TRUE(tensors_close(y, float_tensor({2, 2}, {3, 4, 6, 7})));
  EXPECT_FALSE(infer_op("Pad", {feed(x), constant(int64_tensor({4}, {-2, 0, -2, 0}))}).is_ok());
}

TEST(Pad, AxesInputAndInt64Data) {
  const Tensor x = float_tensor({2, 2}, {1, 2, 3, 4});
  const Tensor expected = float_tensor({2, 4}, {0, 1, 2, 0, 0, 3, 4, 0});
  EXPECT_TRUE(tensors_close(run_one("Pad", {feed(x), constant(int64_tensor({2}, {1, 1})), omitted(),
                                            constant(int64_tensor({1}, {1}))}),
                            expected));
  EXPECT_TRUE(tensors_close(run_one("Pad", {feed(x), constant(int64_tensor({2}, {1, 1})), omitted(),
                                            constant(int64_tensor({1}, {-1}))}),
                            expected));
  Tensor ints =
      run_one("Pad", {feed(int64_tensor({2}, {5, 6})), constant(int64_tensor({2}, {1, 0})),
                      constant(int64_tensor({}, {-1}))});
  EXPECT_TRUE(tensors_close(ints, int64_tensor({3}, {-1, 5, 6})));
}

TEST(Pad, FreeBatchAndUnsupportedModes) {
  auto g = infer_op("Pad", {declared(DType::kFloat32, {kDynamicDim, 3, 4, 4}),
                            constant(int64_tensor({8}, {0, 0, 1, 1, 0, 0, 1, 1}))});
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(output_shape(g), (Shape{kDynamicDim, 3, 6, 6}));
  auto mirror =
      infer_op("Pad", {feed(float_tensor({2}, {1, 2})), constant(int64_tensor({2}, {1, 1}))},
               attrs({{"mode", std::string("mirror")}}));
  ASSERT_FALSE(mirror.is_ok());
  EXPECT_EQ(mirror.status().code(), StatusCode::kUnsupported);
  auto empty_edge =
      infer_op("Pad", {feed(Tensor(DType::kFloat32, {0})), constant(int64_tensor({2}, {1, 1}))},
               attrs({{"mode", std::string("edge")}}));
  EXPECT_FALSE(empty_edge.is_ok());
}

TEST(Pad, EdgeReflectAndWrapModes) {
  // Pad [1,2,3] by two on each side; expectations as numpy.pad gives them.
  const Tensor x = float_tensor({3}, {1, 2, 3});
  const Tensor pads = int64_tensor({2}, {2, 2});
  auto padded = [&](const char* mode) {
    return run_one("Pad", {feed(x), constant(pads)}, attrs({{"mode", std::string(mode)}}));
  };
  EXPECT_TRUE(tensors_close(padded("edge"), float_tensor({7}, {1, 1, 1, 2, 3, 3, 3})));
  EXPECT_TRUE(tensors_close(padded("reflect"), float_tensor({7}, {3, 2, 1, 2, 3, 2, 1})));
  EXPECT_TRUE(tensors_close(padded("wrap"), float_tensor({7}, {2, 3, 1, 2, 3, 1, 2})));
  // Per-axis on 2-D: reflect one column on the left of [[1,2],[3,4]].
  Tensor y = run_one(
      "Pad", {feed(float_tensor({2, 2}, {1, 2, 3, 4})), constant(int64_tensor({4}, {0, 1, 0, 0}))},
      attrs({{"mode", std::string("reflect")}}));
  EXPECT_TRUE(tensors_close(y, float_tensor({2, 3}, {2, 1, 2, 4, 3, 4})));
}

}  // namespace
}  // namespace fovea::testing
