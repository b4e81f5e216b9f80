#include "tests/common/tensor_testing.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>

#include "engine/backends/backend_registry.h"
#include "engine/plan/executor.h"

namespace fovea::testing {

Tensor random_tensor(const Shape& shape, uint64_t seed, float lo, float hi) {
  Tensor t(DType::kFloat32, shape);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.element_count(); ++i) p[i] = dist(rng);
  return t;
}

Tensor float_tensor(const Shape& shape, const std::vector<float>& values) {
  Tensor t(DType::kFloat32, shape);
  std::memcpy(t.raw_data(), values.data(), std::min(values.size() * 4, t.byte_size()));
  return t;
}

Tensor int64_tensor(const Shape& shape, const std::vector<int64_t>& values) {
  Tensor t(DType::kInt64, shape);
  std::memcpy(t.raw_data(), values.data(), std::min(values.size() * 8, t.byte_size()));
  return t;
}

::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected,
                                         double rtol, double atol) {
  if (actual.dtype() != expected.dtype()) {
    return ::testing::AssertionFailure() << "dtype " << dtype_name(actual.dtype())
                                         << " != expected " << dtype_name(expected.dtype());
  }
  if (actual.shape() != expected.shape()) {
    return ::testing::AssertionFailure() << "shape " << shape_to_string(actual.shape())
                                         << " != expected " << shape_to_string(expected.shape());
  }
  int64_t bad = 0;
  std::ostringstream first;
  for (int64_t i = 0; i < actual.element_count(); ++i) {
    const double a = actual.as_double(i);
    const double e = expected.as_double(i);
    const bool both_nan = std::isnan(a) && std::isnan(e);
    const bool same_inf = std::isinf(a) && std::isinf(e) && (a > 0) == (e > 0);
    if (both_nan || same_inf) continue;
    if (!(std::fabs(a - e) <= atol + rtol * std::fabs(e))) {
      if (bad++ == 0) first << "element " << i << ": " << a << " vs expected " << e;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << actual.element_count()
                                       << " elements differ; first " << first.str();
}

double relative_l2_error(const Tensor& actual, const Tensor& expected) {
  double diff = 0;
  double norm = 0;
  for (int64_t i = 0; i < expected.element_count(); ++i) {
    const double d = actual.as_double(i) - expected.as_double(i);
    diff += d * d;
    norm += expected.as_double(i) * expected.as_double(i);
  }
  return norm == 0 ? std::sqrt(diff) : std::sqrt(diff / norm);
}

Result<std::vector<Tensor>> run_graph(const Graph& graph, const std::string& backend,
                                      const std::vector<Tensor>& inputs) {
  FOVEA_ASSIGN_OR_RETURN(auto primary, create_backend(backend));
  FOVEA_ASSIGN_OR_RETURN(auto fallback, create_backend("reference"));
  FOVEA_ASSIGN_OR_RETURN(auto executor,
                         Executor::create(graph, std::move(primary), std::move(fallback)));
  return executor->run(inputs);
}

std::optional<std::string> shared_dir() {
  const std::string dir = FOVEA_SHARED_DIR;
  if (std::filesystem::is_directory(dir)) return dir;
  return std::nullopt;
}

std::optional<std::string> onnx_testdata_dir() {
  const std::string dir = FOVEA_ONNX_TESTDATA_DIR;
  if (std::filesystem::is_directory(dir)) return dir;
  return std::nullopt;
}

}  // namespace fovea::testing
