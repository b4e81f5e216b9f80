// The graph rewrites optimize_graph() runs, one standalone function per file (DESIGN
// principle 7). Each returns whether it changed the graph and appends one FusionRecord per
// rewrite to `records` when given. Conditions are checked cheapest first (single consumer, not
// a graph output, constant weights); a rewrite whose conditions fail is skipped, never an
// error. Passes expect a topologically sorted, shape-inferred graph; optimize_graph() sorts
// and re-infers after every pass that changed something.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/core/graph.h"
#include "engine/passes/optimize.h"

namespace fovea {

// Evaluates every node whose inputs are all known before run time (constants, Shape of a static
// input, the Shape→Gather→Unsqueeze→Concat chains built on them) with the reference kernels,
// when each output has at most `max_folded_elements` elements; its outputs become constants.
// Nodes writing a graph output are left in place.
bool fold_constants(Graph& graph, int64_t max_folded_elements,
                    std::vector<FusionRecord>* records = nullptr);

// Removes nodes none of whose outputs is read or is a graph output, and drops the data of
// constants nothing reads any more.
bool eliminate_dead_nodes(Graph& graph, std::vector<FusionRecord>* records = nullptr);

// Removes Identity and inference-mode Dropout (mask unused), rewiring readers to the input.
// When the output is a graph output its name is kept: the producer writes it directly.
bool eliminate_identities(Graph& graph, std::vector<FusionRecord>* records = nullptr);

// Conv/ConvTranspose followed by inference BatchNormalization: BN folded into W and B.
bool fuse_conv_bn(Graph& graph, std::vector<FusionRecord>* records = nullptr);

// Gemm followed by BatchNormalization over its output features: folded into B and C.
bool fuse_gemm_bn(Graph& graph, std::vector<FusionRecord>* records = nullptr);

// A remaining inference BatchNormalization with constant statistics rewritten to the plain
// per-channel y = s * x + t (mean 0, var 1, epsilon 0): still one op every backend maps.
bool simplify_batch_norm(Graph& graph, std::vector<FusionRecord>* records = nullptr);

// Constant zero Pad over spatial dims folded into the next Conv's or AveragePool's pads; a
// -inf Pad into MaxPool's pads.
bool fuse_pad(Graph& graph, std::vector<FusionRecord>* records = nullptr);

// 2-D MatMul followed by Add of a constant bias becomes Gemm(A, B, bias).
bool fuse_matmul_add(Graph& graph, std::vector<FusionRecord>* records = nullptr);

// Conv followed by Add (or a two-input Sum) of a same-shaped value that does not depend on the
// Conv: the value becomes the Conv's fused `sum` input (ResNet's shortcut).
bool fuse_conv_add(Graph& graph, std::vector<FusionRecord>* records = nullptr);

// Conv, Gemm or MatMul followed by a fusable activation (Relu, LeakyRelu, Elu, Sigmoid, Tanh,
// HardSigmoid, HardSwish, Clip with constant bounds): becomes the `activation` attribute.
bool fuse_activation(Graph& graph, std::vector<FusionRecord>* records = nullptr);

}  // namespace fovea
