// Writing a file so that nothing is ever half-written or replaced by surprise: every file the
// tools write (models, labels, tensors, images) goes through here.
#pragma once

#include <string>
#include <string_view>

#include "engine/core/status.h"

namespace fovea {

// Writes `bytes` to `path` so that readers and crashes see the old file or the whole new one:
// the bytes go into an unnamed file in the same folder (O_TMPFILE), flushed to disk, which is
// then linked into place, so a process killed at any moment leaves nothing behind. Where the
// file system cannot do that, a uniquely named temporary file beside `path` (created
// exclusively, removed on failure) is renamed into place instead. Without `overwrite`, an
// existing file is kInvalidArgument "PATH: exists; pass --force to overwrite it", also when it
// appears while this call writes.
Status write_file_atomic(const std::string& path, std::string_view bytes, bool overwrite);

// The fallback alone (a named temporary file, then rename), for file systems without O_TMPFILE;
// exposed so that tests cover it on any file system.
Status write_file_atomic_through_named_temporary(const std::string& path, std::string_view bytes,
                                                 bool overwrite);

}  // namespace fovea
