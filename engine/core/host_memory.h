// Host memory for tensors, plan arenas and prepared weights.
//
// A buffer read end to end on every run and bound by memory bandwidth (the weights of a fully
// connected layer at small batch) may ask for huge pages: it then starts on a 2 MiB boundary
// and is marked for transparent huge pages. The hardware prefetcher stops at every page
// boundary; with 2 MiB pages it stops 512 times less often. On the development machine a
// two-thread streaming read goes from about 25 to 30 GB/s, and AlexNet's batch-1 FC layers
// from 11.8 to 9.3 ms (docs/benchmarks.md). Everything else keeps small pages: compute-bound
// convolutions gain nothing measurable, and a huge page costs more to fault in on a virtual
// machine whose host has reclaimed the memory (measured: 2.4 ms per MiB against 0.55).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace fovea {

inline constexpr size_t kHostAlignment = 64;  // a cache line; what AVX-512 loads prefer
inline constexpr size_t kHugePageBytes = size_t{2} << 20;  // x86-64's transparent huge page

enum class HostPages : uint8_t {
  kSmall,       // from the heap
  kHugeIfLarge  // buffers of at least kHugePageBytes: 2 MiB aligned and advised as huge pages
};

// `bytes` of zero-filled memory aligned to at least kHostAlignment, freed with the last
// reference; null when the system refuses it. Huge pages are a hint: the system may decline,
// and nothing changes then but speed. Under AddressSanitizer every buffer comes from the heap,
// so overruns are still caught.
std::shared_ptr<void> allocate_host(size_t bytes, HostPages pages = HostPages::kSmall);

// Whether allocate_host(bytes, pages) advises huge pages in this build.
bool host_buffer_uses_huge_pages(size_t bytes, HostPages pages);

}  // namespace fovea
