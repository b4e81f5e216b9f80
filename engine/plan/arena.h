// Static memory planning for a plan's activations: each buffer's size and live range are known
// when the plan is built, so offsets into one arena are fixed then (greedy by size, best fit,
// as TFLite's ArenaPlanner and MNN do). A run only adds the offsets to the arena's base.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fovea {

inline constexpr size_t kArenaAlignment = 64;  // cache line; oneDNN's preferred alignment

// `bytes` rounded up to a multiple of kArenaAlignment.
inline size_t arena_aligned(size_t bytes) {
  return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

// One buffer: its size and the steps during which it must stay intact (first..last inclusive).
struct ArenaBuffer {
  size_t bytes = 0;
  int64_t first_step = 0;
  int64_t last_step = 0;
};

struct ArenaLayout {
  std::vector<size_t> offsets;  // per buffer, aligned to kArenaAlignment
  size_t total_bytes = 0;
};

// Places every buffer so that no two whose live ranges overlap share a byte. Larger buffers
// are placed first, each into the smallest gap that holds it (best fit), else above the rest.
ArenaLayout plan_arena(const std::vector<ArenaBuffer>& buffers);

}  // namespace fovea
