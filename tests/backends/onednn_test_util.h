// Helpers for the oneDNN backend tests: run a tiny graph on oneDNN (with reference fallback)
// and on the reference alone, compare, and check which backend each node actually ran on.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/graph.h"
#include "engine/core/tensor.h"
#include "tests/common/graph_builder.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {

inline constexpr double kRtol = 1e-4;
inline constexpr double kAtol = 1e-5;

// The backend each plan step ran on, in plan order, for the graph's declared input shapes.
std::vector<std::string> onednn_plan_backends(const Graph& graph);

// Runs `graph` on "onednn" and on "reference", expects every output to match, and expects
// every step to have run on `expected_backend` ("onednn", or "reference" for declined nodes).
void expect_onednn_matches_reference(const Graph& graph, const std::vector<Tensor>& inputs,
                                     const std::string& expected_backend, double rtol = kRtol,
                                     double atol = kAtol);

// A graph with one input x and one node `op_type(x, extra...)`; extra are constants.
Graph single_op_graph(const std::string& op_type, const Shape& x_shape, Attributes attributes,
                      const std::vector<Tensor>& constants = {});

// The request for single_op_graph's node: input x of `x_shape` in plain layout, then
// `constants` (held by pointer: they must outlive the request), and one output of `output`.
KernelRequest single_op_request(const Graph& graph, const Shape& x_shape,
                                const std::vector<Tensor>& constants, const Shape& output);

// A oneDNN backend and the kernel it prepared for `request`. The kernel is null, and the test
// has failed, where the backend declined or could not prepare.
struct PreparedKernel {
  std::unique_ptr<Backend> backend;
  std::unique_ptr<Kernel> kernel;
};
PreparedKernel prepare_onednn_kernel(const KernelRequest& request);

// Runs a prepared oneDNN kernel on plain tensors: input 0 is converted to the layout its
// request gave (`request.input_layouts[0]`, null meaning plain), the other inputs are passed as
// given, and output 0 (of `y_shape`) comes back plain whatever layout the kernel wrote.
Result<Tensor> run_kernel_plain(Kernel& kernel, const KernelRequest& request,
                                std::vector<Tensor> inputs, const Shape& y_shape);

// Vector to string for parameter names ("1x3x5x5").
std::string dims_name(const std::vector<int64_t>& dims);

}  // namespace fovea::testing
