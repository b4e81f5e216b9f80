#include "tests/common/process_mappings.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

namespace fovea::testing {
namespace {

// Calls `visit(begin, end, size_kb, vm_flags)` for each mapping in /proc/self/smaps.
void for_each_mapping(
    const std::function<void(uintptr_t, uintptr_t, size_t, const std::string&)>& visit) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  uintptr_t begin = 0;
  uintptr_t end = 0;
  size_t size_kb = 0;
  while (std::getline(smaps, line)) {
    uintptr_t b = 0;
    uintptr_t e = 0;
    char dash = 0;
    std::istringstream head(line);
    // A mapping's first line starts "begin-end"; field lines start with a name and a colon.
    if (head >> std::hex >> b >> dash >> e && dash == '-') {
      begin = b;
      end = e;
      size_kb = 0;
    } else if (line.rfind("Size:", 0) == 0) {
      std::istringstream(line.substr(5)) >> size_kb;
    } else if (line.rfind("VmFlags:", 0) == 0) {
      visit(begin, end, size_kb, line.substr(8));  // VmFlags is each mapping's last line
    }
  }
}

}  // namespace

std::optional<std::string> vm_flags_of(const void* address) {
  const auto a = reinterpret_cast<uintptr_t>(address);
  std::optional<std::string> found;
  for_each_mapping([&](uintptr_t begin, uintptr_t end, size_t, const std::string& flags) {
    if (a >= begin && a < end) found = flags;
  });
  return found;
}

bool has_vm_flag(const std::string& vm_flags, const std::string& flag) {
  std::istringstream words(vm_flags);
  std::string word;
  while (words >> word) {
    if (word == flag) return true;
  }
  return false;
}

size_t huge_page_advised_bytes() {
  size_t total = 0;
  for_each_mapping([&](uintptr_t, uintptr_t, size_t size_kb, const std::string& flags) {
    if (has_vm_flag(flags, "hg")) total += size_kb * 1024;
  });
  return total;
}

bool kernel_has_transparent_huge_pages() {
  return std::filesystem::exists("/sys/kernel/mm/transparent_hugepage");
}

}  // namespace fovea::testing
