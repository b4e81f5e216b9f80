// One output element of MaxPool/AveragePool over a PoolGeometry, the reference's loop
// (engine/ops/pool.cpp) written once for the CUDA kernel and for host tests that check it
// against the reference without a GPU.
#pragma once

#include <cmath>
#include <cstdint>

#include "engine/backends/cuda/cuda_types.h"

namespace fovea::cuda {

// Output element i (row-major over [planes, out...]) of pooling x ([planes, in...]). Visits
// the window in the reference's order, so sums round alike: taps outside the input are
// skipped; an average divides by the taps on the input, or with count_include_pad by those on
// the input or the explicit pads (never ceil_mode's extra ones). Max keeps the reference's
// std::max order, which lets a NaN tap pass unnoticed.
FOVEA_HOST_DEVICE inline float pool_output(const float* x, const PoolGeometry& g, int64_t i) {
  int64_t start[3];
  for (int d = 2; d >= 0; --d) {
    start[d] = (i % g.out[d]) * g.strides[d] - g.pads_begin[d];
    i /= g.out[d];
  }
  const float* plane = x + i * (g.in[0] * g.in[1] * g.in[2]);  // i is now the (n, c) plane
  float max_value = -INFINITY;
  float sum = 0.0f;
  int64_t inside = 0, inside_padded = 0;
  for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
    const int64_t id = start[0] + kd * g.dilations[0];
    for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
      const int64_t ih = start[1] + kh * g.dilations[1];
      for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
        const int64_t iw = start[2] + kw * g.dilations[2];
        const bool on_padded = id >= -g.pads_begin[0] && id < g.in[0] + g.pads_end[0] &&
                               ih >= -g.pads_begin[1] && ih < g.in[1] + g.pads_end[1] &&
                               iw >= -g.pads_begin[2] && iw < g.in[2] + g.pads_end[2];
        if (on_padded) ++inside_padded;
        if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1] || iw < 0 || iw >= g.in[2]) {
          continue;
        }
        const float value = plane[(id * g.in[1] + ih) * g.in[2] + iw];
        max_value = max_value < value ? value : max_value;
        sum += value;
        ++inside;
      }
    }
  }
  if (g.max) return max_value;
  const int64_t divisor = g.count_include_pad ? inside_padded : inside;
  return divisor > 0 ? sum / static_cast<float>(divisor) : 0.0f;
}

}  // namespace fovea::cuda
