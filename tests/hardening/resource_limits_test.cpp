// Memory and work limits checked before a run allocates anything (runtime/internal/
// resource_limits.h), and a plan asked for an impossible allocation failing cleanly.
#include "runtime/internal/resource_limits.h"

#include <gtest/gtest.h>

#include "engine/backends/backend_registry.h"
#include "engine/plan/executor.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

// x [N,3,8,8] → Conv(w [4,3,1,1]) → y [N,4,8,8]. For batch n, in bytes: x 768n, w 48,
// y 1024n, so 1792n + 48 in all; 4·64·3 = 768n multiply-accumulates.
Graph conv_model() {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {kDynamicDim, 3, 8, 8});
  b.output(b.op("Conv", {x, b.constant("w", Tensor(DType::kFloat32, {4, 3, 1, 1}))}));
  auto graph = b.build();
  EXPECT_TRUE(graph.is_ok()) << graph.status().message();
  return std::move(*graph);
}

TEST(ResourceLimits, NoLimitsAcceptAnything) {
  EXPECT_TRUE(check_resource_limits(conv_model(), {{1 << 20, 3, 8, 8}}, {}).is_ok());
}

TEST(ResourceLimits, TotalBytesIsExact) {
  const Graph graph = conv_model();
  ResourceLimits limits;
  limits.max_total_bytes = 1792 * 2 + 48;
  EXPECT_TRUE(check_resource_limits(graph, {{2, 3, 8, 8}}, limits).is_ok());
  limits.max_total_bytes -= 1;
  const Status status = check_resource_limits(graph, {{2, 3, 8, 8}}, limits);
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(status.message(), "the run needs 3632 bytes, over the limit of 3631 bytes");
}

TEST(ResourceLimits, LargestValueNamesIt) {
  const Graph graph = conv_model();
  ResourceLimits limits;
  limits.max_value_bytes = 1024 * 64 - 1;
  const Status status = check_resource_limits(graph, {{64, 3, 8, 8}}, limits);
  const std::string output = graph.value(graph.outputs[0]).name;
  EXPECT_EQ(status.message(),
            "value '" + output + "' [64,4,8,8] needs 65536 bytes, over the limit of 65535 bytes");
  EXPECT_TRUE(check_resource_limits(graph, {{63, 3, 8, 8}}, limits).is_ok());
}

TEST(ResourceLimits, MultiplyAccumulates) {
  ResourceLimits limits;
  limits.max_macs = 768 * 10;
  EXPECT_TRUE(check_resource_limits(conv_model(), {{10, 3, 8, 8}}, limits).is_ok());
  EXPECT_EQ(check_resource_limits(conv_model(), {{11, 3, 8, 8}}, limits).message(),
            "the run needs 8448 multiply-accumulates, over the limit of 7680 "
            "multiply-accumulates");
}

TEST(ResourceLimits, OverflowingShapesAreRefusedNotWrapped) {
  ResourceLimits limits;
  limits.max_total_bytes = int64_t{1} << 40;
  const Status status = check_resource_limits(conv_model(), {{int64_t{1} << 60, 3, 8, 8}}, limits);
  EXPECT_FALSE(status.is_ok());
}

// y = ConstantOfShape([2^20, 2^20]): 4 TiB of float32 from a graph of a few bytes.
Graph four_tebibyte_model() {
  GraphBuilder b;
  b.output(b.op("ConstantOfShape", {b.constant("shape", int64_tensor({2}, {1 << 20, 1 << 20}))}));
  auto graph = b.build();
  EXPECT_TRUE(graph.is_ok()) << graph.status().message();
  return std::move(*graph);
}

TEST(ResourceLimits, HugeOutputRefusedUpFront) {
  ResourceLimits limits;
  limits.max_value_bytes = int64_t{1} << 30;
  const Graph graph = four_tebibyte_model();
  EXPECT_EQ(check_resource_limits(graph, {}, limits).message(),
            "value '" + graph.value(graph.outputs[0]).name +
                "' [1048576,1048576] needs 4398046511104 bytes, over the limit of 1073741824 "
                "bytes");
}

// Without a limit, an allocation no machine can satisfy fails with an error, not a crash.
TEST(ResourceLimits, ImpossibleAllocationFailsCleanly) {
  auto primary = create_backend("reference");
  auto fallback = create_backend("reference");
  ASSERT_TRUE(primary.is_ok() && fallback.is_ok());
  auto executor =
      Executor::create(four_tebibyte_model(), std::move(*primary), std::move(*fallback));
  if (!executor.is_ok()) {
    EXPECT_EQ(executor.status().code(), StatusCode::kOutOfRange) << executor.status().message();
    return;
  }
  auto outputs = (*executor)->run({});
  ASSERT_FALSE(outputs.is_ok());
  EXPECT_EQ(outputs.status().code(), StatusCode::kOutOfRange) << outputs.status().message();
}

}  // namespace
}  // namespace fovea::testing
