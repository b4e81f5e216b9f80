#include "engine/core/status.h"

namespace fovea {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kOutOfRange: return "out of range";
    case StatusCode::kIoError: return "i/o error";
    case StatusCode::kInternal: return "internal error";
  }
  return "unknown";
}

Status Status::with_context(const std::string& prefix) const {
  if (is_ok()) return *this;
  return {code_, prefix + ": " + message_};
}

}  // namespace fovea
