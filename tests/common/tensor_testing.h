// Tensor helpers for tests: seeded random tensors, closeness checks, run-a-graph.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/core/graph.h"
#include "engine/core/tensor.h"

namespace fovea::testing {

// Uniform in [lo, hi), reproducible from `seed`.
Tensor random_tensor(const Shape& shape, uint64_t seed, float lo = -1.0f, float hi = 1.0f);
Tensor float_tensor(const Shape& shape, const std::vector<float>& values);
Tensor int64_tensor(const Shape& shape, const std::vector<int64_t>& values);

// ONNX conformance rule: |a - e| <= atol + rtol * |e| elementwise, same dtype and shape.
::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected,
                                         double rtol = 1e-3, double atol = 1e-7);
// ||a - e||_2 / ||e||_2.
double relative_l2_error(const Tensor& actual, const Tensor& expected);

// Runs `graph` on the named backend (with reference fallback) and returns its outputs.
Result<std::vector<Tensor>> run_graph(const Graph& graph, const std::string& backend,
                                      const std::vector<Tensor>& inputs);

// ../shared when present (tests GTEST_SKIP with a message otherwise).
std::optional<std::string> shared_dir();
// Debian's libonnx-testdata folder when installed.
std::optional<std::string> onnx_testdata_dir();

}  // namespace fovea::testing

// Skips the current test when ../shared is absent.
#define FOVEA_REQUIRE_SHARED(var)                                                   \
  const auto var##_opt = ::fovea::testing::shared_dir();                            \
  if (!var##_opt) GTEST_SKIP() << "../shared is absent; skipping a test that needs it"; \
  const std::string var = *var##_opt
