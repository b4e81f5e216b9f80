// One line per operator. Each schema lives in its op's own file; to add an op, write
// engine/ops/<op>.cpp with a `const OpSchema& <op>_schema()` and add it to both lists below.
#include "engine/ops/op_registry.h"

#include <array>
#include <string_view>

namespace fovea {

// --- declarations: neural-network ops (convolution, pooling, normalization, matmul) ---
// @nn-declarations
// --- declarations: elementwise, activation and tensor-manipulation ops ---
const OpSchema& identity_schema();
// @tensor-declarations

namespace {

using SchemaFn = const OpSchema& (*)();

constexpr SchemaFn kOpTable[] = {
    // neural-network ops
    // @nn-table
    // elementwise, activation and tensor-manipulation ops
    &identity_schema,
    // @tensor-table
};

const std::array<const OpSchema*, std::size(kOpTable)>& schemas() {
  static const auto table = [] {
    std::array<const OpSchema*, std::size(kOpTable)> t{};
    for (size_t i = 0; i < std::size(kOpTable); ++i) t[i] = &kOpTable[i]();
    return t;
  }();
  return table;
}

}  // namespace

const OpSchema* find_op(std::string_view op_type) {
  for (const OpSchema* schema : schemas()) {
    if (op_type == schema->type) return schema;
  }
  return nullptr;
}

std::span<const OpSchema* const> all_ops() { return schemas(); }

}  // namespace fovea
