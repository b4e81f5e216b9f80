// Rewrites each opset's spelling of an op into the one canonical form the ops implement
// (the table in engine/ops/README.md). One function per rewritten op; constants that used to
// be attributes become new graph constants with unique names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

// Spellings of opsets 1 to 6 (canonicalize_legacy.cpp). The binary ops' and PRelu's legacy
// broadcasting needs input ranks, so it is rewritten after sorting (legacy_broadcast.h);
// canonicalize_node only checks its attribute types.
Status canonicalize_legacy_node(Graph& graph, Node& node, int64_t opset);

// The oldest opset whose spelling of `op_type` the importer can canonicalise, given the
// schema's `since_opset` (which describes the canonical form): 1 where a legacy rewrite exists.
int64_t oldest_importable_opset(const std::string& op_type, int64_t schema_since_opset);

// Errors when attribute `name` is present with a type other than `type`.
Status expect_attr_type(const Graph& graph, const Node& node, const std::string& name,
                        AttrType type);
Tensor int64_vector(const std::vector<int64_t>& values);
// Sets input `index` (padding skipped optional inputs with kNoValue).
void set_input(Node& node, size_t index, ValueId id);

}  // namespace fovea
