// Blocked layouts across a oneDNN chain: convolutions pick their layouts (format any) and every
// following oneDNN kernel (BN, eltwise, pooling, LRN, binary, sum, concat) keeps them; the plan
// reorders to plain only before Flatten and at the graph outputs. Checked against the
// reference over channel counts that do and do not fill oneDNN's 8/16-channel blocks.
#include <gtest/gtest.h>

#include "engine/backends/backend_registry.h"
#include "engine/plan/executor.h"
#include "tests/backends/onednn_test_util.h"

namespace fovea::testing {
namespace {

struct ChainCase {
  Shape x;
  int64_t channels;
  bool optimize;
};

Graph blocked_chain(const ChainCase& c) {
  GraphBuilder b;
  const int64_t k = c.channels;
  const ValueId x = b.input("x", DType::kFloat32, c.x);
  const Attributes pad1 = attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  ValueId h = b.op("Conv",
                   {x, b.constant("w0", random_tensor({k, c.x[1], 3, 3}, 1)),
                    b.constant("b0", random_tensor({k}, 2))},
                   pad1);
  h = b.op("BatchNormalization",
           {h, b.constant("scale", random_tensor({k}, 3, 0.5f, 1.5f)),
            b.constant("shift", random_tensor({k}, 4)), b.constant("mean", random_tensor({k}, 5)),
            b.constant("var", random_tensor({k}, 6, 0.5f, 2.0f))});
  h = b.op("Relu", {h});
  h = b.op("MaxPool", {h},
           attrs({{"kernel_shape", std::vector<int64_t>{2, 2}},
                  {"strides", std::vector<int64_t>{2, 2}}}));
  h = b.op("LRN", {h}, attrs({{"size", int64_t{3}}, {"alpha", 1e-3f}, {"beta", 0.75f}}));
  const ValueId left = b.op("Conv", {h, b.constant("wl", random_tensor({k, k, 1, 1}, 7))});
  const ValueId right = b.op("Conv", {h, b.constant("wr", random_tensor({k, k, 3, 3}, 8))}, pad1);
  const ValueId sum = b.op("Add", {left, right});
  const ValueId three = b.op("Sum", {left, right, sum});
  const ValueId cat = b.op("Concat", {sum, three, h}, attrs({{"axis", int64_t{1}}}));
  const ValueId act = b.op("Sigmoid", {cat});
  const ValueId avg = b.op("AveragePool", {act},
                           attrs({{"kernel_shape", std::vector<int64_t>{3, 3}},
                                  {"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  b.output(avg);  // a blocked graph output, reordered to plain
  const ValueId pooled = b.op("GlobalAveragePool", {avg});
  const ValueId flat = b.op("Flatten", {pooled});
  b.output(b.op("Gemm", {flat, b.constant("fc", random_tensor({5, 3 * k}, 9))},
                attrs({{"transB", int64_t{1}}})));
  auto graph = b.build();
  EXPECT_TRUE(graph.is_ok()) << graph.status().message();
  return std::move(graph).value();
}

class BlockedChain : public ::testing::TestWithParam<ChainCase> {};

TEST_P(BlockedChain, MatchesReferenceWithFewReorders) {
  const ChainCase& c = GetParam();
  const Graph graph = blocked_chain(c);
  PlanOptions options;
  options.optimize = c.optimize;
  auto executor = Executor::create(graph, std::move(create_backend("onednn")).value(),
                                   std::move(create_backend("reference")).value(), options);
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  auto plan = (*executor)->plan_for((*executor)->default_input_shapes());
  ASSERT_TRUE(plan.is_ok());
  int reorders = 0;
  bool conv_blocked = false;
  for (const PlanStepInfo& step : (*plan)->steps()) {
    EXPECT_NE(step.backend, "reference") << step.node_name << " (" << step.op_type << ")";
    if (step.op_type == "Reorder") ++reorders;
    if (step.op_type == "Conv" && step.output_layouts[0] != "plain") conv_blocked = true;
  }
  EXPECT_TRUE(conv_blocked) << "convolutions should write oneDNN's blocked layout";
  EXPECT_LE(reorders, 2) << "only before Flatten and for the blocked graph output";

  const Tensor x = random_tensor(c.x, 10);
  auto actual = (*executor)->run({x});
  ASSERT_TRUE(actual.is_ok()) << actual.status().message();
  auto expected = run_graph(graph, "reference", {x});
  ASSERT_TRUE(expected.is_ok()) << expected.status().message();
  ASSERT_EQ(actual->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*actual)[i].shape(), (*expected)[i].shape());
    EXPECT_LE(relative_l2_error((*actual)[i], (*expected)[i]), 1e-5) << "output " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Sweep, BlockedChain,
                         ::testing::Values(ChainCase{{1, 3, 12, 12}, 16, true},
                                           ChainCase{{1, 3, 12, 12}, 16, false},
                                           ChainCase{{2, 4, 10, 10}, 12, false},
                                           ChainCase{{1, 8, 9, 9}, 24, true},
                                           ChainCase{{2, 5, 8, 8}, 5, false}));

// A blocked value read by a node oneDNN does not take (Transpose, on the reference) is
// reordered to plain for it; oneDNN's own consumer of the same value keeps the blocked one.
TEST(BlockedLayout, ReferenceConsumerGetsAPlainCopy) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 3, 8, 8});
  const ValueId conv = b.op("Conv", {x, b.constant("w", random_tensor({16, 3, 3, 3}, 1))},
                            attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  const ValueId transposed =
      b.op("Transpose", {conv}, attrs({{"perm", std::vector<int64_t>{0, 1, 3, 2}}}));
  const ValueId conv2 =
      b.op("Conv", {transposed, b.constant("w2", random_tensor({8, 16, 1, 1}, 2))});
  b.output(b.op("Add",
                {b.op("Conv", {conv, b.constant("w3", random_tensor({8, 16, 1, 1}, 3))}), conv2}));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  auto executor = Executor::create(*graph, std::move(create_backend("onednn")).value(),
                                   std::move(create_backend("reference")).value());
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  const auto steps = (*(*executor)->plan_for({{1, 3, 8, 8}}))->steps();
  std::vector<std::string> ops;
  for (const PlanStepInfo& step : steps) {
    ops.push_back(step.op_type);
    EXPECT_EQ(step.backend, step.op_type == "Transpose" ? "reference" : "onednn") << step.node_name;
  }
  ASSERT_GE(ops.size(), 3u);
  EXPECT_EQ(ops[1], "Reorder") << "the Transpose needs the conv's output plain";
  EXPECT_EQ(ops[2], "Transpose");
  const Tensor input = random_tensor({1, 3, 8, 8}, 4);
  auto actual = (*executor)->run({input});
  ASSERT_TRUE(actual.is_ok()) << actual.status().message();
  auto expected = run_graph(*graph, "reference", {input});
  ASSERT_TRUE(expected.is_ok()) << expected.status().message();
  EXPECT_LE(relative_l2_error((*actual)[0], (*expected)[0]), 1e-5);
}

}  // namespace
}  // namespace fovea::testing
