#include "engine/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

namespace fovea {
namespace {

Status io_error(std::string message) { return {StatusCode::kIoError, std::move(message)}; }

Status exists_error(const std::string& path) {
  return invalid_argument(path + ": exists; pass --force to overwrite it");
}

// `<path>.tmp-<pid>-<n>` (n counts the calls in this process), so that concurrent writers of one
// target, in this process or others, never pick the same name.
std::string temporary_name(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

constexpr int kNameAttempts = 100;

// Creates a temporary file beside `path`, exclusively.
Result<std::string> create_temporary(const std::string& path, int* fd) {
  for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
    const std::string name = temporary_name(path);
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

// Removes a temporary name on every way out but success.
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

struct CloseOnExit {
  int fd;
  ~CloseOnExit() { ::close(fd); }
};

// The preferred way: the bytes go into an unnamed file in the target's folder (O_TMPFILE), which
// gets its name only once it is whole and on disk, so a process killed at any moment leaves
// nothing behind. nullopt where the file system or a missing /proc cannot do this: the caller
// then writes through a named temporary file.
std::optional<Status> write_unnamed_then_link(const std::string& path, std::string_view bytes,
                                              bool overwrite) {
  const std::filesystem::path target(path);
  const std::string folder = target.has_parent_path() ? target.parent_path().string() : ".";
  const int fd = ::open(folder.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0) {
    if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) return std::nullopt;
    return io_error(path + ": cannot create a temporary file beside it: " + std::strerror(errno));
  }
  CloseOnExit closer{fd};
  if (!write_all(fd, bytes.data(), bytes.size()) || ::fsync(fd) != 0) {
    return io_error(path + ": cannot write: " + std::strerror(errno));
  }
  const std::string self = "/proc/self/fd/" + std::to_string(fd);
  const auto link_as = [&](const std::string& name) {
    return ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0;
  };
  if (!overwrite) {  // linkat never replaces: a file that appeared meanwhile is kept
    if (link_as(path)) return Status::ok();
    if (errno == EEXIST) return exists_error(path);
    if (errno == ENOENT) return std::nullopt;  // no /proc
    return io_error(path + ": cannot give the written file its name: " + std::strerror(errno));
  }
  // Replacing: the whole file takes a temporary name beside the target for the instant
  // before it is renamed over it.
  for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
    const std::string name = temporary_name(path);
    if (!link_as(name)) {
      if (errno == EEXIST) continue;
      if (errno == ENOENT) return std::nullopt;
      return io_error(path + ": cannot give the written file a name: " + std::strerror(errno));
    }
    RemoveUnlessKept cleanup{name};
    FOVEA_RETURN_IF_ERROR(move_into_place(name, path, /*overwrite=*/true));
    cleanup.keep = true;
    return Status::ok();
  }
  return io_error(path + ": cannot give the written file a name: all names taken");
}

// The fallback: a named temporary file beside the target, renamed into place when whole.
Status write_named_then_rename(const std::string& path, std::string_view bytes, bool overwrite) {
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

}  // namespace

Status write_file_atomic(const std::string& path, std::string_view bytes, bool overwrite) {
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(path, ec)) return exists_error(path);
  if (std::optional<Status> written = write_unnamed_then_link(path, bytes, overwrite)) {
    return *written;
  }
  return write_named_then_rename(path, bytes, overwrite);
}

Status write_file_atomic_through_named_temporary(const std::string& path, std::string_view bytes,
                                                 bool overwrite) {
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(path, ec)) return exists_error(path);
  return write_named_then_rename(path, bytes, overwrite);
}

}  // namespace fovea
