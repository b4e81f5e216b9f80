// FeatureStore: N rows of D float32 features, either in memory or, for data sets whose
// features exceed a memory budget, in a temporary file mapped into memory (the kernel pages it
// in and out, so only the rows in use take RAM). The file is made with mkstemp and unlinked at
// once: it has no name while in use, and its space is returned when the store is destroyed,
// on every error path, and also when the process dies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace fovea::training {

enum class FeatureStorage { kMemory, kDisk };

struct FeatureStoreOptions {
  FeatureStorage storage = FeatureStorage::kMemory;
  std::string cache_dir;  // kDisk: the file's directory; empty: the system temp dir
};

// kDisk when `bytes` of features exceed `memory_budget_bytes`.
FeatureStorage storage_for(int64_t bytes, int64_t memory_budget_bytes);

// The directory a disk store uses for `cache_dir`: itself, or the system temp dir when empty.
std::string cache_directory(const std::string& cache_dir);

class FeatureStore {
 public:
  // A zero-filled [rows, cols] store. kDisk reserves the whole file up front
  // (posix_fallocate), so a full disk fails here with a message, not later with SIGBUS.
  static Result<std::unique_ptr<FeatureStore>> create(int64_t rows, int64_t cols,
                                                      const FeatureStoreOptions& options);
  // An in-memory store sharing `features`' buffer ([N, D] float32 host tensor; no copy).
  static Result<std::unique_ptr<FeatureStore>> wrap(const Tensor& features);

  ~FeatureStore();
  FeatureStore(const FeatureStore&) = delete;
  FeatureStore& operator=(const FeatureStore&) = delete;

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  int64_t byte_size() const { return rows_ * cols_ * static_cast<int64_t>(sizeof(float)); }
  bool on_disk() const { return mapping_ != nullptr; }
  // The directory of the (nameless) disk file; empty in memory.
  const std::string& directory() const { return directory_; }

  // Copies `block` ([k, cols] float32) into rows [begin, begin + k).
  Status write_rows(int64_t begin, const Tensor& block);
  // Rows [begin, begin + count) as a new [count, cols] tensor.
  Result<Tensor> read_rows(int64_t begin, int64_t count) const;
  // The rows at `indices` (any order, repeats allowed) as a new [indices.size(), cols] tensor.
  Result<Tensor> gather(const std::vector<int64_t>& indices) const;

 private:
  FeatureStore() = default;
  const float* row(int64_t i) const { return base_ + i * cols_; }

  int64_t rows_ = 0;
  int64_t cols_ = 0;
  Tensor memory_;            // kMemory: owns (or shares) the rows
  void* mapping_ = nullptr;  // kDisk: the mapped file, unmapped by the destructor
  size_t mapped_bytes_ = 0;
  float* base_ = nullptr;  // row 0 in either mode
  std::string directory_;
};

}  // namespace fovea::training
