#include "engine/core/attributes.h"

namespace fovea {

const char* attr_type_name(AttrType type) {
  switch (type) {
    case AttrType::kInt: return "int";
    case AttrType::kFloat: return "float";
    case AttrType::kString: return "string";
    case AttrType::kInts: return "ints";
    case AttrType::kFloats: return "floats";
    case AttrType::kStrings: return "strings";
    case AttrType::kTensor: return "tensor";
  }
  return "unknown";
}

AttrType attr_type_of(const AttrValue& value) {
  return static_cast<AttrType>(value.index());  // the variant's order matches AttrType
}

int64_t Attributes::get_int(const std::string& name, int64_t fallback) const {
  const auto* v = find<int64_t>(name);
  return v ? *v : fallback;
}

float Attributes::get_float(const std::string& name, float fallback) const {
  const auto* v = find<float>(name);
  return v ? *v : fallback;
}

std::string Attributes::get_string(const std::string& name, const std::string& fallback) const {
  const auto* v = find<std::string>(name);
  return v ? *v : fallback;
}

std::vector<int64_t> Attributes::get_ints(const std::string& name,
                                          const std::vector<int64_t>& fallback) const {
  const auto* v = find<std::vector<int64_t>>(name);
  return v ? *v : fallback;
}

std::vector<float> Attributes::get_floats(const std::string& name,
                                          const std::vector<float>& fallback) const {
  const auto* v = find<std::vector<float>>(name);
  return v ? *v : fallback;
}

std::vector<std::string> Attributes::get_strings(const std::string& name) const {
  const auto* v = find<std::vector<std::string>>(name);
  return v ? *v : std::vector<std::string>{};
}

const Tensor* Attributes::get_tensor(const std::string& name) const { return find<Tensor>(name); }

}  // namespace fovea
