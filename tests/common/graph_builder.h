// GraphBuilder: tiny hand-built graphs for op, backend and pass tests.
#pragma once

#include <string>
#include <vector>

#include "engine/core/graph.h"

namespace fovea::testing {

class GraphBuilder {
 public:
  ValueId input(const std::string& name, DType dtype, Shape shape);
  ValueId constant(const std::string& name, Tensor value);
  // Adds a node; returns its outputs (n_outputs of them, named "<node>_out<i>").
  std::vector<ValueId> node(const std::string& op_type, const std::vector<ValueId>& inputs,
                            Attributes attrs = {}, int n_outputs = 1);
  // Adds a single-output node and returns its output.
  ValueId op(const std::string& op_type, const std::vector<ValueId>& inputs,
             Attributes attrs = {});
  void output(ValueId id);
  // Sorts and infers shapes; returns the error status (tests of bad graphs expect one).
  Result<Graph> build();

 private:
  Graph graph_;
};

// Convenience for attribute lists: attrs({{"axis", int64_t{1}}, {"pads", std::vector<int64_t>{...}}})
Attributes attrs(std::initializer_list<std::pair<std::string, AttrValue>> list);

}  // namespace fovea::testing
