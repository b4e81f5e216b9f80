#include "engine/backends/concat_slices.h"

namespace fovea {

std::optional<std::vector<size_t>> plain_concat_offsets(const KernelRequest& request) {
  if (request.node == nullptr || request.node->op_type != "Concat" || request.inputs.empty() ||
      request.outputs.size() != 1) {
    return std::nullopt;
  }
  const ValueInfo& out = request.outputs[0];
  const auto rank = static_cast<int64_t>(out.shape.size());
  if (!out.rank_known || rank == 0 || !is_static(out.shape)) return std::nullopt;
  int64_t axis = request.node->attrs.get_int("axis", 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return std::nullopt;
  for (int64_t d = 0; d < axis; ++d) {
    if (out.shape[static_cast<size_t>(d)] != 1) return std::nullopt;
  }
  std::vector<size_t> offsets;
  size_t offset = 0;
  for (const ValueInfo& in : request.inputs) {
    if (in.dtype != out.dtype || !in.rank_known || in.shape.size() != out.shape.size()) {
      return std::nullopt;
    }
    const auto count = element_count(in.shape);
    if (!count) return std::nullopt;
    offsets.push_back(offset);
    offset += static_cast<size_t>(*count) * dtype_size(in.dtype);
  }
  const auto out_count = element_count(out.shape);
  if (!out_count || offset != static_cast<size_t>(*out_count) * dtype_size(out.dtype)) {
    return std::nullopt;
  }
  return offsets;
}

}  // namespace fovea
