// The elementwise kernels' math (cuda_elementwise_math.h), run on the host through the same
// mappings the backend's prepare uses: the CUDA kernels call these functions per element, so
// these check activations, broadcast binary ops, Transpose and Pad against the reference ops
// without a GPU. Only the launches (and the device's own expf/tanhf) are left to the GPU tests.
#include "engine/backends/cuda/cuda_elementwise_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>

#include "engine/backends/cuda/cuda_params.h"
#include "engine/ops/spatial_params.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"
#include "tests/cuda/cuda_test_util.h"

namespace fovea::testing {
namespace {

using Ints = std::vector<int64_t>;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// Inputs with the awkward values each op must treat as the reference does, from element
// `first` on (two inputs get them in different places: NaN against a number).
Tensor awkward_values(const Shape& shape, uint64_t seed, size_t first = 0) {
  Tensor t = random_tensor(shape, seed, -8.0f, 8.0f);
  const float special[] = {0.0f, -0.0f, kNaN, kInf, -kInf, 100.0f, -100.0f, 3.0f, -3.0f};
  for (size_t i = 0; i < std::size(special) && static_cast<int64_t>(i) < t.element_count(); ++i) {
    t.data<float>()[(first + i * 3) % static_cast<size_t>(t.element_count())] = special[i];
  }
  return t;
}

struct ActivationCase {
  const char* op;
  Attributes attrs;
  std::vector<Tensor> bounds;  // Clip's min and max
};

void PrintTo(const ActivationCase& c, std::ostream* os) { *os << c.op; }

class CudaActivationMath : public ::testing::TestWithParam<ActivationCase> {};

TEST_P(CudaActivationMath, MatchesTheReferenceOp) {
  const ActivationCase& c = GetParam();
  const Graph graph = one_node_graph(c.op, {{4, 50}}, c.attrs, c.bounds);
  const Tensor x = awkward_values({4, 50}, 3);
  const Tensor expected = reference_output(graph, {x});
  const Tensor* min = c.bounds.size() > 0 ? &c.bounds[0] : nullptr;
  const Tensor* max = c.bounds.size() > 1 ? &c.bounds[1] : nullptr;
  auto act = cuda::activation_of_node(graph.nodes[0], min, max);
  ASSERT_TRUE(act.is_ok()) << act.status().message();
  Tensor actual(DType::kFloat32, x.shape());
  for (int64_t i = 0; i < x.element_count(); ++i) {
    actual.data<float>()[i] = cuda::activate(x.data<float>()[i], *act);
  }
  expect_same(actual, expected, /*ulps=*/2);
}

INSTANTIATE_TEST_SUITE_P(
    Activations, CudaActivationMath,
    ::testing::Values(ActivationCase{"Relu", {}, {}}, ActivationCase{"LeakyRelu", {}, {}},
                      ActivationCase{"LeakyRelu", attrs({{"alpha", 0.3f}}), {}},
                      ActivationCase{"Elu", attrs({{"alpha", 0.5f}}), {}},
                      ActivationCase{"Selu", {}, {}},
                      ActivationCase{"Selu", attrs({{"alpha", 1.5f}, {"gamma", 2.0f}}), {}},
                      ActivationCase{"Sigmoid", {}, {}}, ActivationCase{"Tanh", {}, {}},
                      ActivationCase{"HardSigmoid", {}, {}},
                      ActivationCase{"HardSigmoid", attrs({{"alpha", 0.1f}, {"beta", 0.2f}}), {}},
                      ActivationCase{"HardSwish", {}, {}},
                      ActivationCase{
                          "Clip", {}, {float_tensor({}, {0.0f}), float_tensor({}, {6.0f})}},
                      ActivationCase{"Clip", {}, {float_tensor({}, {-1.0f})}}),
    [](const auto& info) { return std::string(info.param.op) + "_" + std::to_string(info.index); });

struct BinaryCase {
  const char* op;
  Shape a, b;
};

void PrintTo(const BinaryCase& c, std::ostream* os) {
  *os << c.op << " " << shape_to_string(c.a) << " " << shape_to_string(c.b);
}

class CudaBinaryMath : public ::testing::TestWithParam<BinaryCase> {};

TEST_P(CudaBinaryMath, BroadcastsAndComputesAsTheReference) {
  const BinaryCase& c = GetParam();
  const Graph graph = one_node_graph(c.op, {c.a, c.b}, {});
  const Tensor a = awkward_values(c.a, 5);
  const Tensor b = awkward_values(c.b, 6, /*first=*/1);
  const Tensor expected = reference_output(graph, {a, b});
  auto op = cuda::binary_op(c.op);
  ASSERT_TRUE(op.is_ok()) << op.status().message();
  auto index = cuda::broadcast_index(c.a, c.b, expected.shape());
  ASSERT_TRUE(index.is_ok()) << index.status().message();
  Tensor actual(DType::kFloat32, expected.shape());
  for (int64_t i = 0; i < actual.element_count(); ++i) {
    int64_t ia = 0, ib = 0;
    cuda::broadcast_offsets(i, *index, ia, ib);
    actual.data<float>()[i] = cuda::binary(*op, a.data<float>()[ia], b.data<float>()[ib]);
  }
  expect_same(actual, expected);
}

INSTANTIATE_TEST_SUITE_P(
    Ops, CudaBinaryMath,
    ::testing::Values(BinaryCase{"Add", {2, 3, 4, 5}, {2, 3, 4, 5}},
                      BinaryCase{"Sub", {2, 3, 4, 5}, {5}},
                      BinaryCase{"Mul", {2, 3, 4, 5}, {1, 3, 1, 1}},
                      BinaryCase{"Div", {2, 1, 5}, {1, 4, 1}}, BinaryCase{"Sum", {3, 1, 4}, {2, 1}},
                      BinaryCase{"Max", {2, 3, 4}, {2, 3, 4}}, BinaryCase{"Min", {2, 3, 4}, {3, 1}},
                      BinaryCase{"PRelu", {2, 3, 4, 5}, {3, 1, 1}},
                      BinaryCase{"PRelu", {2, 3, 4, 5}, {1}}),
    [](const auto& info) { return std::string(info.param.op) + "_" + std::to_string(info.index); });

TEST(CudaTransposeMath, ReadsWhereTheReferenceReads) {
  const std::vector<std::pair<Shape, Attributes>> cases = {
      {{2, 3, 4}, {}},                                            // default: reversed
      {{2, 3, 4, 5}, attrs({{"perm", Ints{0, 2, 3, 1}}})},        // NCHW -> NHWC
      {{1, 4, 2, 3, 3}, attrs({{"perm", Ints{0, 2, 1, 3, 4}}})},  // ShuffleNet's channel shuffle
      {{3, 5}, attrs({{"perm", Ints{-1, 0}}})},
  };
  for (const auto& [shape, a] : cases) {
    SCOPED_TRACE(shape_to_string(shape));
    const Graph graph = one_node_graph("Transpose", {shape}, a);
    const Tensor x = random_tensor(shape, 9);
    const Tensor expected = reference_output(graph, {x});
    auto index = cuda::map_transpose(shape, graph.nodes[0]);
    ASSERT_TRUE(index.is_ok()) << index.status().message();
    Tensor actual(DType::kFloat32, expected.shape());
    for (int64_t i = 0; i < actual.element_count(); ++i) {
      int64_t ix = 0, unused = 0;
      cuda::broadcast_offsets(i, *index, ix, unused);
      actual.data<float>()[i] = x.data<float>()[ix];
    }
    expect_same(actual, expected);
  }
  Node repeated;
  repeated.op_type = "Transpose";
  repeated.attrs = attrs({{"perm", Ints{0, 0}}});
  EXPECT_FALSE(cuda::map_transpose({2, 3}, repeated).is_ok());
}

struct PadCase {
  const char* name;
  Shape x;
  Ints pads;
  std::string mode;
  std::vector<Tensor> extra;  // constant_value, axes
};

void PrintTo(const PadCase& c, std::ostream* os) { *os << c.name; }

class CudaPadMath : public ::testing::TestWithParam<PadCase> {};

TEST_P(CudaPadMath, ReadsWhereTheReferenceReads) {
  const PadCase& c = GetParam();
  std::vector<Tensor> constants{int64_tensor({static_cast<int64_t>(c.pads.size())}, c.pads)};
  constants.insert(constants.end(), c.extra.begin(), c.extra.end());
  const Graph graph = one_node_graph("Pad", {c.x}, attrs({{"mode", c.mode}}), constants);
  const Tensor x = random_tensor(c.x, 4);
  const Tensor expected = reference_output(graph, {x});
  const Tensor* value = c.extra.size() > 0 && !c.extra[0].empty() ? &c.extra[0] : nullptr;
  const Tensor* axes = c.extra.size() > 1 ? &c.extra[1] : nullptr;
  auto index = cuda::map_pad(c.x, expected.shape(), c.mode, constants[0], value, axes);
  ASSERT_TRUE(index.is_ok()) << index.status().message();
  Tensor actual(DType::kFloat32, expected.shape());
  for (int64_t i = 0; i < actual.element_count(); ++i) {
    const int64_t source = cuda::pad_source(i, *index);
    actual.data<float>()[i] = source >= 0 ? x.data<float>()[source] : index->fill;
  }
  expect_same(actual, expected);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, CudaPadMath,
    ::testing::Values(
        PadCase{"constant_fill",
                {1, 2, 4, 5},
                {0, 0, 1, 2, 0, 1, 2, 0},
                "constant",
                {float_tensor({}, {-1.5f})}},
        PadCase{"constant_zero", {2, 3, 4}, {1, 0, 2, 0, 1, 1}, "constant", {}},
        PadCase{"edge", {1, 2, 4, 5}, {0, 0, 3, 1, 0, 0, 2, 4}, "edge", {}},
        PadCase{"reflect_beyond_one_period", {1, 1, 3, 4}, {0, 0, 5, 1, 0, 0, 4, 7}, "reflect", {}},
        PadCase{"wrap", {2, 3, 4}, {0, 2, 5, 0, 3, 1}, "wrap", {}},
        PadCase{"crop", {1, 2, 6, 6}, {0, 0, -1, 2, 0, 0, 1, -2}, "constant", {}},
        PadCase{
            "axes", {1, 2, 4, 5}, {1, 2, 3, 0}, "reflect", {Tensor(), int64_tensor({2}, {-1, 2})}}),
    [](const auto& info) { return std::string(info.param.name); });

struct ReduceCase {
  const char* name;
  Shape x;
  std::optional<Ints> axes;
  Attributes attrs;
};

void PrintTo(const ReduceCase& c, std::ostream* os) { *os << c.name; }

// The case's input, its reference output and the kernel's indexing.
class CudaReduceMeanMath : public ::testing::TestWithParam<ReduceCase> {
 protected:
  void SetUp() override {
    const ReduceCase& c = GetParam();
    std::vector<Tensor> constants;
    if (c.axes) {
      constants.push_back(int64_tensor({static_cast<int64_t>(c.axes->size())}, *c.axes));
    }
    const Graph graph = one_node_graph("ReduceMean", {c.x}, c.attrs, constants);
    x_ = random_tensor(c.x, 21, -4.0f, 4.0f);
    expected_ = reference_output(graph, {x_});
    auto index = cuda::map_reduce_mean(c.x, graph.nodes[0], c.axes ? &constants[0] : nullptr);
    ASSERT_TRUE(index.is_ok()) << index.status().message();
    index_ = *index;
  }

  Tensor x_, expected_;
  cuda::ReduceIndex index_;
};

TEST_P(CudaReduceMeanMath, EqualsTheReferenceBitForBit) {
  Tensor actual(DType::kFloat32, expected_.shape());
  for (int64_t i = 0; i < actual.element_count(); ++i) {
    actual.data<float>()[i] = cuda::reduce_mean_output(x_.data<float>(), index_, i);
  }
  expect_same(actual, expected_);
}

// The block kernel's way for long means: thread t of `threads` sums elements t, t + threads,
// ... in double, then the shares are added pairwise. Every element must count once, and the
// result stay within float rounding of the reference's input-order sum.
TEST_P(CudaReduceMeanMath, BlockSharesAddUpToTheReference) {
  for (const int threads : {256, 8}) {  // the kernel's block; more threads than some means
    Tensor actual(DType::kFloat32, expected_.shape());
    for (int64_t o = 0; o < actual.element_count(); ++o) {
      const int64_t base = cuda::reduce_mean_base(index_, o);
      std::vector<double> partial(static_cast<size_t>(threads));
      for (int t = 0; t < threads; ++t) {
        partial[t] = cuda::reduce_mean_share(x_.data<float>(), index_, base, t, threads);
      }
      for (int half = threads / 2; half > 0; half /= 2) {
        for (int t = 0; t < half; ++t) partial[t] += partial[t + half];
      }
      actual.data<float>()[o] = static_cast<float>(partial[0] / static_cast<double>(index_.count));
    }
    SCOPED_TRACE(threads);
    expect_same(actual, expected_, 1);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Axes, CudaReduceMeanMath,
    ::testing::Values(ReduceCase{"squeeze_excite", {2, 16, 7, 7}, Ints{2, 3}, {}},
                      ReduceCase{"channels_negative_no_keepdims",
                                 {2, 5, 3, 4},
                                 Ints{-3},
                                 attrs({{"keepdims", int64_t{0}}})},
                      ReduceCase{"outer_and_inner", {3, 4, 5}, Ints{0, 2}, {}},
                      ReduceCase{"every_dim_by_default", {3, 4, 5}, std::nullopt, {}},
                      ReduceCase{"long_planes", {2, 3, 48, 40}, Ints{2, 3}, {}},
                      ReduceCase{"whole_tensor", {4, 8, 32, 32}, std::nullopt, {}},
                      ReduceCase{"noop_with_empty_axes",
                                 {3, 4},
                                 std::nullopt,
                                 attrs({{"noop_with_empty_axes", int64_t{1}}})}),
    [](const auto& info) { return std::string(info.param.name); });

// Convolution with padding cuDNN cannot express: the same reference Conv, once with the
// asymmetric pads and once unpadded over the buffer map_conv_prepadded's PadIndex fills.
TEST(CudaConvPrePadding, PaddedBufferGivesTheAsymmetricConvolution) {
  const Shape x_shape = {2, 3, 8, 7};
  const Tensor w = random_tensor({4, 3, 3, 3}, 12);
  const Attributes asymmetric = attrs({{"strides", Ints{2, 2}}, {"pads", Ints{0, 1, 1, 2}}});
  const Graph graph = one_node_graph("Conv", {x_shape}, asymmetric, {w});
  const Tensor x = random_tensor(x_shape, 13);
  const Tensor expected = reference_output(graph, {x});

  auto p = resolve_conv(graph.nodes[0], x_shape, w.shape());
  ASSERT_TRUE(p.is_ok()) << p.status().message();
  auto prepadded = cuda::map_conv_prepadded(*p, x_shape, w.shape(), expected.shape());
  ASSERT_TRUE(prepadded.is_ok()) << prepadded.status().message();
  Shape padded_shape;
  for (int d = 0; d < prepadded->pad.rank; ++d) padded_shape.push_back(prepadded->pad.out_dims[d]);
  ASSERT_EQ(element_count(padded_shape), prepadded->padded_count);
  Tensor padded(DType::kFloat32, padded_shape);
  for (int64_t i = 0; i < padded.element_count(); ++i) {
    const int64_t source = cuda::pad_source(i, prepadded->pad);
    padded.data<float>()[i] = source >= 0 ? x.data<float>()[source] : prepadded->pad.fill;
  }
  // The descriptors cuDNN gets: unpadded, over the padded buffer.
  EXPECT_EQ(prepadded->conv.pads, (std::vector<int>{0, 0}));
  const Graph unpadded =
      one_node_graph("Conv", {padded_shape}, attrs({{"strides", Ints{2, 2}}}), {w});
  const Tensor actual = reference_output(unpadded, {padded});
  EXPECT_LT(relative_l2_error(actual, expected), 1e-6);
}

}  // namespace
}  // namespace fovea::testing
