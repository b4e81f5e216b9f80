// Opsets 1 to 6 broadcast differently from numpy: Add/Sub/Mul/Div align B with A from the
// attribute `axis` (when `broadcast` = 1), and PRelu's slope is per channel (axis 1). Both
// need input ranks, so this runs on the sorted graph before shape inference and reshapes B or
// the slope (a constant is replaced, a computed one gets an Unsqueeze/Reshape node) so that
// numpy broadcasting gives the old result.
#pragma once

#include "engine/core/graph.h"
#include "engine/core/status.h"

namespace fovea {

// No-op for graph.opset >= 7. Nodes must be in topological order; inserted nodes keep it.
// A rank that cannot be known at import is an Unsupported error naming the node.
Status rewrite_legacy_broadcasting(Graph& graph);

}  // namespace fovea
