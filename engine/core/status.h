// Status and Result<T>: the engine's one error policy inside the library.
// Errors propagate as values; the public runtime surface turns them into fovea::Error.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace fovea {

enum class StatusCode {
  kOk,
  kInvalidArgument,  // malformed model or input
  kUnsupported,      // valid ONNX that Fovea does not implement (op, domain, opset, dtype)
  kNotFound,         // missing file or name
  kOutOfRange,       // sizes over limits, overflow
  kIoError,          // reading or writing a file failed
  kInternal,         // a bug in Fovea or a library it calls
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "prefix: message" (adds context while propagating).
  Status with_context(const std::string& prefix) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string message) {
  return {StatusCode::kInvalidArgument, std::move(message)};
}
inline Status unsupported(std::string message) {
  return {StatusCode::kUnsupported, std::move(message)};
}
inline Status internal_error(std::string message) {
  return {StatusCode::kInternal, std::move(message)};
}

// Result<T> holds either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool is_ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOkStatus;
    return is_ok() ? kOkStatus : std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace fovea

#define FOVEA_CONCAT_INNER(a, b) a##b
#define FOVEA_CONCAT(a, b) FOVEA_CONCAT_INNER(a, b)

#define FOVEA_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::fovea::Status fovea_status_ = (expr);        \
    if (!fovea_status_.is_ok()) return fovea_status_; \
  } while (0)

#define FOVEA_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.is_ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

// FOVEA_ASSIGN_OR_RETURN(auto x, make_x()); returns the error status from the enclosing function.
#define FOVEA_ASSIGN_OR_RETURN(lhs, expr) \
  FOVEA_ASSIGN_OR_RETURN_IMPL(FOVEA_CONCAT(fovea_result_, __LINE__), lhs, expr)
