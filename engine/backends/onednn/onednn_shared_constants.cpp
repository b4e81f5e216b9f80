// Identical prepared constants held once per backend. Where a model's batch is free, each batch
// size gets its own plan, each plan's kernels reorder the same weights into (usually) the same
// layouts, and each would hold its own copy for as long as the plan lives. A buffer is shared
// only when its layout and every byte match an existing one, so sharing cannot change a result.
#include <cstring>

#include "engine/backends/onednn/onednn_common.h"

namespace fovea::onednn {
namespace {

// FNV-1a over 8-byte words: only a filter before the full comparison.
uint64_t content_hash(const void* data, size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t hash = 0xcbf29ce484222325ULL ^ bytes;
  constexpr uint64_t kPrime = 0x100000001b3ULL;
  size_t i = 0;
  for (; i + sizeof(uint64_t) <= bytes; i += sizeof(uint64_t)) {
    uint64_t word = 0;
    std::memcpy(&word, p + i, sizeof(word));
    hash = (hash ^ word) * kPrime;
  }
  for (; i < bytes; ++i) hash = (hash ^ p[i]) * kPrime;
  return hash;
}

}  // namespace

std::shared_ptr<void> SharedConstants::deduplicate(std::shared_ptr<void> buffer, size_t bytes,
                                                   const md& desc, HostBuffer use) {
  const uint64_t hash = content_hash(buffer.get(), bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  std::erase_if(entries_, [](const Entry& e) { return e.buffer.expired(); });
  for (const Entry& e : entries_) {
    if (e.hash != hash || e.bytes != bytes || e.use != use || e.desc != desc) continue;
    std::shared_ptr<void> held = e.buffer.lock();
    if (held && std::memcmp(held.get(), buffer.get(), bytes) == 0) return held;
  }
  entries_.push_back({hash, bytes, desc, use, buffer});
  return buffer;
}

}  // namespace fovea::onednn
