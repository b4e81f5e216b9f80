// Which dims Transpose, Pad and ReduceMean act on, and how: their attributes and constant
// inputs resolved for a rank. Shared by the ops' shape inference and reference kernels and by
// the backends, so all of them read ONNX's rules (negative axes, defaults) the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/graph.h"
#include "engine/core/status.h"

namespace fovea {

// Transpose: the node's `perm` for a rank (default: the dims reversed), negative entries
// normalised; an empty vector when it is not a permutation of the rank's dims.
std::vector<int64_t> resolve_perm(const Node& node, size_t rank);

// Pad's modes: constant (the fill), edge (repeat the border), reflect (mirror without repeating
// the border), wrap.
enum class PadMode { kConstant, kEdge, kReflect, kWrap };
std::optional<PadMode> parse_pad_mode(const std::string& mode);

// Pad: per-dim amounts before and after (negative crops), from `pads` (every begin, then every
// end) for `axes` (default: every dim).
struct PadAmounts {
  std::vector<int64_t> begin;
  std::vector<int64_t> end;
};
Result<PadAmounts> resolve_pads(const std::vector<int64_t>& pads,
                                const std::optional<std::vector<int64_t>>& axes, int64_t rank);

// ReduceMean: per dim, whether it is reduced. No axes means every dim, or none with the node's
// noop_with_empty_axes.
Result<std::vector<bool>> reduced_dims(const Node& node, const std::vector<int64_t>& axes,
                                       int64_t rank);

}  // namespace fovea
