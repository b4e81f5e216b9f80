// The oneDNN backend's small-batch Gemm (GemvKernel, onednn_gemv.cpp): chosen where it applies
// and only there, and equal to the reference over rows, widths that do and do not fill whole
// 64-column panels, both weight orientations, every form of C and fused activations.
#include <gtest/gtest.h>

#include <ostream>

#include "engine/backends/backend_registry.h"
#include "engine/backends/onednn/onednn_common.h"
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

std::unique_ptr<PreparedGemm> prepare(const GemvCase& c, bool constants_released = true) {
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
  p->prepared = prepare_onednn_kernel(p->request);
  return p;
}

bool is_gemv(const Kernel* kernel) {
  return dynamic_cast<const onednn::GemvKernel*>(kernel) != nullptr;
}

class OneDnnGemv : public ::testing::TestWithParam<GemvCase> {};

TEST_P(OneDnnGemv, MatchesReference) {
  if (!onednn::gemv_kernel_available())
    GTEST_SKIP() << "this CPU has no AVX-512: the matmul primitive serves";
  const GemvCase& c = GetParam();
  auto p = prepare(c);
  ASSERT_NE(p->prepared.kernel, nullptr);
  EXPECT_TRUE(is_gemv(p->prepared.kernel.get()));
  const Tensor x = random_tensor({c.rows, c.k}, 50, -2.0f, 2.0f);
  std::vector<Tensor> inputs{x};
  inputs.insert(inputs.end(), p->constants.begin(), p->constants.end());
  std::vector<Tensor> outputs{Tensor(DType::kFloat32, {c.rows, c.n})};
  ASSERT_TRUE(p->prepared.kernel->run(inputs, outputs).is_ok());
  auto expected = run_graph(p->graph, "reference", {x});
  ASSERT_TRUE(expected.is_ok()) << expected.status().message();
  EXPECT_LE(relative_l2_error(outputs[0], (*expected)[0]), 1e-6);
  EXPECT_TRUE(tensors_close(outputs[0], (*expected)[0], 1e-4, 1e-5));
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
                      GemvCase{1, 20, 90, false, {1, 90}, 2.0f, "Sigmoid"}));

// Where it does not apply, the matmul primitive serves (and still matches).
TEST(OneDnnGemvChoice, OnlyForFewRowsAndWeightsThePlanReleases) {
  if (!onednn::gemv_kernel_available())
    GTEST_SKIP() << "this CPU has no AVX-512: the matmul primitive serves";
  EXPECT_TRUE(is_gemv(prepare({4, 16, 32, true, {32}})->prepared.kernel.get()));
  EXPECT_FALSE(is_gemv(prepare({5, 16, 32, true, {32}})->prepared.kernel.get())) << "five rows";
  // A free batch: the graph keeps its weights and the matmul reads them in place.
  EXPECT_FALSE(is_gemv(prepare({1, 16, 32, true, {32}}, false)->prepared.kernel.get()));
  // C with a row per input row is not one bias for all rows.
  EXPECT_FALSE(is_gemv(prepare({2, 16, 32, true, {2, 32}})->prepared.kernel.get()));
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

}  // namespace
}  // namespace fovea::testing
