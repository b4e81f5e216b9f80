#include "engine/ops/op_schema.h"

namespace fovea {
namespace {

std::string node_prefix(const InferContext& ctx) {
  if (ctx.node == nullptr) return "";
  if (ctx.graph != nullptr) return ctx.graph->describe_node(*ctx.node) + ": ";
  return "node '" + ctx.node->name + "' (" + ctx.node->op_type + "): ";
}

}  // namespace

Status InferContext::error(const std::string& message) const {
  return invalid_argument(node_prefix(*this) + message);
}

Status InferContext::unsupported_error(const std::string& message) const {
  return unsupported(node_prefix(*this) + message);
}

void InferContext::set_output(size_t i, DType dtype, Shape shape) {
  if (outputs.size() <= i) outputs.resize(i + 1);
  outputs[i].dtype = dtype;
  outputs[i].shape = std::move(shape);
  outputs[i].rank_known = true;
}

}  // namespace fovea
