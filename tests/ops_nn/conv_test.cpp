// Conv: hand-computed cases, an independent explicit-padding formulation, shape inference
// (auto_pad, free batch) and errors.
#include <gtest/gtest.h>

#include "engine/ops/spatial_params.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"
#include "tests/ops_nn/nn_test_util.h"

namespace fovea::testing {
namespace {

using Ints = std::vector<int64_t>;

Tensor run_one(const std::vector<Tensor>& inputs, Attributes a = {}) {
  auto out = run_node("Conv", inputs, std::move(a));
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  return out.is_ok() ? (*out)[0] : Tensor();
}

TEST(Conv, TwoByTwoOnesKernelSumsWindows) {
  const Tensor x = float_tensor({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor w = float_tensor({1, 1, 2, 2}, {1, 1, 1, 1});
  EXPECT_TRUE(tensors_close(run_one({x, w}), expected({1, 1, 2, 2}, {12, 16, 24, 28})));
}

TEST(Conv, OneDimensionalWithPadsAndBias) {
  // y[i] = x[i-1] - x[i+1] + 0.5, zero outside the input.
  const Tensor x = float_tensor({1, 1, 5}, {1, 2, 3, 4, 5});
  const Tensor w = float_tensor({1, 1, 3}, {1, 0, -1});
  const Tensor b = float_tensor({1}, {0.5f});
  EXPECT_TRUE(tensors_close(run_one({x, w, b}, attrs({{"pads", Ints{1, 1}}})),
                            expected({1, 1, 5}, {-1.5f, -1.5f, -1.5f, -1.5f, 4.5f})));
}

TEST(Conv, DilationSkipsInputs) {
  // Kernel taps 3 apart: y[i] = x[i] + x[i+3].
  const Tensor x = float_tensor({1, 1, 7}, {1, 2, 3, 4, 5, 6, 7});
  const Tensor w = float_tensor({1, 1, 2}, {1, 1});
  EXPECT_TRUE(tensors_close(run_one({x, w}, attrs({{"dilations", Ints{3}}})),
                            expected({1, 1, 4}, {5, 7, 9, 11})));
}

TEST(Conv, ThreeDimensional) {
  const Tensor x = float_tensor({1, 1, 2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  const Tensor w = float_tensor({1, 1, 2, 2, 2}, {1, 1, 1, 1, 1, 1, 1, 1});
  // Windows over the last axis start at 0 and 1: sums of {1,2,4,5,7,8,10,11} and of +1 each.
  EXPECT_TRUE(tensors_close(run_one({x, w}), expected({1, 1, 1, 1, 2}, {48, 56})));
}

TEST(Conv, DepthwiseScalesEachChannel) {
  const Tensor x = float_tensor({1, 2, 1, 2}, {1, 2, 3, 4});
  const Tensor w = float_tensor({2, 1, 1, 1}, {2, 3});
  const Tensor b = float_tensor({2}, {0, 1});
  EXPECT_TRUE(tensors_close(run_one({x, w, b}, attrs({{"group", int64_t{2}}})),
                            expected({1, 2, 1, 2}, {2, 4, 10, 13})));
}

TEST(Conv, GroupsSeeOnlyTheirChannels) {
  // Two groups of two input channels; 1x1 kernels. Group 0 output = x0 + 10 x1, group 1
  // output = 100 x2 + 1000 x3.
  const Tensor x = float_tensor({1, 4, 1, 1}, {1, 2, 3, 4});
  const Tensor w = float_tensor({2, 2, 1, 1}, {1, 10, 100, 1000});
  EXPECT_TRUE(tensors_close(run_one({x, w}, attrs({{"group", int64_t{2}}})),
                            expected({1, 2, 1, 1}, {21, 4300})));
}

TEST(Conv, SameLowerAndSameUpperPadOppositeEnds) {
  const Tensor x = float_tensor({1, 1, 4}, {1, 2, 3, 4});
  const Tensor w = float_tensor({1, 1, 2}, {1, 10});
  // SAME_LOWER: the one pad goes first, y[i] = x[i-1] + 10 x[i].
  EXPECT_TRUE(tensors_close(run_one({x, w}, attrs({{"auto_pad", std::string("SAME_LOWER")}})),
                            expected({1, 1, 4}, {10, 21, 32, 43})));
  // SAME_UPPER: it goes last, y[i] = x[i] + 10 x[i+1].
  EXPECT_TRUE(tensors_close(run_one({x, w}, attrs({{"auto_pad", std::string("SAME_UPPER")}})),
                            expected({1, 1, 4}, {21, 32, 43, 4})));
}

// Independent formulation: copy x into an explicitly zero-padded buffer, then slide the
// kernel with no bounds checks at all.
TEST(Conv, MatchesExplicitlyPaddedDirectSum) {
  const int64_t h = 7, w = 6, kh = 3, kw = 2, sh = 2, sw = 1, dh = 2, dw = 1;
  const Ints pads = {1, 0, 2, 1};  // top, left, bottom, right
  const Tensor x = random_tensor({1, 1, h, w}, 1);
  const Tensor k = random_tensor({1, 1, kh, kw}, 2);
  const int64_t ph = h + pads[0] + pads[2], pw = w + pads[1] + pads[3];
  std::vector<float> padded(static_cast<size_t>(ph * pw), 0.0f);
  for (int64_t i = 0; i < h; ++i) {
    for (int64_t j = 0; j < w; ++j) {
      padded[static_cast<size_t>((i + pads[0]) * pw + j + pads[1])] = x.data<float>()[i * w + j];
    }
  }
  const int64_t oh = (ph - (kh - 1) * dh - 1) / sh + 1, ow = (pw - (kw - 1) * dw - 1) / sw + 1;
  std::vector<float> want;
  for (int64_t i = 0; i < oh; ++i) {
    for (int64_t j = 0; j < ow; ++j) {
      float sum = 0;
      for (int64_t a = 0; a < kh; ++a) {
        for (int64_t b = 0; b < kw; ++b) {
          sum += padded[static_cast<size_t>((i * sh + a * dh) * pw + j * sw + b * dw)] *
                 k.data<float>()[a * kw + b];
        }
      }
      want.push_back(sum);
    }
  }
  const Tensor y = run_one(
      {x, k}, attrs({{"pads", pads}, {"strides", Ints{sh, sw}}, {"dilations", Ints{dh, dw}}}));
  EXPECT_TRUE(tensors_close(y, expected({1, 1, oh, ow}, want), 1e-5, 1e-6));
}

TEST(Conv, ShapeKeepsFreeBatchDynamic) {
  auto shape = infer_node_shape("Conv", {{kDynamicDim, 3, 224, 224}, {64, 3, 7, 7}},
                                attrs({{"strides", Ints{2, 2}}, {"pads", Ints{3, 3, 3, 3}}}));
  ASSERT_TRUE(shape.is_ok()) << shape.status().message();
  EXPECT_EQ(*shape, (Shape{kDynamicDim, 64, 112, 112}));
}

TEST(Conv, DynamicSpatialDimStaysDynamic) {
  auto shape = infer_node_shape("Conv", {{kDynamicDim, 3, kDynamicDim, 32}, {8, 3, 3, 3}},
                                attrs({{"auto_pad", std::string("SAME_UPPER")}}));
  ASSERT_TRUE(shape.is_ok()) << shape.status().message();
  EXPECT_EQ(*shape, (Shape{kDynamicDim, 8, kDynamicDim, 32}));
}

TEST(Conv, AutoPadOutputSizes) {
  auto same =
      infer_node_shape("Conv", {{1, 1, 5, 6}, {2, 1, 3, 3}},
                       attrs({{"auto_pad", std::string("SAME_UPPER")}, {"strides", Ints{2, 2}}}));
  ASSERT_TRUE(same.is_ok()) << same.status().message();
  EXPECT_EQ(*same, (Shape{1, 2, 3, 3}));  // ceil(5/2), ceil(6/2)
  auto valid =
      infer_node_shape("Conv", {{1, 1, 5, 6}, {2, 1, 3, 3}},
                       attrs({{"auto_pad", std::string("VALID")}, {"strides", Ints{2, 2}}}));
  ASSERT_TRUE(valid.is_ok()) << valid.status().message();
  EXPECT_EQ(*valid, (Shape{1, 2, 2, 2}));  // ceil((5-3+1)/2), ceil((6-3+1)/2)
}

TEST(Conv, ResolvedSamePadsSplitTheOddPad) {
  Node node;
  node.op_type = "Conv";
  node.attrs = attrs({{"auto_pad", std::string("SAME_LOWER")}});
  auto lower = resolve_conv(node, {1, 1, 5}, {1, 1, 2});
  ASSERT_TRUE(lower.is_ok()) << lower.status().message();
  EXPECT_EQ(lower->pads_begin, Ints{1});
  EXPECT_EQ(lower->pads_end, Ints{0});
  node.attrs = attrs({{"auto_pad", std::string("SAME_UPPER")}});
  auto upper = resolve_conv(node, {1, 1, 5}, {1, 1, 2});
  ASSERT_TRUE(upper.is_ok()) << upper.status().message();
  EXPECT_EQ(upper->pads_begin, Ints{0});
  EXPECT_EQ(upper->pads_end, Ints{1});
  EXPECT_EQ(upper->output_spatial, Ints{5});
  EXPECT_EQ(upper->output_padding, Ints{0});
}

TEST(Conv, ChannelMismatchNamesTheNodeAndShapes) {
  auto shape = infer_node_shape("Conv", {{1, 1, 224, 224}, {64, 3, 7, 7}});
  ASSERT_FALSE(shape.is_ok());
  EXPECT_EQ(shape.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(shape.status().message().find(
                "test.onnx: node 'node' (Conv): weight shape [64,3,7,7] does not match input "
                "channels 1"),
            std::string::npos)
      << shape.status().message();
}

TEST(Conv, WrongPadsLengthIsAnError) {
  auto shape =
      infer_node_shape("Conv", {{1, 1, 8, 8}, {1, 1, 3, 3}}, attrs({{"pads", Ints{1, 1}}}));
  ASSERT_FALSE(shape.is_ok());
  EXPECT_NE(shape.status().message().find("pads"), std::string::npos);
}

TEST(Conv, NonFloatIsUnsupported) {
  auto shape = infer_node_shape("Conv", {{1, 1, 4, 4}, {1, 1, 3, 3}}, {}, 1, DType::kInt8);
  ASSERT_FALSE(shape.is_ok());
  EXPECT_EQ(shape.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(shape.status().message().find("int8"), std::string::npos);
}

}  // namespace
}  // namespace fovea::testing
