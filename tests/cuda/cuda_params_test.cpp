// ONNX → cuDNN/cuBLAS parameter mapping (cuda_params.h): what each descriptor gets, and the
// geometry that must be declined (so the reference runs it). No GPU needed.
#include "engine/backends/cuda/cuda_params.h"

#include <gtest/gtest.h>

namespace fovea::cuda {
namespace {

using Ints = std::vector<int>;

SpatialParams params_2d(std::vector<int64_t> kernel, std::vector<int64_t> strides,
                        std::vector<int64_t> pads_begin, std::vector<int64_t> pads_end,
                        std::vector<int64_t> output) {
  SpatialParams p;
  p.kernel = std::move(kernel);
  p.strides = std::move(strides);
  p.dilations.assign(p.kernel.size(), 1);
  p.pads_begin = std::move(pads_begin);
  p.pads_end = std::move(pads_end);
  p.output_padding.assign(p.kernel.size(), 0);
  p.output_spatial = std::move(output);
  return p;
}

TEST(CudaParams, ConvMapsSymmetricPaddingStridesAndGroups) {
  SpatialParams p = params_2d({3, 3}, {2, 2}, {1, 1}, {1, 1}, {4, 4});
  p.group = 2;
  auto d = map_conv(p, {1, 4, 8, 8}, {6, 2, 3, 3}, {1, 6, 4, 4});
  ASSERT_TRUE(d.is_ok()) << d.status().message();
  EXPECT_EQ(d->x_dims, (Ints{1, 4, 8, 8}));
  EXPECT_EQ(d->w_dims, (Ints{6, 2, 3, 3}));
  EXPECT_EQ(d->y_dims, (Ints{1, 6, 4, 4}));
  EXPECT_EQ(d->pads, (Ints{1, 1}));
  EXPECT_EQ(d->strides, (Ints{2, 2}));
  EXPECT_EQ(d->dilations, (Ints{1, 1}));
  EXPECT_EQ(d->group, 2);
}

TEST(CudaParams, ConvDeclinesAsymmetricPadding) {
  const SpatialParams p = params_2d({3, 3}, {1, 1}, {0, 1}, {1, 1}, {8, 8});
  auto d = map_conv(p, {1, 1, 8, 8}, {1, 1, 3, 3}, {1, 1, 8, 8});
  ASSERT_FALSE(d.is_ok());
  EXPECT_NE(d.status().message().find("asymmetric"), std::string::npos);
}

TEST(CudaParams, ConvPrePadsAsymmetricPadding) {
  // TensorFlow's SAME at stride 2 on an even size: one row and column at the end only.
  const SpatialParams p = params_2d({3, 3}, {2, 2}, {0, 0}, {1, 1}, {4, 4});
  auto d = map_conv_prepadded(p, {2, 3, 8, 8}, {5, 3, 3, 3}, {2, 5, 4, 4});
  ASSERT_TRUE(d.is_ok()) << d.status().message();
  EXPECT_EQ(d->conv.x_dims, (Ints{2, 3, 9, 9}));
  EXPECT_EQ(d->conv.pads, (Ints{0, 0}));
  EXPECT_EQ(d->conv.strides, (Ints{2, 2}));
  EXPECT_EQ(d->padded_count, 2 * 3 * 9 * 9);
  EXPECT_EQ(d->pad.rank, 4);
  EXPECT_EQ(d->pad.out_dims[2], 9);
  EXPECT_EQ(d->pad.begin[2], 0);
  EXPECT_EQ(d->pad.begin[1], 0);
  EXPECT_EQ(d->pad.mode, PadMode::kConstant);
  EXPECT_EQ(d->pad.fill, 0.0f);
  // Negative pads (a crop) are not padding.
  const SpatialParams crop = params_2d({3, 3}, {1, 1}, {-1, 0}, {0, 0}, {5, 6});
  EXPECT_FALSE(map_conv_prepadded(crop, {1, 1, 8, 8}, {1, 1, 3, 3}, {1, 1, 5, 6}).is_ok());
}

TEST(CudaParams, ConvLiftsOneDimensionalToTwo) {
  SpatialParams p;
  p.kernel = {3};
  p.strides = {2};
  p.dilations = {2};
  p.pads_begin = {1};
  p.pads_end = {1};
  p.output_spatial = {7};
  auto d = map_conv(p, {1, 3, 16}, {4, 3, 3}, {1, 4, 7});
  ASSERT_TRUE(d.is_ok()) << d.status().message();
  EXPECT_EQ(d->x_dims, (Ints{1, 3, 1, 16}));
  EXPECT_EQ(d->w_dims, (Ints{4, 3, 1, 3}));
  EXPECT_EQ(d->y_dims, (Ints{1, 4, 1, 7}));
  EXPECT_EQ(d->pads, (Ints{0, 1}));
  EXPECT_EQ(d->strides, (Ints{1, 2}));
  EXPECT_EQ(d->dilations, (Ints{1, 2}));
}

TEST(CudaParams, ConvChecksTheOutputSizeAgainstCudnns) {
  const SpatialParams p = params_2d({3, 3}, {1, 1}, {1, 1}, {1, 1}, {8, 8});
  EXPECT_FALSE(map_conv(p, {1, 1, 8, 8}, {1, 1, 3, 3}, {1, 1, 9, 9}).is_ok());
}

TEST(CudaParams, PoolMapsWindowAndDeclinesWhatCudnnCannotDo) {
  const SpatialParams p = params_2d({3, 3}, {2, 2}, {1, 1}, {1, 1}, {56, 56});
  auto d = map_pool(p, {1, 64, 112, 112}, {1, 64, 56, 56});
  ASSERT_TRUE(d.is_ok()) << d.status().message();
  EXPECT_EQ(d->window, (Ints{3, 3}));
  EXPECT_EQ(d->pads, (Ints{1, 1}));
  EXPECT_EQ(d->strides, (Ints{2, 2}));
  // ceil_mode adding a row (GoogLeNet's 3x3/2 pools): cuDNN floors, so decline.
  const SpatialParams ceil = params_2d({3, 3}, {2, 2}, {0, 0}, {0, 0}, {57, 57});
  EXPECT_FALSE(map_pool(ceil, {1, 64, 114, 114}, {1, 64, 57, 57}).is_ok());
  SpatialParams dilated = params_2d({2, 2}, {1, 1}, {0, 0}, {0, 0}, {6, 6});
  dilated.dilations = {2, 2};
  EXPECT_FALSE(map_pool(dilated, {1, 1, 8, 8}, {1, 1, 6, 6}).is_ok());
}

TEST(CudaParams, DirectPoolTakesWhatCudnnCannotExpress) {
  // GoogLeNet's 3x3/2 ceil_mode pool on 114: ONNX gives 57 where cuDNN's floor gives 56.
  const SpatialParams ceil = params_2d({3, 3}, {2, 2}, {0, 0}, {0, 0}, {57, 57});
  auto d = map_direct_pool(ceil, {2, 64, 114, 114}, {2, 64, 57, 57}, true, false);
  ASSERT_TRUE(d.is_ok()) << d.status().message();
  EXPECT_EQ(d->planes, 128);
  // Two spatial dims sit last; the first of the three stays unit.
  EXPECT_EQ(d->in[0], 1);
  EXPECT_EQ(d->in[1], 114);
  EXPECT_EQ(d->out[2], 57);
  EXPECT_EQ(d->kernel[0], 1);
  EXPECT_EQ(d->kernel[1], 3);
  EXPECT_EQ(d->strides[2], 2);
  EXPECT_TRUE(d->max);
  // Asymmetric pads [top, left, bottom, right] = [0, 1, 1, 0], averaged with the pads counted.
  const SpatialParams asym = params_2d({2, 2}, {1, 1}, {0, 1}, {1, 0}, {7, 7});
  auto a = map_direct_pool(asym, {1, 2, 7, 7}, {1, 2, 7, 7}, false, true);
  ASSERT_TRUE(a.is_ok()) << a.status().message();
  EXPECT_EQ(a->pads_begin[1], 0);
  EXPECT_EQ(a->pads_begin[2], 1);
  EXPECT_EQ(a->pads_end[1], 1);
  EXPECT_EQ(a->pads_end[2], 0);
  EXPECT_FALSE(a->max);
  EXPECT_TRUE(a->count_include_pad);
  // A 1-D dilated pool: its one spatial dim is the last.
  SpatialParams dilated = params_2d({3, 3}, {1, 1}, {0, 0}, {0, 0}, {13, 13});
  dilated.kernel = {3};
  dilated.strides = {1};
  dilated.dilations = {2};
  dilated.pads_begin = {0};
  dilated.pads_end = {0};
  dilated.output_spatial = {13};
  auto one = map_direct_pool(dilated, {2, 3, 17}, {2, 3, 13}, true, false);
  ASSERT_TRUE(one.is_ok()) << one.status().message();
  EXPECT_EQ(one->in[2], 17);
  EXPECT_EQ(one->dilations[2], 2);
  EXPECT_EQ(one->in[1], 1);
  // An output shape that is not the pooling's is refused, as is a rank beyond three spatial dims.
  EXPECT_FALSE(map_direct_pool(ceil, {2, 64, 114, 114}, {2, 64, 56, 56}, true, false).is_ok());
  EXPECT_FALSE(
      map_direct_pool(ceil, {1, 1, 2, 114, 114, 1}, {1, 1, 2, 57, 57, 1}, true, false).is_ok());
}

TEST(CudaParams, GlobalPoolWindowIsTheWholeSpatialExtent) {
  auto d = map_global_pool({2, 512, 7, 7});
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(d->window, (Ints{7, 7}));
  EXPECT_EQ(d->y_dims, (Ints{2, 512, 1, 1}));
  EXPECT_EQ(d->pads, (Ints{0, 0}));
}

TEST(CudaParams, SoftmaxViewFollowsOnnxAxisSemantics) {
  auto last = map_softmax({2, 3, 4}, -1, false);  // opset 13: along the last dim only
  ASSERT_TRUE(last.is_ok());
  EXPECT_EQ(last->n, 6);
  EXPECT_EQ(last->c, 4);
  EXPECT_EQ(last->inner, 1);
  auto middle = map_softmax({2, 3, 4}, 1, false);  // along dim 1, dims after it are separate
  ASSERT_TRUE(middle.is_ok());
  EXPECT_EQ(middle->n, 2);
  EXPECT_EQ(middle->c, 3);
  EXPECT_EQ(middle->inner, 4);
  auto coerced = map_softmax({2, 3, 4}, 1, true);  // opset < 13: dims [1..) flattened
  ASSERT_TRUE(coerced.is_ok());
  EXPECT_EQ(coerced->n, 2);
  EXPECT_EQ(coerced->c, 12);
  EXPECT_EQ(coerced->inner, 1);
  EXPECT_FALSE(map_softmax({2, 3}, 2, false).is_ok());
}

TEST(CudaParams, BroadcastStridesAreZeroAlongBroadcastDims) {
  auto index = broadcast_index({2, 3, 4, 5}, {1, 3, 1, 1}, {2, 3, 4, 5});  // per channel
  ASSERT_TRUE(index.is_ok());
  EXPECT_EQ(index->rank, 4);
  EXPECT_EQ(std::vector<int64_t>(index->a_strides, index->a_strides + 4),
            (std::vector<int64_t>{60, 20, 5, 1}));
  EXPECT_EQ(std::vector<int64_t>(index->b_strides, index->b_strides + 4),
            (std::vector<int64_t>{0, 1, 0, 0}));
  auto suffix = broadcast_index({4, 5}, {5}, {4, 5});  // missing leading dims broadcast
  ASSERT_TRUE(suffix.is_ok());
  EXPECT_EQ(suffix->b_strides[0], 0);
  EXPECT_EQ(suffix->b_strides[1], 1);
  EXPECT_FALSE(broadcast_index({2, 3}, {4}, {2, 3}).is_ok());
  EXPECT_FALSE(broadcast_index({1, 1, 1, 1, 1, 1, 2}, {2}, {1, 1, 1, 1, 1, 1, 2}).is_ok());
}

TEST(CudaParams, GemmLeadingDimsFollowTheStoredRowLength) {
  auto plain = map_gemm({8, 16}, {16, 32}, false, false);
  ASSERT_TRUE(plain.is_ok());
  EXPECT_EQ(plain->m, 8);
  EXPECT_EQ(plain->n, 32);
  EXPECT_EQ(plain->k, 16);
  EXPECT_EQ(plain->lda, 16);
  EXPECT_EQ(plain->ldb, 32);
  EXPECT_EQ(plain->ldy, 32);
  auto fc = map_gemm({1, 2048}, {1000, 2048}, false, true);  // a classifier's FC layer
  ASSERT_TRUE(fc.is_ok());
  EXPECT_EQ(fc->n, 1000);
  EXPECT_EQ(fc->k, 2048);
  EXPECT_EQ(fc->ldb, 2048);
  EXPECT_TRUE(fc->trans_b);
  auto ta = map_gemm({16, 8}, {16, 32}, true, false);
  ASSERT_TRUE(ta.is_ok());
  EXPECT_EQ(ta->m, 8);
  EXPECT_EQ(ta->lda, 8);
  EXPECT_FALSE(map_gemm({8, 16}, {15, 32}, false, false).is_ok());
}

TEST(CudaParams, MatMulFoldsSharedWeightsAndBatchesTheRest) {
  auto folded = map_matmul({2, 3, 4, 8}, {8, 5});
  ASSERT_TRUE(folded.is_ok());
  EXPECT_EQ(folded->m, 24);
  EXPECT_EQ(folded->batch, 1);
  auto batched = map_matmul({6, 4, 8}, {6, 8, 5});
  ASSERT_TRUE(batched.is_ok());
  EXPECT_EQ(batched->batch, 6);
  EXPECT_EQ(batched->stride_a, 32);
  EXPECT_EQ(batched->stride_b, 40);
  EXPECT_EQ(batched->stride_y, 20);
  auto shared_a = map_matmul({1, 4, 8}, {6, 8, 5});
  ASSERT_TRUE(shared_a.is_ok());
  EXPECT_EQ(shared_a->stride_a, 0);
  EXPECT_FALSE(map_matmul({2, 1, 4, 8}, {1, 3, 8, 5}).is_ok());  // mixed broadcasting
  EXPECT_FALSE(map_matmul({8}, {8, 5}).is_ok());
}

TEST(CudaParams, FusedActivationReadsTheNodesAttributes) {
  Node node;
  node.attrs.set("activation", std::string("Clip"));
  node.attrs.set("activation_alpha", 0.0f);
  node.attrs.set("activation_beta", 6.0f);
  auto act = fused_activation(node);
  ASSERT_TRUE(act.is_ok());
  EXPECT_EQ(act->kind, Act::kClip);
  EXPECT_EQ(act->beta, 6.0f);
  EXPECT_EQ(fused_activation(Node{})->kind, Act::kNone);
  EXPECT_FALSE(activation_by_name("Softplus", 0, 0).is_ok());
}

}  // namespace
}  // namespace fovea::cuda
