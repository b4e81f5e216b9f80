#include "engine/backends/cuda/cuda_params.h"

#include <algorithm>
#include <limits>

#include "engine/ops/axis_params.h"
#include "engine/ops/fused_activation.h"
#include "engine/ops/shape_values.h"

namespace fovea::cuda {
namespace {

constexpr int64_t kIntMax = std::numeric_limits<int>::max();

Status too_large(const Shape& s) {
  return unsupported("shape " + shape_to_string(s) + " exceeds cuDNN's int dimensions");
}

Result<std::vector<int>> to_ints(const Shape& s) {
  std::vector<int> out;
  int64_t total = 1;
  for (int64_t d : s) {
    if (d < 1 || d > kIntMax) return too_large(s);
    total *= d;
    if (total > kIntMax) return too_large(s);  // cuDNN indexes with int
    out.push_back(static_cast<int>(d));
  }
  return out;
}

// 1-D geometry becomes 2-D with a unit first spatial dim.
Shape lift_1d(Shape s) {
  if (s.size() == 3) s.insert(s.begin() + 2, 1);
  return s;
}

// Per spatial dim: symmetric pads (cuDNN has one pad per dim), as ints; 1-D gets a leading 0.
Status symmetric_pads(const SpatialParams& p, std::vector<int>& pads) {
  for (size_t i = 0; i < p.pads_begin.size(); ++i) {
    if (p.pads_begin[i] != p.pads_end[i] || p.pads_begin[i] < 0) {
      return unsupported("asymmetric or negative padding");
    }
    pads.push_back(static_cast<int>(p.pads_begin[i]));
  }
  if (pads.size() == 1) pads.insert(pads.begin(), 0);
  return Status::ok();
}

std::vector<int> lifted(const std::vector<int64_t>& v, int64_t fill) {
  std::vector<int> out;
  if (v.size() == 1) out.push_back(static_cast<int>(fill));
  for (int64_t x : v) out.push_back(static_cast<int>(x));
  return out;
}

// The reference's pad mode as the kernels' plain-struct enum (cuda_types.h includes no engine
// header).
PadMode device_pad_mode(fovea::PadMode mode) {
  switch (mode) {
    case fovea::PadMode::kEdge: return PadMode::kEdge;
    case fovea::PadMode::kReflect: return PadMode::kReflect;
    case fovea::PadMode::kWrap: return PadMode::kWrap;
    case fovea::PadMode::kConstant: break;
  }
  return PadMode::kConstant;
}

}  // namespace

Result<ConvDescriptors> map_conv(const SpatialParams& p, const Shape& x, const Shape& w,
                                 const Shape& y) {
  if (x.size() < 3 || x.size() > 5 || w.size() != x.size() || y.size() != x.size()) {
    return unsupported("convolution rank " + std::to_string(x.size()) + " (cuDNN: 3 to 5)");
  }
  ConvDescriptors d;
  FOVEA_RETURN_IF_ERROR(symmetric_pads(p, d.pads));
  FOVEA_ASSIGN_OR_RETURN(d.x_dims, to_ints(lift_1d(x)));
  FOVEA_ASSIGN_OR_RETURN(d.w_dims, to_ints(lift_1d(w)));
  FOVEA_ASSIGN_OR_RETURN(d.y_dims, to_ints(lift_1d(y)));
  d.strides = lifted(p.strides, 1);
  d.dilations = lifted(p.dilations, 1);
  d.group = static_cast<int>(p.group);
  // cuDNN's output size; it must agree with the shape the graph carries.
  for (size_t i = 0; i < d.pads.size(); ++i) {
    const int in = d.x_dims[i + 2];
    const int extent = (d.w_dims[i + 2] - 1) * d.dilations[i] + 1;
    const int out = (in + 2 * d.pads[i] - extent) / d.strides[i] + 1;
    if (out != d.y_dims[i + 2]) return unsupported("output size differs from cuDNN's");
  }
  return d;
}

Result<PrePaddedConv> map_conv_prepadded(const SpatialParams& p, const Shape& x, const Shape& w,
                                         const Shape& y) {
  const size_t spatial = p.pads_begin.size();
  if (x.size() < 3 || x.size() > 5 || spatial != x.size() - 2) {
    return unsupported("convolution rank " + std::to_string(x.size()) + " (cuDNN: 3 to 5)");
  }
  PrePaddedConv r;
  Shape padded = x;
  r.pad.rank = static_cast<int32_t>(x.size());
  for (size_t d = 0; d < x.size(); ++d) r.pad.in_dims[d] = x[d];
  for (size_t i = 0; i < spatial; ++i) {
    if (p.pads_begin[i] < 0 || p.pads_end[i] < 0) return unsupported("negative padding");
    padded[i + 2] = x[i + 2] + p.pads_begin[i] + p.pads_end[i];
    r.pad.begin[i + 2] = p.pads_begin[i];
  }
  for (size_t d = 0; d < x.size(); ++d) r.pad.out_dims[d] = padded[d];
  SpatialParams unpadded = p;
  std::fill(unpadded.pads_begin.begin(), unpadded.pads_begin.end(), 0);
  std::fill(unpadded.pads_end.begin(), unpadded.pads_end.end(), 0);
  FOVEA_ASSIGN_OR_RETURN(r.conv, map_conv(unpadded, padded, w, y));
  r.padded_count = element_count(padded).value_or(0);
  return r;
}

Result<PoolDescriptors> map_pool(const SpatialParams& p, const Shape& x, const Shape& y) {
  if (x.size() < 3 || x.size() > 5 || y.size() != x.size()) {
    return unsupported("pooling rank " + std::to_string(x.size()) + " (cuDNN: 3 to 5)");
  }
  for (int64_t d : p.dilations) {
    if (d != 1) return unsupported("dilated pooling");
  }
  PoolDescriptors d;
  FOVEA_RETURN_IF_ERROR(symmetric_pads(p, d.pads));
  FOVEA_ASSIGN_OR_RETURN(d.x_dims, to_ints(lift_1d(x)));
  FOVEA_ASSIGN_OR_RETURN(d.y_dims, to_ints(lift_1d(y)));
  d.window = lifted(p.kernel, 1);
  d.strides = lifted(p.strides, 1);
  for (size_t i = 0; i < d.window.size(); ++i) {
    // A window wholly in the padding: cuDNN gives -FLT_MAX (max) or divides by zero (average
    // excluding padding) where the reference gives -inf and 0.
    if (d.pads[i] >= d.window[i]) return unsupported("pooling padding not below the kernel");
    const int out = (d.x_dims[i + 2] + 2 * d.pads[i] - d.window[i]) / d.strides[i] + 1;
    if (out != d.y_dims[i + 2]) return unsupported("ceil_mode output size differs from cuDNN's");
  }
  return d;
}

Result<PoolGeometry> map_direct_pool(const SpatialParams& p, const Shape& x, const Shape& y,
                                     bool max, bool count_include_pad) {
  const size_t spatial = p.kernel.size();
  if (x.size() < 3 || x.size() > 5 || y.size() != x.size() || spatial != x.size() - 2) {
    return unsupported("pooling rank " + std::to_string(x.size()) + " (1 to 3 spatial dims)");
  }
  const Spatial3d s = lift_to_3d(p, x);
  PoolGeometry g;
  g.planes = x[0] * x[1];
  for (size_t i = 0; i < 3; ++i) {
    g.in[i] = s.in[i];
    g.out[i] = s.out[i];
    g.kernel[i] = s.kernel[i];
    g.strides[i] = s.strides[i];
    g.dilations[i] = s.dilations[i];
    g.pads_begin[i] = s.pads_begin[i];
    g.pads_end[i] = s.pads_end[i];
  }
  for (size_t i = 0; i < spatial; ++i) {
    if (y[i + 2] != g.out[3 - spatial + i]) return unsupported("pooling output size differs");
  }
  g.max = max;
  g.count_include_pad = count_include_pad;
  return g;
}

Result<PoolDescriptors> map_global_pool(const Shape& x) {
  if (x.size() < 3 || x.size() > 5) {
    return unsupported("pooling rank " + std::to_string(x.size()) + " (cuDNN: 3 to 5)");
  }
  PoolDescriptors d;
  FOVEA_ASSIGN_OR_RETURN(d.x_dims, to_ints(lift_1d(x)));
  d.y_dims = d.x_dims;
  for (size_t i = 2; i < d.x_dims.size(); ++i) {
    d.window.push_back(d.x_dims[i]);
    d.pads.push_back(0);
    d.strides.push_back(1);
    d.y_dims[i] = 1;
  }
  return d;
}

Result<SoftmaxView> map_softmax(const Shape& x, int64_t axis, bool coerce_2d) {
  const auto rank = static_cast<int64_t>(x.size());
  if (axis < -rank || axis >= rank || rank == 0) {
    return invalid_argument("softmax axis " + std::to_string(axis) + " out of range for rank " +
                            std::to_string(rank));
  }
  if (axis < 0) axis += rank;
  int64_t outer = 1, dim = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t d = x[static_cast<size_t>(i)];
    if (i < axis) {
      outer *= d;
    } else if (i == axis || coerce_2d) {
      dim *= d;  // coerce_2d: dims [axis..) are one normalised dim
    } else {
      inner *= d;
    }
  }
  if (outer > kIntMax || dim > kIntMax || inner > kIntMax || outer * dim * inner > kIntMax) {
    return too_large(x);
  }
  return SoftmaxView{static_cast<int>(outer), static_cast<int>(dim), static_cast<int>(inner)};
}

Result<Activation> activation_of_node(const Node& node, const Tensor* min, const Tensor* max) {
  const std::string& op = node.op_type;
  const Attributes& a = node.attrs;
  if (op == "Clip") {
    float bound[2] = {-std::numeric_limits<float>::infinity(),
                      std::numeric_limits<float>::infinity()};
    const Tensor* given[2] = {min, max};
    for (int i = 0; i < 2; ++i) {
      if (given[i] == nullptr) continue;
      if (given[i]->dtype() != DType::kFloat32 || given[i]->element_count() != 1) {
        return unsupported("Clip bounds that are not float32 scalars");
      }
      bound[i] = given[i]->data<float>()[0];
    }
    return activation_by_name(op, bound[0], bound[1]);
  }
  // The ops' defaults (engine/ops/activations.cpp, from onnx/defs/math/defs.cc).
  if (op == "LeakyRelu") return activation_by_name(op, a.get_float("alpha", 0.01f), 0);
  if (op == "Elu") return activation_by_name(op, a.get_float("alpha", 1.0f), 0);
  if (op == "Selu") {
    return activation_by_name(op, a.get_float("alpha", 1.67326319217681884765625f),
                              a.get_float("gamma", 1.05070102214813232421875f));
  }
  if (op == "HardSigmoid") {
    return activation_by_name(op, a.get_float("alpha", 0.2f), a.get_float("beta", 0.5f));
  }
  return activation_by_name(op, 0.0f, 0.0f);
}

Result<Activation> activation_by_name(const std::string& name, float alpha, float beta) {
  if (name.empty()) return Activation{};
  if (name == "Relu") return Activation{Act::kRelu};
  if (name == "LeakyRelu") return Activation{Act::kLeakyRelu, alpha};
  if (name == "Elu") return Activation{Act::kElu, alpha};
  if (name == "Sigmoid") return Activation{Act::kSigmoid};
  if (name == "Tanh") return Activation{Act::kTanh};
  if (name == "HardSigmoid") return Activation{Act::kHardSigmoid, alpha, beta};
  if (name == "HardSwish") return Activation{Act::kHardSwish};
  if (name == "Clip") return Activation{Act::kClip, alpha, beta};
  if (name == "Selu") return Activation{Act::kSelu, alpha, beta};
  return unsupported("activation '" + name + "' has no CUDA kernel");
}

Result<Activation> fused_activation(const Node& node) {
  const std::string name = node.attrs.get_string(kActivationAttr, "");
  if (name == "Selu") return unsupported("Selu is not a fusable activation");  // alpha, gamma
  return activation_by_name(name, node.attrs.get_float(kActivationAlphaAttr, 0.0f),
                            node.attrs.get_float(kActivationBetaAttr, 0.0f));
}

Result<BinaryOp> binary_op(const std::string& op_type) {
  if (op_type == "Add" || op_type == "Sum") return BinaryOp::kAdd;
  if (op_type == "Sub") return BinaryOp::kSub;
  if (op_type == "Mul") return BinaryOp::kMul;
  if (op_type == "Div") return BinaryOp::kDiv;
  if (op_type == "Max") return BinaryOp::kMax;
  if (op_type == "Min") return BinaryOp::kMin;
  if (op_type == "PRelu") return BinaryOp::kPRelu;
  return unsupported("binary op " + op_type);
}

Result<PadIndex> map_pad(const Shape& x, const Shape& y, const std::string& mode,
                         const Tensor& pads, const Tensor* constant_value, const Tensor* axes) {
  const auto rank = static_cast<int64_t>(x.size());
  if (rank == 0 || rank > kMaxPadRank || y.size() != x.size()) {
    return unsupported("pad rank " + std::to_string(rank) + " (1 to " +
                       std::to_string(kMaxPadRank) + ")");
  }
  const std::optional<fovea::PadMode> parsed = parse_pad_mode(mode);
  if (!parsed) return unsupported("pad mode '" + mode + "'");
  FOVEA_ASSIGN_OR_RETURN(
      PadAmounts amounts,
      resolve_pads(int_values(pads), axes ? std::optional(int_values(*axes)) : std::nullopt, rank));
  PadIndex index;
  index.rank = static_cast<int32_t>(rank);
  index.mode = device_pad_mode(*parsed);
  for (size_t d = 0; d < x.size(); ++d) {
    if (x[d] + amounts.begin[d] + amounts.end[d] != y[d]) {
      return invalid_argument("pads do not give the output shape");
    }
    index.in_dims[d] = x[d];
    index.out_dims[d] = y[d];
    index.begin[d] = amounts.begin[d];
  }
  if (constant_value != nullptr && constant_value->element_count() > 0) {
    if (constant_value->dtype() != DType::kFloat32) return unsupported("a non-float32 fill");
    index.fill = constant_value->data<float>()[0];
  }
  return index;
}

Result<ReduceIndex> map_reduce_mean(const Shape& x, const Node& node, const Tensor* axes) {
  const auto rank = static_cast<int64_t>(x.size());
  if (rank == 0 || rank > kMaxReduceRank) {
    return unsupported("reduction rank " + std::to_string(rank) + " (1 to " +
                       std::to_string(kMaxReduceRank) + ")");
  }
  FOVEA_ASSIGN_OR_RETURN(
      std::vector<bool> reduced,
      reduced_dims(node, axes ? int_values(*axes) : std::vector<int64_t>{}, rank));
  const std::vector<int64_t> strides = row_major_strides(x);
  ReduceIndex r;
  for (size_t d = 0; d < x.size(); ++d) {
    if (reduced[d]) {
      r.reduced_dims[r.reduced_rank] = x[d];
      r.reduced_strides[r.reduced_rank++] = strides[d];
      r.count *= x[d];
    } else {
      r.kept_dims[r.kept_rank] = x[d];
      r.kept_strides[r.kept_rank++] = strides[d];
    }
  }
  if (r.count == 0) return unsupported("a mean over no elements");
  return r;
}

Result<BroadcastIndex> map_transpose(const Shape& x, const Node& node) {
  const size_t rank = x.size();
  if (rank == 0 || rank > static_cast<size_t>(kMaxBroadcastRank)) {
    return unsupported("transpose rank " + std::to_string(rank) + " (1 to " +
                       std::to_string(kMaxBroadcastRank) + ")");
  }
  const std::vector<int64_t> perm = resolve_perm(node, rank);
  if (perm.empty()) return invalid_argument("perm is not a permutation of the input's dims");
  const std::vector<int64_t> x_strides = row_major_strides(x);
  BroadcastIndex index;
  index.rank = static_cast<int32_t>(rank);
  for (size_t d = 0; d < rank; ++d) {
    index.out_dims[d] = x[static_cast<size_t>(perm[d])];
    index.a_strides[d] = x_strides[static_cast<size_t>(perm[d])];
  }
  return index;
}

Result<BroadcastIndex> broadcast_index(const Shape& a, const Shape& b, const Shape& y) {
  if (y.size() > static_cast<size_t>(kMaxBroadcastRank) || a.size() > y.size() ||
      b.size() > y.size()) {
    return unsupported("broadcast rank " + std::to_string(y.size()) + " (at most " +
                       std::to_string(kMaxBroadcastRank) + ")");
  }
  BroadcastIndex index;
  index.rank = static_cast<int32_t>(y.size());
  // Right-aligned strides: a dim of 1 (or a missing leading dim) is broadcast (stride 0).
  auto fill = [&](const Shape& s, int64_t* strides) -> Status {
    int64_t stride = 1;
    for (size_t k = 0; k < y.size(); ++k) {
      const size_t out_dim = y.size() - 1 - k;
      if (k >= s.size()) {
        strides[out_dim] = 0;
        continue;
      }
      const int64_t d = s[s.size() - 1 - k];
      if (d != y[out_dim] && d != 1) {
        return invalid_argument("shape " + shape_to_string(s) + " does not broadcast to " +
                                shape_to_string(y));
      }
      strides[out_dim] = d == 1 ? 0 : stride;
      stride *= d;
    }
    return Status::ok();
  };
  FOVEA_RETURN_IF_ERROR(fill(a, index.a_strides));
  FOVEA_RETURN_IF_ERROR(fill(b, index.b_strides));
  for (size_t i = 0; i < y.size(); ++i) index.out_dims[i] = y[i];
  return index;
}

namespace {

bool fits_int(int64_t v) { return v >= 0 && v <= kIntMax; }

}  // namespace

Result<GemmShape> map_gemm(const Shape& a, const Shape& b, bool trans_a, bool trans_b) {
  if (a.size() != 2 || b.size() != 2) return unsupported("Gemm inputs must be 2-D");
  GemmShape g;
  const int64_t m = trans_a ? a[1] : a[0];
  const int64_t k = trans_a ? a[0] : a[1];
  const int64_t kb = trans_b ? b[1] : b[0];
  const int64_t n = trans_b ? b[0] : b[1];
  if (k != kb) {
    return invalid_argument("Gemm inner dims differ: " + shape_to_string(a) + " and " +
                            shape_to_string(b));
  }
  if (!fits_int(m) || !fits_int(n) || !fits_int(k)) return unsupported("Gemm too large for int");
  g.m = static_cast<int>(m);
  g.n = static_cast<int>(n);
  g.k = static_cast<int>(k);
  g.trans_a = trans_a;
  g.trans_b = trans_b;
  g.lda = static_cast<int>(a[1]);  // row-major: the stored row length
  g.ldb = static_cast<int>(b[1]);
  g.ldy = g.n;
  return g;
}

Result<GemmShape> map_matmul(const Shape& a, const Shape& b) {
  if (a.size() < 2 || b.size() < 2) return unsupported("MatMul with a 1-D input");
  const Shape a_mat(a.end() - 2, a.end());
  const Shape b_mat(b.end() - 2, b.end());
  const Shape a_batch(a.begin(), a.end() - 2);
  const Shape b_batch(b.begin(), b.end() - 2);
  auto count = [](const Shape& s) {
    int64_t c = 1;
    for (int64_t d : s) c *= d;
    return c;
  };
  const int64_t a_count = count(a_batch), b_count = count(b_batch);
  if (b_count == 1 && b.size() == 2) {
    // b shared by every row of a: fold a's batch into M.
    FOVEA_ASSIGN_OR_RETURN(GemmShape g,
                           map_gemm({a_count * a_mat[0], a_mat[1]}, b_mat, false, false));
    return g;
  }
  FOVEA_ASSIGN_OR_RETURN(GemmShape g, map_gemm(a_mat, b_mat, false, false));
  const bool same = a_batch == b_batch;
  const bool a_shared = a_count == 1 && a_batch.size() <= b_batch.size();
  const bool b_shared = b_count == 1 && b_batch.size() <= a_batch.size();
  if (!same && !a_shared && !b_shared) {
    return unsupported("MatMul batch broadcasting " + shape_to_string(a) + " x " +
                       shape_to_string(b));
  }
  const int64_t batch = std::max(a_count, b_count);
  if (!fits_int(batch)) return unsupported("MatMul batch too large");
  g.batch = static_cast<int>(batch);
  g.stride_a = a_count == 1 && batch > 1 ? 0 : int64_t{g.m} * g.k;
  g.stride_b = b_count == 1 && batch > 1 ? 0 : int64_t{g.k} * g.n;
  g.stride_y = int64_t{g.m} * g.n;
  return g;
}

}  // namespace fovea::cuda
