#include "engine/backends/cuda/cuda_common.h"

#include <algorithm>
#include <cstdlib>

namespace fovea::cuda {

bool verbose() {
  static const bool on = [] {
    const char* v = std::getenv("FOVEA_CUDA_VERBOSE");
    return v != nullptr && *v != '\0';
  }();
  return on;
}

Status CudaKernel::upload_constants(const KernelRequest& request) {
  if (uploaded_) return Status::ok();
  uploaded_ = true;
  constants_.assign(request.inputs.size(), Tensor());
  for (size_t i = 0; i < request.inputs.size(); ++i) {
    const Tensor* value = constant_input(request, i);
    if (value == nullptr || value->dtype() != DType::kFloat32) continue;
    FOVEA_ASSIGN_OR_RETURN(constants_[i], ctx_->upload(*value));
  }
  return Status::ok();
}

Status set_tensor(const TensorDesc& desc, const std::vector<int>& dims) {
  if (!desc.valid()) return internal_error("cuda: cannot create a cuDNN tensor descriptor");
  std::vector<int> strides(dims.size(), 1);
  for (size_t i = dims.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * dims[i];
  return cudnn_check(
      cudnnSetTensorNdDescriptor(desc.get(), CUDNN_DATA_FLOAT, static_cast<int>(dims.size()),
                                 dims.data(), strides.data()),
      "cudnnSetTensorNdDescriptor");
}

std::vector<int> dims4(const Shape& shape) {
  std::vector<int> dims;
  for (int64_t d : shape) dims.push_back(static_cast<int>(d));
  while (dims.size() < 4) dims.push_back(1);
  return dims;
}

bool has_input(const KernelRequest& request, size_t i) {
  return i < request.inputs.size() && request.inputs[i].dtype != DType::kUndefined;
}

const Tensor* constant_input(const KernelRequest& request, size_t i) {
  return has_input(request, i) ? request.inputs[i].value : nullptr;
}

namespace {

constexpr int64_t kMaxElements = int64_t{1} << 31;  // cuDNN and our launches index with int

// A float32 value with a static, non-empty shape cuDNN can index (an omitted one passes).
bool plain_float(const ValueInfo& info) {
  if (info.dtype == DType::kUndefined) return true;  // omitted optional
  if (info.dtype != DType::kFloat32 || !info.rank_known || !is_static(info.shape)) return false;
  const auto count = element_count(info.shape);
  return count.has_value() && *count > 0 && *count < kMaxElements;
}

}  // namespace

bool plain_float_request(const KernelRequest& request, std::initializer_list<const char*> allowed) {
  if (request.node == nullptr || !request.node->domain.empty()) return false;
  if (!std::all_of(request.inputs.begin(), request.inputs.end(), plain_float)) return false;
  if (!std::all_of(request.outputs.begin(), request.outputs.end(), plain_float)) return false;
  return attributes_within(*request.node, allowed);
}

bool float_data_request(const KernelRequest& request, std::initializer_list<const char*> allowed,
                        size_t max_inputs) {
  if (request.node == nullptr || !request.node->domain.empty()) return false;
  if (request.inputs.empty() || request.inputs.size() > max_inputs) return false;
  if (request.outputs.size() != 1 || !plain_float(request.inputs[0])) return false;
  return plain_float(request.outputs[0]) && attributes_within(*request.node, allowed);
}

}  // namespace fovea::cuda
