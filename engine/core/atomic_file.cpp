#include "engine/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace fovea {
namespace {

Status io_error(std::string message) { return {StatusCode::kIoError, std::move(message)}; }

Status exists_error(const std::string& path) {
  return invalid_argument(path + ": exists; pass --force to overwrite it");
}

// Creates `<path>.tmp-<pid>-<n>` beside `path` (n counts the calls in this process), exclusively,
// so that concurrent writers of one target, in this process or others, never share a file.
Result<std::string> create_temporary(const std::string& path, int* fd) {
  static std::atomic<uint64_t> counter{0};
  constexpr int kAttempts = 100;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const std::string name =
        path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    *fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (*fd >= 0) return name;
    if (errno != EEXIST) {
      return io_error(path + ": cannot create a temporary file beside it: " + std::strerror(errno));
    }
  }
  return io_error(path + ": cannot create a temporary file beside it: all names taken");
}

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Removes the temporary file on every way out of write_file_atomic but success.
struct RemoveUnlessKept {
  std::string path;
  bool keep = false;
  ~RemoveUnlessKept() {
    if (!keep) ::unlink(path.c_str());
  }
};

// rename(2), but without `overwrite` it refuses to replace a file that appeared since the first
// check (RENAME_NOREPLACE; file systems without it fall back to check-then-rename).
Status move_into_place(const std::string& temporary, const std::string& path, bool overwrite) {
  if (!overwrite) {
    if (::renameat2(AT_FDCWD, temporary.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
      return Status::ok();
    }
    if (errno == EEXIST) return exists_error(path);
    if (errno != EINVAL && errno != ENOSYS) {
      return io_error(path + ": cannot move the written file into place: " + std::strerror(errno));
    }
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return exists_error(path);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return io_error(path + ": cannot move the written file into place: " + std::strerror(errno));
  }
  return Status::ok();
}

}  // namespace

Status write_file_atomic(const std::string& path, std::string_view bytes, bool overwrite) {
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(path, ec)) return exists_error(path);
  int fd = -1;
  FOVEA_ASSIGN_OR_RETURN(const std::string temporary, create_temporary(path, &fd));
  RemoveUnlessKept cleanup{temporary};
  if (!write_all(fd, bytes.data(), bytes.size())) {
    const int saved_errno = errno;
    ::close(fd);
    return io_error(path + ": cannot write " + temporary + ": " + std::strerror(saved_errno));
  }
  // Durable before it replaces anything: a crash then leaves the old file or the new one.
  const bool synced = ::fsync(fd) == 0;
  if (::close(fd) != 0 || !synced) {
    return io_error(path + ": cannot write " + temporary + ": " + std::strerror(errno));
  }
  FOVEA_RETURN_IF_ERROR(move_into_place(temporary, path, overwrite));
  cleanup.keep = true;
  return Status::ok();
}

}  // namespace fovea
