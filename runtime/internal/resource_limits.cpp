#include "runtime/internal/resource_limits.h"

#include <limits>

#include "engine/ops/op_cost.h"
#include "engine/ops/shape_inference.h"

namespace fovea {
namespace {

constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();

int64_t saturating_add(int64_t a, int64_t b) { return a > kSaturated - b ? kSaturated : a + b; }

Status over_limit(const std::string& what, int64_t amount, const std::string& unit, int64_t limit) {
  return Status(StatusCode::kOutOfRange, what + " needs " + std::to_string(amount) + " " + unit +
                                             ", over the limit of " + std::to_string(limit) + " " +
                                             unit);
}

}  // namespace

Status check_resource_limits(const Graph& graph, const std::vector<Shape>& input_shapes,
                             const ResourceLimits& limits) {
  if (limits.max_value_bytes <= 0 && limits.max_total_bytes <= 0 && limits.max_macs <= 0) {
    return Status::ok();
  }
  if (input_shapes.size() != graph.inputs.size()) {
    return invalid_argument("expected " + std::to_string(graph.inputs.size()) +
                            " input shapes, got " + std::to_string(input_shapes.size()));
  }
  Graph shaped = graph;
  InferOptions options;
  for (size_t i = 0; i < input_shapes.size(); ++i) {
    options.input_shapes[shaped.value(graph.inputs[i]).name] = input_shapes[i];
  }
  // Folding is capped by the limit too, so inference itself cannot allocate past it.
  if (limits.max_value_bytes > 0) {
    options.max_folded_elements =
        std::min<int64_t>(options.max_folded_elements, limits.max_value_bytes / 8 + 1);
  }
  FOVEA_ASSIGN_OR_RETURN(InferResult inferred, infer_shapes(shaped, options));
  (void)inferred;

  int64_t total_bytes = 0;
  for (const Value& value : shaped.values) {
    const std::string what = "value '" + value.name + "'";
    const std::optional<int64_t> count =
        value.rank_known ? element_count(value.shape) : std::nullopt;
    if (!value.rank_known || !is_static(value.shape)) {
      return Status(StatusCode::kOutOfRange,
                    what +
                        ": its size depends on run-time data, so the resource limits "
                        "cannot be checked before running");
    }
    const int64_t elem = static_cast<int64_t>(dtype_size(value.dtype));
    const int64_t bytes =
        !count ? kSaturated : (elem > 0 && *count > kSaturated / elem ? kSaturated : *count * elem);
    if (limits.max_value_bytes > 0 && bytes > limits.max_value_bytes) {
      return over_limit(what + " " + shape_to_string(value.shape), bytes, "bytes",
                        limits.max_value_bytes);
    }
    total_bytes = saturating_add(total_bytes, bytes);
  }
  if (limits.max_total_bytes > 0 && total_bytes > limits.max_total_bytes) {
    return over_limit("the run", total_bytes, "bytes", limits.max_total_bytes);
  }
  if (limits.max_macs > 0) {
    int64_t macs = 0;
    for (const Node& node : shaped.nodes) macs = saturating_add(macs, node_cost(shaped, node).macs);
    if (macs > limits.max_macs) {
      return over_limit("the run", macs, "multiply-accumulates", limits.max_macs);
    }
  }
  return Status::ok();
}

}  // namespace fovea
