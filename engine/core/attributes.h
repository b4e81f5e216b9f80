// Typed node attributes. The importer checks each attribute's type against the op's schema
// (engine/ops/op_schema.h), so op code reads them with the plain accessors below, which
// return the default only when the attribute is absent.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "engine/core/tensor.h"

namespace fovea {

enum class AttrType : uint8_t { kInt, kFloat, kString, kInts, kFloats, kStrings, kTensor };

const char* attr_type_name(AttrType type);

using AttrValue = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                               std::vector<float>, std::vector<std::string>, Tensor>;

AttrType attr_type_of(const AttrValue& value);

class Attributes {
 public:
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  void set(const std::string& name, AttrValue value) { values_[name] = std::move(value); }
  void erase(const std::string& name) { values_.erase(name); }
  const std::map<std::string, AttrValue>& all() const { return values_; }

  // Typed reads. A present attribute of another type is a programming error here, because
  // the importer has already validated types; these then return the fallback.
  int64_t get_int(const std::string& name, int64_t fallback) const;
  float get_float(const std::string& name, float fallback) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& name,
                                const std::vector<int64_t>& fallback = {}) const;
  std::vector<float> get_floats(const std::string& name,
                                const std::vector<float>& fallback = {}) const;
  std::vector<std::string> get_strings(const std::string& name) const;
  const Tensor* get_tensor(const std::string& name) const;

 private:
  template <typename T>
  const T* find(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : std::get_if<T>(&it->second);
  }

  std::map<std::string, AttrValue> values_;
};

}  // namespace fovea
