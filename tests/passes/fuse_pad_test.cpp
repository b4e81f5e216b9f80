// fuse_pad: a constant Pad over spatial dims folded into the next Conv's or pool's pads.
#include <gtest/gtest.h>

#include <limits>

#include "engine/passes/passes.h"
#include "tests/common/tensor_testing.h"
#include "tests/passes/pass_testing.h"

namespace fovea::testing {
namespace {

const Pass kFusePad = fuse_pad;

// x [1,3,6,6] → Pad(pads, value) → reader (with its own attributes).
Graph pad_then(const std::vector<int64_t>& pads, float value, const std::string& reader,
               Attributes reader_attrs, const std::string& mode = "constant") {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 3, 6, 6});
  const ValueId padded =
      b.op("Pad",
           {x, b.constant("pads", int64_tensor({static_cast<int64_t>(pads.size())}, pads)),
            b.constant("value", float_tensor({}, {value}))},
           attrs({{"mode", mode}}));
  std::vector<ValueId> inputs = {padded};
  if (reader == "Conv") inputs.push_back(b.constant("w", random_tensor({4, 3, 3, 3}, 5)));
  b.output(b.op(reader, inputs, reader_attrs));
  return build_graph(b);
}

void expect_folds(const Graph& before, const std::vector<int64_t>& expected_pads) {
  bool changed = false;
  const Graph after = apply_pass(before, kFusePad, &changed);
  EXPECT_TRUE(changed);
  ASSERT_EQ(after.nodes.size(), 1u);
  EXPECT_EQ(after.nodes[0].attrs.get_ints("pads"), expected_pads);
  expect_same_outputs(before, after, 0.0);
}

void expect_kept(const Graph& before) {
  bool changed = true;
  const Graph after = apply_pass(before, kFusePad, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(count_ops(after, "Pad"), 1);
}

const std::vector<int64_t> kSpatialPads = {0, 0, 1, 2, 0, 0, 2, 1};

TEST(PadFusion, ZeroPadIntoConvAddsToItsPads) {
  expect_folds(
      pad_then(kSpatialPads, 0.0f, "Conv", attrs({{"pads", std::vector<int64_t>{1, 0, 0, 1}}})),
      {2, 2, 2, 2});
  expect_folds(pad_then(kSpatialPads, 0.0f, "Conv", attrs({{"auto_pad", std::string("VALID")}})),
               {1, 2, 2, 1});
}

TEST(PadFusion, ZeroPadIntoAveragePoolCountsThePads) {
  const std::vector<int64_t> kernel = {3, 3};
  expect_folds(pad_then(kSpatialPads, 0.0f, "AveragePool", attrs({{"kernel_shape", kernel}})),
               {1, 2, 2, 1});
  expect_folds(pad_then({0, 0, 1, 1, 0, 0, 1, 1}, 0.0f, "AveragePool",
                        attrs({{"kernel_shape", kernel},
                               {"pads", std::vector<int64_t>{1, 0, 0, 1}},
                               {"count_include_pad", int64_t{1}}})),
               {2, 1, 1, 2});
}

TEST(PadFusion, NegativeInfinityPadIntoMaxPool) {
  expect_folds(pad_then(kSpatialPads, -std::numeric_limits<float>::infinity(), "MaxPool",
                        attrs({{"kernel_shape", std::vector<int64_t>{3, 3}}})),
               {1, 2, 2, 1});
}

TEST(PadFusion, MustNotFoldWhatIsNotExactlyEquivalent) {
  const std::vector<int64_t> kernel = {3, 3};
  // A nonzero fill is not Conv's zero padding.
  expect_kept(pad_then(kSpatialPads, 1.0f, "Conv", {}));
  // Zero fill is not MaxPool's neutral padding (negative inputs would max to 0).
  expect_kept(pad_then(kSpatialPads, 0.0f, "MaxPool", attrs({{"kernel_shape", kernel}})));
  // AveragePool that excludes its own pads from the divisor would treat them differently.
  expect_kept(
      pad_then(kSpatialPads, 0.0f, "AveragePool",
               attrs({{"kernel_shape", kernel}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}})));
  // Padding the channel dim, reflect mode, SAME auto_pad.
  expect_kept(
      pad_then({0, 1, 0, 0, 0, 0, 0, 0}, 0.0f, "AveragePool", attrs({{"kernel_shape", kernel}})));
  expect_kept(pad_then(kSpatialPads, 0.0f, "Conv", {}, "reflect"));
  expect_kept(
      pad_then(kSpatialPads, 0.0f, "Conv", attrs({{"auto_pad", std::string("SAME_UPPER")}})));
  // Pool pads would reach the kernel size.
  expect_kept(
      pad_then({0, 0, 3, 0, 0, 0, 0, 0}, 0.0f, "AveragePool", attrs({{"kernel_shape", kernel}})));
}

TEST(PadFusion, MustNotFoldAPadWithASecondReader) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 3, 6, 6});
  const ValueId padded = b.op("Pad", {x, b.constant("pads", int64_tensor({8}, kSpatialPads))});
  b.output(b.op("Conv", {padded, b.constant("w", random_tensor({4, 3, 3, 3}, 5))}));
  b.output(b.op("Relu", {padded}));
  expect_kept(build_graph(b));
}

}  // namespace
}  // namespace fovea::testing
