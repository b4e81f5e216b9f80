// Conv and ConvTranspose on oneDNN against the reference, over kernel/stride/pad/dilation/group
// sweeps; plus a hand-computed case and the cases the backend must decline.
#include <gtest/gtest.h>

#include "engine/backends/onednn/onednn_common.h"
#include "tests/backends/onednn_test_util.h"

namespace fovea::testing {
namespace {

using Ints = std::vector<int64_t>;

struct ConvCase {
  Shape x{};
  Shape w{};
  Ints strides{};
  Ints dilations{};
  Ints pads{};  // empty: attribute absent
  int64_t group = 1;
  bool bias = true;
  std::string auto_pad{};  // empty: attribute absent
};

Attributes conv_attrs(const ConvCase& c) {
  Attributes a;
  if (!c.strides.empty()) a.set("strides", c.strides);
  if (!c.dilations.empty()) a.set("dilations", c.dilations);
  if (!c.pads.empty()) a.set("pads", c.pads);
  if (c.group != 1) a.set("group", c.group);
  if (!c.auto_pad.empty()) a.set("auto_pad", c.auto_pad);
  return a;
}

class OneDnnConv : public ::testing::TestWithParam<ConvCase> {};

TEST_P(OneDnnConv, MatchesReference) {
  const ConvCase& c = GetParam();
  const int64_t out_channels = c.w[0];
  std::vector<Tensor> constants{random_tensor(c.w, 11)};
  if (c.bias) constants.push_back(random_tensor({out_channels}, 12));
  const Graph graph = single_op_graph("Conv", c.x, conv_attrs(c), constants);
  expect_onednn_matches_reference(graph, {random_tensor(c.x, 10)}, "onednn");
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, OneDnnConv,
    ::testing::Values(
        ConvCase{{1, 3, 7, 7}, {4, 3, 3, 3}, {}, {}, {}},
        ConvCase{{2, 3, 8, 9}, {5, 3, 3, 3}, {2, 2}, {}, {1, 1, 1, 1}},
        ConvCase{{1, 4, 9, 9}, {6, 4, 3, 2}, {1, 2}, {}, {0, 1, 2, 0}, 1, false},  // asymmetric
        ConvCase{{1, 2, 10, 10}, {3, 2, 3, 3}, {1, 1}, {2, 2}, {2, 2, 2, 2}},      // dilated
        ConvCase{{1, 2, 11, 9}, {3, 2, 3, 3}, {2, 1}, {3, 2}, {1, 0, 0, 1}},
        ConvCase{{1, 6, 8, 8}, {4, 3, 3, 3}, {1, 1}, {}, {1, 1, 1, 1}, 2},  // groups
        ConvCase{{2, 8, 7, 7}, {8, 1, 3, 3}, {2, 2}, {}, {1, 1, 1, 1}, 8},  // depthwise
        ConvCase{{1, 4, 6, 6}, {8, 1, 5, 5}, {1, 1}, {}, {2, 2, 2, 2}, 4},  // multiplier 2
        ConvCase{{1, 3, 9, 9}, {4, 3, 1, 1}, {}, {}, {}},                   // 1x1
        ConvCase{{1, 3, 7, 8}, {2, 3, 3, 3}, {2, 2}, {}, {}, 1, true, "SAME_UPPER"},
        ConvCase{{1, 3, 7, 8}, {2, 3, 4, 4}, {2, 2}, {}, {}, 1, true, "SAME_LOWER"},
        ConvCase{{1, 3, 16}, {4, 3, 3}, {2}, {2}, {1, 2}},                              // 1-D
        ConvCase{{1, 2, 5, 6, 7}, {3, 2, 3, 3, 3}, {1, 2, 1}, {}, {1, 0, 1, 1, 1, 0}},  // 3-D
        ConvCase{{1, 4, 5, 5, 5}, {4, 2, 2, 2, 2}, {}, {1, 2, 1}, {}, 2}));

// From batch 4 the backend asks for 16-channel blocks where the channels allow: the same sweep
// of kinds on those kernels, and where blocks do not fit (3 or 5 channels).
INSTANTIATE_TEST_SUITE_P(
    ChannelBlocks, OneDnnConv,
    ::testing::Values(ConvCase{{4, 16, 7, 7}, {32, 16, 3, 3}, {}, {}, {1, 1, 1, 1}},
                      ConvCase{{4, 32, 8, 8}, {16, 32, 1, 1}, {}, {}, {}},
                      ConvCase{{4, 16, 9, 9}, {32, 16, 1, 1}, {2, 2}, {}, {}},  // subsampled
                      ConvCase{{5, 16, 9, 8}, {16, 16, 3, 3}, {2, 2}, {}, {1, 0, 1, 1}},
                      ConvCase{{4, 3, 11, 11}, {16, 3, 7, 7}, {2, 2}, {}, {3, 3, 3, 3}},
                      ConvCase{{4, 32, 6, 6}, {32, 2, 3, 3}, {}, {}, {1, 1, 1, 1}, 16},
                      ConvCase{{4, 16, 6, 6}, {16, 1, 3, 3}, {}, {}, {1, 1, 1, 1}, 16},
                      ConvCase{{4, 5, 6, 6}, {7, 5, 3, 3}, {}, {}, {1, 1, 1, 1}},
                      ConvCase{{4, 16, 6, 6}, {32, 16, 3, 3}, {}, {2, 2}, {2, 2, 2, 2}}));

// The layer the layout tests prepare: 16 → 32 channels, 3x3, unpadded.
const Shape kLayoutWeights{32, 16, 3, 3};
Shape layout_output(const Shape& x) { return {x[0], 32, x[2] - 2, x[3] - 2}; }

// The output layout the backend gives that Conv of `x`, prepared within `graph` (null: a
// request with no graph).
onednn::md prepared_output_desc(const Shape& x, const Graph* graph) {
  const std::vector<Tensor> constants{random_tensor(kLayoutWeights, 7)};  // held by pointer
  const Graph own = single_op_graph("Conv", x, {}, constants);
  const Graph& g = graph ? *graph : own;
  KernelRequest request = single_op_request(g, x, constants, layout_output(x));
  for (const Node& n : g.nodes) {
    if (n.op_type == "Conv") request.node = &n;
  }
  if (graph == nullptr) request.graph = nullptr;
  PreparedKernel prepared = prepare_onednn_kernel(request);
  if (!prepared.kernel) return onednn::md();
  const LayoutPtr layout = prepared.kernel->output_layout(0);
  return layout ? static_cast<const onednn::OneDnnLayout&>(*layout).desc()
                : onednn::plain_md(layout_output(x));
}

// The output layout oneDNN itself picks for that Conv of `x` with format `any`.
onednn::md onednn_any_output_desc(const Shape& x) {
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                       dnnl::algorithm::convolution_direct, onednn::any_md(x),
                                       onednn::any_md(kLayoutWeights), onednn::md(),
                                       onednn::any_md(layout_output(x)), {1, 1}, {0, 0}, {0, 0});
  return dnnl::convolution_forward::primitive_desc(desc, engine).dst_desc();
}

onednn::md channel_blocks(const Shape& shape) {
  return onednn::md(onednn::to_dims(shape), dnnl::memory::data_type::f32,
                    dnnl::memory::format_tag::nChw16c);
}

TEST(OneDnnConvLayout, ChannelBlocksFromBatchFour) {
  EXPECT_EQ(prepared_output_desc({4, 16, 8, 8}, nullptr), channel_blocks({4, 32, 6, 6}));
  EXPECT_EQ(prepared_output_desc({8, 16, 8, 8}, nullptr), channel_blocks({8, 32, 6, 6}));
}

TEST(OneDnnConvLayout, OneDnnPicksBelowBatchFour) {
  for (int64_t batch : {1, 3}) {
    const Shape x{batch, 16, 8, 8};
    EXPECT_EQ(prepared_output_desc(x, nullptr), onednn_any_output_desc(x)) << "batch " << batch;
  }
}

// A graph x → Conv (16 → 32 channels) → Concat(conv, conv) along `axis`.
Graph conv_concat_graph(const Shape& x, int64_t axis) {
  GraphBuilder b;
  const ValueId in = b.input("x", DType::kFloat32, x);
  const ValueId conv = b.op("Conv", {in, b.constant("w", random_tensor(kLayoutWeights, 7))});
  b.output(b.op("Concat", {conv, conv}, attrs({{"axis", axis}})));
  auto graph = b.build();
  EXPECT_TRUE(graph.is_ok()) << graph.status().message();
  return graph.is_ok() ? std::move(graph).value() : Graph();
}

TEST(OneDnnConvLayout, ChannelBlocksAtBatchOneWhereChannelsAreConcatenated) {
  // Blocks let the producers of a channel Concat write their slices in place at batch 1.
  const Shape x{1, 16, 8, 8};
  const Graph channels = conv_concat_graph(x, 1);
  EXPECT_EQ(prepared_output_desc(x, &channels), channel_blocks({1, 32, 6, 6}));
  // Along another axis, or at batch 2 (slices strided anyway): oneDNN's pick.
  const Graph rows = conv_concat_graph(x, 2);
  EXPECT_EQ(prepared_output_desc(x, &rows), onednn_any_output_desc(x));
  const Shape pair{2, 16, 8, 8};
  const Graph channels_pair = conv_concat_graph(pair, 1);
  EXPECT_EQ(prepared_output_desc(pair, &channels_pair), onednn_any_output_desc(pair));
}

TEST(OneDnnConvLayout, OneDnnPicksInGraphsWithLrn) {
  // LRN runs slower on channel blocks, so a graph holding one keeps oneDNN's choice.
  const Shape x{4, 16, 8, 8};
  GraphBuilder b;
  const ValueId in = b.input("x", DType::kFloat32, x);
  const ValueId conv = b.op("Conv", {in, b.constant("w", random_tensor(kLayoutWeights, 7))});
  b.output(b.op("LRN", {conv}, attrs({{"size", int64_t{5}}})));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  EXPECT_EQ(prepared_output_desc(x, &*graph), onednn_any_output_desc(x));
}

// Conv 1x1x3x3 of ones with a 2x2 kernel of ones and bias 0.5: each output is 4 + 0.5.
TEST(OneDnnConvHand, OnesKernel) {
  const Graph graph =
      single_op_graph("Conv", {1, 1, 3, 3}, {},
                      {float_tensor({1, 1, 2, 2}, {1, 1, 1, 1}), float_tensor({1}, {0.5f})});
  auto out = run_graph(graph, "onednn", {float_tensor({1, 1, 3, 3}, std::vector<float>(9, 1))});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_TRUE(tensors_close((*out)[0], float_tensor({1, 1, 2, 2}, {4.5f, 4.5f, 4.5f, 4.5f})));
  EXPECT_EQ(onednn_plan_backends(graph), std::vector<std::string>{"onednn"});
}

// Weights and bias that arrive at run time are read in ONNX's layout (no prepared reorder).
class OneDnnConvRuntimeWeights : public ::testing::TestWithParam<std::tuple<std::string, int64_t>> {
};

TEST_P(OneDnnConvRuntimeWeights, MatchesReference) {
  const auto& [op, group] = GetParam();
  const Shape x_shape{1, 4, 6, 6};
  // Conv: [M, C/g, k, k]; ConvTranspose: [C, M/g, k, k]. Both give 6 output channels.
  const Shape w_shape = op == "Conv" ? Shape{6, 4 / group, 3, 3} : Shape{4, 6 / group, 3, 3};
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, x_shape);
  const ValueId w = b.input("w", DType::kFloat32, w_shape);
  const ValueId bias = b.input("b", DType::kFloat32, {6});
  b.output(b.op(op, {x, w, bias},
                attrs({{"group", group}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 0, 1, 1}}})));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  expect_onednn_matches_reference(
      *graph, {random_tensor(x_shape, 1), random_tensor(w_shape, 2), random_tensor({6}, 3)},
      "onednn");
}

INSTANTIATE_TEST_SUITE_P(Sweep, OneDnnConvRuntimeWeights,
                         ::testing::Combine(::testing::Values("Conv", "ConvTranspose"),
                                            ::testing::Values(int64_t{1}, int64_t{2})));

// An attribute the backend does not know may change the semantics: decline.
TEST(OneDnnConvDecline, UnknownAttributeFallsBack) {
  const Graph graph =
      single_op_graph("Conv", {1, 2, 5, 5}, attrs({{"future_epilogue", int64_t{1}}}),
                      {random_tensor({3, 2, 3, 3}, 3)});
  ASSERT_FALSE(graph.nodes.empty());
  EXPECT_EQ(onednn_plan_backends(graph), std::vector<std::string>{"reference"});
}

struct ConvTransposeCase {
  Shape x{};
  Shape w{};  // [C, M/g, k..]
  Ints strides{};
  Ints dilations{};
  Ints pads{};
  Ints output_padding{};
  int64_t group = 1;
  bool bias = true;
};

class OneDnnConvTranspose : public ::testing::TestWithParam<ConvTransposeCase> {};

TEST_P(OneDnnConvTranspose, MatchesReference) {
  const ConvTransposeCase& c = GetParam();
  Attributes a;
  if (!c.strides.empty()) a.set("strides", c.strides);
  if (!c.dilations.empty()) a.set("dilations", c.dilations);
  if (!c.pads.empty()) a.set("pads", c.pads);
  if (!c.output_padding.empty()) a.set("output_padding", c.output_padding);
  if (c.group != 1) a.set("group", c.group);
  std::vector<Tensor> constants{random_tensor(c.w, 21)};
  if (c.bias) constants.push_back(random_tensor({c.w[1] * c.group}, 22));
  const Graph graph = single_op_graph("ConvTranspose", c.x, a, constants);
  expect_onednn_matches_reference(graph, {random_tensor(c.x, 20)}, "onednn");
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, OneDnnConvTranspose,
    ::testing::Values(
        ConvTransposeCase{{1, 3, 4, 4}, {3, 2, 3, 3}, {}, {}, {}, {}},
        ConvTransposeCase{{2, 3, 4, 5}, {3, 4, 3, 3}, {2, 2}, {}, {1, 1, 1, 1}, {1, 1}},
        ConvTransposeCase{{1, 2, 5, 5}, {2, 3, 4, 4}, {2, 2}, {}, {1, 1, 1, 1}, {}, 1, false},
        ConvTransposeCase{{1, 2, 4, 4}, {2, 2, 3, 3}, {1, 1}, {2, 2}, {0, 1, 2, 0}, {}},
        ConvTransposeCase{{1, 4, 3, 3}, {4, 3, 3, 3}, {2, 2}, {}, {}, {}, 2},
        ConvTransposeCase{{1, 2, 6}, {2, 3, 3}, {3}, {}, {1, 1}, {}},
        ConvTransposeCase{{1, 2, 3, 3, 3}, {2, 2, 2, 2, 2}, {2, 2, 2}, {}, {}, {}}));

// output_padding beyond the end padding cannot be expressed as oneDNN padding: decline.
TEST(OneDnnConvTransposeDecline, OutputPaddingBeyondPadsFallsBack) {
  const Graph graph =
      single_op_graph("ConvTranspose", {1, 2, 3, 3},
                      attrs({{"strides", Ints{2, 2}}, {"output_padding", Ints{1, 1}}}),
                      {random_tensor({2, 2, 3, 3}, 5)});
  expect_onednn_matches_reference(graph, {random_tensor({1, 2, 3, 3}, 6)}, "reference");
}

}  // namespace
}  // namespace fovea::testing
