// Rewrites each opset's spelling of an op into the one canonical form the ops implement
// (the table in engine/ops/README.md). One function per rewritten op; constants that used to
// be attributes become new graph constants with unique names.
#pragma once

#include <cstdint>
#include <string>

#include "engine/core/graph.h"
#include "engine/core/status.h"

namespace fovea {

// Canonicalises `node` (which belongs to `graph`) for a model importing `opset`. Ops without
// a rewrite are left alone. Errors (an attribute of the wrong type, a missing required one)
// name the node.
Status canonicalize_node(Graph& graph, Node& node, int64_t opset);

Status canonicalize_clip(Graph& graph, Node& node, int64_t opset);
Status canonicalize_softmax(Graph& graph, Node& node, int64_t opset);  // and LogSoftmax
Status canonicalize_squeeze(Graph& graph, Node& node, int64_t opset);  // and Unsqueeze
Status canonicalize_reduce_mean(Graph& graph, Node& node, int64_t opset);
Status canonicalize_pad(Graph& graph, Node& node, int64_t opset);
Status canonicalize_dropout(Graph& graph, Node& node, int64_t opset);
Status canonicalize_batch_norm(Graph& graph, Node& node, int64_t opset);

// Adds `value` as a graph constant named `base`, or `base_1`, `base_2`, ... if taken.
ValueId add_unique_constant(Graph& graph, const std::string& base, Tensor value);

}  // namespace fovea
