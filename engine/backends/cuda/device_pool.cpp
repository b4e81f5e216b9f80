#include "engine/backends/cuda/device_pool.h"

#include <string>

namespace fovea::cuda {

size_t size_class(size_t bytes) {
  if (bytes <= kMinBlock) return kMinBlock;
  if (bytes >= kLargeBlock) return (bytes + kLargeBlock - 1) / kLargeBlock * kLargeBlock;
  size_t size = kMinBlock;
  while (size < bytes) size *= 2;
  return size;
}

DeviceBlock& DeviceBlock::operator=(DeviceBlock&& other) noexcept {
  if (this != &other) {
    reset();
    pool_ = std::move(other.pool_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void DeviceBlock::reset() {
  if (data_ != nullptr && pool_) pool_->give_back(data_, size_);
  pool_.reset();
  data_ = nullptr;
  size_ = 0;
}

std::shared_ptr<DevicePool> DevicePool::create(RawAllocator raw) {
  return std::shared_ptr<DevicePool>(new DevicePool(std::move(raw)));
}

DevicePool::~DevicePool() { trim(); }

Result<void*> DevicePool::take(size_t size) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      void* data = it->second.back();
      it->second.pop_back();
      stats_.cached_bytes -= size;
      stats_.in_use_bytes += size;
      return data;
    }
  }
  void* data = raw_.allocate(size);
  if (data == nullptr) {
    trim();  // fragmentation across size classes: give the cache back and try once more
    data = raw_.allocate(size);
  }
  if (data == nullptr) {
    return Status(StatusCode::kOutOfRange,
                  "cuda: out of device memory allocating " + std::to_string(size) + " bytes");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.in_use_bytes += size;
  ++stats_.raw_allocations;
  return data;
}

void DevicePool::give_back(void* data, size_t size) {
  std::lock_guard<std::mutex> lock(mutex_);
  free_[size].push_back(data);
  stats_.in_use_bytes -= size;
  stats_.cached_bytes += size;
}

Result<DeviceBlock> DevicePool::allocate(size_t bytes) {
  if (bytes == 0) return DeviceBlock();
  const size_t size = size_class(bytes);
  FOVEA_ASSIGN_OR_RETURN(void* data, take(size));
  return DeviceBlock(shared_from_this(), data, size);
}

Result<std::shared_ptr<void>> DevicePool::allocate_shared(size_t bytes) {
  const size_t size = size_class(bytes);
  FOVEA_ASSIGN_OR_RETURN(void* data, take(size));
  auto self = shared_from_this();
  return std::shared_ptr<void>(data, [self, size](void* p) { self->give_back(p, size); });
}

void DevicePool::trim() {
  std::map<size_t, std::vector<void*>> released;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    released.swap(free_);
    stats_.cached_bytes = 0;
  }
  for (auto& [size, blocks] : released) {
    for (void* data : blocks) raw_.release(data);
  }
}

PoolStats DevicePool::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace fovea::cuda
