#include "engine/backends/backend.h"

#include <cstring>

namespace fovea {

std::string KernelRequest::describe() const {
  if (graph != nullptr && node != nullptr) return graph->describe_node(*node);
  if (node != nullptr) return "node '" + node->name + "' (" + node->op_type + ")";
  return "kernel request";
}

Status Backend::copy(const Tensor& src, Tensor& dst) {
  if (src.byte_size() != dst.byte_size()) {
    return internal_error("copy between tensors of different sizes: " + describe(src) +
                          " and " + describe(dst));
  }
  if (src.byte_size() > 0) std::memcpy(dst.raw_data(), src.raw_data(), src.byte_size());
  return Status::ok();
}

}  // namespace fovea
