// Shared pieces of the oneDNN backend: the context (engine + stream), plain memory descriptors,
// a generic kernel that runs one prepared primitive, and the per-op-family entry points that
// onednn_backend.cpp lists in its table. Nothing outside engine/backends/onednn includes this.
#pragma once

#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/host_memory.h"

namespace fovea::onednn {

using md = dnnl::memory::desc;

// Prepared constants (reordered weights) held once per backend where their layout and bytes
// are the same (onednn_shared_constants.cpp): plans for several batch sizes share them.
class SharedConstants {
 public:
  // An identical buffer already held (same `bytes`, layout `desc`, `use` and contents), or
  // `buffer` itself, which is then offered to later calls for as long as someone holds it.
  std::shared_ptr<void> deduplicate(std::shared_ptr<void> buffer, size_t bytes, const md& desc,
                                    HostBuffer use);

 private:
  struct Entry {
    uint64_t hash;
    size_t bytes;
    md desc;
    HostBuffer use;
    std::weak_ptr<void> buffer;
  };
  std::mutex mutex_;  // backends may prepare from several threads
  std::vector<Entry> entries_;
};

// Device state owned by the backend; kernels share it so it outlives every kernel.
struct Context {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  int threads = 0;  // BackendOptions::threads; 0 leaves OpenMP's default
  SharedConstants shared_constants;
};

// Applies the backend's thread count to the calling thread (OpenMP's setting is per thread,
// and runs may come from a thread other than the one that built the backend).
void apply_threads(const Context& ctx);
using ContextPtr = std::shared_ptr<Context>;

using dims = dnnl::memory::dims;

dims to_dims(const Shape& shape);
// Row-major float32 descriptor; a rank-0 shape becomes {1}.
md plain_md(const Shape& shape);
// Float32 descriptor with explicit element strides.
md strided_md(const dims& sizes, const dims& strides);
// Row-major strides of `sizes` (in elements).
dims plain_strides(const dims& sizes);

// Format `any`: the primitive picks the layout (blocked formats for convolutions).
md any_md(const Shape& shape);

// A oneDNN memory descriptor as a plan-visible layout (engine/backends/backend.h).
class OneDnnLayout final : public TensorLayout {
 public:
  explicit OneDnnLayout(md desc) : desc_(std::move(desc)) {}
  size_t byte_size() const override { return desc_.get_size(); }
  bool equals(const TensorLayout& other) const override;
  std::string describe() const override;
  const md& desc() const { return desc_; }

 private:
  md desc_;
};
// Null when `desc` is plain row-major for `shape` (so other backends can read it directly).
LayoutPtr layout_of(const md& desc, const Shape& shape);
// How input i arrives: its layout's descriptor, or plain.
md input_md(const KernelRequest& request, size_t i);

// Maps a fused node's `activation` (engine/ops/README.md "Fused forms") to eltwise post-ops;
// false when oneDNN has no exact equivalent. An absent activation appends nothing.
bool append_fused_activation(const Node& node, dnnl::post_ops& ops);

// Arguments prepared once (reordered weights, packed bias): the memories a primitive binds by
// argument id, and the host buffers behind them, which live as long as the kernel.
class ConstantArgs {
 public:
  // `shared`: copies identical to ones another kernel of this backend holds are held once
  // (Context::shared_constants). For a request whose constants the graph keeps for other
  // plans (shares_prepared_constants).
  ConstantArgs() = default;
  explicit ConstantArgs(bool shared) : shared_(shared) {}
  // Copies `data` (laid out as `src_md`) into a new host buffer laid out as `dst_md`, from
  // allocate_host as `use` (engine/core/host_memory.h says when huge pages pay).
  void add_copy(Context& ctx, int arg, const md& src_md, const void* data, const md& dst_md,
                HostBuffer use = HostBuffer::kKept);
  // Binds a graph constant's own buffer, already laid out as `desc`: held, not copied.
  void add_borrowed(const Context& ctx, int arg, const md& desc, const Tensor& constant);
  const std::unordered_map<int, dnnl::memory>& memories() const { return memories_; }

 private:
  bool shared_ = false;
  std::unordered_map<int, dnnl::memory> memories_;
  std::vector<Tensor> buffers_;
};

// Whether the request's constants stay with the graph for other plans (a free batch), whose
// kernels will prepare the same copies: then ConstantArgs share them.
inline bool shares_prepared_constants(const KernelRequest& request) {
  return !request.constants_released;
}

// Runs one prepared primitive: run-time tensors are bound by argument id, prepared constants
// (reordered weights, packed bias) are held here.
class PrimitiveKernel final : public Kernel {
 public:
  struct Binding {
    int arg = 0;          // DNNL_ARG_*
    bool output = false;  // false: node input `index`; true: node output `index`
    size_t index = 0;
    md desc;  // how the tensor's buffer is viewed (for a converted input: what the primitive gets)
    // An input that arrives in another form than the primitive wants: its layout, and the
    // primitive (a reorder, or a subsampling pool) that writes it into the kernel's temporary.
    md arrives_as{};
    std::shared_ptr<dnnl::primitive> convert;
  };

  PrimitiveKernel(ContextPtr ctx, dnnl::primitive primitive, std::vector<Binding> bindings,
                  ConstantArgs constants, std::string name)
      : ctx_(std::move(ctx)),
        primitive_(std::move(primitive)),
        bindings_(std::move(bindings)),
        converted_(bindings_.size()),
        constants_(std::move(constants)),
        name_(std::move(name)) {}

  Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) override;
  LayoutPtr output_layout(size_t i) const override {
    return i < output_layouts_.size() ? output_layouts_[i] : nullptr;
  }
  std::optional<size_t> inplace_input(size_t i) const override {
    return i == 0 ? inplace_input_ : std::nullopt;
  }

  std::optional<std::vector<size_t>> input_offsets_in_output() const override {
    return input_offsets_;
  }
  // Constants copied at prepare (weights, biases) are not bound, so not read at run time.
  bool reads_input(size_t i) const override;
  // The prepared primitive and constants, for tests that check what was chosen.
  const dnnl::primitive& primitive() const { return primitive_; }
  const ConstantArgs& constants() const { return constants_; }

  void set_output_layouts(std::vector<LayoutPtr> layouts) { output_layouts_ = std::move(layouts); }
  // Output 0 is the inputs' bytes end to end, input i at offsets[i] (an in-place Concat).
  void set_input_offsets(std::vector<size_t> offsets) { input_offsets_ = std::move(offsets); }
  // Output 0 may share input `index`'s buffer (elementwise primitives, the sum post-op).
  void set_inplace_input(size_t index) { inplace_input_ = index; }
  // The sum post-op accumulates into dst: before each run, input `index` (laid out as `from`)
  // is copied into output 0 (laid out as `to`) unless the plan gave both the same buffer.
  void set_prefill(size_t index, const md& from, const md& to);

 private:
  ContextPtr ctx_;
  std::vector<LayoutPtr> output_layouts_;
  std::optional<size_t> inplace_input_;
  std::optional<std::vector<size_t>> input_offsets_;
  std::optional<size_t> prefill_input_;
  md prefill_from_, prefill_to_;
  std::shared_ptr<dnnl::reorder> prefill_;
  // A converted input's temporary: its buffer (for the plan's life) and oneDNN's view of it.
  struct Converted {
    std::shared_ptr<void> buffer;
    dnnl::memory memory;
  };
  // The temporary for a converted input, allocated on its first run.
  Result<dnnl::memory> converted_memory(size_t binding);

  dnnl::primitive primitive_;
  std::vector<Binding> bindings_;
  // Indexed like bindings_; kept from run to run (a kernel never runs concurrently with
  // itself), so its pages are faulted in once, not on every run.
  std::vector<Converted> converted_;
  ConstantArgs constants_;
  std::string name_;  // for error messages
};

// Whether this CPU can run GemvKernel, which needs AVX-512.
bool gemv_kernel_available();

// Gemm with few rows (1 to 8 under transB, else 1 to 4) and constant weights, streamed from memory
// (onednn_gemv.cpp): y = x·B + bias, then the fused activation's eltwise primitives in place.
class GemvKernel final : public Kernel {
 public:
  // How the weights are held: B's columns as rows ([n, k], how transB gives them, read in place),
  // or packed as panels of 64 columns ([ceil(n / 64), k, 64], the last zero-padded).
  enum class Weights : uint8_t { kRows, kPanels };

  // `bias` is beta * C per column, zero-padded to a multiple of 64. `interleaved_x`: for kRows,
  // room for x interleaved (onednn_gemv.cpp), rewritten by every run.
  GemvKernel(ContextPtr ctx, int64_t rows, int64_t k, int64_t n, Weights form, Tensor weights,
             std::vector<float> bias, std::vector<dnnl::eltwise_forward> activation,
             std::shared_ptr<void> interleaved_x, std::string name);
  Status run(std::span<const Tensor> inputs, std::span<Tensor> outputs) override;
  // Weights and C are held from prepare.
  bool reads_input(size_t i) const override { return i == 0; }
  Weights form() const { return form_; }
  const void* weights() const { return weights_.raw_data(); }

  // out[r][0..64) = bias[0..64) + x[r] · one panel, for the kernel's rows r; rows of x are k
  // apart, rows of out `out_stride` apart.
  using PanelProduct = void (*)(const float* x, int64_t k, const float* panel, const float* bias,
                                float* out, int64_t out_stride);
  // out[r][j] = bias[j] + x[r] · b_rows[j] for j < width (at most 4); x interleaved 16 columns
  // at a time (onednn_gemv.cpp), rows of out `out_stride` apart.
  using RowProduct = void (*)(const float* x, int64_t k, const float* const* b_rows, int64_t width,
                              const float* bias, float* out, int64_t out_stride);

 private:
  void run_panels(const float* x, float* y) const;
  void run_rows(const float* x, float* y) const;

  ContextPtr ctx_;
  int64_t rows_, k_, n_;
  Weights form_;
  PanelProduct panel_product_ = nullptr;
  RowProduct row_product_ = nullptr;
  Tensor weights_;
  std::vector<float> bias_;
  std::vector<dnnl::eltwise_forward> activation_;
  std::shared_ptr<void> interleaved_x_;  // run_rows' copy of x (null for panels)
  std::string name_;                     // for error messages
};

inline PrimitiveKernel::Binding in_arg(int arg, size_t index, md desc) {
  return {arg, false, index, std::move(desc), md(), nullptr};
}
// An input the primitive wants as `want` that arrives as `have`: reordered per run when they
// differ.
PrimitiveKernel::Binding converted_in_arg(const Context& ctx, int arg, size_t index, const md& want,
                                          const md& have);
// Whether oneDNN gave `pd` its reference implementation (plain loops): callers that have a
// faster alternative take that instead.
bool is_reference_impl(const dnnl::primitive_desc_base& pd);

// An input the primitive wants subsampled by `strides` (every s-th element of each spatial dim)
// into `want`; it arrives as `have`. Null where oneDNN has no fast kernel for that.
std::optional<PrimitiveKernel::Binding> subsampled_in_arg(const Context& ctx, int arg, size_t index,
                                                          const md& want, const md& have,
                                                          const dims& strides);
inline PrimitiveKernel::Binding out_arg(int arg, size_t index, md desc) {
  return {arg, true, index, std::move(desc), md(), nullptr};
}

// Common admission checks: every present input and output is float32 with a static, non-empty
// shape, and the node carries no attribute outside `allowed` (an unknown attribute, e.g. a
// fused activation, may change the semantics, so we decline).
bool plain_float_request(const KernelRequest& request, std::initializer_list<const char*> allowed);
bool has_input(const KernelRequest& request, size_t i);
// The constant value of input i, or null.
const Tensor* constant_input(const KernelRequest& request, size_t i);

using KernelPtr = std::unique_ptr<Kernel>;
using PrepareFn = Result<KernelPtr> (*)(const ContextPtr&, const KernelRequest&);
using SupportsFn = bool (*)(const KernelRequest&);
// Whether input i may arrive in a oneDNN layout (Backend::accepts_layout).
using AcceptsFn = bool (*)(const KernelRequest&, size_t);

// A reorder from `layout` to plain row-major (Backend::prepare_to_plain).
Result<KernelPtr> to_plain_prepare(const ContextPtr& ctx, const ValueInfo& info,
                                   const LayoutPtr& layout);

// Layout admission per family.
bool first_input_accepts_layout(const KernelRequest& request, size_t i);
bool every_input_accepts_layout(const KernelRequest& request, size_t i);
bool conv_accepts_layout(const KernelRequest& request, size_t i);
bool binary_accepts_layout(const KernelRequest& request, size_t i);

// Per-family entry points (onednn_conv.cpp, onednn_pool.cpp, onednn_matmul.cpp,
// onednn_pointwise.cpp, onednn_tensor.cpp).
bool conv_supports(const KernelRequest& request);
Result<KernelPtr> conv_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool conv_transpose_supports(const KernelRequest& request);
Result<KernelPtr> conv_transpose_prepare(const ContextPtr& ctx, const KernelRequest& request);

bool pool_supports(const KernelRequest& request);
Result<KernelPtr> pool_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool global_pool_supports(const KernelRequest& request);
Result<KernelPtr> global_pool_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool lrn_supports(const KernelRequest& request);
Result<KernelPtr> lrn_prepare(const ContextPtr& ctx, const KernelRequest& request);

bool gemm_supports(const KernelRequest& request);
// Gemm's beta * C (constant, broadcasting to [m, n]) as a bias of `rows` × n values: one row
// where C varies along n at most, else m.
struct GemmBias {
  int64_t rows = 0;
  std::vector<float> values;
};
GemmBias scaled_gemm_bias(const Tensor& c, int64_t m, int64_t n, float beta);
// A GemvKernel where one applies (gemm_supports holds, and: at most 4 rows, constant weights,
// alpha 1, a constant C with one row at most, AVX-512); else null. Weights under transB are
// read in place; others are packed as panels, only where the plan releases the graph's copy.
Result<KernelPtr> gemv_prepare(const ContextPtr& ctx, const KernelRequest& request);
Result<KernelPtr> gemm_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool matmul_supports(const KernelRequest& request);
Result<KernelPtr> matmul_prepare(const ContextPtr& ctx, const KernelRequest& request);

bool eltwise_supports(const KernelRequest& request);
Result<KernelPtr> eltwise_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool softmax_supports(const KernelRequest& request);
Result<KernelPtr> softmax_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool batch_norm_supports(const KernelRequest& request);
Result<KernelPtr> batch_norm_prepare(const ContextPtr& ctx, const KernelRequest& request);

bool binary_supports(const KernelRequest& request);
Result<KernelPtr> binary_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool sum_supports(const KernelRequest& request);
Result<KernelPtr> sum_prepare(const ContextPtr& ctx, const KernelRequest& request);
bool concat_supports(const KernelRequest& request);
Result<KernelPtr> concat_prepare(const ContextPtr& ctx, const KernelRequest& request);

}  // namespace fovea::onednn
