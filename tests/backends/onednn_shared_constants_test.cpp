// Prepared constants held once per backend (SharedConstants, onednn_shared_constants.cpp):
// where the graph keeps its weights for other plans (a free batch), kernels that prepare the
// same weights into the same layout share one buffer; other weights, or weights a single plan
// owns, get their own. Sharing never changes a result.
#include <gtest/gtest.h>

#include "engine/backends/backend_registry.h"
#include "engine/backends/onednn/onednn_common.h"
#include "tests/backends/onednn_test_util.h"

namespace fovea::testing {
namespace {

struct PreparedConv {
  Graph graph;
  std::vector<Tensor> constants;
  KernelRequest request;
  std::unique_ptr<Kernel> kernel;
};

constexpr int64_t kChannels = 16;

// A 3x3 Conv on [batch, 16, 8, 8] with weights from `seed`, prepared on `backend`.
std::unique_ptr<PreparedConv> prepare_conv(Backend& backend, int64_t batch, uint64_t seed,
                                           bool constants_released) {
  auto p = std::make_unique<PreparedConv>();
  p->constants = {random_tensor({kChannels, kChannels, 3, 3}, seed),
                  random_tensor({kChannels}, seed + 1)};
  const Shape x{batch, kChannels, 8, 8};
  p->graph =
      single_op_graph("Conv", x, attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}), p->constants);
  p->request = single_op_request(p->graph, x, p->constants, x);
  p->request.constants_released = constants_released;
  EXPECT_TRUE(backend.supports(p->request));
  auto kernel = backend.prepare(p->request);
  EXPECT_TRUE(kernel.is_ok()) << kernel.status().message();
  if (kernel.is_ok()) p->kernel = std::move(kernel).value();
  return p;
}

const void* weights_buffer(const PreparedConv& p) {
  const auto* kernel = dynamic_cast<const onednn::PrimitiveKernel*>(p.kernel.get());
  if (kernel == nullptr) return nullptr;
  return kernel->constants().memories().at(DNNL_ARG_WEIGHTS).get_data_handle();
}

void expect_matches_reference(const PreparedConv& p, int64_t batch) {
  const Tensor x = random_tensor({batch, kChannels, 8, 8}, 90 + batch);
  std::vector<Tensor> inputs{x};
  inputs.insert(inputs.end(), p.constants.begin(), p.constants.end());
  auto actual = run_kernel_plain(*p.kernel, p.request, inputs, x.shape());
  ASSERT_TRUE(actual.is_ok()) << actual.status().message();
  auto expected = run_graph(p.graph, "reference", {x});
  ASSERT_TRUE(expected.is_ok()) << expected.status().message();
  EXPECT_LE(relative_l2_error(*actual, (*expected)[0]), 1e-5);
}

TEST(OneDnnSharedConstants, SameWeightsForAnotherBatchShareOneBuffer) {
  auto backend = std::move(create_backend("onednn")).value();
  auto batch1 = prepare_conv(*backend, 1, 70, false);
  auto batch3 = prepare_conv(*backend, 3, 70, false);  // same values, other tensors
  ASSERT_NE(weights_buffer(*batch1), nullptr);
  EXPECT_EQ(weights_buffer(*batch1), weights_buffer(*batch3));
  auto other = prepare_conv(*backend, 1, 80, false);
  EXPECT_NE(weights_buffer(*other), weights_buffer(*batch1)) << "other weights";
  // The buffer lives as long as any kernel holding it.
  batch1.reset();
  expect_matches_reference(*batch3, 3);
  expect_matches_reference(*other, 1);
}

TEST(OneDnnSharedConstants, WeightsOnePlanOwnsAreNotShared) {
  auto backend = std::move(create_backend("onednn")).value();
  auto first = prepare_conv(*backend, 1, 70, true);
  auto second = prepare_conv(*backend, 1, 70, true);
  ASSERT_NE(weights_buffer(*first), nullptr);
  EXPECT_NE(weights_buffer(*first), weights_buffer(*second));
}

TEST(OneDnnSharedConstants, BuffersAreOnlyOfferedWhileHeld) {
  onednn::SharedConstants shared;
  const onednn::md desc = onednn::plain_md({4});
  auto make = [](float value) {
    std::shared_ptr<void> buffer = allocate_host(4 * sizeof(float));
    for (int i = 0; i < 4; ++i) static_cast<float*>(buffer.get())[i] = value;
    return buffer;
  };
  std::shared_ptr<void> a = shared.deduplicate(make(1.0f), 16, desc, HostBuffer::kKept);
  EXPECT_EQ(shared.deduplicate(make(1.0f), 16, desc, HostBuffer::kKept), a);
  EXPECT_NE(shared.deduplicate(make(2.0f), 16, desc, HostBuffer::kKept), a) << "other bytes";
  EXPECT_NE(shared.deduplicate(make(1.0f), 16, onednn::plain_md({2, 2}), HostBuffer::kKept), a)
      << "another layout";
  EXPECT_NE(shared.deduplicate(make(1.0f), 16, desc, HostBuffer::kStreamedWeights), a)
      << "another use";
  const void* old = a.get();
  a.reset();
  std::shared_ptr<void> fresh = make(1.0f);
  const void* fresh_ptr = fresh.get();
  EXPECT_EQ(shared.deduplicate(std::move(fresh), 16, desc, HostBuffer::kKept).get(), fresh_ptr)
      << "a buffer nobody holds is not offered (it was at " << old << ")";
}

}  // namespace
}  // namespace fovea::testing
