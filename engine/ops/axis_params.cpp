#include "engine/ops/axis_params.h"

#include <algorithm>
#include <numeric>

#include "engine/core/shape.h"

namespace fovea {

std::vector<int64_t> resolve_perm(const Node& node, size_t rank) {
  std::vector<int64_t> perm = node.attrs.get_ints("perm");
  if (!node.attrs.has("perm")) {
    perm.resize(rank);
    std::iota(perm.rbegin(), perm.rend(), 0);
    return perm;
  }
  if (perm.size() != rank) return {};
  std::vector<bool> seen(rank, false);
  for (int64_t& p : perm) {
    const auto axis = normalize_axis(p, static_cast<int64_t>(rank));
    if (!axis || seen[*axis]) return {};
    seen[*axis] = true;
    p = *axis;
  }
  return perm;
}

std::optional<PadMode> parse_pad_mode(const std::string& mode) {
  if (mode == "constant") return PadMode::kConstant;
  if (mode == "edge") return PadMode::kEdge;
  if (mode == "reflect") return PadMode::kReflect;
  if (mode == "wrap") return PadMode::kWrap;
  return std::nullopt;
}

Result<PadAmounts> resolve_pads(const std::vector<int64_t>& pads,
                                const std::optional<std::vector<int64_t>>& axes_values,
                                int64_t rank) {
  std::vector<int64_t> axes;
  if (axes_values) {
    axes = *axes_values;
  } else {
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  }
  if (pads.size() != 2 * axes.size()) {
    return invalid_argument("pads has " + std::to_string(pads.size()) + " values, expected " +
                            std::to_string(2 * axes.size()));
  }
  PadAmounts amounts{std::vector<int64_t>(static_cast<size_t>(rank), 0),
                     std::vector<int64_t>(static_cast<size_t>(rank), 0)};
  for (size_t i = 0; i < axes.size(); ++i) {
    const auto axis = normalize_axis(axes[i], rank);
    if (!axis) {
      return invalid_argument("axis " + std::to_string(axes[i]) + " is out of range for rank " +
                              std::to_string(rank));
    }
    amounts.begin[static_cast<size_t>(*axis)] = pads[i];
    amounts.end[static_cast<size_t>(*axis)] = pads[i + axes.size()];
  }
  return amounts;
}

Result<std::vector<bool>> reduced_dims(const Node& node, const std::vector<int64_t>& axes,
                                       int64_t rank) {
  std::vector<bool> reduced(static_cast<size_t>(rank), false);
  if (axes.empty()) {
    if (node.attrs.get_int("noop_with_empty_axes", 0) != 0) return reduced;
    std::fill(reduced.begin(), reduced.end(), true);
    return reduced;
  }
  for (int64_t axis : axes) {
    const auto normalized = normalize_axis(axis, rank);
    if (!normalized) {
      return invalid_argument("axis " + std::to_string(axis) + " is out of range for rank " +
                              std::to_string(rank));
    }
    reduced[static_cast<size_t>(*normalized)] = true;
  }
  return reduced;
}

}  // namespace fovea
