// fovea::Error: the one exception type the public API throws.
//
// Every failure at the public surface (a missing or malformed model file, an unsupported
// operator, inputs with the wrong name, dtype or shape, a run over the memory limit) is thrown
// as fovea::Error. what() carries the engine's message, which names the file, the node or input
// and the problem; code() tells the kinds apart for callers that react differently (for
// example, a service answers kInvalidArgument with 400 and kInternal with 500).
#pragma once

#include <stdexcept>
#include <string>

// Symbols of libfovea.so that callers may use (everything else in the library is hidden).
#define FOVEA_API __attribute__((visibility("default")))

namespace fovea {

enum class ErrorCode {
  kInvalidArgument,  // malformed model or inputs (wrong name, dtype, shape)
  kUnsupported,      // valid ONNX that Fovea does not implement
  kNotFound,         // missing file or name
  kOutOfRange,       // over a size or memory limit
  kIoError,          // reading a file failed
  kInternal,         // a bug in Fovea or a library it calls
};

// "invalid argument", "unsupported", ...
FOVEA_API const char* error_code_name(ErrorCode code);

class FOVEA_API Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace fovea
