// The int64 shape subgraph torchvision exports before its classifier:
//   Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0), [0]), [-1]))  ==  flatten to [N, -1]
// checked end to end on the reference backend, with the batch free.
#include <gtest/gtest.h>

#include "tests/common/graph_builder.h"
#include "tests/ops_tensor/op_test_util.h"

namespace fovea::testing {
namespace {

Result<Graph> flatten_subgraph(const Shape& declared_input) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, declared_input);
  const ValueId shape = b.op("Shape", {x});
  const ValueId batch = b.op("Gather", {shape, b.constant("zero", int64_tensor({}, {0}))},
                             attrs({{"axis", int64_t{0}}}));
  const ValueId batch_1d = b.op("Unsqueeze", {batch, b.constant("axes", int64_tensor({1}, {0}))});
  const ValueId target =
      b.op("Concat", {batch_1d, b.constant("minus_one", int64_tensor({1}, {-1}))},
           attrs({{"axis", int64_t{0}}}));
  b.output(b.op("Reshape", {x, target}));
  return b.build();
}

Tensor iota_tensor(const Shape& shape) {
  Tensor t(DType::kFloat32, shape);
  for (int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

TEST(ShapeSubgraph, InfersRankTwoWithFreeBatch) {
  auto g = flatten_subgraph({kDynamicDim, 3, 2, 2});
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  const Value& out = g->value(g->outputs[0]);
  EXPECT_TRUE(out.rank_known);
  EXPECT_EQ(out.shape.size(), 2u);
  EXPECT_EQ(out.dtype, DType::kFloat32);
  // The intermediate target is an int64 vector of length 2.
  const Value& target = g->value(g->find_value("Concat_3_out0"));
  EXPECT_EQ(target.dtype, DType::kInt64);
  EXPECT_EQ(target.shape, (Shape{2}));
}

TEST(ShapeSubgraph, StaticInputFoldsToExactShape) {
  // With the batch fixed (as the plan sees it), Shape folds and so does the whole subgraph.
  auto g = flatten_subgraph({2, 3, 2, 2});
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(g->value(g->outputs[0]).shape, (Shape{2, 12}));
}

TEST(ShapeSubgraph, ReshapesEveryBatchSizeToNByRest) {
  auto g = flatten_subgraph({kDynamicDim, 3, 2, 2});
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  for (int64_t batch : {1, 2, 5}) {
    const Tensor x = iota_tensor({batch, 3, 2, 2});
    auto out = run_graph(*g, "reference", {x});
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    ASSERT_EQ(out->size(), 1u);
    EXPECT_TRUE(tensors_close((*out)[0], x.reshaped({batch, 12}))) << "batch " << batch;
  }
}

TEST(ShapeSubgraph, ConstantShapeInputFoldsToExactShape) {
  // With the shape known as a constant, every node folds and Reshape's shape is exact.
  GraphBuilder b;
  const ValueId x = b.input("x", DType::kFloat32, {kDynamicDim, 12});
  const ValueId dims = b.constant("dims", int64_tensor({3}, {4, 3, 2}));
  const ValueId last = b.op("Gather", {dims, b.constant("idx", int64_tensor({1}, {2}))});
  const ValueId target = b.op("Concat", {b.constant("lead", int64_tensor({2}, {0, -1})), last},
                              attrs({{"axis", int64_t{0}}}));
  b.output(b.op("Reshape", {x, target}));
  auto g = b.build();
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(g->value(g->outputs[0]).shape, (Shape{kDynamicDim, 6, 2}));
  const Tensor input = iota_tensor({2, 12});
  auto out = run_graph(*g, "reference", {input});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_TRUE(tensors_close((*out)[0], input.reshaped({2, 6, 2})));
}

}  // namespace
}  // namespace fovea::testing
