#include "engine/core/host_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace fovea {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizedHeap = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
constexpr bool kSanitizedHeap = true;
#else
constexpr bool kSanitizedHeap = false;
#endif
#else
constexpr bool kSanitizedHeap = false;
#endif

size_t round_up(size_t bytes, size_t to) { return (bytes + to - 1) / to * to; }

std::shared_ptr<void> allocate_from_heap(size_t bytes) {
  const size_t rounded = bytes == 0 ? kHostAlignment : round_up(bytes, kHostAlignment);
  void* p = std::aligned_alloc(kHostAlignment, rounded);
  if (p == nullptr) return nullptr;
  std::memset(p, 0, rounded);
  return {p, std::free};
}

// Fresh anonymous pages are zero already: the first writer (a weight reorder, say) is the
// only one to touch them, and freeing returns them to the system.
std::shared_ptr<void> allocate_mapped(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  return {p, [bytes](void* q) { munmap(q, bytes); }};
}

// Maps a huge page more than needed, then unmaps the slack before the first 2 MiB boundary and
// after the buffer: what stays starts on the boundary. Fresh anonymous pages are zero already.
std::shared_ptr<void> allocate_huge_aligned(size_t bytes) {
  if (bytes > SIZE_MAX / 2) return nullptr;
  const size_t length = round_up(bytes, kHostAlignment);
  const size_t mapped = length + kHugePageBytes;
  void* raw = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = round_up(start, kHugePageBytes);
  if (aligned > start) munmap(raw, aligned - start);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t used_end = aligned + round_up(length, page);
  const uintptr_t mapped_end = start + mapped;
  if (mapped_end > used_end) munmap(reinterpret_cast<void*>(used_end), mapped_end - used_end);
  void* p = reinterpret_cast<void*>(aligned);
  const size_t unmap_length = used_end - aligned;
  // Only a hint: kernels without transparent huge pages refuse it and keep small pages.
  madvise(p, unmap_length, MADV_HUGEPAGE);
  return {p, [unmap_length](void* q) { munmap(q, unmap_length); }};
}

}  // namespace

bool host_buffer_is_mapped(size_t bytes, HostBuffer use) {
  return use != HostBuffer::kGeneral && !kSanitizedHeap && bytes >= kHugePageBytes;
}

bool host_buffer_uses_huge_pages(size_t bytes, HostBuffer use) {
  return use == HostBuffer::kStreamedWeights && host_buffer_is_mapped(bytes, use);
}

std::shared_ptr<void> allocate_host(size_t bytes, HostBuffer use) {
  if (host_buffer_uses_huge_pages(bytes, use)) return allocate_huge_aligned(bytes);
  if (host_buffer_is_mapped(bytes, use)) return allocate_mapped(bytes);
  return allocate_from_heap(bytes);
}

}  // namespace fovea
