#include "importers/onnx/tensor_proto.h"

#include <bit>
#include <cstring>

#include "importers/onnx/external_data.h"

namespace fovea {
namespace {

static_assert(std::endian::native == std::endian::little,
              "raw_data is little-endian; a big-endian host would need byte swaps");

using onnx::TensorProto;

Status size_mismatch(const std::string& where, const char* field, size_t have, int64_t need,
                     const Shape& shape, const char* unit) {
  return invalid_argument(where + ": " + field + " holds " + std::to_string(have) + " " + unit +
                          ", but shape " + shape_to_string(shape) + " needs " +
                          std::to_string(need));
}

// Copies a repeated typed field into `dst`, converting each element to T.
template <typename T, typename Field>
Status copy_typed(const Field& field, const char* field_name, const std::string& where,
                  Tensor& dst) {
  if (static_cast<int64_t>(field.size()) != dst.element_count()) {
    return size_mismatch(where, field_name, static_cast<size_t>(field.size()), dst.element_count(),
                         dst.shape(), "elements");
  }
  T* out = dst.data<T>();
  for (int i = 0; i < field.size(); ++i) out[i] = static_cast<T>(field.Get(i));
  return Status::ok();
}

// int32_data carries every type narrower than 32 bits (bool, int8, uint8, float16 bits).
Status copy_int32_field(const TensorProto& proto, const std::string& where, Tensor& dst) {
  const auto& field = proto.int32_data();
  switch (dst.dtype()) {
    case DType::kInt32: return copy_typed<int32_t>(field, "int32_data", where, dst);
    case DType::kBool: {
      FOVEA_RETURN_IF_ERROR(copy_typed<uint8_t>(field, "int32_data", where, dst));
      uint8_t* out = dst.data<uint8_t>();
      for (int64_t i = 0; i < dst.element_count(); ++i) out[i] = out[i] != 0 ? 1 : 0;
      return Status::ok();
    }
    case DType::kUInt8: return copy_typed<uint8_t>(field, "int32_data", where, dst);
    case DType::kInt8: return copy_typed<int8_t>(field, "int32_data", where, dst);
    case DType::kFloat16: return copy_typed<uint16_t>(field, "int32_data", where, dst);
    default: return internal_error(where + ": int32_data used for " + dtype_name(dst.dtype()));
  }
}

// The repeated field holding `dtype`'s values when raw_data is absent, and its length.
const char* typed_field_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "float_data";
    case DType::kInt64: return "int64_data";
    case DType::kFloat64: return "double_data";
    default: return "int32_data";
  }
}
int64_t typed_field_size(const TensorProto& proto, DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return proto.float_data_size();
    case DType::kInt64: return proto.int64_data_size();
    case DType::kFloat64: return proto.double_data_size();
    default: return proto.int32_data_size();
  }
}

Status fill_from_typed_fields(const TensorProto& proto, const std::string& where, Tensor& dst) {
  switch (dst.dtype()) {
    case DType::kFloat32: return copy_typed<float>(proto.float_data(), "float_data", where, dst);
    case DType::kInt64: return copy_typed<int64_t>(proto.int64_data(), "int64_data", where, dst);
    case DType::kFloat64: return copy_typed<double>(proto.double_data(), "double_data", where, dst);
    case DType::kInt32:
    case DType::kBool:
    case DType::kUInt8:
    case DType::kInt8:
    case DType::kFloat16: return copy_int32_field(proto, where, dst);
    default: return internal_error(where + ": no typed field for " + dtype_name(dst.dtype()));
  }
}

}  // namespace

DType dtype_from_onnx(int32_t onnx_type) {
  switch (onnx_type) {
    case TensorProto::FLOAT: return DType::kFloat32;
    case TensorProto::INT64: return DType::kInt64;
    case TensorProto::INT32: return DType::kInt32;
    case TensorProto::BOOL: return DType::kBool;
    case TensorProto::UINT8: return DType::kUInt8;
    case TensorProto::INT8: return DType::kInt8;
    case TensorProto::FLOAT16: return DType::kFloat16;
    case TensorProto::DOUBLE: return DType::kFloat64;
    case TensorProto::UNDEFINED: return DType::kUndefined;
    default: return DType::kOther;
  }
}

int32_t dtype_to_onnx(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return TensorProto::FLOAT;
    case DType::kInt64: return TensorProto::INT64;
    case DType::kInt32: return TensorProto::INT32;
    case DType::kBool: return TensorProto::BOOL;
    case DType::kUInt8: return TensorProto::UINT8;
    case DType::kInt8: return TensorProto::INT8;
    case DType::kFloat16: return TensorProto::FLOAT16;
    case DType::kFloat64: return TensorProto::DOUBLE;
    case DType::kUndefined:
    case DType::kOther: return TensorProto::UNDEFINED;
  }
  return TensorProto::UNDEFINED;
}

std::string onnx_type_name(int32_t onnx_type) {
  // Types newer than the ONNX 1.12 headers (float8 since 1.14, int4 since 1.16, ...).
  static const char* const kNames[] = {
      "undefined",      "float",      "uint8",          "int8",       "uint16",   "int16",
      "int32",          "int64",      "string",         "bool",       "float16",  "double",
      "uint32",         "uint64",     "complex64",      "complex128", "bfloat16", "float8e4m3fn",
      "float8e4m3fnuz", "float8e5m2", "float8e5m2fnuz", "uint4",      "int4",     "float4e2m1"};
  if (onnx_type >= 0 && onnx_type < static_cast<int32_t>(std::size(kNames))) {
    return kNames[onnx_type];
  }
  return "data type " + std::to_string(onnx_type);
}

namespace {

struct CheckedHeader {
  DType dtype = DType::kUndefined;
  Shape shape;
  int64_t count = 0;
  int64_t bytes = 0;
};

// Everything about `proto` that can be checked before allocating its tensor.
Result<CheckedHeader> checked_header(const TensorProto& proto, const std::string& where,
                                     const std::string& what, const TensorSource& from) {
  const DType dtype = dtype_from_onnx(proto.data_type());
  if (dtype == DType::kUndefined) return invalid_argument(where + " has no data type");
  if (dtype == DType::kOther) {
    return unsupported(where + " has data type " + onnx_type_name(proto.data_type()) +
                       ", which Fovea does not support");
  }
  if (proto.has_segment())
    return unsupported(where + " is segmented, which Fovea does not support");

  Shape shape(proto.dims().begin(), proto.dims().end());
  for (int64_t d : shape) {
    if (d < 0) {
      return invalid_argument(where + " has a negative dimension in shape " +
                              shape_to_string(shape));
    }
  }
  const auto count = element_count(shape);
  const auto elem = static_cast<int64_t>(dtype_size(dtype));
  if (!count || *count > from.max_tensor_bytes / elem) {
    return Status(StatusCode::kOutOfRange, where + ": shape " + shape_to_string(shape) + " of " +
                                               dtype_name(dtype) + " exceeds the limit of " +
                                               std::to_string(from.max_tensor_bytes) +
                                               " bytes per tensor");
  }
  const int64_t bytes = *count * elem;
  // Stored data is compared with the shape before allocating: a few bytes of protobuf must not
  // make Fovea allocate gigabytes (found by fuzz_tensor_proto).
  if (proto.data_location() == TensorProto::EXTERNAL) {
    FOVEA_ASSIGN_OR_RETURN(ExternalDataRef ref, parse_external_data(proto, where));
    FOVEA_RETURN_IF_ERROR(read_external_data(ref, from.base_dir, from.source, what, nullptr,
                                             static_cast<size_t>(bytes)));
  } else {
    if (proto.has_raw_data() && static_cast<int64_t>(proto.raw_data().size()) != bytes) {
      return size_mismatch(where, "raw_data", proto.raw_data().size(), bytes, shape, "bytes");
    }
    if (!proto.has_raw_data() && typed_field_size(proto, dtype) != *count) {
      return size_mismatch(where, typed_field_name(dtype),
                           static_cast<size_t>(typed_field_size(proto, dtype)), *count, shape,
                           "elements");
    }
  }

  return CheckedHeader{dtype, std::move(shape), *count, bytes};
}

std::string where_of(const std::string& what, const TensorSource& from) {
  return (from.source.empty() ? "" : from.source + ": ") + what;
}

}  // namespace

Result<Tensor> tensor_from_proto(const TensorProto& proto, const std::string& what,
                                 const TensorSource& from) {
  const std::string where = where_of(what, from);
  FOVEA_ASSIGN_OR_RETURN(CheckedHeader header, checked_header(proto, where, what, from));
  const DType dtype = header.dtype;
  const Shape& shape = header.shape;
  const int64_t bytes = header.bytes;
  FOVEA_ASSIGN_OR_RETURN(Tensor tensor, Tensor::allocate(dtype, shape));
  if (proto.data_location() == TensorProto::EXTERNAL) {
    FOVEA_ASSIGN_OR_RETURN(ExternalDataRef ref, parse_external_data(proto, where));
    FOVEA_RETURN_IF_ERROR(read_external_data(ref, from.base_dir, from.source, what,
                                             tensor.raw_data(), static_cast<size_t>(bytes)));
  } else if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    if (static_cast<int64_t>(raw.size()) != bytes) {
      return size_mismatch(where, "raw_data", raw.size(), bytes, shape, "bytes");
    }
    if (bytes > 0) std::memcpy(tensor.raw_data(), raw.data(), raw.size());
    if (dtype == DType::kBool) {
      uint8_t* out = tensor.data<uint8_t>();
      for (int64_t i = 0; i < header.count; ++i) out[i] = out[i] != 0 ? 1 : 0;
    }
  } else {
    FOVEA_RETURN_IF_ERROR(fill_from_typed_fields(proto, where, tensor));
  }
  return tensor;
}

Result<Tensor> take_tensor_from_proto(TensorProto& proto, const std::string& what,
                                      const TensorSource& from) {
  const std::string where = where_of(what, from);
  FOVEA_ASSIGN_OR_RETURN(CheckedHeader header, checked_header(proto, where, what, from));
  const bool adoptable = proto.data_location() != TensorProto::EXTERNAL && proto.has_raw_data() &&
                         header.dtype != DType::kBool && header.bytes > 0;
  if (!adoptable) return tensor_from_proto(proto, what, from);
  auto raw = std::make_shared<std::string>();
  raw->swap(*proto.mutable_raw_data());
  void* data = raw->data();
  return Tensor::adopt(header.dtype, std::move(header.shape),
                       std::shared_ptr<void>(std::move(raw), data), MemoryKind::kHost);
}

Status tensor_to_proto(const Tensor& tensor, const std::string& name, TensorProto* proto) {
  if (tensor.memory() != MemoryKind::kHost) {
    return invalid_argument("tensor '" + name + "' lives in device memory; copy it to the host");
  }
  const int32_t onnx_type = dtype_to_onnx(tensor.dtype());
  if (onnx_type == TensorProto::UNDEFINED) {
    return unsupported("tensor '" + name + "' has type " + dtype_name(tensor.dtype()) +
                       ", which cannot be written as a TensorProto");
  }
  proto->Clear();
  proto->set_name(name);
  proto->set_data_type(onnx_type);
  for (int64_t d : tensor.shape()) proto->add_dims(d);
  proto->set_raw_data(static_cast<const char*>(tensor.raw_data()), tensor.byte_size());
  return Status::ok();
}

}  // namespace fovea
