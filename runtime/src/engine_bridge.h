// Conversions between the public types (fovea/*.h) and the engine's: dtypes, Status → Error,
// views → engine tensors, engine tensors → HostTensor. Internal to libfovea.
#pragma once

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "fovea/error.h"
#include "fovea/tensor.h"

namespace fovea::api {

DType to_engine(DataType dtype);
// Throws Error for an engine dtype the public API has no name for.
DataType from_engine(DType dtype, const std::string& what);

[[noreturn]] void throw_status(const Status& status);
template <typename T>
T value_or_throw(Result<T> result) {
  if (!result.is_ok()) throw_status(result.status());
  return std::move(result).value();
}
inline void throw_if_error(const Status& status) {
  if (!status.is_ok()) throw_status(status);
}

// A non-owning engine tensor over the caller's memory. The engine never writes graph inputs
// (in-place reuse is limited to its own arena), so the const_cast is never written through.
Tensor wrap_view(const TensorView& view, const std::string& name);
// Shares the engine tensor's buffer (no copy).
HostTensor to_host_tensor(const Tensor& tensor, const std::string& name);

}  // namespace fovea::api
