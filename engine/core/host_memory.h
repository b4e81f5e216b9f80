// Host memory for tensors, plan arenas and prepared weights, chosen by what the buffer is for.
//
// General buffers come from the heap, which hands memory freed by one run straight to the
// next. Buffers kept for the plan's life (prepared weights, the arena) of 2 MiB or more get a
// mapping of their own: the kernel zeroes its pages as they are first touched, so nothing is
// written twice (zeroing VGG-16's 550 MB of weights before their reorder cost ~0.1 s of load).
//
// Streamed weights are read end to end on every run and bound by memory bandwidth (a fully
// connected layer at small batch); those may also ask for huge pages: 2 MiB aligned and
// advised MADV_HUGEPAGE. The hardware prefetcher stops at every page boundary; with 2 MiB
// pages it stops 512 times less often. On the development machine a two-thread streaming read
// goes from about 25 to 30 GB/s, and AlexNet's batch-1 FC layers from 10.3 to 9.0 ms
// (docs/benchmarks.md). But a huge page can cost more to fault in on a virtual machine whose
// host has reclaimed the memory (measured there: 2.4 ms per MiB against 0.55), so callers ask
// for them only on request (PlanOptions::huge_pages).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace fovea {

class Tensor;

inline constexpr size_t kHostAlignment = 64;  // a cache line; what AVX-512 loads prefer
inline constexpr size_t kHugePageBytes = size_t{2} << 20;  // x86-64's transparent huge page

enum class HostBuffer : uint8_t {
  kGeneral,         // from the heap
  kKept,            // lives as long as a plan: large ones get their own mapping
  kStreamedWeights  // kKept, read whole on every run: large ones on huge pages
};

// `bytes` of zero-filled memory aligned to at least kHostAlignment, freed with the last
// reference; null when the system refuses it. Huge pages are a hint: the system may decline,
// and nothing changes then but speed. Under AddressSanitizer every buffer comes from the
// heap, so overruns are still caught.
std::shared_ptr<void> allocate_host(size_t bytes, HostBuffer use = HostBuffer::kGeneral);

// A copy of host tensor `t` (same dtype and shape) in a buffer from allocate_host as `use`;
// an empty tensor when the system refuses the memory.
Tensor copy_to_host_buffer(const Tensor& t, HostBuffer use);

// Whether allocate_host(bytes, use) gives a mapping of its own / advises huge pages, in this
// build.
bool host_buffer_is_mapped(size_t bytes, HostBuffer use);
bool host_buffer_uses_huge_pages(size_t bytes, HostBuffer use);

}  // namespace fovea
