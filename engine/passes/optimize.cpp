#include "engine/passes/optimize.h"

#include <functional>

#include "engine/ops/shape_inference.h"
#include "engine/passes/passes.h"

namespace fovea {
namespace {

// Every pass converges in a few rounds (each rewrite removes a node or marks one done); the
// cap only guards against a pass that keeps undoing another.
constexpr int kMaxRounds = 16;

using PassFn = std::function<bool(Graph&, std::vector<FusionRecord>*)>;

struct NamedPass {
  const char* name;
  PassFn run;
};

// Re-establishes the invariants passes rely on: topological order and inferred shapes.
Status settle(Graph& graph) {
  FOVEA_RETURN_IF_ERROR(graph.topological_sort());
  auto inferred = infer_shapes(graph);
  return inferred.is_ok() ? Status::ok() : inferred.status();
}

}  // namespace

Status optimize_graph(Graph& graph, const OptimizeOptions& options, OptimizeReport* report) {
  const std::vector<NamedPass> pipeline = {
      {"fold_constants",
       [&](Graph& g, std::vector<FusionRecord>* r) {
         return fold_constants(g, options.max_folded_elements, r);
       }},
      {"eliminate_identities", eliminate_identities},
      {"eliminate_dead_nodes", eliminate_dead_nodes},
      {"fuse_pad", fuse_pad},
      {"fuse_conv_bn", fuse_conv_bn},
      {"fuse_gemm_bn", fuse_gemm_bn},
      {"simplify_batch_norm", simplify_batch_norm},
      {"fuse_matmul_add", fuse_matmul_add},
      {"fuse_conv_add", fuse_conv_add},
      {"fuse_activation", fuse_activation},
  };
  std::vector<FusionRecord> scratch;
  std::vector<FusionRecord>* records = report != nullptr ? &report->records : &scratch;

  FOVEA_RETURN_IF_ERROR(settle(graph));
  for (int round = 0; round < kMaxRounds; ++round) {
    bool changed = false;
    for (const NamedPass& pass : pipeline) {
      if (!pass.run(graph, records)) continue;
      changed = true;
      const Status status = settle(graph);
      if (!status.is_ok()) {
        return internal_error("optimizer pass " + std::string(pass.name) +
                              " left an invalid graph: " + status.message());
      }
    }
    if (!changed) break;
  }
  // Drops what the rewrites left unread (replaced weights and the like).
  eliminate_dead_nodes(graph, records);
  return settle(graph);
}

}  // namespace fovea
