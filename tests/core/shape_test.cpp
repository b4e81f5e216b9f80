#include <limits>

#include <gtest/gtest.h>

#include "engine/core/shape.h"

namespace fovea {
namespace {

TEST(Shape, ElementCountOfStaticShape) {
  EXPECT_EQ(element_count({2, 3, 4}), 24);
  EXPECT_EQ(element_count({}), 1);  // a scalar
  EXPECT_EQ(element_count({5, 0, 7}), 0);
}

TEST(Shape, ElementCountRefusesDynamicAndOverflow) {
  EXPECT_FALSE(element_count({kDynamicDim, 3}));
  EXPECT_FALSE(element_count({-5}));
  const int64_t big = int64_t{1} << 40;
  EXPECT_FALSE(element_count({big, big}));  // 2^80 would wrap around
  EXPECT_EQ(element_count({big, 4}), big * 4);
}

TEST(Shape, PrintsFreeBatchAsN) {
  EXPECT_EQ(shape_to_string({kDynamicDim, 3, 224, 224}), "[N,3,224,224]");
  EXPECT_EQ(shape_to_string({1, kDynamicDim}), "[1,?]");
  EXPECT_EQ(shape_to_string({}), "[]");
}

TEST(Shape, NormalizeAxis) {
  EXPECT_EQ(normalize_axis(-1, 4), 3);
  EXPECT_EQ(normalize_axis(0, 4), 0);
  EXPECT_FALSE(normalize_axis(4, 4));
  EXPECT_FALSE(normalize_axis(-5, 4));
}

TEST(Shape, BroadcastFollowsNumpyRules) {
  EXPECT_EQ(broadcast_shapes({2, 3, 4}, {4}), (Shape{2, 3, 4}));
  EXPECT_EQ(broadcast_shapes({2, 1, 4}, {3, 1}), (Shape{2, 3, 4}));
  EXPECT_EQ(broadcast_shapes({}, {5}), (Shape{5}));
  EXPECT_FALSE(broadcast_shapes({2, 3}, {4}));
  EXPECT_EQ(broadcast_shapes({kDynamicDim, 3}, {1, 3}), (Shape{kDynamicDim, 3}));
  EXPECT_EQ(broadcast_shapes({kDynamicDim, 3}, {5, 3}), (Shape{5, 3}));
}

TEST(Shape, RowMajorStrides) {
  EXPECT_EQ(row_major_strides({2, 3, 4}), (std::vector<int64_t>{12, 4, 1}));
  EXPECT_TRUE(row_major_strides({}).empty());
}

}  // namespace
}  // namespace fovea
