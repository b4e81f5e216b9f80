// The real MobileNetV2 (../shared): imports with a free batch and the expected shapes.
#include <gtest/gtest.h>

#include "importers/onnx/onnx_importer.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

TEST(RealModel, MobileNetV2Fp32Imports) {
  FOVEA_REQUIRE_SHARED(shared);
  auto graph = import_onnx_file(shared + "/models/mobilenetv2-fp32.onnx");
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  EXPECT_EQ(graph->opset, 13);
  ASSERT_EQ(graph->inputs.size(), 1u);
  const Value& input = graph->value(graph->inputs[0]);
  EXPECT_EQ(input.name, "input");
  EXPECT_EQ(input.shape, (Shape{kDynamicDim, 3, 224, 224}));
  ASSERT_EQ(graph->outputs.size(), 1u);
  const Value& output = graph->value(graph->outputs[0]);
  EXPECT_EQ(output.dtype, DType::kFloat32);
  EXPECT_EQ(output.shape, (Shape{kDynamicDim, 1000}));
  // 100 nodes in the file, none of them Constant; every weight became a constant.
  EXPECT_EQ(graph->nodes.size(), 100u);
  size_t constants = 0;
  for (const Value& v : graph->values) constants += v.is_constant() ? 1 : 0;
  EXPECT_EQ(constants, 108u);
}

// The int8 model uses com.microsoft ops: one unsupported error listing them.
TEST(RealModel, MobileNetV2Int8ListsUnsupportedOps) {
  FOVEA_REQUIRE_SHARED(shared);
  auto graph = import_onnx_file(shared + "/models/mobilenetv2-12-int8.onnx");
  ASSERT_FALSE(graph.is_ok());
  EXPECT_EQ(graph.status().code(), StatusCode::kUnsupported);
  const std::string& message = graph.status().message();
  EXPECT_NE(message.find("unsupported operators: "), std::string::npos) << message;
  EXPECT_NE(message.find("domain 'com.microsoft'"), std::string::npos) << message;
}

}  // namespace
}  // namespace fovea::testing
