// Backends loaded as modules (engine/backends/backend_module.h): the backend a module creates
// from its own copy of the engine runs a graph exactly as the program's own code does, a module
// loads once, and a missing, foreign, broken or stale module is refused with the reason.
#include "engine/backends/backend_module.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "engine/backends/backend_registry.h"
#include "engine/plan/executor.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

const std::string kModules = FOVEA_TEST_MODULE_DIR;
const std::string kCurrent = kModules + "/libfovea_test_module.so";

Graph small_cnn() {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {2, 3, 8, 8});
  const ValueId w = b.constant("w", random_tensor({4, 3, 3, 3}, 1));
  const ValueId bias = b.constant("b", random_tensor({4}, 2));
  const ValueId conv =
      b.op("Conv", {x, w, bias}, attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  const ValueId pool = b.op("MaxPool", {b.op("Relu", {conv})},
                            attrs({{"kernel_shape", std::vector<int64_t>{2, 2}},
                                   {"strides", std::vector<int64_t>{2, 2}}}));
  const ValueId flat = b.op("Flatten", {pool});
  const ValueId fc = b.constant("fc", random_tensor({5, 64}, 3));
  b.output(b.op("Softmax", {b.op("Gemm", {flat, fc}, attrs({{"transB", int64_t{1}}}))}));
  auto graph = b.build();
  EXPECT_TRUE(graph.is_ok()) << graph.status().message();
  return std::move(graph).value();
}

Tensor run_with(std::unique_ptr<Backend> primary, const Tensor& input) {
  auto executor = Executor::create(small_cnn(), std::move(primary),
                                   std::move(create_backend("reference")).value());
  EXPECT_TRUE(executor.is_ok()) << executor.status().message();
  auto outputs = (*executor)->run({input});
  EXPECT_TRUE(outputs.is_ok()) << outputs.status().message();
  return (*outputs)[0];
}

TEST(BackendModule, ModuleBackendRunsAGraphExactlyAsTheProgramsOwn) {
  auto factory = load_backend_module("test", {kModules + "/absent.so", kCurrent});
  ASSERT_TRUE(factory.is_ok()) << factory.status().message();
  auto backend = (*factory)(BackendOptions{});
  ASSERT_TRUE(backend.is_ok()) << backend.status().message();
  EXPECT_STREQ((*backend)->name(), "reference");
  const Tensor input = random_tensor({2, 3, 8, 8}, 4);
  const Tensor from_module = run_with(std::move(backend).value(), input);
  const Tensor from_program = run_with(std::move(create_backend("reference")).value(), input);
  ASSERT_EQ(from_module.shape(), (Shape{2, 5}));
  EXPECT_TRUE(tensors_close(from_module, from_program, 0.0, 0.0));
}

TEST(BackendModule, AModuleLoadsOnce) {
  auto first = load_backend_module("test", {kCurrent});
  auto second = load_backend_module("test", {kCurrent});
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ(*first, *second);
}

TEST(BackendModule, MissingModuleListsWhereItLooked) {
  auto factory = load_backend_module("gpu", {"/nonexistent/a.so", "/nonexistent/b.so"});
  ASSERT_FALSE(factory.is_ok());
  EXPECT_EQ(factory.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(factory.status().message(),
            "gpu: the backend module is not installed (looked for /nonexistent/a.so, "
            "/nonexistent/b.so)");
}

TEST(BackendModule, ModuleFromAnotherVersionIsRefused) {
  const std::string stale = kModules + "/libfovea_test_module_stale.so";
  auto factory = load_backend_module("test", {stale});
  ASSERT_FALSE(factory.is_ok());
  EXPECT_EQ(factory.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(factory.status().message(),
            "test: " + stale + " was built for Fovea 0.0.0-stale, not " FOVEA_TEST_MODULE_ABI);
}

// The same version is not enough: a module built against other interface headers (a Backend
// with other virtual functions, say) would be called through the wrong table.
TEST(BackendModule, ModuleFromOtherInterfaceHeadersIsRefused) {
  const std::string other = kModules + "/libfovea_test_module_other_headers.so";
  auto factory = load_backend_module("test", {other});
  ASSERT_FALSE(factory.is_ok());
  EXPECT_EQ(factory.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(factory.status().message().find("was built for Fovea "), std::string::npos)
      << factory.status().message();
  EXPECT_NE(std::string(FOVEA_TEST_MODULE_ABI).find('+'), std::string::npos)
      << "the ABI names no header digest: " FOVEA_TEST_MODULE_ABI;
}

TEST(BackendModule, LibraryWithoutTheEntrySymbolsIsRefused) {
  const std::string foreign = kModules + "/libfovea_test_not_a_module.so";
  auto factory = load_backend_module("test", {foreign});
  ASSERT_FALSE(factory.is_ok());
  EXPECT_EQ(factory.status().message(), "test: " + foreign + " is not a Fovea backend module");
}

TEST(BackendModule, FileThatIsNotALibraryIsRefused) {
  const std::string path = ::testing::TempDir() + "fovea_broken_module.so";
  std::ofstream(path) << "not an ELF file";
  auto factory = load_backend_module("test", {path});
  ASSERT_FALSE(factory.is_ok());
  EXPECT_EQ(factory.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(factory.status().message().find("test: cannot load " + path + ": "), std::string::npos)
      << factory.status().message();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace fovea::testing
