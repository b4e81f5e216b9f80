#include "runtime/internal/input_check.h"

namespace fovea {
namespace {

// "'x' (float32 [N,3,224,224])": an input as the user should provide it.
std::string describe(const Value& value) {
  std::string shape = value.rank_known ? shape_to_string(value.shape) : "any shape";
  return "'" + value.name + "' (" + dtype_name(value.dtype) + " " + shape + ")";
}

std::string list_inputs(const Graph& graph) {
  std::string list;
  for (ValueId id : graph.inputs) list += (list.empty() ? "" : ", ") + describe(graph.value(id));
  return list.empty() ? "none" : list;
}

bool dim_matches(int64_t declared, int64_t given) { return declared < 0 || declared == given; }

// A 4-D image in the other layout: the declared channel count (1, 3 or 4) sits where the
// other layout puts it and the spatial dims agree once moved.
std::string layout_hint(const Shape& declared, const Shape& given) {
  if (declared.size() != 4 || given.size() != 4) return "";
  auto is_channels = [](int64_t c) { return c == 1 || c == 3 || c == 4; };
  const bool nchw_model = is_channels(declared[1]) && !is_channels(declared[3]);
  const bool nhwc_model = is_channels(declared[3]) && !is_channels(declared[1]);
  if (nchw_model && given[3] == declared[1] && dim_matches(declared[2], given[1]) &&
      dim_matches(declared[3], given[2])) {
    return "; this looks like an NHWC image but the model expects NCHW: transpose it to " +
           shape_to_string({given[0], given[3], given[1], given[2]});
  }
  if (nhwc_model && given[1] == declared[3] && dim_matches(declared[1], given[2]) &&
      dim_matches(declared[2], given[3])) {
    return "; this looks like an NCHW image but the model expects NHWC: transpose it to " +
           shape_to_string({given[0], given[2], given[3], given[1]});
  }
  return "";
}

Status check_one(const Value& declared, const Tensor& given) {
  const std::string what = "input '" + declared.name + "'";
  if (declared.dtype != DType::kUndefined && given.dtype() != declared.dtype) {
    return invalid_argument(what + ": expected " + dtype_name(declared.dtype) + ", got " +
                            dtype_name(given.dtype()));
  }
  if (!declared.rank_known) return Status::ok();
  const Shape& expected = declared.shape;
  const Shape& actual = given.shape();
  if (expected.size() != actual.size()) {
    return invalid_argument(what + ": expected rank " + std::to_string(expected.size()) + " " +
                            shape_to_string(expected) + ", got rank " +
                            std::to_string(actual.size()) + " " + shape_to_string(actual));
  }
  for (size_t d = 0; d < expected.size(); ++d) {
    if (!dim_matches(expected[d], actual[d])) {
      return invalid_argument(what + ": expected shape " + shape_to_string(expected) + ", got " +
                              shape_to_string(actual) + " (dimension " + std::to_string(d) +
                              " must be " + std::to_string(expected[d]) + ")" +
                              layout_hint(expected, actual));
    }
  }
  return Status::ok();
}

}  // namespace

Status check_inputs(const Graph& graph, const std::vector<Tensor>& inputs) {
  if (inputs.size() != graph.inputs.size()) {
    return invalid_argument("expected " + std::to_string(graph.inputs.size()) + " input(s) (" +
                            list_inputs(graph) + "), got " + std::to_string(inputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    FOVEA_RETURN_IF_ERROR(check_one(graph.value(graph.inputs[i]), inputs[i]));
  }
  return Status::ok();
}

Result<std::vector<Tensor>> order_named_inputs(const Graph& graph,
                                               const std::map<std::string, Tensor>& inputs) {
  for (const auto& [name, tensor] : inputs) {
    const ValueId id = graph.find_value(name);
    bool is_input = false;
    for (ValueId in : graph.inputs) is_input |= in == id;
    if (!is_input) {
      return invalid_argument("unknown input '" + name + "'; the model's inputs are " +
                              list_inputs(graph));
    }
  }
  std::vector<Tensor> ordered;
  for (ValueId id : graph.inputs) {
    const Value& value = graph.value(id);
    auto it = inputs.find(value.name);
    if (it == inputs.end()) {
      return invalid_argument("missing input " + describe(value) + "; the model's inputs are " +
                              list_inputs(graph));
    }
    ordered.push_back(it->second);
  }
  FOVEA_RETURN_IF_ERROR(check_inputs(graph, ordered));
  return ordered;
}

}  // namespace fovea
