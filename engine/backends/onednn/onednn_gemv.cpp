// Gemm with few rows and constant weights (a classifier head at a small batch), streamed from
// memory. Such a product reads each weight once per run and is bound by how fast memory
// streams. oneDNN 2.6's matmul read AlexNet's and VGG's FC weights at 20–23 GB/s on the
// development machine, and at about 16 GB/s from the graph's own [N, K] buffer. Two plain
// AVX-512 loops read faster (docs/benchmarks.md, "Small-batch fully connected layers"):
// - under transB (1 to 8 rows), B's columns are the rows of the buffer the graph holds: dot
//   products of x with four of those rows at a time, each thread walking its own run of rows.
//   The buffer is read in place, so plans for several batch sizes share it. x's rows are first
//   interleaved 16 floats at a time, so the loop reads x as one stream: read as M rows K apart,
//   they and B's rows (also K apart) fall into the same cache sets, and from 5 rows on the loop
//   was slower than the matmul primitive on its blocked copy;
// - otherwise (1 to 4 rows) B is packed once as panels of 64 columns, each panel's K×64 weights
//   contiguous, each thread walking its own run of panels. Packing copies the weights, so it is
//   done only where the plan releases the graph's copy.
// Elsewhere the matmul primitive serves.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "engine/backends/onednn/onednn_common.h"

namespace fovea::onednn {
namespace {

constexpr int64_t kPanel = 64;  // columns per panel: four AVX-512 vectors
constexpr int64_t kVectors = kPanel / 16;

// GemvKernel::PanelProduct for M rows: out[r][0..64) = bias[0..64) + Σ_i x[r][i] · w[i][0..64).
template <int M>
__attribute__((target("avx512f"))) void panel_product(const float* x, int64_t k, const float* w,
                                                      const float* bias, float* out,
                                                      int64_t out_stride) {
  __m512 acc[M][kVectors];
  for (int r = 0; r < M; ++r) {
    for (int v = 0; v < kVectors; ++v) acc[r][v] = _mm512_loadu_ps(bias + 16 * v);
  }
  for (int64_t i = 0; i < k; ++i, w += kPanel) {
    const __m512 w0 = _mm512_load_ps(w);
    const __m512 w1 = _mm512_load_ps(w + 16);
    const __m512 w2 = _mm512_load_ps(w + 32);
    const __m512 w3 = _mm512_load_ps(w + 48);
    for (int r = 0; r < M; ++r) {
      const __m512 xr = _mm512_set1_ps(x[r * k + i]);
      acc[r][0] = _mm512_fmadd_ps(xr, w0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(xr, w1, acc[r][1]);
      acc[r][2] = _mm512_fmadd_ps(xr, w2, acc[r][2]);
      acc[r][3] = _mm512_fmadd_ps(xr, w3, acc[r][3]);
    }
  }
  for (int r = 0; r < M; ++r) {
    for (int v = 0; v < kVectors; ++v) _mm512_storeu_ps(out + r * out_stride + 16 * v, acc[r][v]);
  }
}

constexpr __mmask16 kAllLanes = 0xFFFF;

// The sum of v's 16 lanes, folded in registers. (The maskz forms with every lane set: the
// plain _mm512_shuffle_f32x4, _mm512_permute_ps and _mm512_reduce_add_ps trip GCC 12's
// -Wuninitialized in its own header.)
__attribute__((target("avx512f"), always_inline)) inline float lane_sum(__m512 v) {
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(kAllLanes, v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(kAllLanes, v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(kAllLanes, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(kAllLanes, v, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm512_cvtss_f32(v);
}

// acc[r][j] += x[r][i..i+16) · w[j][i..i+16), where `x_step` holds x[0..M)[i..i+16) one row
// after another (zero past K) and lanes of w outside `lanes` read as zero. The loop over r is
// unrolled on purpose: GCC 12 did not unroll it here by itself, indexed acc by a variable r,
// and so kept acc in memory and stored it on every step.
template <int M>
__attribute__((target("avx512f"), always_inline)) inline void row_step(const float* x_step,
                                                                       const float* const* w,
                                                                       int64_t i, __mmask16 lanes,
                                                                       __m512 (&acc)[M][4]) {
  const __m512 w0 = _mm512_maskz_loadu_ps(lanes, w[0] + i);
  const __m512 w1 = _mm512_maskz_loadu_ps(lanes, w[1] + i);
  const __m512 w2 = _mm512_maskz_loadu_ps(lanes, w[2] + i);
  const __m512 w3 = _mm512_maskz_loadu_ps(lanes, w[3] + i);
#pragma GCC unroll 8
  for (int r = 0; r < M; ++r) {
    const __m512 xr = _mm512_load_ps(x_step + 16 * r);
    acc[r][0] = _mm512_fmadd_ps(xr, w0, acc[r][0]);
    acc[r][1] = _mm512_fmadd_ps(xr, w1, acc[r][1]);
    acc[r][2] = _mm512_fmadd_ps(xr, w2, acc[r][2]);
    acc[r][3] = _mm512_fmadd_ps(xr, w3, acc[r][3]);
  }
}

// GemvKernel::RowProduct for M rows: dot products of x's rows (interleaved, see
// interleave_rows) with up to four rows of B.
template <int M>
__attribute__((target("avx512f"))) void row_product(const float* x, int64_t k,
                                                    const float* const* b_rows, int64_t width,
                                                    const float* bias, float* out,
                                                    int64_t out_stride) {
  // Past `width`, the last row is read again and its sums dropped: no read outside B.
  const float* w[4];
  for (int64_t j = 0; j < 4; ++j) w[j] = b_rows[std::min(j, width - 1)];
  __m512 acc[M][4];
  for (int r = 0; r < M; ++r) {
    for (int j = 0; j < 4; ++j) acc[r][j] = _mm512_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 16 <= k; i += 16, x += 16 * M) row_step<M>(x, w, i, kAllLanes, acc);
  if (i < k) row_step<M>(x, w, i, static_cast<__mmask16>((1U << (k - i)) - 1), acc);
  // acc is summed through constant indices, and only then are `width` sums stored: indexed by
  // the run-time `width`, acc had to live in memory, and GCC 12 stored all of it on every step
  // of the loop above (8 rows of 9216×4096: 9.1 ms against 5.8).
  float sums[M][4];
#pragma GCC unroll 8
  for (int r = 0; r < M; ++r) {
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) sums[r][j] = lane_sum(acc[r][j]);
  }
  for (int r = 0; r < M; ++r) {
    for (int64_t j = 0; j < width; ++j) out[r * out_stride + j] = bias[j] + sums[r][j];
  }
}

// x ([rows, k]) as steps of 16 columns, each step x[0..rows)[16s..16s+16) one row after another,
// the last step zero-padded: what row_product reads.
void interleave_rows(const float* x, int64_t rows, int64_t k, float* out) {
  for (int64_t i = 0; i < k; i += 16) {
    const auto width = static_cast<size_t>(std::min<int64_t>(16, k - i));
    for (int64_t r = 0; r < rows; ++r, out += 16) {
      std::memcpy(out, x + r * k + i, width * sizeof(float));
      std::fill(out + width, out + 16, 0.0f);
    }
  }
}

int64_t interleaved_floats(int64_t rows, int64_t k) { return (k + 15) / 16 * 16 * rows; }

// The products' instantiations for `rows`, each null where its form does not serve `rows`:
// the panel loop holds 4 × M accumulators and 4 weights in AVX-512's 32 registers, so 4 rows
// at most; the row loop spills some past 6 rows but still streams B fastest up to 8.
struct Products {
  GemvKernel::PanelProduct panel = nullptr;
  GemvKernel::RowProduct row = nullptr;
};

Products products_for(int64_t rows) {
  switch (rows) {
    case 1: return {panel_product<1>, row_product<1>};
    case 2: return {panel_product<2>, row_product<2>};
    case 3: return {panel_product<3>, row_product<3>};
    case 4: return {panel_product<4>, row_product<4>};
    case 5: return {nullptr, row_product<5>};
    case 6: return {nullptr, row_product<6>};
    case 7: return {nullptr, row_product<7>};
    case 8: return {nullptr, row_product<8>};
    default: return {};
  }
}

// The weights' bytes as [panels, K, 64], the last panel zero-padded: column c of B at
// panel c / 64, lane c % 64. B is [K, N].
Result<Tensor> pack_panels(Context& ctx, const Tensor& b, int64_t k, int64_t n, HostBuffer use) {
  const int64_t panels = (n + kPanel - 1) / kPanel;
  const auto bytes = static_cast<size_t>(panels * k * kPanel) * sizeof(float);
  std::shared_ptr<void> packed = allocate_host(bytes, use);
  if (!packed) return internal_error("cannot allocate " + std::to_string(bytes) + " bytes");
  // Strides of element (panel, i, lane) of B, in floats.
  const dims src_strides{kPanel, n, 1};
  const dims dst_strides{k * kPanel, kPanel, 1};
  auto copy = [&](int64_t first_panel, int64_t count, int64_t width) {
    const int64_t column = first_panel * kPanel;
    const float* src = b.data<float>() + column;
    float* dst = static_cast<float*>(packed.get()) + first_panel * k * kPanel;
    const md src_md = strided_md({count, k, width}, src_strides);
    const md dst_md = strided_md({count, k, width}, dst_strides);
    dnnl::memory from(src_md, ctx.engine, const_cast<float*>(src));
    dnnl::memory to(dst_md, ctx.engine, dst);
    dnnl::reorder(from, to).execute(ctx.stream, from, to);
  };
  const int64_t full = n / kPanel;
  if (full > 0) copy(0, full, kPanel);
  if (n % kPanel != 0) copy(full, 1, n % kPanel);
  ctx.stream.wait();
  return Tensor::adopt(DType::kUInt8, {static_cast<int64_t>(bytes)}, std::move(packed),
                       MemoryKind::kHost);
}

// B's own buffer, or a copy of it on huge pages where the plan asks for them and owns the
// weights.
Result<Tensor> row_weights(const KernelRequest& r, const Tensor& b) {
  if (!r.huge_pages || !r.constants_released) return b;
  Tensor copy = copy_to_host_buffer(b, HostBuffer::kStreamedWeights);
  if (copy.empty()) {
    return internal_error("cannot allocate " + std::to_string(b.byte_size()) + " bytes");
  }
  return copy;
}

}  // namespace

bool gemv_kernel_available() {
  static const bool has = __builtin_cpu_supports("avx512f") != 0;
  return has;
}

GemvKernel::GemvKernel(ContextPtr ctx, int64_t rows, int64_t k, int64_t n, Weights form,
                       Tensor weights, std::vector<float> bias,
                       std::vector<dnnl::eltwise_forward> activation,
                       std::shared_ptr<void> interleaved_x, std::string name)
    : ctx_(std::move(ctx)),
      rows_(rows),
      k_(k),
      n_(n),
      form_(form),
      panel_product_(form == Weights::kPanels ? products_for(rows).panel : nullptr),
      row_product_(form == Weights::kRows ? products_for(rows).row : nullptr),
      weights_(std::move(weights)),
      bias_(std::move(bias)),
      activation_(std::move(activation)),
      interleaved_x_(std::move(interleaved_x)),
      name_(std::move(name)) {}

void GemvKernel::run_panels(const float* x, float* y) const {
  const auto* weights = static_cast<const float*>(weights_.raw_data());
  const int64_t panels = (n_ + kPanel - 1) / kPanel;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < panels; ++p) {
    const float* w = weights + p * k_ * kPanel;
    const float* bias = bias_.data() + p * kPanel;
    const int64_t width = std::min(kPanel, n_ - p * kPanel);
    if (width == kPanel) {
      panel_product_(x, k_, w, bias, y + p * kPanel, n_);
      continue;
    }
    alignas(64) float tail[4 * kPanel];  // the last, partial panel: only `width` columns are y's
    panel_product_(x, k_, w, bias, tail, kPanel);
    for (int64_t r = 0; r < rows_; ++r) {
      std::memcpy(y + r * n_ + p * kPanel, tail + r * kPanel, static_cast<size_t>(width) * 4);
    }
  }
}

void GemvKernel::run_rows(const float* x, float* y) const {
  auto* interleaved = static_cast<float*>(interleaved_x_.get());
  interleave_rows(x, rows_, k_, interleaved);
  constexpr int64_t kGroup = 4;  // rows of B per dot-product step
  const auto* weights = static_cast<const float*>(weights_.raw_data());
  const int64_t groups = (n_ + kGroup - 1) / kGroup;
#pragma omp parallel for schedule(static)
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t first = g * kGroup;
    const int64_t width = std::min(kGroup, n_ - first);
    const float* b_rows[kGroup];
    for (int64_t j = 0; j < width; ++j) b_rows[j] = weights + (first + j) * k_;
    row_product_(interleaved, k_, b_rows, width, bias_.data() + first, y + first, n_);
  }
}

Status GemvKernel::run(std::span<const Tensor> inputs, std::span<Tensor> outputs) {
  if (inputs.empty() || outputs.empty()) return internal_error(name_ + ": missing tensor");
  apply_threads(*ctx_);
  const float* x = inputs[0].data<float>();
  float* y = outputs[0].data<float>();
  if (form_ == Weights::kRows) {
    run_rows(x, y);
  } else {
    run_panels(x, y);
  }
  try {
    if (!activation_.empty()) {
      dnnl::memory out(plain_md({rows_, n_}), ctx_->engine, y);
      for (const dnnl::eltwise_forward& step : activation_) {
        step.execute(ctx_->stream, {{DNNL_ARG_SRC, out}, {DNNL_ARG_DST, out}});
      }
      ctx_->stream.wait();
    }
  } catch (const dnnl::error& e) {
    return internal_error(name_ + ": oneDNN execution failed: " + e.what());
  }
  return Status::ok();
}

Result<KernelPtr> gemv_prepare(const ContextPtr& ctx, const KernelRequest& r) {
  const Attributes& a = r.node->attrs;
  const Shape& sa = r.inputs[0].shape;
  const Shape& sb = r.inputs[1].shape;
  const bool trans_b = a.get_int("transB", 0) != 0;
  const Tensor* b = constant_input(r, 1);
  if (!gemv_kernel_available() || b == nullptr || a.get_int("transA", 0) != 0 ||
      a.get_float("alpha", 1.0f) != 1.0f || r.input_layout(0) != nullptr) {
    return KernelPtr();
  }
  const Products products = products_for(sa[0]);
  if (trans_b ? products.row == nullptr : products.panel == nullptr) return KernelPtr();
  // Where the graph keeps its constants (a free batch: several plans), packed panels would be
  // a second copy per plan; the matmul primitive reads the graph's own buffer instead.
  if (!trans_b && !r.constants_released) return KernelPtr();
  const int64_t rows = sa[0];
  const int64_t k = sa[1];
  const int64_t n = trans_b ? sb[0] : sb[1];
  const int64_t panels = (n + kPanel - 1) / kPanel;

  // beta * C, where C varies along N at most (one bias for every row).
  std::vector<float> bias(static_cast<size_t>(panels * kPanel), 0.0f);
  const float beta = a.get_float("beta", 1.0f);
  if (has_input(r, 2) && beta != 0.0f) {
    const Tensor* c = constant_input(r, 2);
    if (c == nullptr) return KernelPtr();
    const GemmBias scaled = scaled_gemm_bias(*c, rows, n, beta);
    if (scaled.rows != 1) return KernelPtr();
    std::copy(scaled.values.begin(), scaled.values.end(), bias.begin());
  }

  // The fused activation, as the eltwise primitives its post-ops describe, run on y in place.
  dnnl::post_ops ops;
  if (!append_fused_activation(*r.node, ops)) return KernelPtr();
  std::vector<dnnl::eltwise_forward> activation;
  for (int i = 0; i < ops.len(); ++i) {
    if (ops.kind(i) != dnnl::primitive::kind::eltwise) return KernelPtr();
    float scale = 1.0f;
    float alpha = 0.0f;
    float beta_param = 0.0f;
    dnnl::algorithm algorithm{};
    ops.get_params_eltwise(i, scale, algorithm, alpha, beta_param);
    if (scale != 1.0f) return KernelPtr();
    const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm,
                                           plain_md({rows, n}), alpha, beta_param);
    activation.emplace_back(dnnl::eltwise_forward::primitive_desc(desc, ctx->engine));
  }

  const GemvKernel::Weights form =
      trans_b ? GemvKernel::Weights::kRows : GemvKernel::Weights::kPanels;
  auto weights = trans_b
                     ? row_weights(r, *b)
                     : pack_panels(*ctx, *b, k, n,
                                   r.huge_pages ? HostBuffer::kStreamedWeights : HostBuffer::kKept);
  if (!weights.is_ok()) return weights.status().with_context(r.describe());
  // run_rows' copy of x, rewritten by every run.
  std::shared_ptr<void> interleaved_x;
  if (trans_b) {
    const auto bytes = static_cast<size_t>(interleaved_floats(rows, k)) * sizeof(float);
    interleaved_x = allocate_host(bytes, HostBuffer::kKept);
    if (!interleaved_x) {
      return internal_error(r.describe() + ": cannot allocate " + std::to_string(bytes) +
                            " bytes for the interleaved input");
    }
  }
  return KernelPtr(std::make_unique<GemvKernel>(ctx, rows, k, n, form, std::move(weights).value(),
                                                std::move(bias), std::move(activation),
                                                std::move(interleaved_x), r.describe()));
}

}  // namespace fovea::onednn
