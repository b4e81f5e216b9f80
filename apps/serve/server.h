// `fovea serve`: the KServe v2 / Open Inference Protocol over HTTP (REST form), plus image
// classification and Prometheus metrics.
//
//   GET  /v2/health/live, /v2/health/ready      liveness, readiness
//   GET  /v2/models/{name}                       metadata (inputs, outputs)
//   GET  /v2/models/{name}/ready
//   POST /v2/models/{name}/infer                 JSON tensors in, JSON tensors out
//   POST /v2/models/{name}/classify[?top_k=K]    an image (raw body or multipart field) in,
//                                                the top K labels out
//   GET  /metrics                                Prometheus text format
//
// Errors answer {"error": "..."}: 400 for malformed JSON or inputs, 404 for unknown models or
// paths, 413 over the body or tensor limits, 503 while draining, 500 for engine failures.
#pragma once

#include <fovea/fovea.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "apps/serve/batch_queue.h"

namespace fovea::serve {

struct ModelSpec {
  std::string name;
  std::string path;
  std::string labels;  // empty: the bundled ImageNet classes for a 1000-class model, if found
};

struct ServeOptions {
  std::vector<ModelSpec> models;
  std::string host = "127.0.0.1";
  int port = 8000;  // 0: any free port (see Server::port)
  int http_threads = 8;
  BatchOptions batching;
  ModelOptions model;                       // how every model is loaded (threads, ...)
  size_t max_body_bytes = 64u << 20;        // larger bodies get 413
  int64_t max_tensor_elements = 16u << 20;  // per input tensor; larger get 413
  int max_top_k = 100;
};

class Server {
 public:
  // Loads every model (throws fovea::Error naming the model that failed).
  explicit Server(const ServeOptions& options);
  ~Server();

  // Binds to options.host:port; throws fovea::Error when it cannot.
  void bind();
  int port() const;
  // Serves until stop(); returns after in-flight requests finished and the queues drained.
  void serve();
  // Thread- and signal-handler-safe trigger for shutdown: stop accepting, drain.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fovea::serve
