// The per-element math of the elementwise kernels (cuda_kernels.cu): activations, binary ops,
// broadcast indexing, padding and ReduceMean. Written once for the CUDA kernels and for host tests
// that check it against the reference ops without a GPU; it mirrors engine/ops/activations.cpp,
// binary_elementwise.cpp, variadic_elementwise.cpp, prelu.cpp, pad.cpp and reduce_mean.cpp.
#pragma once

#include <cmath>
#include <cstdint>

#include "engine/backends/cuda/cuda_types.h"

namespace fovea::cuda {

FOVEA_HOST_DEVICE inline float clamp_between(float v, float lo, float hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

FOVEA_HOST_DEVICE inline float activate(float x, const Activation& a) {
  switch (a.kind) {
    case Act::kNone: return x;
    case Act::kRelu: return x > 0.0f ? x : 0.0f;
    case Act::kLeakyRelu: return x >= 0.0f ? x : a.alpha * x;
    case Act::kElu: return x >= 0.0f ? x : a.alpha * (expf(x) - 1.0f);
    case Act::kSigmoid:  // two forms so exp() never overflows
      if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
      return expf(x) / (1.0f + expf(x));
    case Act::kTanh: return tanhf(x);
    case Act::kHardSigmoid: return clamp_between(a.alpha * x + a.beta, 0.0f, 1.0f);
    case Act::kHardSwish: return x * clamp_between(x / 6.0f + 0.5f, 0.0f, 1.0f);
    case Act::kClip: {
      const float v = x < a.alpha ? a.alpha : x;  // Clip's order: max first, then min
      return v > a.beta ? a.beta : v;
    }
    case Act::kSelu: return x > 0.0f ? a.beta * x : a.beta * (a.alpha * expf(x) - a.alpha);
  }
  return x;
}

FOVEA_HOST_DEVICE inline float binary(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
    case BinaryOp::kMax:
      if (a != a || b != b) return NAN;  // NaN wins, as numpy.maximum
      return b > a ? b : a;
    case BinaryOp::kMin:
      if (a != a || b != b) return NAN;
      return b < a ? b : a;
    case BinaryOp::kPRelu: return a >= 0.0f ? a : b * a;
  }
  return a;
}

// Offsets of output element i in a and b.
FOVEA_HOST_DEVICE inline void broadcast_offsets(int64_t i, const BroadcastIndex& index, int64_t& a,
                                                int64_t& b) {
  a = 0;
  b = 0;
  for (int d = index.rank - 1; d >= 0; --d) {
    const int64_t coord = i % index.out_dims[d];
    i /= index.out_dims[d];
    a += coord * index.a_strides[d];
    b += coord * index.b_strides[d];
  }
}

// The input coordinate an out-of-range one reads in the edge, reflect and wrap modes.
FOVEA_HOST_DEVICE inline int64_t pad_source_coord(PadMode mode, int64_t coord, int64_t size) {
  switch (mode) {
    case PadMode::kEdge: return coord < 0 ? 0 : (coord >= size ? size - 1 : coord);
    case PadMode::kWrap: return ((coord % size) + size) % size;
    case PadMode::kReflect: {
      if (size == 1) return 0;
      const int64_t period = 2 * (size - 1);  // reflection repeats with this period
      const int64_t c = ((coord % period) + period) % period;
      return c < size ? c : period - c;
    }
    case PadMode::kConstant: break;
  }
  return coord;
}

// The input offset output element i reads, or -1 where it is the fill.
FOVEA_HOST_DEVICE inline int64_t pad_source(int64_t i, const PadIndex& pad) {
  int64_t offset = 0;
  int64_t stride = 1;
  bool inside = true;
  for (int d = pad.rank - 1; d >= 0; --d) {
    int64_t coord = i % pad.out_dims[d] - pad.begin[d];
    i /= pad.out_dims[d];
    const int64_t size = pad.in_dims[d];
    if (pad.mode != PadMode::kConstant && size > 0 && (coord < 0 || coord >= size)) {
      coord = pad_source_coord(pad.mode, coord, size);
    }
    inside = inside && coord >= 0 && coord < size;
    offset += coord * stride;
    stride *= size;
  }
  return inside ? offset : -1;
}

// ReduceMean: where output element i's inputs start.
FOVEA_HOST_DEVICE inline int64_t reduce_mean_base(const ReduceIndex& r, int64_t i) {
  int64_t base = 0;
  for (int d = r.kept_rank - 1; d >= 0; --d) {
    base += (i % r.kept_dims[d]) * r.kept_strides[d];
    i /= r.kept_dims[d];
  }
  return base;
}

// The sum, in double and in input order, of the reduced elements first, first + step, ... of
// the output whose inputs start at `base`: one thread's share of a mean.
FOVEA_HOST_DEVICE inline double reduce_mean_share(const float* x, const ReduceIndex& r,
                                                  int64_t base, int64_t first, int64_t step) {
  double sum = 0.0;
  for (int64_t k = first; k < r.count; k += step) {
    int64_t offset = base;
    int64_t rest = k;
    for (int d = r.reduced_rank - 1; d >= 0; --d) {
      offset += (rest % r.reduced_dims[d]) * r.reduced_strides[d];
      rest /= r.reduced_dims[d];
    }
    sum += x[offset];
  }
  return sum;
}

// Output element i of ReduceMean as one thread computes it: the reference's sum, in double and
// in input order, divided by the count.
FOVEA_HOST_DEVICE inline float reduce_mean_output(const float* x, const ReduceIndex& r, int64_t i) {
  const double sum = reduce_mean_share(x, r, reduce_mean_base(r, i), 0, 1);
  return static_cast<float>(sum / static_cast<double>(r.count));
}

}  // namespace fovea::cuda
