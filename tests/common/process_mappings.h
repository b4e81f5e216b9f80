// This process's memory mappings as /proc/self/smaps lists them: which mapping holds an
// address, and how much memory was advised as transparent huge pages (VmFlags "hg").
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace fovea::testing {

// The VmFlags of the mapping holding `address` ("rd wr mr mw me ac hg"); nullopt if none.
std::optional<std::string> vm_flags_of(const void* address);

// Whether a VmFlags string holds `flag` as a word.
bool has_vm_flag(const std::string& vm_flags, const std::string& flag);

// Total size of this process's mappings advised with MADV_HUGEPAGE, in bytes.
size_t huge_page_advised_bytes();

// Whether this kernel offers transparent huge pages at all.
bool kernel_has_transparent_huge_pages();

}  // namespace fovea::testing
