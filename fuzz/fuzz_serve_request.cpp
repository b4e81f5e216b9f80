// Fuzz target: the body of a KServe v2 inference request (POST /v2/models/<name>/infer) →
// parse_infer_request against a small model's inputs → for a request it accepts, the run and
// the JSON response, as the service does them. Every outcome must be an HttpError or fovea::Error
// (the service's 4xx/5xx answers) or a response; anything else (a crash, another exception, a
// sanitizer report, a leak, a hang) is a finding. The model name in the path is matched by
// cpp-httplib's router and looked up in a map, so there is nothing of ours to fuzz there.
//
// The model has two inputs of different dtypes, each with a free batch dim and fixed dims:
//   x   FP32  [N,3,2,2] → Relu     → y
//   ids INT64 [N,4]     → Identity → ids_out
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "apps/serve/json_codec.h"

namespace {

// Small, so a request near the limit stays fast; the service's default is 16M elements.
constexpr int64_t kMaxTensorElements = 4096;

std::shared_ptr<const fovea::Model> model;

void add_value(onnx::ValueInfoProto* value, const std::string& name, int32_t dtype,
               const std::vector<int64_t>& dims) {
  value->set_name(name);
  auto* tensor_type = value->mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(dtype);
  auto* shape = tensor_type->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

std::string model_bytes() {
  onnx::ModelProto proto;
  proto.set_ir_version(8);
  proto.set_producer_name("fuzz_serve_request");
  proto.add_opset_import()->set_version(13);
  onnx::GraphProto* graph = proto.mutable_graph();
  graph->set_name("serve_request");
  auto add_node = [&](const char* op, const char* in, const char* out) {
    onnx::NodeProto* node = graph->add_node();
    node->set_op_type(op);
    node->set_name(std::string(op) + "_" + out);
    node->add_input(in);
    node->add_output(out);
  };
  add_node("Relu", "x", "y");
  add_node("Identity", "ids", "ids_out");
  add_value(graph->add_input(), "x", onnx::TensorProto::FLOAT, {3, 2, 2});
  add_value(graph->add_input(), "ids", onnx::TensorProto::INT64, {4});
  add_value(graph->add_output(), "y", onnx::TensorProto::FLOAT, {3, 2, 2});
  add_value(graph->add_output(), "ids_out", onnx::TensorProto::INT64, {4});
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) __builtin_trap();
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("TMPDIR");
  const std::string path =
      std::string(dir ? dir : "/tmp") + "/fovea-fuzz-serve-" + std::to_string(::getpid()) + ".onnx";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << model_bytes();
    if (!out) __builtin_trap();
  }
  fovea::ModelOptions options;
  options.backend = "reference";  // instrumented code: oneDNN's own is not
  options.threads = 1;
  options.memory_limit_bytes = 16 << 20;
  try {
    model = fovea::Model::load(path, options);
  } catch (const fovea::Error& e) {
    std::fprintf(stderr, "fuzz_serve_request: cannot load its model: %s\n", e.what());
    std::abort();
  }
  std::remove(path.c_str());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fovea;
  const std::string body(reinterpret_cast<const char*>(data), size);
  serve::InferRequest request;
  try {
    request = serve::parse_infer_request(body, *model, kMaxTensorElements);
  } catch (const serve::HttpError& e) {
    if (e.status() != 400 && e.status() != 413) __builtin_trap();  // the client's fault only
    return 0;
  }
  // What parse_infer_request accepts is what the model takes.
  if (request.inputs.size() != model->inputs().size()) __builtin_trap();
  for (size_t i = 0; i < request.inputs.size(); ++i) {
    const HostTensor& input = request.inputs[i];
    if (input.name() != model->inputs()[i].name || input.element_count() > kMaxTensorElements) {
      __builtin_trap();
    }
    serve::check_input(input, model->inputs()[i]);  // throws (uncaught: a finding) on a mismatch
  }
  std::vector<TensorView> views;
  for (const HostTensor& input : request.inputs) views.push_back(input.view());
  std::vector<HostTensor> outputs;
  try {
    outputs = Session(model).run(views);
  } catch (const Error&) {
    return 0;  // the service answers these by their code
  }
  const std::string response =
      serve::infer_response("m", request.id, outputs, request.requested_outputs).dump();
  if (response.empty()) __builtin_trap();
  return 0;
}
