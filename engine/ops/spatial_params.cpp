// Output-size and padding rules of the ONNX Conv, ConvTranspose and pooling specs
// (onnx/defs/nn/defs.cc and the ONNX reference implementation, which the conformance data
// follows where the two differ: ceil-mode's last-window rule, ConvTranspose's negative total
// padding).
#include "engine/ops/spatial_params.h"

#include <algorithm>
#include <cstddef>
#include <string>

namespace fovea {
namespace {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

Result<AutoPad> parse_auto_pad(const Node& node) {
  const std::string value = node.attrs.get_string("auto_pad", "NOTSET");
  if (value == "NOTSET" || value.empty()) return AutoPad::kNotSet;
  if (value == "SAME_UPPER") return AutoPad::kSameUpper;
  if (value == "SAME_LOWER") return AutoPad::kSameLower;
  if (value == "VALID") return AutoPad::kValid;
  return invalid_argument("unknown auto_pad '" + value + "'");
}

std::string ints_to_string(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(values[i]);
  }
  text += ']';
  return text;
}

// Reads a per-spatial-dim attribute: absent gives `fallback` repeated; a wrong length or a
// value below `min_value` is an error.
Result<std::vector<int64_t>> read_per_dim(const Node& node, const char* name, size_t spatial,
                                          int64_t fallback, int64_t min_value) {
  if (!node.attrs.has(name)) return std::vector<int64_t>(spatial, fallback);
  std::vector<int64_t> values = node.attrs.get_ints(name);
  if (values.size() != spatial) {
    return invalid_argument(std::string(name) + " " + ints_to_string(values) + " has " +
                            std::to_string(values.size()) + " values, expected " +
                            std::to_string(spatial));
  }
  for (int64_t v : values) {
    if (v < min_value) {
      return invalid_argument(std::string(name) + " " + ints_to_string(values) +
                              " has a value below " + std::to_string(min_value));
    }
  }
  return values;
}

// Reads strides, dilations, kernel_shape (falling back to `kernel_from_weight`) and explicit
// pads; auto_pad is applied by the caller.
Status read_common(const Node& node, size_t spatial, const std::vector<int64_t>& kernel_from_weight,
                   bool use_dilations, SpatialParams& params) {
  FOVEA_ASSIGN_OR_RETURN(params.strides, read_per_dim(node, "strides", spatial, 1, 1));
  if (use_dilations) {
    FOVEA_ASSIGN_OR_RETURN(params.dilations, read_per_dim(node, "dilations", spatial, 1, 1));
  } else {
    params.dilations.assign(spatial, 1);
  }
  if (node.attrs.has("kernel_shape")) {
    FOVEA_ASSIGN_OR_RETURN(params.kernel, read_per_dim(node, "kernel_shape", spatial, 1, 1));
    if (!kernel_from_weight.empty() && params.kernel != kernel_from_weight) {
      return invalid_argument("kernel_shape " + ints_to_string(params.kernel) +
                              " does not match weight spatial dims " +
                              ints_to_string(kernel_from_weight));
    }
  } else if (!kernel_from_weight.empty()) {
    params.kernel = kernel_from_weight;
  } else {
    return invalid_argument("attribute kernel_shape is required");
  }
  FOVEA_ASSIGN_OR_RETURN(std::vector<int64_t> pads, read_per_dim(node, "pads", 2 * spatial, 0, 0));
  params.pads_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(spatial));
  params.pads_end.assign(pads.begin() + static_cast<std::ptrdiff_t>(spatial), pads.end());
  params.output_padding.assign(spatial, 0);
  return Status::ok();
}

int64_t effective_kernel(const SpatialParams& params, size_t i) {
  return (params.kernel[i] - 1) * params.dilations[i] + 1;
}

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Conv and pooling share the forward geometry: SAME pads make output = ceil(in / stride).
Status resolve_forward(const Shape& x, AutoPad auto_pad, bool ceil_mode, SpatialParams& params) {
  const size_t spatial = params.kernel.size();
  params.output_spatial.assign(spatial, kDynamicDim);
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t in = x[i + 2];
    const int64_t kernel = effective_kernel(params, i);
    const int64_t stride = params.strides[i];
    if (auto_pad != AutoPad::kNotSet) {
      params.pads_begin[i] = params.pads_end[i] = 0;
    }
    if (in == kDynamicDim) continue;
    if (auto_pad == AutoPad::kSameUpper || auto_pad == AutoPad::kSameLower) {
      const int64_t out = ceil_div(in, stride);
      const int64_t total = std::max<int64_t>(0, (out - 1) * stride + kernel - in);
      const int64_t small_half = total / 2;
      params.pads_begin[i] = auto_pad == AutoPad::kSameUpper ? small_half : total - small_half;
      params.pads_end[i] = total - params.pads_begin[i];
    }
    const int64_t span = in + params.pads_begin[i] + params.pads_end[i] - kernel;
    if (span < 0) {
      return invalid_argument("kernel extent " + std::to_string(kernel) + " exceeds padded input " +
                              std::to_string(in + params.pads_begin[i] + params.pads_end[i]) +
                              " in spatial dim " + std::to_string(i));
    }
    int64_t out = (ceil_mode ? ceil_div(span, stride) : span / stride) + 1;
    // The last window must start inside the input or the left padding, not in the extra
    // right padding ceil mode adds.
    if (ceil_mode && (out - 1) * stride >= in + params.pads_begin[i]) --out;
    params.output_spatial[i] = out;
  }
  return Status::ok();
}

Status check_rank(const Shape& x, const char* what) {
  if (x.size() < 3) {
    return invalid_argument(std::string(what) + " needs an input of rank >= 3 [N,C,D1,...], got " +
                            shape_to_string(x));
  }
  return Status::ok();
}

}  // namespace

Result<SpatialParams> resolve_conv(const Node& node, const Shape& x, const Shape& w) {
  FOVEA_RETURN_IF_ERROR(check_rank(x, "convolution"));
  if (w.size() != x.size()) {
    return invalid_argument("weight shape " + shape_to_string(w) + " has rank " +
                            std::to_string(w.size()) + ", expected " + std::to_string(x.size()) +
                            " to match input " + shape_to_string(x));
  }
  if (!is_static(w)) return invalid_argument("weight shape " + shape_to_string(w) + " is dynamic");
  SpatialParams params;
  params.group = node.attrs.get_int("group", 1);
  if (params.group < 1) return invalid_argument("group " + std::to_string(params.group) + " < 1");
  if (x[1] != kDynamicDim && w[1] * params.group != x[1]) {
    return invalid_argument(
        "weight shape " + ints_to_string(w) + " does not match input channels " +
        std::to_string(x[1]) +
        (params.group > 1 ? " with group " + std::to_string(params.group) : ""));
  }
  if (w[0] % params.group != 0) {
    return invalid_argument("weight shape " + ints_to_string(w) + ": output channels " +
                            std::to_string(w[0]) + " are not divisible by group " +
                            std::to_string(params.group));
  }
  const size_t spatial = x.size() - 2;
  FOVEA_ASSIGN_OR_RETURN(AutoPad auto_pad, parse_auto_pad(node));
  FOVEA_RETURN_IF_ERROR(read_common(node, spatial, std::vector<int64_t>(w.begin() + 2, w.end()),
                                    /*use_dilations=*/true, params));
  FOVEA_RETURN_IF_ERROR(resolve_forward(x, auto_pad, /*ceil_mode=*/false, params));
  return params;
}

Result<SpatialParams> resolve_conv_transpose(const Node& node, const Shape& x, const Shape& w) {
  FOVEA_RETURN_IF_ERROR(check_rank(x, "transposed convolution"));
  if (w.size() != x.size()) {
    return invalid_argument("weight shape " + shape_to_string(w) + " has rank " +
                            std::to_string(w.size()) + ", expected " + std::to_string(x.size()) +
                            " to match input " + shape_to_string(x));
  }
  if (!is_static(w)) return invalid_argument("weight shape " + shape_to_string(w) + " is dynamic");
  SpatialParams params;
  params.group = node.attrs.get_int("group", 1);
  if (params.group < 1) return invalid_argument("group " + std::to_string(params.group) + " < 1");
  if (x[1] != kDynamicDim && w[0] != x[1]) {
    return invalid_argument("weight shape " + ints_to_string(w) +
                            " does not match input channels " + std::to_string(x[1]));
  }
  if (w[0] % params.group != 0) {
    return invalid_argument("weight shape " + ints_to_string(w) + ": input channels " +
                            std::to_string(w[0]) + " are not divisible by group " +
                            std::to_string(params.group));
  }
  const size_t spatial = x.size() - 2;
  FOVEA_ASSIGN_OR_RETURN(AutoPad auto_pad, parse_auto_pad(node));
  FOVEA_RETURN_IF_ERROR(read_common(node, spatial, std::vector<int64_t>(w.begin() + 2, w.end()),
                                    /*use_dilations=*/true, params));
  FOVEA_ASSIGN_OR_RETURN(params.output_padding,
                         read_per_dim(node, "output_padding", spatial, 0, 0));
  std::vector<int64_t> output_shape;
  if (node.attrs.has("output_shape")) {
    output_shape = node.attrs.get_ints("output_shape");
    // Some exporters include N and C; only the trailing spatial dims matter.
    if (output_shape.size() == spatial + 2)
      output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
    if (output_shape.size() != spatial) {
      return invalid_argument("output_shape " +
                              ints_to_string(node.attrs.get_ints("output_shape")) +
                              " does not have " + std::to_string(spatial) + " spatial dims");
    }
  }
  const bool same = auto_pad == AutoPad::kSameUpper || auto_pad == AutoPad::kSameLower;
  params.output_spatial.assign(spatial, kDynamicDim);
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t in = x[i + 2];
    if (auto_pad != AutoPad::kNotSet) params.pads_begin[i] = params.pads_end[i] = 0;
    if (in == kDynamicDim) {
      if (!output_shape.empty()) params.output_spatial[i] = output_shape[i];
      continue;
    }
    const int64_t full =
        params.strides[i] * (in - 1) + params.output_padding[i] + effective_kernel(params, i);
    if (output_shape.empty() && !same) {
      params.output_spatial[i] = full - params.pads_begin[i] - params.pads_end[i];
    } else {
      // The spec's rule: the requested size fixes the total padding, split like SAME_UPPER
      // (smaller half first) or else larger half first; floor division as in the reference
      // implementation, so a negative total adds zeros at the end.
      const int64_t out = output_shape.empty() ? in * params.strides[i] : output_shape[i];
      const int64_t total = full - out;
      const int64_t half = floor_div(total, 2);
      params.pads_begin[i] = auto_pad == AutoPad::kSameUpper ? half : total - half;
      params.pads_end[i] = total - params.pads_begin[i];
      params.output_spatial[i] = out;
    }
    if (params.output_spatial[i] < 1) {
      return invalid_argument("output spatial size " + std::to_string(params.output_spatial[i]) +
                              " in dim " + std::to_string(i) + " is not positive");
    }
  }
  return params;
}

Result<SpatialParams> resolve_pool(const Node& node, const Shape& x) {
  FOVEA_RETURN_IF_ERROR(check_rank(x, "pooling"));
  SpatialParams params;
  const size_t spatial = x.size() - 2;
  FOVEA_ASSIGN_OR_RETURN(AutoPad auto_pad, parse_auto_pad(node));
  FOVEA_RETURN_IF_ERROR(read_common(node, spatial, {}, /*use_dilations=*/true, params));
  const bool ceil_mode = node.attrs.get_int("ceil_mode", 0) != 0;
  FOVEA_RETURN_IF_ERROR(resolve_forward(x, auto_pad, ceil_mode, params));
  return params;
}

std::pair<int64_t, int64_t> Spatial3d::outputs_reading_input(size_t axis, int64_t tap) const {
  const int64_t shift = pads_begin[axis] - tap * dilations[axis];  // input index = o·s − shift
  const int64_t first = std::max<int64_t>(0, ceil_div(shift, strides[axis]));
  const int64_t last = std::min<int64_t>(out[axis], ceil_div(in[axis] + shift, strides[axis]));
  return {first, last};
}

Spatial3d lift_to_3d(const SpatialParams& params, const Shape& x) {
  Spatial3d g;
  const size_t spatial = params.kernel.size();
  const size_t offset = 3 - spatial;
  for (size_t i = 0; i < spatial; ++i) {
    g.in[offset + i] = x[i + 2];
    g.out[offset + i] = params.output_spatial[i];
    g.kernel[offset + i] = params.kernel[i];
    g.strides[offset + i] = params.strides[i];
    g.dilations[offset + i] = params.dilations[i];
    g.pads_begin[offset + i] = params.pads_begin[i];
    g.pads_end[offset + i] = params.pads_end[i];
  }
  return g;
}

}  // namespace fovea
