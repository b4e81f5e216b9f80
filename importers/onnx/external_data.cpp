#include "importers/onnx/external_data.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace fovea {
namespace {

namespace fs = std::filesystem;

Result<int64_t> parse_non_negative(const std::string& text, const std::string& key,
                                   const std::string& where) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < 0) {
    return invalid_argument(where + ": external data " + key + " '" + text +
                            "' is not a non-negative integer");
  }
  return value;
}

// True when `path` is `dir` itself or lies below it (both already canonical).
bool is_within(const fs::path& path, const fs::path& dir) {
  auto dir_it = dir.begin();
  auto path_it = path.begin();
  for (; dir_it != dir.end(); ++dir_it, ++path_it) {
    if (dir_it->empty()) continue;  // a trailing separator yields an empty last element
    if (path_it == path.end() || *path_it != *dir_it) return false;
  }
  return true;
}

}  // namespace

Result<ExternalDataRef> parse_external_data(const onnx::TensorProto& proto,
                                            const std::string& where) {
  ExternalDataRef ref;
  bool has_location = false;
  for (const auto& entry : proto.external_data()) {
    if (entry.key() == "location") {
      ref.location = entry.value();
      has_location = true;
    } else if (entry.key() == "offset") {
      FOVEA_ASSIGN_OR_RETURN(ref.offset, parse_non_negative(entry.value(), "offset", where));
    } else if (entry.key() == "length") {
      FOVEA_ASSIGN_OR_RETURN(ref.length, parse_non_negative(entry.value(), "length", where));
    }
    // "checksum" and unknown keys are informational.
  }
  if (!has_location || ref.location.empty()) {
    return invalid_argument(where + ": external data has no 'location'");
  }
  return ref;
}

Status read_external_data(const ExternalDataRef& ref, const std::string& base_dir,
                          const std::string& source, const std::string& where, void* dst,
                          size_t byte_count) {
  const std::string named = source + ": external data '" + ref.location + "'";
  if (base_dir.empty()) {
    return invalid_argument(named +
                            " cannot be read: the model was given as bytes without a "
                            "folder to resolve it against");
  }
  const fs::path location(ref.location);
  const std::string outside = named + " resolves outside the model's folder; refusing to read it";
  if (location.is_absolute() || location.has_root_name() || location.has_root_directory()) {
    return invalid_argument(outside);
  }
  std::error_code ec;
  const fs::path dir = fs::weakly_canonical(fs::absolute(fs::path(base_dir), ec), ec);
  if (ec) return Status(StatusCode::kIoError, named + ": cannot resolve the model's folder");
  const fs::path file = fs::weakly_canonical(dir / location, ec);
  if (ec || !is_within(file, dir)) return invalid_argument(outside);

  if (!fs::is_regular_file(file, ec)) {
    return Status(StatusCode::kNotFound,
                  named + " for " + where + " not found (looked for " + file.string() + ")");
  }
  const auto file_size = static_cast<int64_t>(fs::file_size(file, ec));
  if (ec) return Status(StatusCode::kIoError, named + ": cannot read its size");
  if (ref.offset > file_size) {
    return invalid_argument(named + " for " + where + ": offset " + std::to_string(ref.offset) +
                            " is past the end of the file (" + std::to_string(file_size) +
                            " bytes)");
  }
  const int64_t length = ref.length >= 0 ? ref.length : file_size - ref.offset;
  if (length != static_cast<int64_t>(byte_count)) {
    return invalid_argument(named + " for " + where + ": holds " + std::to_string(length) +
                            " bytes, the tensor's shape needs " + std::to_string(byte_count));
  }
  if (ref.offset + length > file_size) {
    return invalid_argument(named + " for " + where + ": offset " + std::to_string(ref.offset) +
                            " + length " + std::to_string(length) + " exceeds the file size (" +
                            std::to_string(file_size) + " bytes); the file is too short");
  }
  if (dst == nullptr) return Status::ok();  // validation only, before the caller allocates
  std::ifstream in(file, std::ios::binary);
  in.seekg(ref.offset);
  in.read(static_cast<char*>(dst), static_cast<std::streamsize>(byte_count));
  if (!in || in.gcount() != static_cast<std::streamsize>(byte_count)) {
    return Status(StatusCode::kIoError, named + " for " + where + ": read failed");
  }
  return Status::ok();
}

}  // namespace fovea
