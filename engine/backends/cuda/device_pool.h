// A pooled device allocator: freed blocks go back to a free list per size class and are handed
// out again, so per-run activation buffers cost no cudaMalloc after the first run. Plain host
// code: the raw allocator is injected (cudaMalloc/cudaFree in the backend, a counting fake in
// tests/cuda), so the arithmetic and bookkeeping are tested without a GPU.
//
// Reuse is safe without events because only one of the backend's streams holds work at a time
// (switching streams waits for the previous one, cuda_context.h): a block freed by one kernel
// and handed to the next is ordered on that stream.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/core/status.h"

namespace fovea::cuda {

// What the pool allocates from: null from allocate means out of memory.
struct RawAllocator {
  std::function<void*(size_t bytes)> allocate;
  std::function<void(void* ptr)> release;
};

// Blocks are rounded up to size classes: powers of two from kMinBlock to kLargeBlock, then
// multiples of kLargeBlock (so a large activation wastes at most kLargeBlock - 1 bytes).
inline constexpr size_t kMinBlock = 512;
inline constexpr size_t kLargeBlock = size_t{2} << 20;  // 2 MiB
size_t size_class(size_t bytes);

struct PoolStats {
  size_t in_use_bytes = 0;     // handed out and not yet returned
  size_t cached_bytes = 0;     // on the free lists
  size_t raw_allocations = 0;  // calls to RawAllocator::allocate that succeeded
};

class DevicePool;

// One block from the pool; returns it on destruction. Move-only.
class DeviceBlock {
 public:
  DeviceBlock() = default;
  DeviceBlock(std::shared_ptr<DevicePool> pool, void* data, size_t size)
      : pool_(std::move(pool)), data_(data), size_(size) {}
  DeviceBlock(const DeviceBlock&) = delete;
  DeviceBlock& operator=(const DeviceBlock&) = delete;
  DeviceBlock(DeviceBlock&& other) noexcept { *this = std::move(other); }
  DeviceBlock& operator=(DeviceBlock&& other) noexcept;
  ~DeviceBlock() { reset(); }

  void reset();
  void* data() const { return data_; }
  size_t size() const { return size_; }  // the size class, >= the bytes asked for
  explicit operator bool() const { return data_ != nullptr; }

 private:
  std::shared_ptr<DevicePool> pool_;
  void* data_ = nullptr;
  size_t size_ = 0;
};

class DevicePool : public std::enable_shared_from_this<DevicePool> {
 public:
  // Use create(): blocks and shared buffers keep the pool alive through a shared_ptr.
  static std::shared_ptr<DevicePool> create(RawAllocator raw);
  ~DevicePool();
  DevicePool(const DevicePool&) = delete;
  DevicePool& operator=(const DevicePool&) = delete;

  // A block of at least `bytes` (zero bytes gives an empty block). When the device is full the
  // cached blocks are released and the allocation tried once more.
  Result<DeviceBlock> allocate(size_t bytes);
  // The same, as a buffer for Tensor::adopt: the deleter returns the block to this pool.
  Result<std::shared_ptr<void>> allocate_shared(size_t bytes);
  // Releases every cached block to the raw allocator.
  void trim();
  PoolStats stats() const;

 private:
  friend class DeviceBlock;
  explicit DevicePool(RawAllocator raw) : raw_(std::move(raw)) {}
  Result<void*> take(size_t size);  // size is a size class
  void give_back(void* data, size_t size);

  RawAllocator raw_;
  mutable std::mutex mutex_;  // blocks may be freed on any thread
  std::map<size_t, std::vector<void*>> free_;
  PoolStats stats_;
};

}  // namespace fovea::cuda
