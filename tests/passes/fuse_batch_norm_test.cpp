// fuse_conv_bn, fuse_gemm_bn and simplify_batch_norm.
#include <gtest/gtest.h>

#include "engine/passes/passes.h"
#include "tests/common/tensor_testing.h"
#include "tests/passes/pass_testing.h"

namespace fovea::testing {
namespace {

const Pass kConvBn = fuse_conv_bn;
const Pass kGemmBn = fuse_gemm_bn;
const Pass kSimplifyBn = simplify_batch_norm;

// BN folding rounds W and B once more than the unfused graph does.
constexpr double kFoldTolerance = 1e-5;

// Adds BatchNormalization over `channels` with random, well-conditioned statistics.
ValueId add_bn(GraphBuilder& b, ValueId x, int64_t channels, uint64_t seed, Attributes extra = {}) {
  const ValueId scale =
      b.constant("bn_scale" + std::to_string(seed), random_tensor({channels}, seed, 0.5f, 2.0f));
  const ValueId bias =
      b.constant("bn_bias" + std::to_string(seed), random_tensor({channels}, seed + 1));
  const ValueId mean =
      b.constant("bn_mean" + std::to_string(seed), random_tensor({channels}, seed + 2));
  const ValueId var =
      b.constant("bn_var" + std::to_string(seed), random_tensor({channels}, seed + 3, 0.1f, 2.0f));
  extra.set("epsilon", 1e-3f);
  return b.op("BatchNormalization", {x, scale, bias, mean, var}, extra);
}

struct ConvCase {
  const char* op;
  int64_t group;
  bool bias;
};

class ConvBnFolding : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvBnFolding, FoldsIntoWeightsAndBiasWithTheSameOutputs) {
  const ConvCase c = GetParam();
  const bool transpose = std::string(c.op) == "ConvTranspose";
  constexpr int64_t kIn = 4;
  constexpr int64_t kOut = 6;
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, kIn, 7, 7});
  const Shape w_shape =
      transpose ? Shape{kIn, kOut / c.group, 3, 3} : Shape{kOut, kIn / c.group, 3, 3};
  std::vector<ValueId> inputs = {x, b.constant("w", random_tensor(w_shape, 11))};
  if (c.bias) inputs.push_back(b.constant("b", random_tensor({kOut}, 12)));
  const ValueId y =
      b.op(c.op, inputs, attrs({{"group", c.group}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  b.output(add_bn(b, y, kOut, 20));
  const Graph before = build_graph(b);

  std::vector<FusionRecord> records;
  bool changed = false;
  const Graph after = apply_pass(before, kConvBn, &changed, &records);
  EXPECT_TRUE(changed);
  ASSERT_EQ(after.nodes.size(), 1u);
  EXPECT_EQ(after.nodes[0].op_type, c.op);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].pass, "fuse_conv_bn");
  EXPECT_EQ(records[0].kept_node, after.nodes[0].name);
  expect_same_outputs(before, after, kFoldTolerance);
}

INSTANTIATE_TEST_SUITE_P(Variants, ConvBnFolding,
                         ::testing::Values(ConvCase{"Conv", 1, true}, ConvCase{"Conv", 1, false},
                                           ConvCase{"Conv", 2, true},
                                           ConvCase{"ConvTranspose", 1, true},
                                           ConvCase{"ConvTranspose", 2, false}),
                         [](const auto& info) {
                           return std::string(info.param.op) + "_group" +
                                  std::to_string(info.param.group) +
                                  (info.param.bias ? "_bias" : "_nobias");
                         });

// The Conv → BN graph with one twist per must-not-fuse case.
enum class Twist { kSecondReader, kConvIsOutput, kWeightIsInput, kTrainingMode, kBnStatsInput };

class ConvBnMustNotFold : public ::testing::TestWithParam<Twist> {};

TEST_P(ConvBnMustNotFold, LeavesTheGraphAlone) {
  const Twist twist = GetParam();
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 3, 5, 5});
  const ValueId w = twist == Twist::kWeightIsInput
                        ? b.input("w", DType::kFloat32, {4, 3, 3, 3})
                        : b.constant("w", random_tensor({4, 3, 3, 3}, 3));
  const ValueId y = b.op("Conv", {x, w});
  ValueId bn;
  if (twist == Twist::kBnStatsInput) {
    const ValueId mean = b.input("mean", DType::kFloat32, {4});
    bn = b.op("BatchNormalization",
              {y, b.constant("s", random_tensor({4}, 4)), b.constant("t", random_tensor({4}, 5)),
               mean, b.constant("v", random_tensor({4}, 6, 0.5f, 1.0f))});
  } else {
    bn = add_bn(b, y, 4, 30);
  }
  b.output(bn);
  if (twist == Twist::kSecondReader) b.output(b.op("Relu", {y}));
  if (twist == Twist::kConvIsOutput) b.output(y);
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  Graph before = std::move(graph).value();
  if (twist == Twist::kTrainingMode) {
    // training_mode = 1 with one output normalises with batch statistics: not foldable.
    for (Node& n : before.nodes) {
      if (n.op_type == "BatchNormalization") n.attrs.set("training_mode", int64_t{1});
    }
  }
  bool changed = true;
  const Graph after = apply_pass(before, kConvBn, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(count_ops(after, "BatchNormalization"), 1);
  EXPECT_EQ(after.nodes.size(), before.nodes.size());
}

std::string twist_name(const ::testing::TestParamInfo<Twist>& info) {
  switch (info.param) {
    case Twist::kSecondReader: return "SecondReader";
    case Twist::kConvIsOutput: return "ConvIsOutput";
    case Twist::kWeightIsInput: return "WeightIsInput";
    case Twist::kTrainingMode: return "TrainingMode";
    case Twist::kBnStatsInput: return "BnStatsInput";
  }
  return "Unknown";
}

INSTANTIATE_TEST_SUITE_P(Cases, ConvBnMustNotFold,
                         ::testing::Values(Twist::kSecondReader, Twist::kConvIsOutput,
                                           Twist::kWeightIsInput, Twist::kTrainingMode,
                                           Twist::kBnStatsInput),
                         twist_name);

struct GemmCase {
  bool trans_b;
  Shape c_shape;  // empty vector with has_c false: no C
  bool has_c;
};

class GemmBnFolding : public ::testing::TestWithParam<GemmCase> {};

TEST_P(GemmBnFolding, FoldsIntoBAndC) {
  const GemmCase c = GetParam();
  constexpr int64_t kRows = 3, kDepth = 5, kFeatures = 4;
  GraphBuilder b;
  const ValueId a = b.input("a", DType::kFloat32, {kRows, kDepth});
  const Shape b_shape = c.trans_b ? Shape{kFeatures, kDepth} : Shape{kDepth, kFeatures};
  std::vector<ValueId> inputs = {a, b.constant("B", random_tensor(b_shape, 40))};
  if (c.has_c) inputs.push_back(b.constant("C", random_tensor(c.c_shape, 41)));
  const ValueId y = b.op("Gemm", inputs,
                         attrs({{"transB", int64_t{c.trans_b}}, {"alpha", 0.5f}, {"beta", 2.0f}}));
  b.output(add_bn(b, y, kFeatures, 50));
  const Graph before = build_graph(b);

  bool changed = false;
  const Graph after = apply_pass(before, kGemmBn, &changed);
  EXPECT_TRUE(changed);
  ASSERT_EQ(after.nodes.size(), 1u);
  EXPECT_EQ(after.nodes[0].op_type, "Gemm");
  expect_same_outputs(before, after, kFoldTolerance);
}

INSTANTIATE_TEST_SUITE_P(Variants, GemmBnFolding,
                         ::testing::Values(GemmCase{true, {4}, true}, GemmCase{false, {4}, true},
                                           GemmCase{true, {}, false}, GemmCase{false, {3, 4}, true},
                                           GemmCase{true, {3, 1}, true},
                                           GemmCase{false, {1}, true}),
                         [](const auto& info) {
                           std::string name = info.param.trans_b ? "transB" : "plainB";
                           if (!info.param.has_c) return name + "_noC";
                           name += "_C";
                           for (int64_t d : info.param.c_shape) name += "_" + std::to_string(d);
                           return name;
                         });

TEST(GemmBnFolding, MustNotFoldWhenBIsNotConstant) {
  GraphBuilder b;
  const ValueId a = b.input("a", DType::kFloat32, {3, 5});
  const ValueId w = b.input("w", DType::kFloat32, {5, 4});
  b.output(add_bn(b, b.op("Gemm", {a, w}), 4, 60));
  const Graph before = build_graph(b);
  bool changed = true;
  const Graph after = apply_pass(before, kGemmBn, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(after.nodes.size(), 2u);
}

TEST(SimplifyBatchNorm, RewritesALoneBnToScaleAndShiftOnce) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 5, 3, 3});
  b.output(add_bn(b, b.op("Relu", {x}), 5, 70));
  const Graph before = build_graph(b);

  bool changed = false;
  const Graph after = apply_pass(before, kSimplifyBn, &changed);
  EXPECT_TRUE(changed);
  ASSERT_EQ(count_ops(after, "BatchNormalization"), 1);
  const Node& bn = after.nodes[1];
  EXPECT_EQ(bn.attrs.get_float("epsilon", 1.0f), 0.0f);
  const Tensor& mean = after.value(bn.inputs[3]).constant;
  const Tensor& var = after.value(bn.inputs[4]).constant;
  for (int64_t c = 0; c < 5; ++c) {
    EXPECT_EQ(mean.data<float>()[c], 0.0f);
    EXPECT_EQ(var.data<float>()[c], 1.0f);
  }
  expect_same_outputs(before, after, kFoldTolerance);

  // A second run finds nothing left to do (optimize_graph's fixed point depends on it).
  bool again = true;
  apply_pass(after, kSimplifyBn, &again);
  EXPECT_FALSE(again);
}

}  // namespace
}  // namespace fovea::testing
