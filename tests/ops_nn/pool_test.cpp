// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool: hand-computed windows, padding and
// ceil_mode rules, shape inference and unsupported cases.
#include <gtest/gtest.h>

#include "engine/ops/spatial_params.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"
#include "tests/ops_nn/nn_test_util.h"

namespace fovea::testing {
namespace {

using Ints = std::vector<int64_t>;

Tensor run_one(const std::string& op, const Tensor& x, Attributes a) {
  auto out = run_node(op, {x}, std::move(a));
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  return out.is_ok() ? (*out)[0] : Tensor();
}

TEST(MaxPool, TwoByTwoStrideTwo) {
  std::vector<float> values;
  for (int i = 1; i <= 16; ++i) values.push_back(static_cast<float>(i));
  const Tensor x = float_tensor({1, 1, 4, 4}, values);
  EXPECT_TRUE(tensors_close(
      run_one("MaxPool", x, attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}})),
      expected({1, 1, 2, 2}, {6, 8, 14, 16})));
}

TEST(MaxPool, PaddingNeverWinsOverNegativeValues) {
  const Tensor x = float_tensor({1, 1, 3}, {-1, -2, -3});
  EXPECT_TRUE(
      tensors_close(run_one("MaxPool", x, attrs({{"kernel_shape", Ints{2}}, {"pads", Ints{1, 1}}})),
                    expected({1, 1, 4}, {-1, -1, -2, -3})));
}

TEST(MaxPool, DilatedWindow) {
  const Tensor x = float_tensor({1, 1, 5}, {1, 5, 2, 4, 3});
  // Windows {0,2}, {1,3}, {2,4}.
  EXPECT_TRUE(tensors_close(
      run_one("MaxPool", x, attrs({{"kernel_shape", Ints{2}}, {"dilations", Ints{2}}})),
      expected({1, 1, 3}, {2, 5, 3})));
}

TEST(MaxPool, IndicesOutputIsUnsupported) {
  auto shape =
      infer_node_shape("MaxPool", {{1, 1, 4, 4}}, attrs({{"kernel_shape", Ints{2, 2}}}), 2);
  ASSERT_FALSE(shape.is_ok());
  EXPECT_EQ(shape.status().code(), StatusCode::kUnsupported);
}

TEST(MaxPool, Uint8IsUnsupported) {
  auto shape = infer_node_shape("MaxPool", {{1, 1, 4, 4}}, attrs({{"kernel_shape", Ints{2, 2}}}), 1,
                                DType::kUInt8);
  ASSERT_FALSE(shape.is_ok());
  EXPECT_EQ(shape.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(shape.status().message().find("uint8"), std::string::npos);
}

TEST(AveragePool, CountIncludePadCountsExplicitPads) {
  const Tensor x = float_tensor({1, 1, 3}, {1, 2, 3});
  Attributes a = attrs({{"kernel_shape", Ints{2}}, {"pads", Ints{1, 1}}});
  EXPECT_TRUE(tensors_close(run_one("AveragePool", x, a), expected({1, 1, 4}, {1, 1.5f, 2.5f, 3})));
  a.set("count_include_pad", int64_t{1});
  EXPECT_TRUE(
      tensors_close(run_one("AveragePool", x, a), expected({1, 1, 4}, {0.5f, 1.5f, 2.5f, 1.5f})));
}

TEST(AveragePool, CeilModeWindowIgnoresImplicitPadding) {
  const Tensor x = float_tensor({1, 1, 5}, {1, 2, 3, 4, 5});
  // ceil((5-2)/2)+1 = 3 windows: {1,2}, {3,4}, {5}; the last one's missing tap is ceil-mode
  // padding, not counted even with count_include_pad.
  for (int64_t include : {0, 1}) {
    EXPECT_TRUE(tensors_close(run_one("AveragePool", x,
                                      attrs({{"kernel_shape", Ints{2}},
                                             {"strides", Ints{2}},
                                             {"ceil_mode", int64_t{1}},
                                             {"count_include_pad", include}})),
                              expected({1, 1, 3}, {1.5f, 3.5f, 5})))
        << "count_include_pad " << include;
  }
}

TEST(AveragePool, ThreeDimensional) {
  const Tensor x = float_tensor({1, 1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_TRUE(tensors_close(run_one("AveragePool", x, attrs({{"kernel_shape", Ints{2, 2, 2}}})),
                            expected({1, 1, 1, 1, 1}, {4.5f})));
}

TEST(Pool, CeilModeOutputSizes) {
  // floor((6-3)/2)+1 = 2 vs ceil((6-3)/2)+1 = 3.
  const Attributes floor_mode = attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}});
  Attributes ceil_mode = floor_mode;
  ceil_mode.set("ceil_mode", int64_t{1});
  auto f = infer_node_shape("MaxPool", {{kDynamicDim, 4, 6, 6}}, floor_mode);
  auto c = infer_node_shape("AveragePool", {{kDynamicDim, 4, 6, 6}}, ceil_mode);
  ASSERT_TRUE(f.is_ok() && c.is_ok());
  EXPECT_EQ(*f, (Shape{kDynamicDim, 4, 2, 2}));
  EXPECT_EQ(*c, (Shape{kDynamicDim, 4, 3, 3}));
}

TEST(Pool, CeilModeLastWindowMustStartInsideInputOrLeftPad) {
  // Input 2, kernel 1, stride 2: ceil gives 2 windows but the second would start at 2, past
  // the input, so only 1 remains (ONNX test_maxpool_2d_ceil_output_size_reduce_by_one).
  auto a = infer_node_shape(
      "MaxPool", {{1, 1, 2, 2}},
      attrs({{"kernel_shape", Ints{1, 1}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}}));
  ASSERT_TRUE(a.is_ok()) << a.status().message();
  EXPECT_EQ(*a, (Shape{1, 1, 1, 1}));
  // Input 2 with pads 1/1, kernel 1, stride 2: ceil(3/2)+1 = 3, but window 2 starts at
  // 4 - 1 = 3 >= 2 (in the right pad), so 2 remain.
  auto b = infer_node_shape("AveragePool", {{1, 1, 2}},
                            attrs({{"kernel_shape", Ints{1}},
                                   {"strides", Ints{2}},
                                   {"pads", Ints{1, 1}},
                                   {"ceil_mode", int64_t{1}}}));
  ASSERT_TRUE(b.is_ok()) << b.status().message();
  EXPECT_EQ(*b, (Shape{1, 1, 2}));
}

TEST(Pool, AutoPadSame) {
  Node node;
  node.op_type = "MaxPool";
  node.attrs = attrs(
      {{"kernel_shape", Ints{3}}, {"strides", Ints{2}}, {"auto_pad", std::string("SAME_LOWER")}});
  auto params = resolve_pool(node, {1, 1, 6});
  ASSERT_TRUE(params.is_ok()) << params.status().message();
  // out = ceil(6/2) = 3; total pad = (3-1)*2 + 3 - 6 = 1, first for SAME_LOWER.
  EXPECT_EQ(params->output_spatial, Ints{3});
  EXPECT_EQ(params->pads_begin, Ints{1});
  EXPECT_EQ(params->pads_end, Ints{0});
}

TEST(Pool, MissingKernelShapeIsAnError) {
  auto shape = infer_node_shape("AveragePool", {{1, 1, 4, 4}});
  ASSERT_FALSE(shape.is_ok());
  EXPECT_EQ(shape.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(shape.status().message().find("kernel_shape"), std::string::npos);
}

TEST(GlobalPool, AverageAndMaxPerChannel) {
  const Tensor x = float_tensor({1, 2, 2, 2}, {1, 2, 3, 6, -1, -2, -3, -4});
  EXPECT_TRUE(
      tensors_close(run_one("GlobalAveragePool", x, {}), expected({1, 2, 1, 1}, {3, -2.5f})));
  EXPECT_TRUE(tensors_close(run_one("GlobalMaxPool", x, {}), expected({1, 2, 1, 1}, {6, -1})));
}

TEST(GlobalPool, AnyRankAtLeastThree) {
  auto one_d = infer_node_shape("GlobalAveragePool", {{kDynamicDim, 3, 7}});
  auto three_d = infer_node_shape("GlobalMaxPool", {{2, 3, 4, 5, 6}});
  ASSERT_TRUE(one_d.is_ok() && three_d.is_ok());
  EXPECT_EQ(*one_d, (Shape{kDynamicDim, 3, 1}));
  EXPECT_EQ(*three_d, (Shape{2, 3, 1, 1, 1}));
  EXPECT_FALSE(infer_node_shape("GlobalMaxPool", {{2, 3}}).is_ok());
}

}  // namespace
}  // namespace fovea::testing
