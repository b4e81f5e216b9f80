#include "runtime/vision/model_metadata.h"

#include <cstdint>
#include <fstream>
#include <optional>
#include <string_view>

namespace fovea::vision {
namespace {

// ModelProto field numbers (onnx.proto) and wire types.
constexpr uint32_t kDocStringField = 6;
constexpr uint32_t kMetadataPropsField = 14;
constexpr uint32_t kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5;
constexpr uint64_t kMaxTextBytes = 1 << 20;  // a doc string or property longer than this is skipped

std::optional<uint64_t> read_varint(std::istream& in) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    const int byte = in.get();
    if (byte == EOF) return std::nullopt;
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

std::optional<uint64_t> varint_at(std::string_view bytes, size_t& pos) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64 && pos < bytes.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(bytes[pos++]);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

// StringStringEntryProto { string key = 1; string value = 2; }
void parse_entry(std::string_view bytes, ModelMetadata& metadata) {
  std::string key, value;
  size_t pos = 0;
  while (pos < bytes.size()) {
    const auto tag = varint_at(bytes, pos);
    if (!tag || (*tag & 7) != kLengthDelimited) return;
    const auto length = varint_at(bytes, pos);
    if (!length || *length > bytes.size() - pos) return;
    const std::string text(bytes.substr(pos, *length));
    pos += *length;
    if ((*tag >> 3) == 1) key = text;
    if ((*tag >> 3) == 2) value = text;
  }
  if (!key.empty()) metadata.properties[key] = value;
}

}  // namespace

Result<ModelMetadata> read_model_metadata(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kNotFound, path + ": cannot open the model");
  ModelMetadata metadata;
  while (in.peek() != EOF) {
    const auto tag = read_varint(in);
    if (!tag) return invalid_argument(path + ": not an ONNX model (bad protobuf field)");
    const uint32_t field = static_cast<uint32_t>(*tag >> 3);
    switch (*tag & 7) {
      case kVarint:
        if (!read_varint(in)) return invalid_argument(path + ": truncated ONNX model");
        break;
      case kFixed64: in.seekg(8, std::ios::cur); break;
      case kFixed32: in.seekg(4, std::ios::cur); break;
      case kLengthDelimited: {
        const auto length = read_varint(in);
        if (!length) return invalid_argument(path + ": truncated ONNX model");
        const bool wanted = field == kDocStringField || field == kMetadataPropsField;
        if (wanted && *length <= kMaxTextBytes) {
          std::string bytes(*length, '\0');
          in.read(bytes.data(), static_cast<std::streamsize>(*length));
          if (field == kDocStringField) metadata.doc_string = bytes;
          if (field == kMetadataPropsField) parse_entry(bytes, metadata);
        } else {
          in.seekg(static_cast<std::streamoff>(*length), std::ios::cur);
        }
        break;
      }
      default: return invalid_argument(path + ": not an ONNX model (unknown protobuf wire type)");
    }
    if (!in) return invalid_argument(path + ": truncated ONNX model");
  }
  return metadata;
}

}  // namespace fovea::vision
