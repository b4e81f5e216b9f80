#include <gtest/gtest.h>

#include "engine/core/tensor.h"

namespace fovea {
namespace {

TEST(Tensor, AllocatesZeroedAlignedMemory) {
  auto t = Tensor::allocate(DType::kFloat32, {3, 5});
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->element_count(), 15);
  EXPECT_EQ(t->byte_size(), 60u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t->raw_data()) % 64, 0u);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(t->data<float>()[i], 0.0f);
}

TEST(Tensor, RefusesDynamicOverflowingAndHugeShapes) {
  EXPECT_EQ(Tensor::allocate(DType::kFloat32, {kDynamicDim, 3}).status().code(),
            StatusCode::kOutOfRange);
  const int64_t big = int64_t{1} << 40;
  EXPECT_EQ(Tensor::allocate(DType::kFloat32, {big, big}).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(Tensor::allocate(DType::kFloat32, {int64_t{1} << 62}).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(Tensor::allocate(DType::kOther, {2}).status().code(), StatusCode::kUnsupported);
}

TEST(Tensor, CopiesShareDataClonesDoNot) {
  Tensor a(DType::kFloat32, {4});
  Tensor shared = a;
  Tensor deep = a.clone();
  a.data<float>()[2] = 7.0f;
  EXPECT_EQ(shared.data<float>()[2], 7.0f);
  EXPECT_EQ(deep.data<float>()[2], 0.0f);
}

TEST(Tensor, ReshapedSharesTheBuffer) {
  Tensor a(DType::kInt64, {2, 3});
  a.data<int64_t>()[5] = 42;
  Tensor b = a.reshaped({6});
  EXPECT_EQ(b.shape(), (Shape{6}));
  EXPECT_EQ(b.data<int64_t>()[5], 42);
  EXPECT_EQ(b.raw_data(), a.raw_data());
}

TEST(Tensor, WrapDoesNotOwn) {
  float buffer[6] = {1, 2, 3, 4, 5, 6};
  Tensor view = Tensor::wrap(DType::kFloat32, {2, 3}, buffer);
  EXPECT_EQ(view.data<float>(), buffer);
  EXPECT_EQ(view.as_double(4), 5.0);
  EXPECT_EQ(describe(view), "float32[2,3]");
}

TEST(Tensor, DefaultIsEmpty) {
  EXPECT_TRUE(Tensor().empty());
  EXPECT_FALSE(Tensor(DType::kFloat32, {}).empty());  // a scalar is not empty
}

}  // namespace
}  // namespace fovea
