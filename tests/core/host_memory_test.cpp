// allocate_host: zeroed, aligned, whole; large streamed buffers advised as huge pages.
#include "engine/core/host_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "tests/common/process_mappings.h"

namespace fovea::testing {
namespace {

bool all_zero(const void* p, size_t bytes) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < bytes; ++i) {
    if (b[i] != 0) return false;
  }
  return true;
}

// allocate_host, then checks the buffer starts on `alignment` and is zero, and writes every
// byte (ASan would catch one that is not ours). Null, with a failure, when none came.
std::shared_ptr<void> allocate_and_fill(size_t bytes, HostBuffer use, size_t alignment) {
  auto buffer = allocate_host(bytes, use);
  if (buffer == nullptr) {
    ADD_FAILURE() << "no buffer of " << bytes << " bytes";
    return nullptr;
  }
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer.get()) % alignment, 0u) << bytes;
  EXPECT_TRUE(all_zero(buffer.get(), bytes)) << bytes;
  std::memset(buffer.get(), 0x5a, bytes);
  return buffer;
}

TEST(HostMemory, SmallBuffersAreZeroedAlignedAndWritable) {
  for (size_t bytes : {size_t{0}, size_t{1}, size_t{63}, size_t{4097}, kHugePageBytes - 1}) {
    for (HostBuffer use : {HostBuffer::kGeneral, HostBuffer::kKept, HostBuffer::kStreamedWeights}) {
      ASSERT_NE(allocate_and_fill(bytes, use, kHostAlignment), nullptr) << bytes;
      EXPECT_FALSE(host_buffer_uses_huge_pages(bytes, use)) << bytes;
      EXPECT_FALSE(host_buffer_is_mapped(bytes, use)) << bytes;
    }
  }
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define FOVEA_TEST_SANITIZED_HEAP 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FOVEA_TEST_SANITIZED_HEAP 1
#endif

TEST(HostMemory, OnlyLargeKeptBuffersAreMappedAndOnlyStreamedOnesAskForHugePages) {
  const size_t large = kHugePageBytes * 4;
  EXPECT_FALSE(host_buffer_is_mapped(large, HostBuffer::kGeneral));  // the heap reuses it
  EXPECT_FALSE(host_buffer_uses_huge_pages(large, HostBuffer::kGeneral));
  EXPECT_FALSE(host_buffer_uses_huge_pages(large, HostBuffer::kKept));
#if defined(FOVEA_TEST_SANITIZED_HEAP)
  EXPECT_FALSE(host_buffer_is_mapped(large, HostBuffer::kKept));
  EXPECT_FALSE(host_buffer_uses_huge_pages(kHugePageBytes, HostBuffer::kStreamedWeights));
#else
  EXPECT_TRUE(host_buffer_is_mapped(large, HostBuffer::kKept));
  EXPECT_TRUE(host_buffer_is_mapped(large, HostBuffer::kStreamedWeights));
  EXPECT_TRUE(host_buffer_uses_huge_pages(kHugePageBytes, HostBuffer::kStreamedWeights));
#endif
}

TEST(HostMemory, LargeStreamedBuffersStartOnAHugePageAndAreAdvised) {
  // An odd size: the tail past the last 2 MiB boundary must be ours too.
  const size_t bytes = 3 * kHugePageBytes + 12345;
  if (!host_buffer_uses_huge_pages(bytes, HostBuffer::kStreamedWeights)) {
    GTEST_SKIP() << "this build keeps every buffer on the heap (sanitizer)";
  }
  auto buffer = allocate_and_fill(bytes, HostBuffer::kStreamedWeights, kHugePageBytes);
  ASSERT_NE(buffer, nullptr);
  const auto flags = vm_flags_of(buffer.get());
  ASSERT_TRUE(flags.has_value()) << "no mapping in /proc/self/smaps holds the buffer";
  if (!kernel_has_transparent_huge_pages()) {
    GTEST_SKIP() << "this kernel has no transparent huge pages";
  }
  EXPECT_TRUE(has_vm_flag(*flags, "hg")) << "not advised as huge pages: " << *flags;
  // The last byte's page is in the same advised mapping.
  const auto last = vm_flags_of(static_cast<const char*>(buffer.get()) + bytes - 1);
  ASSERT_TRUE(last.has_value());
  EXPECT_TRUE(has_vm_flag(*last, "hg"));
}

TEST(HostMemory, LargeKeptBuffersAreZeroedAndNotAdvised) {
  const size_t bytes = 3 * kHugePageBytes + 4321;
  auto buffer = allocate_and_fill(bytes, HostBuffer::kKept, kHostAlignment);
  ASSERT_NE(buffer, nullptr);
  const auto flags = vm_flags_of(buffer.get());
  ASSERT_TRUE(flags.has_value());
  EXPECT_FALSE(has_vm_flag(*flags, "hg")) << *flags;
}

TEST(HostMemory, ReleasingALargeBufferUnmapsIt) {
  const size_t bytes = 2 * kHugePageBytes;
  if (!host_buffer_uses_huge_pages(bytes, HostBuffer::kStreamedWeights)) {
    GTEST_SKIP() << "this build keeps every buffer on the heap (sanitizer)";
  }
  auto buffer = allocate_host(bytes, HostBuffer::kStreamedWeights);
  ASSERT_NE(buffer, nullptr);
  const void* where = buffer.get();
  ASSERT_TRUE(vm_flags_of(where).has_value());
  buffer.reset();
  // Nothing else here maps memory meanwhile, so the range is gone from the address space.
  EXPECT_FALSE(vm_flags_of(where).has_value());
}

}  // namespace
}  // namespace fovea::testing
