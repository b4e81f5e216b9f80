// Fuzz target: model bytes → import_onnx_bytes → plan and run on the reference backend with
// the default input shapes (allocate() zero-fills). Import refuses any stored tensor over a small
// limit; runs over a small memory and work budget are refused up front by check_resource_limits, so
// the fuzzer explores parsing, validation, inference and kernels rather than the allocator.
#include <cstddef>
#include <cstdint>

#include "engine/backends/backend_registry.h"
#include "engine/plan/executor.h"
#include "importers/onnx/onnx_importer.h"
#include "runtime/internal/resource_limits.h"

namespace {

constexpr int64_t kMaxTensorBytes = 1 << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fovea;
  ImportOptions import_options;
  import_options.max_model_bytes = 8 << 20;
  import_options.max_tensor_bytes = kMaxTensorBytes;
  auto graph = import_onnx_bytes(data, size, "fuzz.onnx", "", import_options);
  if (!graph.is_ok()) return 0;

  // Shapes a run would use: the declared ones with free dims set to 1 (Executor's default).
  std::vector<Shape> shapes;
  for (ValueId id : graph->inputs) {
    const Value& input = graph->value(id);
    if (!input.rank_known || input.dtype == DType::kUndefined || input.dtype == DType::kOther) {
      return 0;
    }
    Shape shape = input.shape;
    for (int64_t& d : shape) d = d < 0 ? 1 : d;
    shapes.push_back(std::move(shape));
  }
  ResourceLimits limits;
  limits.max_value_bytes = kMaxTensorBytes;
  limits.max_total_bytes = 16 << 20;
  limits.max_macs = 20'000'000;
  if (!check_resource_limits(*graph, shapes, limits).is_ok()) return 0;

  auto primary = create_backend("reference");
  auto fallback = create_backend("reference");
  if (!primary.is_ok() || !fallback.is_ok()) __builtin_trap();
  auto executor = Executor::create(std::move(*graph), std::move(*primary), std::move(*fallback));
  if (!executor.is_ok()) return 0;

  std::vector<Tensor> inputs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const Value& input = (*executor)->graph().value((*executor)->graph().inputs[i]);
    auto tensor = Tensor::allocate(input.dtype, shapes[i]);
    if (!tensor.is_ok()) return 0;
    inputs.push_back(std::move(*tensor));
  }
  auto outputs = (*executor)->run(inputs);
  (void)outputs;
  return 0;
}
