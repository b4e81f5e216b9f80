// ConvTranspose: hand-computed scatters, output_shape / auto_pad padding rules, an independent
// zero-insertion + flipped-kernel Conv formulation, shape inference and errors.
#include <gtest/gtest.h>

#include "engine/ops/spatial_params.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"
#include "tests/ops_nn/nn_test_util.h"

namespace fovea::testing {
namespace {

using Ints = std::vector<int64_t>;

Tensor run_one(const std::vector<Tensor>& inputs, Attributes a = {}) {
  auto out = run_node("ConvTranspose", inputs, std::move(a));
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  return out.is_ok() ? (*out)[0] : Tensor();
}

const Tensor kX = float_tensor({1, 1, 3}, {1, 2, 3});

TEST(ConvTranspose, StrideOneOverlapsTaps) {
  const Tensor w = float_tensor({1, 1, 2}, {1, 1});
  EXPECT_TRUE(tensors_close(run_one({kX, w}), expected({1, 1, 4}, {1, 3, 5, 3})));
}

TEST(ConvTranspose, StrideTwoWithBias) {
  const Tensor w = float_tensor({1, 1, 2}, {1, 10});
  const Tensor b = float_tensor({1}, {0.5f});
  EXPECT_TRUE(tensors_close(run_one({kX, w, b}, attrs({{"strides", Ints{2}}})),
                            expected({1, 1, 6}, {1.5f, 10.5f, 2.5f, 20.5f, 3.5f, 30.5f})));
}

// With w = [1,1,1] and stride 2 the full (unpadded) output of kX is [1,1,3,2,5,3,3].
const Tensor kOnes3 = float_tensor({1, 1, 3}, {1, 1, 1});

TEST(ConvTranspose, PadsCropTheFullOutput) {
  EXPECT_TRUE(
      tensors_close(run_one({kX, kOnes3}, attrs({{"strides", Ints{2}}, {"pads", Ints{2, 1}}})),
                    expected({1, 1, 4}, {3, 2, 5, 3})));
}

TEST(ConvTranspose, OutputPaddingAddsZerosAtTheEnd) {
  EXPECT_TRUE(tensors_close(
      run_one({kX, kOnes3}, attrs({{"strides", Ints{2}}, {"output_padding", Ints{1}}})),
      expected({1, 1, 8}, {1, 1, 3, 2, 5, 3, 3, 0})));
}

TEST(ConvTranspose, LargerOutputShapeAddsZerosAtTheEnd) {
  EXPECT_TRUE(
      tensors_close(run_one({kX, kOnes3}, attrs({{"strides", Ints{2}}, {"output_shape", Ints{8}}})),
                    expected({1, 1, 8}, {1, 1, 3, 2, 5, 3, 3, 0})));
}

TEST(ConvTranspose, SmallerOutputShapeCropsLargerHalfFirst) {
  // Total padding 7 - 4 = 3: NOTSET puts 2 at the start, 1 at the end.
  EXPECT_TRUE(
      tensors_close(run_one({kX, kOnes3}, attrs({{"strides", Ints{2}}, {"output_shape", Ints{4}}})),
                    expected({1, 1, 4}, {3, 2, 5, 3})));
}

TEST(ConvTranspose, AutoPadSameGivesInputTimesStride) {
  // Output 6, total padding 1: SAME_UPPER crops the end, SAME_LOWER the start.
  EXPECT_TRUE(tensors_close(
      run_one({kX, kOnes3}, attrs({{"strides", Ints{2}}, {"auto_pad", std::string("SAME_UPPER")}})),
      expected({1, 1, 6}, {1, 1, 3, 2, 5, 3})));
  EXPECT_TRUE(tensors_close(
      run_one({kX, kOnes3}, attrs({{"strides", Ints{2}}, {"auto_pad", std::string("SAME_LOWER")}})),
      expected({1, 1, 6}, {1, 3, 2, 5, 3, 3})));
}

TEST(ConvTranspose, GroupsMapChannelsSeparately) {
  // x channels 0,1 in group 0 and 1; each group has 2 output channels with 1x1 kernels.
  const Tensor x = float_tensor({1, 2, 1, 1}, {1, 2});
  const Tensor w = float_tensor({2, 2, 1, 1}, {1, 2, 3, 4});
  EXPECT_TRUE(tensors_close(run_one({x, w}, attrs({{"group", int64_t{2}}})),
                            expected({1, 4, 1, 1}, {1, 2, 6, 8})));
}

// Independent formulation: a transposed convolution is a plain convolution of the input with
// (stride-1) zeros inserted between elements, padded by dilated_kernel - 1 - pad on each side
// (plus output_padding at the end), with the kernel flipped.
TEST(ConvTranspose, MatchesZeroInsertionConvolution) {
  const int64_t h = 3, w = 4, kh = 3, kw = 2, sh = 2, sw = 3, dh = 1, dw = 2;
  const Ints pads = {1, 0, 0, 1};  // top, left, bottom, right
  const Ints output_padding = {1, 0};
  const Tensor x = random_tensor({1, 1, h, w}, 3);
  const Tensor k = random_tensor({1, 1, kh, kw}, 4);
  const int64_t ekh = (kh - 1) * dh + 1, ekw = (kw - 1) * dw + 1;
  const int64_t top = ekh - 1 - pads[0], left = ekw - 1 - pads[1];
  const int64_t bottom = ekh - 1 - pads[2] + output_padding[0];
  const int64_t right = ekw - 1 - pads[3] + output_padding[1];
  const int64_t uh = (h - 1) * sh + 1 + top + bottom, uw = (w - 1) * sw + 1 + left + right;
  std::vector<float> up(static_cast<size_t>(uh * uw), 0.0f);
  for (int64_t i = 0; i < h; ++i) {
    for (int64_t j = 0; j < w; ++j) {
      up[static_cast<size_t>((top + i * sh) * uw + left + j * sw)] = x.data<float>()[i * w + j];
    }
  }
  const int64_t oh = uh - ekh + 1, ow = uw - ekw + 1;
  std::vector<float> want;
  for (int64_t i = 0; i < oh; ++i) {
    for (int64_t j = 0; j < ow; ++j) {
      float sum = 0;
      for (int64_t a = 0; a < kh; ++a) {
        for (int64_t b = 0; b < kw; ++b) {
          const float flipped = k.data<float>()[(kh - 1 - a) * kw + (kw - 1 - b)];
          sum += up[static_cast<size_t>((i + a * dh) * uw + j + b * dw)] * flipped;
        }
      }
      want.push_back(sum);
    }
  }
  const Tensor y = run_one({x, k}, attrs({{"pads", pads},
                                          {"strides", Ints{sh, sw}},
                                          {"dilations", Ints{dh, dw}},
                                          {"output_padding", output_padding}}));
  EXPECT_TRUE(tensors_close(y, expected({1, 1, oh, ow}, want), 1e-5, 1e-6));
}

TEST(ConvTranspose, ShapeWithGroupsAndFreeBatch) {
  auto shape = infer_node_shape(
      "ConvTranspose", {{kDynamicDim, 8, 16, 16}, {8, 4, 4, 4}},
      attrs({{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}, {"group", int64_t{2}}}));
  ASSERT_TRUE(shape.is_ok()) << shape.status().message();
  EXPECT_EQ(*shape, (Shape{kDynamicDim, 8, 32, 32}));
}

TEST(ConvTranspose, ResolvedOutputShapeSetsPads) {
  Node node;
  node.op_type = "ConvTranspose";
  node.attrs = attrs({{"strides", Ints{3, 2}}, {"output_shape", Ints{10, 8}}});
  auto params = resolve_conv_transpose(node, {1, 1, 3, 3}, {1, 2, 3, 3});
  ASSERT_TRUE(params.is_ok()) << params.status().message();
  EXPECT_EQ(params->output_spatial, (Ints{10, 8}));
  // Full sizes 9 and 7: total padding -1 each, which floor-halves to (0, -1).
  EXPECT_EQ(params->pads_begin, (Ints{0, 0}));
  EXPECT_EQ(params->pads_end, (Ints{-1, -1}));
}

TEST(ConvTranspose, ChannelMismatchIsAnError) {
  auto shape = infer_node_shape("ConvTranspose", {{1, 4, 5, 5}, {3, 2, 3, 3}});
  ASSERT_FALSE(shape.is_ok());
  EXPECT_NE(shape.status().message().find("weight shape [3,2,3,3] does not match input channels 4"),
            std::string::npos)
      << shape.status().message();
}

}  // namespace
}  // namespace fovea::testing
