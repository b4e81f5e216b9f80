#include "engine/plan/arena.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace fovea {
namespace {

bool overlap(const ArenaBuffer& a, const ArenaBuffer& b) {
  return a.first_step <= b.last_step && b.first_step <= a.last_step;
}

}  // namespace

ArenaLayout plan_arena(const std::vector<ArenaBuffer>& buffers) {
  ArenaLayout layout;
  layout.offsets.assign(buffers.size(), 0);
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return buffers[a].bytes > buffers[b].bytes; });
  std::vector<size_t> placed;
  for (size_t index : order) {
    const ArenaBuffer& buffer = buffers[index];
    const size_t size = arena_aligned(buffer.bytes);
    // The byte ranges of already placed buffers alive at the same time, by offset.
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t other : placed) {
      if (overlap(buffer, buffers[other])) {
        busy.emplace_back(layout.offsets[other],
                          layout.offsets[other] + arena_aligned(buffers[other].bytes));
      }
    }
    std::sort(busy.begin(), busy.end());
    size_t best_offset = 0;
    size_t best_gap = std::numeric_limits<size_t>::max();
    size_t cursor = 0;
    for (const auto& [begin, end] : busy) {
      if (begin >= cursor + size && begin - cursor < best_gap) {
        best_gap = begin - cursor;
        best_offset = cursor;
      }
      cursor = std::max(cursor, end);
    }
    if (best_gap == std::numeric_limits<size_t>::max()) best_offset = cursor;  // above the rest
    layout.offsets[index] = best_offset;
    layout.total_bytes = std::max(layout.total_bytes, best_offset + size);
    placed.push_back(index);
  }
  return layout;
}

}  // namespace fovea
