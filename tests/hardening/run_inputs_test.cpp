// Run-time input errors (check_inputs / order_named_inputs in runtime/internal/input_check.h):
// wrong name, count, dtype, rank and shape, with a layout hint for images in the other layout;
// and the Executor's own refusal of the same inputs.
#include <gtest/gtest.h>

#include "engine/backends/backend_registry.h"
#include "engine/plan/executor.h"
#include "runtime/internal/input_check.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

// image [N,3,H,W] or [N,H,W,3] → Identity → out.
Graph image_model(Shape shape) {
  GraphBuilder b;
  b.output(b.op("Identity", {b.input("image", DType::kFloat32, std::move(shape))}));
  auto graph = b.build();
  EXPECT_TRUE(graph.is_ok()) << graph.status().message();
  return std::move(*graph);
}

constexpr int64_t N = kDynamicDim;

TEST(RunInputs, MatchingInputsPass) {
  const Graph graph = image_model({N, 3, 224, 224});
  EXPECT_TRUE(check_inputs(graph, {Tensor(DType::kFloat32, {2, 3, 224, 224})}).is_ok());
}

TEST(RunInputs, WrongCount) {
  const Graph graph = image_model({N, 3, 224, 224});
  const Status status = check_inputs(graph, {});
  EXPECT_EQ(status.message(), "expected 1 input(s) ('image' (float32 [N,3,224,224])), got 0");
}

TEST(RunInputs, WrongDtype) {
  const Graph graph = image_model({N, 3, 224, 224});
  const Status status = check_inputs(graph, {Tensor(DType::kUInt8, {1, 3, 224, 224})});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "input 'image': expected float32, got uint8");
}

TEST(RunInputs, WrongRank) {
  const Graph graph = image_model({N, 3, 224, 224});
  const Status status = check_inputs(graph, {Tensor(DType::kFloat32, {3, 224, 224})});
  EXPECT_EQ(status.message(),
            "input 'image': expected rank 4 [N,3,224,224], got rank 3 [3,224,224]");
}

TEST(RunInputs, WrongShapeNamesTheDimension) {
  const Graph graph = image_model({N, 3, 224, 224});
  const Status status = check_inputs(graph, {Tensor(DType::kFloat32, {1, 3, 200, 224})});
  EXPECT_EQ(status.message(),
            "input 'image': expected shape [N,3,224,224], got [1,3,200,224] (dimension 2 must "
            "be 224)");
}

TEST(RunInputs, NhwcImageToNchwModelGetsAHint) {
  const Graph graph = image_model({N, 3, 224, 224});
  const Status status = check_inputs(graph, {Tensor(DType::kFloat32, {1, 224, 224, 3})});
  EXPECT_EQ(status.message(),
            "input 'image': expected shape [N,3,224,224], got [1,224,224,3] (dimension 1 must "
            "be 3); this looks like an NHWC image but the model expects NCHW: transpose it to "
            "[1,3,224,224]");
}

TEST(RunInputs, NchwImageToNhwcModelGetsAHint) {
  const Graph graph = image_model({N, 224, 224, 3});
  const Status status = check_inputs(graph, {Tensor(DType::kFloat32, {2, 3, 224, 224})});
  EXPECT_NE(status.message().find("this looks like an NCHW image but the model expects NHWC: "
                                  "transpose it to [2,224,224,3]"),
            std::string::npos)
      << status.message();
}

TEST(RunInputs, NoHintForAnUnrelatedShape) {
  const Graph graph = image_model({N, 3, 224, 224});
  const Status status = check_inputs(graph, {Tensor(DType::kFloat32, {1, 5, 224, 224})});
  EXPECT_FALSE(status.is_ok());
  EXPECT_EQ(status.message().find("looks like"), std::string::npos) << status.message();
}

TEST(RunInputs, UnknownAndMissingNames) {
  const Graph graph = image_model({N, 3, 224, 224});
  std::map<std::string, Tensor> inputs;
  inputs.emplace("input", Tensor(DType::kFloat32, {1, 3, 224, 224}));
  EXPECT_EQ(order_named_inputs(graph, inputs).status().message(),
            "unknown input 'input'; the model's inputs are 'image' (float32 [N,3,224,224])");
  EXPECT_EQ(order_named_inputs(graph, {}).status().message(),
            "missing input 'image' (float32 [N,3,224,224]); the model's inputs are 'image' "
            "(float32 [N,3,224,224])");
  std::map<std::string, Tensor> right;
  right.emplace("image", Tensor(DType::kFloat32, {1, 3, 224, 224}));
  auto ordered = order_named_inputs(graph, right);
  ASSERT_TRUE(ordered.is_ok()) << ordered.status().message();
  EXPECT_EQ(ordered->at(0).shape(), (Shape{1, 3, 224, 224}));
}

// The executor refuses the same inputs with an error (no crash, no partial run).
TEST(RunInputs, ExecutorRefusesBadInputs) {
  auto primary = create_backend("reference");
  auto fallback = create_backend("reference");
  ASSERT_TRUE(primary.is_ok() && fallback.is_ok());
  auto executor =
      Executor::create(image_model({N, 3, 8, 8}), std::move(*primary), std::move(*fallback));
  ASSERT_TRUE(executor.is_ok()) << executor.status().message();
  EXPECT_FALSE((*executor)->run({}).is_ok());
  EXPECT_FALSE((*executor)->run({Tensor(DType::kFloat32, {1, 8, 8, 3})}).is_ok());
  EXPECT_FALSE((*executor)->run({Tensor(DType::kFloat32, {3, 8, 8})}).is_ok());
  const auto wrong_dtype = (*executor)->run({Tensor(DType::kInt64, {1, 3, 8, 8})});
  EXPECT_EQ(wrong_dtype.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong_dtype.status().message().find("input 'image'"), std::string::npos)
      << wrong_dtype.status().message();
  EXPECT_TRUE((*executor)->run({Tensor(DType::kFloat32, {2, 3, 8, 8})}).is_ok());
}

}  // namespace
}  // namespace fovea::testing
