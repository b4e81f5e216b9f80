// A 1x1 convolution with stride > 1 on oneDNN subsamples its input first and convolves at unit
// stride (onednn_conv.cpp says why). Checked at the kernel, where the input arrives in oneDNN's
// own layout as it does inside a network, and in a residual downsampling block against the
// reference.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <ostream>

#include "engine/backends/backend_registry.h"
#include "engine/backends/onednn/onednn_common.h"
#include "tests/backends/onednn_test_util.h"

namespace fovea::testing {
namespace {

using dnnl::memory;

struct PointwiseCase {
  Shape x;
  int64_t out_channels = 0;
  std::vector<int64_t> strides;
};

void PrintTo(const PointwiseCase& c, std::ostream* os) {
  *os << "x " << dims_name(c.x) << ", " << c.out_channels << " channels, strides "
      << dims_name(c.strides);
}

Shape subsampled(const PointwiseCase& c) {
  Shape s = c.x;
  s[1] = c.out_channels;
  for (size_t i = 0; i < c.strides.size(); ++i) s[i + 2] = (c.x[i + 2] - 1) / c.strides[i] + 1;
  return s;
}

// The conv kernel, prepared for an input that arrives channels-last (as oneDNN's convolutions
// leave it), and the graph it came from.
struct PreparedConv {
  Graph graph;
  KernelRequest request;
  PreparedKernel prepared;
  memory::desc x_md;
};

PreparedConv prepare(const PointwiseCase& c, const std::vector<Tensor>& constants) {
  PreparedConv p;
  p.graph = single_op_graph("Conv", c.x, attrs({{"strides", c.strides}}), constants);
  p.x_md = memory::desc(onednn::to_dims(c.x), memory::data_type::f32,
                        c.x.size() == 4 ? memory::format_tag::nhwc : memory::format_tag::nwc);
  p.request = single_op_request(p.graph, c.x, constants, subsampled(c));
  p.request.input_layouts.push_back(std::make_shared<onednn::OneDnnLayout>(p.x_md));
  p.prepared = prepare_onednn_kernel(p.request);
  return p;
}

// Runs the kernel on plain `x` (converted to the kernel's input layout) and returns its output
// in plain layout.
Result<Tensor> run_plain(PreparedConv& p, const Tensor& x, const Shape& y_shape) {
  std::vector<Tensor> inputs{x};
  for (size_t i = 1; i < p.request.inputs.size(); ++i) inputs.push_back(*p.request.inputs[i].value);
  return run_kernel_plain(*p.prepared.kernel, p.request, std::move(inputs), y_shape);
}

class OneDnnStridedPointwise : public ::testing::TestWithParam<PointwiseCase> {};

TEST_P(OneDnnStridedPointwise, ConvolvesTheSubsampledInputAtUnitStride) {
  const PointwiseCase& c = GetParam();
  const std::vector<Tensor> constants{random_tensor({c.out_channels, c.x[1], 1, 1}, 31),
                                      random_tensor({c.out_channels}, 32)};
  std::vector<Tensor> weights = constants;
  if (c.x.size() == 3) weights[0] = weights[0].reshaped({c.out_channels, c.x[1], 1});
  PreparedConv p = prepare(c, weights);
  ASSERT_NE(p.prepared.kernel, nullptr);
  auto* primitive_kernel = dynamic_cast<onednn::PrimitiveKernel*>(p.prepared.kernel.get());
  ASSERT_NE(primitive_kernel, nullptr);
  const dnnl_memory_desc_t* src_md = dnnl_primitive_desc_query_md(
      primitive_kernel->primitive().get_primitive_desc(), dnnl_query_src_md, 0);
  ASSERT_NE(src_md, nullptr);
  Shape src = subsampled(c);
  src[1] = c.x[1];
  EXPECT_EQ(memory::desc(*src_md).dims(), onednn::to_dims(src))
      << "the convolution reads the input whole";

  const Tensor x = random_tensor(c.x, 30);
  auto actual = run_plain(p, x, subsampled(c));
  ASSERT_TRUE(actual.is_ok()) << actual.status().message();
  auto expected = run_graph(p.graph, "reference", {x});
  ASSERT_TRUE(expected.is_ok()) << expected.status().message();
  EXPECT_LE(relative_l2_error(*actual, (*expected)[0]), 1e-6);
  // A second run reuses the kernel's temporary; the result must not change.
  auto again = run_plain(p, x, subsampled(c));
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_TRUE(tensors_close(*again, *actual, 0.0, 0.0));
}

INSTANTIATE_TEST_SUITE_P(Shapes, OneDnnStridedPointwise,
                         ::testing::Values(PointwiseCase{{2, 32, 9, 9}, 48, {2, 2}},
                                           PointwiseCase{{1, 16, 10, 7}, 32, {3, 2}},
                                           PointwiseCase{{1, 64, 14, 14}, 128, {1, 2}},
                                           PointwiseCase{{2, 16, 11}, 16, {2}}));

// Subsampling copies values exactly: NaN in a pixel the stride reads reaches that output
// pixel, NaN in a pixel it skips reaches nothing.
TEST(OneDnnStridedPointwise, NaNOnlyWhereTheStrideReads) {
  const PointwiseCase c{{1, 16, 6, 6}, 16, {2, 2}};
  const std::vector<Tensor> constants{random_tensor({16, 16, 1, 1}, 33), random_tensor({16}, 34)};
  PreparedConv p = prepare(c, constants);
  ASSERT_NE(p.prepared.kernel, nullptr);
  Tensor x = random_tensor(c.x, 35);
  auto* data = static_cast<float*>(x.raw_data());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  data[2 * 6 + 2] = nan;  // channel 0, row 2, column 2: read, output (1, 1)
  data[3 * 6 + 1] = nan;  // channel 0, row 3, column 1: skipped
  auto y = run_plain(p, x, subsampled(c));
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  const auto* out = static_cast<const float*>(y->raw_data());
  for (int64_t ch = 0; ch < 16; ++ch) {
    for (int64_t i = 0; i < 9; ++i) {
      const bool reads_nan = i == 1 * 3 + 1;
      EXPECT_EQ(std::isnan(out[ch * 9 + i]), reads_nan) << "channel " << ch << " pixel " << i;
    }
  }
}

// ResNet's downsampling block: y = relu(conv3x3(relu(conv3x3_s2(h))) + conv1x1_s2(h)) with
// h = relu(conv(x)), so the strided 1x1 conv reads oneDNN's layout, through the optimizer (which
// fuses the Add into one of the convolutions).
TEST(OneDnnStridedPointwise, DownsamplingBlockMatchesReference) {
  const Shape x_shape{2, 8, 14, 14};
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, x_shape);
  const auto pads = [](int64_t p) {
    return std::pair<std::string, AttrValue>{"pads", std::vector<int64_t>{p, p, p, p}};
  };
  const auto strides2 = std::pair<std::string, AttrValue>{"strides", std::vector<int64_t>{2, 2}};
  const ValueId h = b.op("Relu", {b.op("Conv",
                                       {x, b.constant("w0", random_tensor({32, 8, 3, 3}, 40)),
                                        b.constant("b0", random_tensor({32}, 41))},
                                       attrs({pads(1)}))});
  const ValueId shortcut = b.op("Conv",
                                {h, b.constant("ws", random_tensor({64, 32, 1, 1}, 42)),
                                 b.constant("bs", random_tensor({64}, 43))},
                                attrs({strides2}));
  const ValueId a = b.op("Relu", {b.op("Conv",
                                       {h, b.constant("w1", random_tensor({64, 32, 3, 3}, 44)),
                                        b.constant("b1", random_tensor({64}, 45))},
                                       attrs({pads(1), strides2}))});
  const ValueId main = b.op("Conv",
                            {a, b.constant("w2", random_tensor({64, 64, 3, 3}, 46)),
                             b.constant("b2", random_tensor({64}, 47))},
                            attrs({pads(1)}));
  b.output(b.op("Relu", {b.op("Add", {main, shortcut})}));
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  for (const std::string& backend : onednn_plan_backends(*graph)) EXPECT_EQ(backend, "onednn");
  const std::vector<Tensor> inputs{random_tensor(x_shape, 48)};
  auto actual = run_graph(*graph, "onednn", inputs);
  ASSERT_TRUE(actual.is_ok()) << actual.status().message();
  auto expected = run_graph(*graph, "reference", inputs);
  ASSERT_TRUE(expected.is_ok()) << expected.status().message();
  // Relative L2, as for whole models: sums of 576 products cancel to small values here, where
  // an elementwise tolerance would measure the cancellation rather than the kernel.
  EXPECT_LE(relative_l2_error((*actual)[0], (*expected)[0]), 1e-5);
}

}  // namespace
}  // namespace fovea::testing
