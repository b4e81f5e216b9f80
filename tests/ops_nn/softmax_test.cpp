// Softmax and LogSoftmax: axis handling, the pre-13 coerce_2d flattening, numerical stability.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"
#include "tests/ops_nn/nn_test_util.h"

namespace fovea::testing {
namespace {

Tensor run_one(const std::string& op, const Tensor& x, Attributes a = {}) {
  auto out = run_node(op, {x}, std::move(a));
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  return out.is_ok() ? (*out)[0] : Tensor();
}

// exp(v_i) / sum_j exp(v_j) computed in double, the textbook way.
std::vector<float> textbook_softmax(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += std::exp(v);
  std::vector<float> out;
  for (double v : values) out.push_back(static_cast<float>(std::exp(v) / sum));
  return out;
}

TEST(Softmax, DefaultAxisIsLast) {
  const Tensor x = float_tensor({2, 3}, {1, 2, 3, 0, 0, 0});
  std::vector<float> want = textbook_softmax({1, 2, 3});
  want.insert(want.end(), 3, 1.0f / 3);
  EXPECT_TRUE(tensors_close(run_one("Softmax", x), expected({2, 3}, want)));
}

TEST(Softmax, AxisZeroNormalisesColumns) {
  const Tensor x = float_tensor({2, 2}, {0, 1, 0, 3});
  const auto col1 = textbook_softmax({1, 3});
  EXPECT_TRUE(tensors_close(run_one("Softmax", x, attrs({{"axis", int64_t{0}}})),
                            expected({2, 2}, {0.5f, col1[0], 0.5f, col1[1]})));
}

TEST(Softmax, LargeInputsStayFinite) {
  const Tensor x = float_tensor({1, 3}, {10000, 10001, 10002});
  EXPECT_TRUE(tensors_close(run_one("Softmax", x), expected({1, 3}, textbook_softmax({0, 1, 2}))));
}

TEST(Softmax, Coerce2dNormalisesTheFlattenedTail) {
  // Shape [2,2,2], axis 1: with coerce_2d each batch row of 4 values is one distribution;
  // without it, each pair along axis 1 is.
  const Tensor x = float_tensor({2, 2, 2}, {0, 1, 2, 3, 0, 0, 0, 0});
  std::vector<float> flat = textbook_softmax({0, 1, 2, 3});
  flat.insert(flat.end(), 4, 0.25f);
  EXPECT_TRUE(
      tensors_close(run_one("Softmax", x, attrs({{"axis", int64_t{1}}, {"coerce_2d", int64_t{1}}})),
                    expected({2, 2, 2}, flat)));
  const auto pair = textbook_softmax({0, 2});  // x[0,:,0] = {0,2}, x[0,:,1] = {1,3}
  EXPECT_TRUE(tensors_close(
      run_one("Softmax", x, attrs({{"axis", int64_t{1}}})),
      expected({2, 2, 2}, {pair[0], pair[0], pair[1], pair[1], 0.5f, 0.5f, 0.5f, 0.5f})));
}

TEST(LogSoftmax, IsLogOfSoftmax) {
  const Tensor x = float_tensor({1, 4}, {-1, 0, 1000, 1001});
  const auto p = textbook_softmax({-1001, -1000, 0, 1});
  std::vector<float> want;
  for (float v : p) want.push_back(std::log(v));
  EXPECT_TRUE(tensors_close(run_one("LogSoftmax", x, attrs({{"axis", int64_t{-1}}})),
                            expected({1, 4}, want), 1e-5, 1e-5));
}

TEST(Softmax, AxisOutOfRangeIsAnError) {
  auto shape = infer_node_shape("Softmax", {{kDynamicDim, 10}}, attrs({{"axis", int64_t{2}}}));
  ASSERT_FALSE(shape.is_ok());
  EXPECT_EQ(shape.status().code(), StatusCode::kInvalidArgument);
  auto ok = infer_node_shape("LogSoftmax", {{kDynamicDim, 10}});
  ASSERT_TRUE(ok.is_ok());
  EXPECT_EQ(*ok, (Shape{kDynamicDim, 10}));
}

}  // namespace
}  // namespace fovea::testing
