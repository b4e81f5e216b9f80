#include "engine/core/host_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "engine/core/tensor.h"

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

// A mapping of its own, starting on `alignment` (a multiple of the page size): maps that much
// more, then unmaps the slack before the boundary and after the buffer. Fresh anonymous pages
// are zero already, so the first writer (a weight reorder, say) is the only one to touch them,
// and freeing returns them to the system.
std::shared_ptr<void> map_aligned(size_t bytes, size_t alignment) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  if (bytes > SIZE_MAX / 2) return nullptr;
  const size_t length = round_up(bytes, page);
  const size_t slack = alignment > page ? alignment : 0;
  void* raw =
      mmap(nullptr, length + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = round_up(start, alignment);
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + length + slack;
  if (end > aligned + length)
    munmap(reinterpret_cast<void*>(aligned + length), end - aligned - length);
  return {reinterpret_cast<void*>(aligned), [length](void* p) { munmap(p, length); }};
}

}  // namespace

bool host_buffer_is_mapped(size_t bytes, HostBuffer use) {
  return use != HostBuffer::kGeneral && !kSanitizedHeap && bytes >= kHugePageBytes;
}

bool host_buffer_uses_huge_pages(size_t bytes, HostBuffer use) {
  return use == HostBuffer::kStreamedWeights && host_buffer_is_mapped(bytes, use);
}

std::shared_ptr<void> allocate_host(size_t bytes, HostBuffer use) {
  if (!host_buffer_is_mapped(bytes, use)) return allocate_from_heap(bytes);
  if (!host_buffer_uses_huge_pages(bytes, use)) return map_aligned(bytes, kHostAlignment);
  auto buffer = map_aligned(bytes, kHugePageBytes);
  // A hint: kernels without transparent huge pages refuse it and keep small pages.
  if (buffer) madvise(buffer.get(), bytes, MADV_HUGEPAGE);  // the kernel rounds to pages
  return buffer;
}

Tensor copy_to_host_buffer(const Tensor& t, HostBuffer use) {
  std::shared_ptr<void> buffer = allocate_host(t.byte_size(), use);
  if (!buffer) return Tensor();
  std::memcpy(buffer.get(), t.raw_data(), t.byte_size());
  return Tensor::adopt(t.dtype(), t.shape(), std::move(buffer), MemoryKind::kHost);
}

}  // namespace fovea
