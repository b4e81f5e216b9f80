// `fovea summary` totals against the published figures for the torchvision models that
// ../shared/tools/make_models.py rebuilds (parameters exactly, as torchvision counts them;
// multiply-accumulates to within 2% of the commonly quoted figure), and node_cost on small
// hand-built graphs whose costs are worked out by hand below.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/ops/op_cost.h"
#include "tests/common/fovea_process.h"
#include "tests/common/generated_models.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

struct Published {
  const char* model;
  int64_t params;  // torchvision: sum(p.numel() for p in model.parameters())
  double gmacs;    // commonly quoted multiply-accumulates at 224x224 (ptflops, CS231n)
};

void PrintTo(const Published& p, std::ostream* os) { *os << p.model; }

class SummaryFigures : public ::testing::TestWithParam<Published> {};

TEST_P(SummaryFigures, TotalsMatchPublishedFigures) {
  const Published& expected = GetParam();
  std::string why;
  const auto path = generated_model(expected.model, why);
  if (!path) GTEST_SKIP() << why;
  const FoveaRun run = run_fovea_program("summary --json " + *path);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto doc = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << run.out;
  EXPECT_EQ(doc["params"].get<int64_t>(), expected.params);
  EXPECT_NEAR(doc["macs"].get<double>() / 1e9, expected.gmacs, expected.gmacs * 0.02);
  int64_t layer_params = 0;
  for (const auto& layer : doc["layers"]) layer_params += layer["params"].get<int64_t>();
  EXPECT_EQ(layer_params, expected.params) << "the table's rows do not add up to the total";
}

INSTANTIATE_TEST_SUITE_P(Torchvision, SummaryFigures,
                         ::testing::Values(Published{"vgg16", 138357544, 15.5},
                                           Published{"resnet50", 25557032, 4.1},
                                           Published{"alexnet", 61100840, 0.71},
                                           Published{"googlenet", 6624904, 1.5}),
                         [](const auto& info) { return std::string(info.param.model); });

TEST(SummaryCli, ResNet50BatchNormStatisticsAreBuffersAndOptimizedShowsFusions) {
  std::string why;
  const auto path = generated_model("resnet50", why);
  if (!path) GTEST_SKIP() << why;
  const FoveaRun run = run_fovea_program("summary --json --optimized " + *path);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto doc = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << run.out;
  // 53 BatchNorm layers in ResNet-50 hold 26,560 channels: running mean + var = 53,120.
  const FoveaRun plain = run_fovea_program("summary --json " + *path);
  const auto plain_doc = nlohmann::json::parse(plain.out, nullptr, false);
  ASSERT_FALSE(plain_doc.is_discarded()) << plain.out;
  EXPECT_EQ(plain_doc["buffers"].get<int64_t>(), 53120);
  // Every BatchNorm follows a Conv and folds into it; folding turns BN's gamma/beta into the
  // Conv's bias, so the optimized graph has no BatchNormalization left.
  int fused_bn = 0;
  for (const auto& f : doc["fusions"]) fused_bn += f["pass"] == "fuse_conv_bn";
  EXPECT_EQ(fused_bn, 53);
  for (const auto& layer : doc["layers"]) EXPECT_NE(layer["op"], "BatchNormalization");
  EXPECT_LT(doc["layers"].size(), plain_doc["layers"].size());
}

TEST(NodeCost, ConvGemmAndBatchNormByHand) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 4, 8, 8});
  // Conv 4→6, 3x3, groups 2, pad 1: output [2,6,8,8]; each output element reads 2·3·3 = 18
  // weights, so 2·6·64·18 = 13,824 MACs; parameters 6·2·3·3 + 6 = 114.
  const ValueId w = b.constant("w", random_tensor({6, 2, 3, 3}, 1));
  const ValueId bias = b.constant("b", random_tensor({6}, 2));
  const ValueId y = b.op("Conv", {x, w, bias},
                         attrs({{"group", int64_t{2}},
                                {"pads", std::vector<int64_t>{1, 1, 1, 1}},
                                {"kernel_shape", std::vector<int64_t>{3, 3}}}));
  const ValueId s = b.constant("s", random_tensor({6}, 3));
  const ValueId o = b.constant("o", random_tensor({6}, 4));
  const ValueId m = b.constant("m", random_tensor({6}, 5));
  const ValueId v = b.constant("v", random_tensor({6}, 6, 0.5f, 1.0f));
  const ValueId z = b.op("BatchNormalization", {y, s, o, m, v});
  const ValueId flat = b.op("Flatten", {z});  // [2, 384]
  // Gemm [2,384]·[384,10]ᵀ-free: 2·10·384 = 7,680 MACs, 3,840 + 10 parameters.
  const ValueId gw = b.constant("gw", random_tensor({384, 10}, 7));
  const ValueId gb = b.constant("gb", random_tensor({10}, 8));
  b.output(b.op("Gemm", {flat, gw, gb}));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();

  const NodeCost conv = node_cost(*graph, graph->nodes[0]);
  EXPECT_EQ(conv.macs, 13824);
  EXPECT_EQ(conv.params, 114);
  const NodeCost bn = node_cost(*graph, graph->nodes[1]);
  EXPECT_EQ(bn.params, 12);                               // gamma and beta are trained
  EXPECT_EQ(bn.buffers, 12);                              // running mean and variance are not
  EXPECT_EQ(node_cost(*graph, graph->nodes[2]).macs, 0);  // Flatten moves no data
  const NodeCost gemm = node_cost(*graph, graph->nodes[3]);
  EXPECT_EQ(gemm.macs, 7680);
  EXPECT_EQ(gemm.params, 3850);
}

}  // namespace
}  // namespace fovea::testing
