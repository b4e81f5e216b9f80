// Convolution and pooling geometry: attributes (kernel_shape, strides, dilations, pads,
// auto_pad, ceil_mode, output_padding, output_shape, group) resolved against concrete input
// shapes. Shared by the ops' shape inference and reference kernels and by every backend, so all
// of them agree on the output size and on the padding actually applied.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/core/graph.h"
#include "engine/core/shape.h"
#include "engine/core/status.h"

namespace fovea {

// Convolution/pooling geometry resolved for concrete input shapes: auto_pad applied, every
// per-spatial-dim vector filled (length = number of spatial dims).
struct SpatialParams {
  std::vector<int64_t> kernel;  // kernel_shape (from W for Conv/ConvTranspose if absent)
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads_begin;
  // For pooling with ceil_mode, NOT extended: ceil is in output_spatial. For ConvTranspose
  // with output_shape or SAME auto_pad, pads may be negative (more output than the full
  // transposed convolution gives: the extra positions hold only the bias).
  std::vector<int64_t> pads_end;
  std::vector<int64_t> output_padding;  // ConvTranspose only, else zeros
  std::vector<int64_t> output_spatial;  // output spatial dims
  int64_t group = 1;
};

// The functions below need the spatial dims of x (and all of w) to be known. A dynamic spatial
// dim of x gives a dynamic output dim (and zero auto_pad padding for it, which is then only a
// placeholder: the plan resolves again once shapes are concrete). The batch may be dynamic.
// Errors carry no node prefix (callers add it, e.g. via ctx.error(status.message())).

// Conv: x [N,C,D1..], w [M,C/group,k1..]. Errors name the problem, e.g.
// "weight shape [64,3,7,7] does not match input channels 1".
Result<SpatialParams> resolve_conv(const Node& node, const Shape& x, const Shape& w);
// ConvTranspose: x [N,C,D1..], w [C,M/group,k1..]; output channels M = w[1] * group.
Result<SpatialParams> resolve_conv_transpose(const Node& node, const Shape& x, const Shape& w);
// MaxPool / AveragePool (ceil_mode, dilations, auto_pad; storage_order ignored).
Result<SpatialParams> resolve_pool(const Node& node, const Shape& x);

// The reference kernels loop over exactly three spatial dims: 1-D and 2-D geometry is lifted
// by prepending unit dims (size 1, kernel 1, stride 1, dilation 1, no padding).
struct Spatial3d {
  std::array<int64_t, 3> in{1, 1, 1};
  std::array<int64_t, 3> out{1, 1, 1};
  std::array<int64_t, 3> kernel{1, 1, 1};
  std::array<int64_t, 3> strides{1, 1, 1};
  std::array<int64_t, 3> dilations{1, 1, 1};
  std::array<int64_t, 3> pads_begin{0, 0, 0};
  std::array<int64_t, 3> pads_end{0, 0, 0};
  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_size() const { return kernel[0] * kernel[1] * kernel[2]; }
  // The output positions [first, last) along `axis` whose kernel tap `tap` reads inside the
  // input (not padding): 0 <= o·stride − pad_begin + tap·dilation < in. Empty when first >= last.
  std::pair<int64_t, int64_t> outputs_reading_input(size_t axis, int64_t tap) const;
};
// x is the static input shape [N,C,D1..] (at most 3 spatial dims; callers check).
Spatial3d lift_to_3d(const SpatialParams& params, const Shape& x);

}  // namespace fovea
