#include "engine/backends/backend.h"

#include <algorithm>
#include <cstring>

namespace fovea {

std::string KernelRequest::describe() const {
  if (graph != nullptr && node != nullptr) return graph->describe_node(*node);
  if (node != nullptr) return "node '" + node->name + "' (" + node->op_type + ")";
  return "kernel request";
}

Status Backend::copy(const Tensor& src, Tensor& dst) {
  if (src.byte_size() != dst.byte_size()) {
    return internal_error("copy between tensors of different sizes: " + describe(src) + " and " +
                          describe(dst));
  }
  if (src.byte_size() > 0) std::memcpy(dst.raw_data(), src.raw_data(), src.byte_size());
  return Status::ok();
}

bool attributes_within(const Node& node, std::initializer_list<const char*> allowed) {
  for (const auto& [name, value] : node.attrs.all()) {
    const bool known = std::any_of(allowed.begin(), allowed.end(),
                                   [&name = name](const char* a) { return name == a; });
    if (!known) return false;
  }
  return true;
}

}  // namespace fovea
