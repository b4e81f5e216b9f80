// NaN and infinity inputs flow through arithmetic as IEEE 754 says, on every backend, without
// crashing or being silently replaced.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/common/backend_testing.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// y = Conv(x, w = 2, 1x1) + 1 over one channel: y = 2x + 1 elementwise.
Graph scale_and_shift_model() {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {1, 1, 2, 2});
  const ValueId w = b.constant("w", float_tensor({1, 1, 1, 1}, {2.0f}));
  const ValueId one = b.constant("one", float_tensor({1}, {1.0f}));
  b.output(b.op("Add", {b.op("Conv", {x, w}), one}));
  auto graph = b.build();
  EXPECT_TRUE(graph.is_ok()) << graph.status().message();
  return std::move(*graph);
}

class NanInf : public ::testing::TestWithParam<std::string> {};

TEST_P(NanInf, PassThroughArithmetic) {
  FOVEA_REQUIRE_BACKEND(GetParam());
  const Tensor x = float_tensor({1, 1, 2, 2}, {kNaN, kInf, -kInf, 3.0f});
  auto outputs = run_graph(scale_and_shift_model(), GetParam(), {x});
  ASSERT_TRUE(outputs.is_ok()) << outputs.status().message();
  ASSERT_EQ(outputs->size(), 1u);
  const float* y = outputs->at(0).data<float>();
  EXPECT_TRUE(std::isnan(y[0])) << y[0];
  EXPECT_EQ(y[1], kInf);
  EXPECT_EQ(y[2], -kInf);
  EXPECT_EQ(y[3], 7.0f);
}

INSTANTIATE_TEST_SUITE_P(Backends, NanInf, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace fovea::testing
