// An in-process server on a free loopback port for the protocol tests, and request builders.
#pragma once

#include <fovea/fovea.h>
#include <httplib.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "apps/serve/server.h"

namespace fovea::serve_testing {

inline std::string source_path(const std::string& relative) {
  return std::string(FOVEA_SOURCE_DIR) + "/" + relative;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::vector<float> random_image(uint32_t seed, int n = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> v(static_cast<size_t>(n) * 3 * 224 * 224);
  for (float& x : v) x = dist(rng);
  return v;
}

inline std::string infer_body(const std::vector<float>& data, std::vector<int64_t> shape,
                              const std::string& name = "input") {
  nlohmann::json body = {
      {"id", "req-1"},
      {"inputs", {{{"name", name}, {"shape", shape}, {"datatype", "FP32"}, {"data", data}}}}};
  return body.dump();
}

// A server running on its own thread; stopped and joined on destruction.
class RunningServer {
 public:
  explicit RunningServer(serve::ServeOptions options) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<serve::Server>(options);
    server_->bind();
    thread_ = std::thread([this] { server_->serve(); });
  }
  ~RunningServer() { stop(); }
  void stop() {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }
  int port() const { return server_->port(); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_read_timeout(60, 0);
    return c;
  }
  serve::Server& server() { return *server_; }

 private:
  std::unique_ptr<serve::Server> server_;
  std::thread thread_;
};

inline serve::ServeOptions mobilenet_options() {
  serve::ServeOptions o;
  o.models.push_back({"mnv2", source_path("models/mobilenetv2-fp32.onnx"), ""});
  o.http_threads = 8;
  o.batching.max_batch = 4;
  o.batching.max_delay_ms = 20;
  o.model.threads = 2;
  o.max_body_bytes = 16u << 20;
  o.max_tensor_elements = 1 << 20;  // 6 images of 3x224x224
  return o;
}

}  // namespace fovea::serve_testing
