// Where each input of a Concat lies inside its output when the output is just the inputs'
// bytes laid end to end. The plan uses this to let producers write straight into their slice
// (Kernel::input_offsets_in_output) and skip the copy.
#pragma once

#include <optional>
#include <vector>

#include "engine/backends/backend.h"

namespace fovea {

// For plain row-major tensors: the slices are contiguous exactly when every dimension before
// the concat axis is 1 (e.g. channels at batch 1). Per input, its byte offset in the output;
// nullopt when the slices are not contiguous or the request is not a well-formed Concat.
std::optional<std::vector<size_t>> plain_concat_offsets(const KernelRequest& request);

}  // namespace fovea
