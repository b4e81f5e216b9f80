// The one table of operators Fovea implements (engine/ops/op_registry.cpp).
#pragma once

#include <span>
#include <string_view>

#include "engine/ops/op_schema.h"

namespace fovea {

// The schema for a default-domain op type, or null when Fovea does not implement it.
const OpSchema* find_op(std::string_view op_type);

// Every registered schema, in table order.
std::span<const OpSchema* const> all_ops();

}  // namespace fovea
