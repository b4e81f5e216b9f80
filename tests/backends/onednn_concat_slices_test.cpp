// The oneDNN Concat kernel's claim that its output is its inputs' bytes end to end
// (Kernel::input_offsets_in_output, which lets the plan skip it): made only for layouts where it
// holds, and where it is made, the bytes of a normal run bear it out.
#include <gtest/gtest.h>

#include <cstring>

#include "engine/backends/backend_registry.h"
#include "engine/backends/onednn/onednn_common.h"
#include "tests/backends/onednn_test_util.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

using dnnl::memory;

struct ConcatKernel {
  Node node;
  KernelRequest request;
  PreparedKernel prepared;
};

// Prepares Concat(axis 1) of inputs with `channels` each, all arriving as `format` (`any` here
// meaning plain row-major).
ConcatKernel prepare_concat(int64_t batch, const std::vector<int64_t>& channels,
                            memory::format_tag format) {
  ConcatKernel c;
  c.node.op_type = "Concat";
  c.node.name = "concat";
  c.node.attrs.set("axis", int64_t{1});
  int64_t total = 0;
  for (int64_t ch : channels) {
    const Shape shape{batch, ch, 5, 3};
    c.request.inputs.push_back(ValueInfo{DType::kFloat32, shape, true, nullptr});
    c.request.input_layouts.push_back(
        format == memory::format_tag::any
            ? nullptr
            : std::make_shared<onednn::OneDnnLayout>(
                  memory::desc(onednn::to_dims(shape), memory::data_type::f32, format)));
    total += ch;
  }
  c.request.outputs.push_back(ValueInfo{DType::kFloat32, {batch, total, 5, 3}, true, nullptr});
  c.request.node = &c.node;
  c.prepared = prepare_onednn_kernel(c.request);
  return c;
}

size_t layout_bytes(const KernelRequest& request, size_t i) {
  const LayoutPtr& layout = request.input_layouts[i];
  return layout ? layout->byte_size()
                : static_cast<size_t>(*element_count(request.inputs[i].shape)) * sizeof(float);
}

// Runs the kernel on random input bytes and checks that each input's bytes sit unchanged at
// its claimed offset in the output.
void expect_claim_holds(ConcatKernel& c, const std::vector<size_t>& offsets) {
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < c.request.inputs.size(); ++i) {
    const auto floats = static_cast<int64_t>(layout_bytes(c.request, i) / sizeof(float));
    inputs.push_back(random_tensor({floats}, 40 + i).reshaped(c.request.inputs[i].shape));
  }
  const LayoutPtr out_layout = c.prepared.kernel->output_layout(0);
  const size_t out_bytes =
      out_layout ? out_layout->byte_size()
                 : static_cast<size_t>(*element_count(c.request.outputs[0].shape)) * sizeof(float);
  Tensor out_buffer(DType::kFloat32, {static_cast<int64_t>(out_bytes / sizeof(float))});
  std::vector<Tensor> outputs{out_buffer.reshaped(c.request.outputs[0].shape)};
  ASSERT_TRUE(c.prepared.kernel->run(inputs, outputs).is_ok());
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_LE(offsets[i] + layout_bytes(c.request, i), out_bytes);
    EXPECT_EQ(std::memcmp(static_cast<const std::byte*>(out_buffer.raw_data()) + offsets[i],
                          inputs[i].raw_data(), layout_bytes(c.request, i)),
              0)
        << "input " << i << " is not at offset " << offsets[i];
  }
}

TEST(OneDnnConcatSlices, ChannelBlockedAtBatchOneIsContiguous) {
  for (auto format : {memory::format_tag::nChw16c, memory::format_tag::nChw8c}) {
    ConcatKernel c = prepare_concat(1, {16, 32, 16}, format);
    ASSERT_NE(c.prepared.kernel, nullptr);
    const auto offsets = c.prepared.kernel->input_offsets_in_output();
    ASSERT_TRUE(offsets.has_value());
    EXPECT_EQ(*offsets, (std::vector<size_t>{0, 16 * 15 * 4, 48 * 15 * 4}));
    expect_claim_holds(c, *offsets);
  }
}

TEST(OneDnnConcatSlices, PlainAtBatchOneIsContiguous) {
  ConcatKernel c = prepare_concat(1, {3, 5, 2}, memory::format_tag::any);
  ASSERT_NE(c.prepared.kernel, nullptr);
  const auto offsets = c.prepared.kernel->input_offsets_in_output();
  ASSERT_TRUE(offsets.has_value());
  EXPECT_EQ(*offsets, (std::vector<size_t>{0, 3 * 15 * 4, 8 * 15 * 4}));
  expect_claim_holds(c, *offsets);
}

TEST(OneDnnConcatSlices, NoClaimWhereSlicesAreStridedOrPadded) {
  // Batch 2: each slice is split between the two images.
  EXPECT_FALSE(prepare_concat(2, {16, 16}, memory::format_tag::nChw16c)
                   .prepared.kernel->input_offsets_in_output());
  EXPECT_FALSE(prepare_concat(2, {3, 5}, memory::format_tag::any)
                   .prepared.kernel->input_offsets_in_output());
  // Channels-last: every pixel holds all channels, so a slice is strided.
  EXPECT_FALSE(prepare_concat(1, {16, 16}, memory::format_tag::nhwc)
                   .prepared.kernel->input_offsets_in_output());
  // 8 channels in 16-channel blocks: the input is padded, the output slice is not.
  EXPECT_FALSE(prepare_concat(1, {8, 16}, memory::format_tag::nChw16c)
                   .prepared.kernel->input_offsets_in_output());
}

}  // namespace
}  // namespace fovea::testing
