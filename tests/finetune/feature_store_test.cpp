// FeatureStore: rows round-trip in memory and on disk, the disk file never has a name in the
// cache folder and its mapping is gone after destruction or a failed creation, and an unusable
// cache folder is an error that names it.
#include "engine/training/feature_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/common/fovea_process.h"
#include "tests/finetune/feature_store_testing.h"

namespace fovea::testing {
namespace {
using training::FeatureStorage;
using training::FeatureStore;
using training::FeatureStoreOptions;

Tensor counting_rows(int64_t first_row, int64_t rows, int64_t cols) {
  Tensor t(DType::kFloat32, {rows, cols});
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t k = 0; k < cols; ++k) {
      t.data<float>()[i * cols + k] = static_cast<float>((first_row + i) * 100 + k) + 0.25f;
    }
  }
  return t;
}

class FeatureStoreTest : public TempDirTest {
 protected:
  FeatureStoreOptions options(FeatureStorage storage) const { return {storage, dir_.string()}; }
};

TEST_F(FeatureStoreTest, RowsRoundTripInMemoryAndOnDisk) {
  for (const FeatureStorage storage : {FeatureStorage::kMemory, FeatureStorage::kDisk}) {
    auto created = FeatureStore::create(7, 5, options(storage));
    ASSERT_TRUE(created.is_ok()) << created.status().message();
    FeatureStore& store = **created;
    EXPECT_EQ(store.on_disk(), storage == FeatureStorage::kDisk);
    EXPECT_EQ(store.directory(), storage == FeatureStorage::kDisk ? dir_.string() : "");
    ASSERT_TRUE(store.write_rows(0, counting_rows(0, 4, 5)).is_ok());
    ASSERT_TRUE(store.write_rows(4, counting_rows(4, 3, 5)).is_ok());

    const Tensor all = store.read_rows(0, 7).value();
    const Tensor expected = counting_rows(0, 7, 5);
    EXPECT_EQ(std::memcmp(all.raw_data(), expected.raw_data(), expected.byte_size()), 0);
    const Tensor picked = store.gather({6, 0, 3, 3}).value();
    ASSERT_EQ(picked.shape(), (Shape{4, 5}));
    for (const auto& [at, row] : {std::pair{0, 6}, {1, 0}, {2, 3}, {3, 3}}) {
      EXPECT_EQ(picked.data<float>()[at * 5 + 2], row * 100 + 2 + 0.25f) << at;
    }

    EXPECT_FALSE(store.write_rows(5, counting_rows(0, 3, 5)).is_ok());  // past the end
    EXPECT_FALSE(store.write_rows(0, counting_rows(0, 2, 4)).is_ok());  // wrong width
    EXPECT_FALSE(store.read_rows(6, 2).is_ok());
    EXPECT_FALSE(store.gather({7}).is_ok());
    EXPECT_FALSE(store.gather({-1}).is_ok());
  }
}

TEST_F(FeatureStoreTest, DiskFileHasNoNameAndIsGoneAfterDestruction) {
  auto store = FeatureStore::create(100, 64, options(FeatureStorage::kDisk)).value();
  ASSERT_TRUE(store->write_rows(10, counting_rows(10, 5, 64)).is_ok());
  EXPECT_EQ(files_in(dir_), 0);  // unlinked at once: a crash leaves nothing behind
  EXPECT_EQ(mappings_under(dir_), 1);
  store.reset();
  EXPECT_EQ(mappings_under(dir_), 0);
  EXPECT_EQ(files_in(dir_), 0);
}

TEST_F(FeatureStoreTest, FailedCreationLeavesNothing) {
  // 2^46 bytes (64 TiB): no test machine's disk takes it, so posix_fallocate fails.
  auto huge =
      FeatureStore::create(int64_t{1} << 28, int64_t{1} << 16, options(FeatureStorage::kDisk));
  ASSERT_FALSE(huge.is_ok());
  EXPECT_EQ(huge.status().code(), StatusCode::kIoError);
  EXPECT_NE(huge.status().message().find(dir_.string()), std::string::npos)
      << huge.status().message();
  EXPECT_NE(huge.status().message().find("cannot reserve"), std::string::npos)
      << huge.status().message();
  EXPECT_EQ(files_in(dir_), 0);
  EXPECT_EQ(mappings_under(dir_), 0);
}

TEST_F(FeatureStoreTest, UnusableCacheFolderIsAnErrorNamingIt) {
  std::ofstream(dir_ / "a_file") << "x";
  std::vector<std::filesystem::path> bad = {dir_ / "missing", dir_ / "a_file"};
  if (::geteuid() != 0) {  // root writes through permissions
    std::filesystem::create_directory(dir_ / "read_only");
    std::filesystem::permissions(dir_ / "read_only", std::filesystem::perms::owner_read |
                                                         std::filesystem::perms::owner_exec);
    bad.push_back(dir_ / "read_only");
  }
  for (const auto& folder : bad) {
    auto store = FeatureStore::create(4, 4, {FeatureStorage::kDisk, folder.string()});
    ASSERT_FALSE(store.is_ok()) << folder;
    EXPECT_NE(store.status().message().find("feature cache '" + folder.string() +
                                            "': cannot create a temporary file there"),
              std::string::npos)
        << store.status().message();
  }
  // In memory the folder is not used.
  EXPECT_TRUE(FeatureStore::create(4, 4, {FeatureStorage::kMemory, bad[0].string()}).is_ok());
}

TEST(FeatureStore, BudgetAndDefaultsAndBadSizes) {
  EXPECT_EQ(training::storage_for(100, 100), FeatureStorage::kMemory);
  EXPECT_EQ(training::storage_for(101, 100), FeatureStorage::kDisk);
  EXPECT_EQ(training::cache_directory(""), std::filesystem::temp_directory_path().string());
  EXPECT_EQ(training::cache_directory("/data/cache"), "/data/cache");
  EXPECT_FALSE(FeatureStore::create(0, 4, {}).is_ok());
  EXPECT_FALSE(FeatureStore::create(int64_t{1} << 62, 4, {}).is_ok());  // bytes overflow
  EXPECT_FALSE(FeatureStore::wrap(Tensor(DType::kFloat32, {2, 3, 4})).is_ok());
  const Tensor shared = counting_rows(0, 3, 2);
  const auto wrapped = FeatureStore::wrap(shared).value();
  EXPECT_FALSE(wrapped->on_disk());
  EXPECT_EQ(wrapped->read_rows(2, 1).value().data<float>()[1], 201.25f);
}

}  // namespace
}  // namespace fovea::testing
