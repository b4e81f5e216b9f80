// Writing a file so that nothing is ever half-written or replaced by surprise: every file the
// tools write (models, labels, tensors, images) goes through here.
#pragma once

#include <string>
#include <string_view>

#include "engine/core/status.h"

namespace fovea {

// Writes `bytes` to `path` through a temporary file beside it (a unique name per call, created
// exclusively, so concurrent writers never share one), flushed to disk and then renamed into
// place: readers and crashes see the old file or the whole new one. Without `overwrite`, an
// existing file is kInvalidArgument "PATH: exists; pass --force to overwrite it", also when it
// appears while this call writes (RENAME_NOREPLACE). On failure the temporary file is removed.
Status write_file_atomic(const std::string& path, std::string_view bytes, bool overwrite);

}  // namespace fovea
