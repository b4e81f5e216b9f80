#include "engine/training/feature_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

namespace fovea::training {
namespace {

Status io_error(const std::string& message, int error) {
  return {StatusCode::kIoError, message + ": " + std::strerror(error)};
}

// Closes a descriptor on every path out of create().
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

Status check_block(const Tensor& t, int64_t cols, const char* what) {
  if (t.dtype() != DType::kFloat32 || t.rank() != 2 || t.dim(1) != cols ||
      t.memory() != MemoryKind::kHost) {
    return invalid_argument(std::string(what) + ": expected float32 rows of " +
                            std::to_string(cols) + " on the host, got " + describe(t));
  }
  return Status::ok();
}

}  // namespace

FeatureStorage storage_for(int64_t bytes, int64_t memory_budget_bytes) {
  return bytes > memory_budget_bytes ? FeatureStorage::kDisk : FeatureStorage::kMemory;
}

std::string cache_directory(const std::string& cache_dir) {
  if (!cache_dir.empty()) return cache_dir;
  std::error_code ec;
  const std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
  return ec ? std::string("/tmp") : tmp.string();
}

Result<std::unique_ptr<FeatureStore>> FeatureStore::create(int64_t rows, int64_t cols,
                                                           const FeatureStoreOptions& options) {
  constexpr int64_t kFloat = sizeof(float);
  if (rows <= 0 || cols <= 0 || rows > std::numeric_limits<int64_t>::max() / cols / kFloat) {
    return invalid_argument("feature store: bad size " + std::to_string(rows) + " x " +
                            std::to_string(cols));
  }
  std::unique_ptr<FeatureStore> store(new FeatureStore());
  store->rows_ = rows;
  store->cols_ = cols;
  if (options.storage == FeatureStorage::kMemory) {
    FOVEA_ASSIGN_OR_RETURN(store->memory_, Tensor::allocate(DType::kFloat32, {rows, cols}));
    store->base_ = store->memory_.data<float>();
    return store;
  }

  store->directory_ = cache_directory(options.cache_dir);
  const std::string where = "feature cache '" + store->directory_ + "'";
  std::string name = (std::filesystem::path(store->directory_) / "fovea-features-XXXXXX").string();
  FileDescriptor file;
  file.fd = ::mkstemp(name.data());
  if (file.fd < 0) {
    const int error = errno;  // before building the message can disturb it
    return io_error(where + ": cannot create a temporary file there", error);
  }
  // Nameless from here on: the space is freed when the last mapping goes, however we exit.
  if (::unlink(name.c_str()) != 0) {
    const int error = errno;
    return io_error(where + ": cannot unlink the temporary file " + name, error);
  }
  const int64_t bytes = store->byte_size();
  if (const int error = ::posix_fallocate(file.fd, 0, bytes); error != 0) {
    return io_error(where + ": cannot reserve " + std::to_string(bytes) + " bytes", error);
  }
  void* mapping =
      ::mmap(nullptr, static_cast<size_t>(bytes), PROT_READ | PROT_WRITE, MAP_SHARED, file.fd, 0);
  if (mapping == MAP_FAILED) {
    const int error = errno;
    return io_error(where + ": cannot map the temporary file", error);
  }
  store->mapping_ = mapping;
  store->mapped_bytes_ = static_cast<size_t>(bytes);
  store->base_ = static_cast<float*>(mapping);
  return store;  // the mapping keeps the file; `file` closes the descriptor
}

Result<std::unique_ptr<FeatureStore>> FeatureStore::wrap(const Tensor& features) {
  if (features.dtype() != DType::kFloat32 || features.rank() != 2 ||
      features.memory() != MemoryKind::kHost || features.dim(0) <= 0 || features.dim(1) <= 0) {
    return invalid_argument("feature store: expected [N, D] float32 features on the host, got " +
                            describe(features));
  }
  std::unique_ptr<FeatureStore> store(new FeatureStore());
  store->rows_ = features.dim(0);
  store->cols_ = features.dim(1);
  store->memory_ = features;
  store->base_ = store->memory_.data<float>();
  return store;
}

FeatureStore::~FeatureStore() {
  if (mapping_ != nullptr) ::munmap(mapping_, mapped_bytes_);
}

Status FeatureStore::write_rows(int64_t begin, const Tensor& block) {
  FOVEA_RETURN_IF_ERROR(check_block(block, cols_, "feature store write"));
  if (begin < 0 || begin > rows_ - block.dim(0)) {
    return {StatusCode::kOutOfRange, "feature store write: rows " + std::to_string(begin) + "+" +
                                         std::to_string(block.dim(0)) + " outside " +
                                         std::to_string(rows_)};
  }
  std::memcpy(base_ + begin * cols_, block.data<float>(), block.byte_size());
  return Status::ok();
}

Result<Tensor> FeatureStore::read_rows(int64_t begin, int64_t count) const {
  if (begin < 0 || count < 0 || begin > rows_ - count) {
    return Status(StatusCode::kOutOfRange, "feature store read: rows " + std::to_string(begin) +
                                               "+" + std::to_string(count) + " outside " +
                                               std::to_string(rows_));
  }
  Tensor out(DType::kFloat32, {count, cols_});
  std::memcpy(out.data<float>(), row(begin), out.byte_size());
  return out;
}

Result<Tensor> FeatureStore::gather(const std::vector<int64_t>& indices) const {
  Tensor out(DType::kFloat32, {static_cast<int64_t>(indices.size()), cols_});
  float* dst = out.data<float>();
  for (const int64_t i : indices) {
    if (i < 0 || i >= rows_) {
      return Status(StatusCode::kOutOfRange, "feature store: row " + std::to_string(i) +
                                                 " outside " + std::to_string(rows_));
    }
    std::memcpy(dst, row(i), static_cast<size_t>(cols_) * sizeof(float));
    dst += cols_;
  }
  return out;
}

}  // namespace fovea::training
