// The CUDA backend's pooled allocator, with a fake raw allocator: size classes, reuse, the
// retry after trimming, and the out-of-memory error. No GPU needed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <vector>

#include "engine/backends/cuda/device_pool.h"

namespace fovea::cuda {
namespace {

// Host memory standing in for the device; fails past `limit` bytes outstanding.
struct FakeDevice {
  size_t limit = SIZE_MAX;
  size_t outstanding = 0;
  size_t allocations = 0;
  size_t releases = 0;
  std::map<void*, size_t> live;

  RawAllocator allocator() {
    return RawAllocator{[this](size_t bytes) -> void* {
                          if (outstanding + bytes > limit) return nullptr;
                          void* p = std::malloc(bytes);
                          live[p] = bytes;
                          outstanding += bytes;
                          ++allocations;
                          return p;
                        },
                        [this](void* p) {
                          outstanding -= live.at(p);
                          live.erase(p);
                          ++releases;
                          std::free(p);
                        }};
  }
};

TEST(CudaPoolSizeClass, RoundsUpToPowersOfTwoThenLargeBlocks) {
  EXPECT_EQ(size_class(0), kMinBlock);
  EXPECT_EQ(size_class(1), kMinBlock);
  EXPECT_EQ(size_class(kMinBlock), kMinBlock);
  EXPECT_EQ(size_class(kMinBlock + 1), 2 * kMinBlock);
  EXPECT_EQ(size_class(3000), 4096u);
  EXPECT_EQ(size_class(kLargeBlock - 1), kLargeBlock);
  EXPECT_EQ(size_class(kLargeBlock), kLargeBlock);
  EXPECT_EQ(size_class(kLargeBlock + 1), 2 * kLargeBlock);
  EXPECT_EQ(size_class(5 * kLargeBlock + 7), 6 * kLargeBlock);  // not 8: linear above 2 MiB
  for (size_t bytes : {1u, 700u, 100000u, 3000000u, 50000000u}) {
    EXPECT_GE(size_class(bytes), bytes);
    EXPECT_EQ(size_class(size_class(bytes)), size_class(bytes)) << "classes are fixed points";
  }
}

TEST(CudaPool, FreedBlocksAreReusedWithoutNewAllocations) {
  FakeDevice device;
  auto pool = DevicePool::create(device.allocator());
  void* first = nullptr;
  {
    auto block = pool->allocate(1000);
    ASSERT_TRUE(block.is_ok());
    first = block->data();
    EXPECT_EQ(block->size(), 1024u);
    EXPECT_EQ(pool->stats().in_use_bytes, 1024u);
  }
  EXPECT_EQ(pool->stats().in_use_bytes, 0u);
  EXPECT_EQ(pool->stats().cached_bytes, 1024u);
  auto again = pool->allocate(600);  // same class (1024)
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->data(), first);
  EXPECT_EQ(device.allocations, 1u);
  auto other = pool->allocate(5000);  // another class: a new allocation
  ASSERT_TRUE(other.is_ok());
  EXPECT_NE(other->data(), first);
  EXPECT_EQ(device.allocations, 2u);
}

TEST(CudaPool, MovedBlockIsReturnedOnce) {
  FakeDevice device;
  auto pool = DevicePool::create(device.allocator());
  auto block = pool->allocate(100);
  ASSERT_TRUE(block.is_ok());
  DeviceBlock moved = std::move(*block);
  EXPECT_FALSE(*block);
  EXPECT_TRUE(moved);
  moved.reset();
  EXPECT_EQ(pool->stats().cached_bytes, kMinBlock);
  EXPECT_EQ(pool->stats().in_use_bytes, 0u);
}

TEST(CudaPool, SharedBuffersReturnToThePoolAndKeepItAlive) {
  FakeDevice device;
  std::shared_ptr<void> buffer;
  {
    auto pool = DevicePool::create(device.allocator());
    auto shared = pool->allocate_shared(4096);
    ASSERT_TRUE(shared.is_ok());
    buffer = *shared;
  }  // the pool handle is gone; the buffer still holds the pool
  EXPECT_EQ(device.releases, 0u);
  buffer.reset();  // back to the pool, which is then destroyed and releases everything
  EXPECT_EQ(device.releases, 1u);
  EXPECT_EQ(device.outstanding, 0u);
}

TEST(CudaPool, FullDeviceReleasesCachedBlocksAndRetries) {
  FakeDevice device;
  device.limit = 8192;
  auto pool = DevicePool::create(device.allocator());
  { auto a = pool->allocate(4096); }  // cached, 4096 outstanding
  { auto b = pool->allocate(2048); }  // cached, 6144 outstanding
  auto big = pool->allocate(8192);    // needs the cache released first
  ASSERT_TRUE(big.is_ok()) << big.status().message();
  EXPECT_EQ(pool->stats().cached_bytes, 0u);
  EXPECT_EQ(device.releases, 2u);
}

TEST(CudaPool, OutOfMemoryIsAClearError) {
  FakeDevice device;
  device.limit = 4096;
  auto pool = DevicePool::create(device.allocator());
  auto too_big = pool->allocate(5000);
  ASSERT_FALSE(too_big.is_ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(too_big.status().message(), "cuda: out of device memory allocating 8192 bytes");
}

TEST(CudaPool, ZeroBytesGivesAnEmptyBlock) {
  FakeDevice device;
  auto pool = DevicePool::create(device.allocator());
  auto block = pool->allocate(0);
  ASSERT_TRUE(block.is_ok());
  EXPECT_FALSE(*block);
  EXPECT_EQ(device.allocations, 0u);
}

TEST(CudaPool, TrimReleasesEveryCachedBlock) {
  FakeDevice device;
  auto pool = DevicePool::create(device.allocator());
  {
    std::vector<DeviceBlock> blocks;
    for (size_t bytes : {100u, 1000u, 10000u, 3000000u})
      blocks.push_back(std::move(pool->allocate(bytes)).value());
  }
  EXPECT_EQ(device.live.size(), 4u);
  pool->trim();
  EXPECT_EQ(device.live.size(), 0u);
  EXPECT_EQ(pool->stats().cached_bytes, 0u);
}

}  // namespace
}  // namespace fovea::cuda
