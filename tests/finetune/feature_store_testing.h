// What the feature-store tests look at from outside: files left in a folder, and memory
// mappings of (possibly already unlinked) files under it in /proc/self/maps.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace fovea::testing {

inline int files_in(const std::filesystem::path& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

// Mappings of files under `dir`: a disk store holds exactly one, shown as "(deleted)".
inline int mappings_under(const std::filesystem::path& dir) {
  std::ifstream maps("/proc/self/maps");
  const std::string prefix = " " + dir.string() + "/";
  int n = 0;
  for (std::string line; std::getline(maps, line);) {
    if (line.find(prefix) != std::string::npos) ++n;
  }
  return n;
}

}  // namespace fovea::testing
