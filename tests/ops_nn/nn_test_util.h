// Helpers for the neural-network op tests: run one node on the reference backend, or infer
// one node's output shape (keeping the error status, for the error-case tests).
#pragma once

#include <string>
#include <vector>

#include "engine/core/graph.h"
#include "engine/core/tensor.h"

namespace fovea::testing {

// Builds a one-node graph whose inputs are graph inputs with the tensors' shapes, and runs it
// on the reference backend.
Result<std::vector<Tensor>> run_node(const std::string& op_type, const std::vector<Tensor>& inputs,
                                     Attributes attributes = {}, int n_outputs = 1);

// Infers a one-node graph with inputs of the given shapes (kDynamicDim allowed). Returns the
// shape of output `output`, or the inference error.
Result<Shape> infer_node_shape(const std::string& op_type, const std::vector<Shape>& inputs,
                               Attributes attributes = {}, int n_outputs = 1,
                               DType dtype = DType::kFloat32, size_t output = 0);

// Element-wise expectation in the suite's tolerance, with the tensor's own shape.
Tensor expected(const Shape& shape, const std::vector<float>& values);

}  // namespace fovea::testing
