// Checking run-time inputs against a model's declared inputs before anything runs, with
// messages that say what to do: the input's name, the expected dtype and shape, and a hint
// when an image tensor arrives in the other layout (NHWC given to an NCHW model, or back).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/core/graph.h"
#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace fovea {

// Inputs in the graph's input order: count, dtype, rank and every static dimension.
Status check_inputs(const Graph& graph, const std::vector<Tensor>& inputs);

// Inputs by name: an unknown or missing name is an error listing the model's inputs. Returns
// the tensors in the graph's input order, each checked as above.
Result<std::vector<Tensor>> order_named_inputs(const Graph& graph,
                                               const std::map<std::string, Tensor>& inputs);

}  // namespace fovea
