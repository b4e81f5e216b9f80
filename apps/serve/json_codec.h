// The KServe v2 / Open Inference Protocol's JSON tensors (REST form):
//   request:  {"id": "...", "inputs": [{"name": "input", "shape": [1,3,224,224],
//              "datatype": "FP32", "data": [...]}], "outputs": [{"name": "..."}]}
//   response: {"model_name": "m", "model_version": "1", "id": "...",
//              "outputs": [{"name": "...", "shape": [1,1000], "datatype": "FP32", "data": [...]}]}
// `data` is row-major, flat or nested. Binary tensor data (the protocol's extension) is not
// supported. Problems are thrown as HttpError with the status to answer.
#pragma once

#include <fovea/fovea.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace fovea::serve {

// An answer other than 200, with the message for {"error": message}.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// "FP32", "INT64", ... for a dtype, and back (HttpError 400 for an unknown name).
const char* kserve_datatype(DataType dtype);
DataType parse_kserve_datatype(const std::string& name);

struct InferRequest {
  std::string id;
  std::vector<HostTensor> inputs;              // in the model's input order
  std::vector<std::string> requested_outputs;  // empty: all
};

// Parses and checks a request body against `model`: every model input exactly once, the
// declared datatype, rank and fixed dimensions, data of the right length, and at most
// `max_tensor_elements` elements per tensor (413 beyond).
InferRequest parse_infer_request(const std::string& body, const Model& model,
                                 int64_t max_tensor_elements);

nlohmann::json infer_response(const std::string& model_name, const std::string& id,
                              const std::vector<HostTensor>& outputs,
                              const std::vector<std::string>& requested_outputs);

// {"name", "versions", "platform", "inputs": [{name, datatype, shape}], "outputs": [...]}
nlohmann::json model_metadata(const std::string& model_name, const Model& model);

// Checks a tensor against the model's declaration of input `index` (HttpError 400).
void check_input(const HostTensor& tensor, const TensorInfo& info);

}  // namespace fovea::serve
