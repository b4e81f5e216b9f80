// The oneDNN backend's small-batch Gemm (GemvKernel, onednn_gemv.cpp): chosen where it applies
// and only there, and equal to the reference over rows (1 to 8), widths that do and do not fill
// whole 64-column panels or 4-row groups, K that does and does not fill whole 16-float steps, both
// weight orientations (read in place or packed), weights the plan owns or shares, every form of C
// and fused activations.
#include <gtest/gtest.h>

#include <ostream>

#include "engine/backends/backend_registry.h"
#include "engine/backends/onednn/onednn_common.h"
#include "engine/plan/executor.h"
#include "tests/backends/onednn_test_util.h"

namespace fovea::testing {
namespace {

struct GemvCase {
  int64_t rows = 1;
  int64_t k = 1;
  int64_t n = 1;
  bool trans_b = false;
  Shape c_shape{};  // empty: no C
  float beta = 1.0f;
  std::string activation{};  // empty: none
  float activation_alpha = 0.0f;
  float activation_beta = 0.0f;
};

void PrintTo(const GemvCase& c, std::ostream* os) {
  *os << c.rows << "x" << c.k << " times " << c.k << "x" << c.n << (c.trans_b ? " (transB)" : "")
      << ", C " << (c.c_shape.empty() ? "none" : dims_name(c.c_shape)) << " beta " << c.beta
      << ", activation " << (c.activation.empty() ? "none" : c.activation);
}

struct PreparedGemm {
  Graph graph;
  std::vector<Tensor> constants;
  KernelRequest request;
  PreparedKernel prepared;
};

std::unique_ptr<PreparedGemm> prepare(const GemvCase& c, bool constants_released = true,
                                      bool huge_pages = false) {
  auto p = std::make_unique<PreparedGemm>();
  Attributes a;
  if (c.trans_b) a.set("transB", int64_t{1});
  if (c.beta != 1.0f) a.set("beta", c.beta);
  if (!c.activation.empty()) {
    a.set("activation", c.activation);
    a.set("activation_alpha", c.activation_alpha);
    a.set("activation_beta", c.activation_beta);
  }
  p->constants.push_back(random_tensor(c.trans_b ? Shape{c.n, c.k} : Shape{c.k, c.n}, 51));
  if (!c.c_shape.empty()) p->constants.push_back(random_tensor(c.c_shape, 52));
  p->graph = single_op_graph("Gemm", {c.rows, c.k}, a, p->constants);
  p->request = single_op_request(p->graph, {c.rows, c.k}, p->constants, {c.rows, c.n});
  p->request.constants_released = constants_released;
  p->request.huge_pages = huge_pages;
  p->prepared = prepare_onednn_kernel(p->request);
  return p;
}

const onednn::GemvKernel* as_gemv(const PreparedGemm& p) {
  return dynamic_cast<const onednn::GemvKernel*>(p.prepared.kernel.get());
}

class OneDnnGemv : public ::testing::TestWithParam<GemvCase> {};

// With the weights the plan owns (released), and with the graph's shared weights (a free
// batch), where only transB's weights are read in place and the matmul primitive serves others.
TEST_P(OneDnnGemv, MatchesReference) {
  if (!onednn::gemv_kernel_available()) {
    GTEST_SKIP() << "this CPU has no AVX-512: the matmul primitive serves";
  }
  const GemvCase& c = GetParam();
  for (bool released : {true, false}) {
    SCOPED_TRACE(released ? "weights released to the plan" : "weights shared with the graph");
    ASSERT_TRUE(c.trans_b || c.rows <= 4) << "a case the kernel does not take";
    auto p = prepare(c, released);
    ASSERT_NE(p->prepared.kernel, nullptr);
    const onednn::GemvKernel* gemv = as_gemv(*p);
    if (released || c.trans_b) {
      ASSERT_NE(gemv, nullptr);
      EXPECT_EQ(gemv->form(), c.trans_b ? onednn::GemvKernel::Weights::kRows
                                        : onednn::GemvKernel::Weights::kPanels);
    } else {
      EXPECT_EQ(gemv, nullptr);
    }
    const Tensor x = random_tensor({c.rows, c.k}, 50, -2.0f, 2.0f);
    std::vector<Tensor> inputs{x};
    inputs.insert(inputs.end(), p->constants.begin(), p->constants.end());
    std::vector<Tensor> outputs{Tensor(DType::kFloat32, {c.rows, c.n})};
    ASSERT_TRUE(p->prepared.kernel->run(inputs, outputs).is_ok());
    auto expected = run_graph(p->graph, "reference", {x});
    ASSERT_TRUE(expected.is_ok()) << expected.status().message();
    EXPECT_LE(relative_l2_error(outputs[0], (*expected)[0]), 1e-6);
    // Each element sums k products in another order than the reference: its rounding grows
    // with k (a few 1e-5 at k = 1000 with these values), however small the element.
    const double atol = 1e-5 + 1e-7 * static_cast<double>(c.k);
    EXPECT_TRUE(tensors_close(outputs[0], (*expected)[0], 1e-4, atol));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, OneDnnGemv,
    ::testing::Values(GemvCase{1, 9, 5},                                 // one partial panel
                      GemvCase{1, 37, 64, true, {64}},                   // one whole panel
                      GemvCase{2, 100, 1000, true, {1, 1000}},           // 15 whole + 40 columns
                      GemvCase{3, 64, 130, false, {1}, 0.5f},            // scalar C, beta
                      GemvCase{4, 33, 200, true, {200}, 0.0f},           // beta 0: C ignored
                      GemvCase{1, 300, 257, true, {257}, 1.0f, "Relu"},  //
                      GemvCase{2, 17, 70, false, {}, 1.0f, "LeakyRelu", 0.1f},
                      GemvCase{4, 50, 128, true, {128}, 1.0f, "Clip", -0.5f, 0.5f},
                      GemvCase{1, 20, 90, false, {1, 90}, 2.0f, "Sigmoid"},
                      GemvCase{3, 1, 6, true, {6}},         // K of one element
                      GemvCase{2, 1000, 4, true, {4}},      // one whole group of 4 rows
                      GemvCase{4, 48, 11, true, {}, 0.0f},  // 48: whole vectors only
                      GemvCase{5, 100, 37, true, {37}},     // from here, transB only
                      GemvCase{6, 7, 9, true, {1, 9}, 1.0f, "Relu"},
                      GemvCase{7, 64, 130, true, {}, 0.0f},
                      GemvCase{8, 1000, 67, true, {67}, 1.0f, "Relu"}));

// Where it does not apply, the matmul primitive serves (and still matches).
TEST(OneDnnGemvChoice, OnlyForFewRowsAndConstantWeights) {
  if (!onednn::gemv_kernel_available()) {
    GTEST_SKIP() << "this CPU has no AVX-512: the matmul primitive serves";
  }
  EXPECT_NE(as_gemv(*prepare({4, 16, 32, false, {32}})), nullptr);
  EXPECT_EQ(as_gemv(*prepare({5, 16, 32, false, {32}})), nullptr) << "five rows, packed panels";
  EXPECT_NE(as_gemv(*prepare({8, 16, 32, true, {32}})), nullptr);
  EXPECT_EQ(as_gemv(*prepare({9, 16, 32, true, {32}})), nullptr) << "nine rows, read in place";
  // C with a row per input row is not one bias for all rows.
  EXPECT_EQ(as_gemv(*prepare({2, 16, 32, true, {2, 32}})), nullptr);
  // A free batch (the graph keeps its weights for other plans): packing [K, N] weights would be
  // a second copy per plan, so the matmul primitive reads them in place.
  EXPECT_EQ(as_gemv(*prepare({1, 16, 32, false, {32}}, false)), nullptr);
}

// Under transB the kernel reads the graph's buffer itself: no copy, whether the plan owns the
// weights or shares them, unless the plan asks for huge pages for weights it owns.
TEST(OneDnnGemvChoice, TransposedWeightsAreReadInPlace) {
  if (!onednn::gemv_kernel_available()) {
    GTEST_SKIP() << "this CPU has no AVX-512: the matmul primitive serves";
  }
  for (bool released : {true, false}) {
    auto p = prepare({1, 16, 32, true, {32}}, released);
    ASSERT_NE(as_gemv(*p), nullptr);
    EXPECT_EQ(as_gemv(*p)->weights(), p->constants[0].raw_data()) << "released " << released;
  }
  auto own_pages = prepare({1, 16, 32, true, {32}}, true, true);
  ASSERT_NE(as_gemv(*own_pages), nullptr);
  EXPECT_NE(as_gemv(*own_pages)->weights(), own_pages->constants[0].raw_data());
  auto shared = prepare({1, 16, 32, true, {32}}, false, true);
  ASSERT_NE(as_gemv(*shared), nullptr);
  EXPECT_EQ(as_gemv(*shared)->weights(), shared->constants[0].raw_data())
      << "weights the graph keeps for other plans are not copied per plan";
}

// Through a whole plan: a batch-1 classifier head (Gemm + Relu, Gemm) on a fixed shape, where
// the executor releases the weights to the kernels and the optimizer fuses the Relu.
TEST(OneDnnGemvChoice, ClassifierHeadMatchesReference) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 72});
  const ValueId h = b.op("Gemm",
                         {x, b.constant("w1", random_tensor({300, 72}, 61)),
                          b.constant("b1", random_tensor({300}, 62))},
                         attrs({{"transB", int64_t{1}}}));
  const ValueId y = b.op("Gemm", {b.op("Relu", {h}), b.constant("w2", random_tensor({300, 10}, 63)),
                                  b.constant("b2", random_tensor({10}, 64))});
  b.output(y);
  auto graph = b.build();
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  expect_onednn_matches_reference(*graph, {random_tensor({1, 72}, 60)}, "onednn");
}

// The same head with a free batch: plans for batch 1, 3 and 8 share the graph's weights, and a
// batch of 12 goes to the matmul primitive; each matches the reference.
TEST(OneDnnGemvChoice, FreeBatchHeadMatchesReferenceAtEveryBatch) {
  auto head = [](int64_t batch) {
    GraphBuilder b;
    const ValueId x = b.input("x", DType::kFloat32, {batch, 72});
    const ValueId h = b.op("Gemm",
                           {x, b.constant("w1", random_tensor({300, 72}, 61)),
                            b.constant("b1", random_tensor({300}, 62))},
                           attrs({{"transB", int64_t{1}}}));
    b.output(b.op("Gemm",
                  {b.op("Relu", {h}), b.constant("w2", random_tensor({10, 300}, 63)),
                   b.constant("b2", random_tensor({10}, 64))},
                  attrs({{"transB", int64_t{1}}})));
    return b.build();
  };
  auto graph = head(kDynamicDim);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  auto executor = Executor::create(*graph, std::move(create_backend("onednn")).value(),
                                   std::move(create_backend("reference")).value());
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  for (int64_t batch : {1, 3, 8, 12, 1}) {
    const Tensor x = random_tensor({batch, 72}, 65 + batch);
    auto actual = (*executor)->run({x});
    ASSERT_TRUE(actual.is_ok()) << actual.status().message();
    auto fixed = head(batch);
    ASSERT_TRUE(fixed.is_ok());
    auto expected = run_graph(*fixed, "reference", {x});
    ASSERT_TRUE(expected.is_ok()) << expected.status().message();
    EXPECT_LE(relative_l2_error((*actual)[0], (*expected)[0]), 1e-6) << "batch " << batch;
  }
}

}  // namespace
}  // namespace fovea::testing
