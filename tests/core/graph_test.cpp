#include <gtest/gtest.h>

#include "engine/core/graph.h"

namespace fovea {
namespace {

ValueId add(Graph& g, const std::string& name) {
  Value v;
  v.name = name;
  return g.add_value(v);
}

Node make_node(const std::string& name, std::vector<ValueId> in, std::vector<ValueId> out) {
  Node n;
  n.name = name;
  n.op_type = "Identity";
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

TEST(Graph, TopologicalSortOrdersProducersFirst) {
  Graph g;
  const ValueId x = add(g, "x");
  const ValueId a = add(g, "a");
  const ValueId b = add(g, "b");
  g.inputs = {x};
  g.nodes.push_back(make_node("second", {a}, {b}));
  g.nodes.push_back(make_node("first", {x}, {a}));
  g.outputs = {b};
  ASSERT_TRUE(g.topological_sort().is_ok());
  EXPECT_EQ(g.nodes[0].name, "first");
  EXPECT_EQ(g.nodes[1].name, "second");
}

TEST(Graph, TopologicalSortKeepsOriginalOrderAmongIndependentNodes) {
  Graph g;
  const ValueId x = add(g, "x");
  g.inputs = {x};
  for (const char* name : {"n0", "n1", "n2"}) {
    g.nodes.push_back(make_node(name, {x}, {add(g, std::string(name) + "_out")}));
  }
  ASSERT_TRUE(g.topological_sort().is_ok());
  EXPECT_EQ(g.nodes[0].name, "n0");
  EXPECT_EQ(g.nodes[2].name, "n2");
}

TEST(Graph, CycleIsReportedWithANodeName) {
  Graph g;
  g.source = "loop.onnx";
  const ValueId a = add(g, "a");
  const ValueId b = add(g, "b");
  g.nodes.push_back(make_node("ping", {b}, {a}));
  g.nodes.push_back(make_node("pong", {a}, {b}));
  const Status s = g.topological_sort();
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("loop.onnx: node 'p"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("cycle"), std::string::npos) << s.message();
}

TEST(Graph, UndefinedInputIsReported) {
  Graph g;
  g.source = "m.onnx";
  const ValueId ghost = add(g, "ghost");
  g.nodes.push_back(make_node("reader", {ghost}, {add(g, "y")}));
  const Status s = g.topological_sort();
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("'ghost'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("node 'reader'"), std::string::npos) << s.message();
}

TEST(Graph, ConsumersAndProducers) {
  Graph g;
  const ValueId x = add(g, "x");
  const ValueId y = add(g, "y");
  g.inputs = {x};
  g.nodes.push_back(make_node("a", {x, x}, {y}));
  g.nodes.push_back(make_node("b", {x, kNoValue}, {add(g, "z")}));
  const auto consumers = g.consumers();
  EXPECT_EQ(consumers[static_cast<size_t>(x)], (std::vector<size_t>{0, 1}));  // once per node
  const auto producers = g.producers();
  EXPECT_EQ(producers[static_cast<size_t>(y)], 0);
  EXPECT_EQ(producers[static_cast<size_t>(x)], -1);
  EXPECT_EQ(g.find_value("y"), y);
  EXPECT_EQ(g.find_value("nope"), kNoValue);
}

}  // namespace
}  // namespace fovea
