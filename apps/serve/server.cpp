#include "apps/serve/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <map>

#include "apps/serve/json_codec.h"
#include "apps/serve/served_model.h"
#include "runtime/vision/image_io.h"
#include "runtime/vision/scores.h"

namespace fovea::serve {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

void answer(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

// The status for an engine error raised by a run.
int status_of(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound: return 400;
    case ErrorCode::kOutOfRange: return 413;
    default: return 500;
  }
}

// Rows of probabilities: softmax unless the row already is a distribution.
std::vector<float> probabilities(std::span<const float> row) {
  std::vector<float> values(row.begin(), row.end());
  double sum = 0;
  bool non_negative = true;
  for (float v : values) {
    sum += v;
    non_negative &= v >= 0;
  }
  if (non_negative && std::abs(sum - 1.0) < 1e-3) return values;
  return vision::softmax(values);
}

}  // namespace

struct Server::Impl {
  ServeOptions options;
  Metrics metrics;
  std::map<std::string, std::unique_ptr<ServedModel>> models;
  httplib::Server http;
  std::atomic<bool> draining{false};
  int listen_socket = -1;
  int port = 0;

  ServedModel& find_model(const std::string& name) {
    auto it = models.find(name);
    if (it == models.end()) throw HttpError(404, "unknown model '" + name + "'");
    return *it->second;
  }

  // Runs `handler` with the error policy, and records the request.
  template <typename F>
  void handle(const httplib::Request& req, httplib::Response& res, const std::string& endpoint,
              F handler) {
    const auto start = Clock::now();
    std::string model = req.matches.size() > 1 ? req.matches[1].str() : "";
    if (!model.empty() && models.count(model) == 0) model = "(unknown)";  // bounded labels
    try {
      handler();
    } catch (const HttpError& e) {
      answer(res, e.status(), {{"error", e.what()}});
    } catch (const Error& e) {
      answer(res, status_of(e), {{"error", e.what()}});
    } catch (const std::exception& e) {
      answer(res, 500, {{"error", std::string("internal error: ") + e.what()}});
    }
    metrics.record_request(model, endpoint, res.status,
                           std::chrono::duration<double>(Clock::now() - start).count());
  }

  // Requests accepted before a stop still run: the queues drain after the HTTP workers end.
  std::vector<HostTensor> run(ServedModel& served, std::vector<HostTensor> inputs) {
    auto future = served.queue->submit(std::move(inputs));
    if (!future) throw HttpError(503, "the server is shutting down");
    return future->get();  // rethrows the run's fovea::Error
  }

  void infer(const httplib::Request& req, httplib::Response& res) {
    ServedModel& served = find_model(req.matches[1]);
    InferRequest request =
        parse_infer_request(req.body, *served.model, options.max_tensor_elements);
    std::vector<HostTensor> outputs = run(served, std::move(request.inputs));
    answer(res, 200, infer_response(served.name, request.id, outputs, request.requested_outputs));
  }

  void classify(const httplib::Request& req, httplib::Response& res) {
    ServedModel& served = find_model(req.matches[1]);
    if (!served.preprocessing) {
      throw HttpError(400, "model '" + served.name + "' does not take one [N,3,H,W] image input");
    }
    int k = 5;
    if (req.has_param("top_k")) {
      const std::string value = req.get_param_value("top_k");
      try {
        size_t used = 0;
        k = std::stoi(value, &used);
        if (used != value.size()) throw std::invalid_argument(value);
      } catch (const std::exception&) {
        throw HttpError(400, "top_k must be an integer, got '" + value + "'");
      }
      if (k < 1 || k > options.max_top_k) {
        throw HttpError(400, "top_k must be between 1 and " + std::to_string(options.max_top_k));
      }
    }
    const std::string* bytes = &req.body;
    if (req.is_multipart_form_data()) {
      if (req.files.empty()) throw HttpError(400, "the multipart form holds no file");
      bytes = req.has_file("image") ? &req.files.find("image")->second.content
                                    : &req.files.begin()->second.content;
    }
    if (bytes->empty()) throw HttpError(400, "no image in the request body");
    // decode_image refuses a header declaring more pixels than the limit before decoding.
    Result<cv::Mat> decoded = vision::decode_image(
        {reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()}, "the uploaded image");
    if (!decoded.is_ok()) {
      const bool too_large = decoded.status().code() == StatusCode::kOutOfRange;
      throw HttpError(too_large ? 413 : 400, decoded.status().message());
    }
    const cv::Mat image = std::move(*decoded);
    const vision::Preprocessing& pre = *served.preprocessing;
    const cv::Mat view = vision::model_view(image, pre);
    HostTensor input(DataType::kFloat32, {1, 3, view.rows, view.cols},
                     served.model->inputs()[0].name);
    vision::normalize_view(view, pre, input.values<float>().data());
    check_input(input, served.model->inputs()[0]);
    std::vector<HostTensor> outputs = run(served, {input});
    const HostTensor& scores = outputs.at(0);
    if (scores.dtype() != DataType::kFloat32 || scores.element_count() == 0) {
      throw HttpError(500, "the model's first output is not float scores");
    }
    const std::vector<float> probs = probabilities(scores.values<float>());
    json top = json::array();
    for (const vision::ScoredClass& c : vision::top_k(probs, k)) {
      const size_t i = static_cast<size_t>(c.index);
      top.push_back({{"index", c.index},
                     {"label", i < served.labels.size() ? served.labels[i]
                                                        : "class " + std::to_string(c.index)},
                     {"probability", c.score}});
    }
    answer(res, 200,
           {{"model_name", served.name}, {"preprocessing", pre.describe()}, {"top_k", top}});
  }

  void add_routes() {
    http.Get("/v2/health/live", [this](const httplib::Request& req, httplib::Response& res) {
      handle(req, res, "live", [&] { answer(res, 200, {{"live", true}}); });
    });
    http.Get("/v2/health/ready", [this](const httplib::Request& req, httplib::Response& res) {
      handle(req, res, "ready", [&] { answer(res, draining ? 503 : 200, {{"ready", !draining}}); });
    });
    http.Get("/v2", [this](const httplib::Request& req, httplib::Response& res) {
      handle(req, res, "server_metadata", [&] {
        answer(res, 200, {{"name", "fovea"}, {"version", "0.1.0"}, {"extensions", json::array()}});
      });
    });
    http.Get(R"(/v2/models/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      handle(req, res, "metadata", [&] {
        ServedModel& served = find_model(req.matches[1]);
        answer(res, 200, model_metadata(served.name, *served.model));
      });
    });
    http.Get(R"(/v2/models/([^/]+)/ready)",
             [this](const httplib::Request& req, httplib::Response& res) {
               handle(req, res, "model_ready", [&] {
                 ServedModel& served = find_model(req.matches[1]);
                 answer(res, draining ? 503 : 200, {{"name", served.name}, {"ready", !draining}});
               });
             });
    http.Post(R"(/v2/models/([^/]+)/infer)",
              [this](const httplib::Request& req, httplib::Response& res) {
                handle(req, res, "infer", [&] { infer(req, res); });
              });
    http.Post(R"(/v2/models/([^/]+)/classify)",
              [this](const httplib::Request& req, httplib::Response& res) {
                handle(req, res, "classify", [&] { classify(req, res); });
              });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics.render(), "text/plain; version=0.0.4");
    });
    // Unmatched paths, bodies over the limit, ...: a JSON error where nothing was said yet.
    http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string message = "HTTP " + std::to_string(res.status);
      if (res.status == 404) message = "no such endpoint: " + req.method + " " + req.path;
      if (res.status == 413) message = "the request body exceeds the server's limit";
      answer(res, res.status, {{"error", message}});
    });
  }
};

Server::Server(const ServeOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  if (options.models.empty()) throw Error(ErrorCode::kInvalidArgument, "no model to serve");
  for (const ModelSpec& spec : options.models) {
    if (impl_->models.count(spec.name) != 0) {
      throw Error(ErrorCode::kInvalidArgument, "model name '" + spec.name + "' given twice");
    }
    try {
      impl_->models[spec.name] = open_served_model(spec.name, spec.path, spec.labels, options.model,
                                                   options.batching, &impl_->metrics);
    } catch (const Error& e) {
      throw Error(e.code(), "model '" + spec.name + "': " + e.what());
    }
  }
  impl_->metrics.set_queue_depth_source([impl = impl_.get()] {
    std::vector<std::pair<std::string, size_t>> depths;
    for (const auto& [name, served] : impl->models)
      depths.emplace_back(name, served->queue->depth());
    return depths;
  });
  const int threads = std::max(1, options.http_threads);
  impl_->http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  impl_->http.set_payload_max_length(options.max_body_bytes);
  impl_->http.set_keep_alive_max_count(1000);
  // httplib 0.11 listens with a backlog of 5: a burst of connections overflows it and some
  // clients get reset. Remember the listening socket to widen its backlog after binding.
  impl_->http.set_socket_options([impl = impl_.get()](socket_t sock) {
    httplib::default_socket_options(sock);
    impl->listen_socket = sock;
  });
  // A loaded machine can starve a connection for seconds; 5 s (the default) cut some off.
  impl_->http.set_read_timeout(30, 0);
  impl_->http.set_write_timeout(30, 0);
  impl_->add_routes();
}

Server::~Server() {
  stop();
  for (auto& [name, served] : impl_->models) served->queue->drain();
}

void Server::bind() {
  const auto& o = impl_->options;
  if (o.port == 0) {
    impl_->port = impl_->http.bind_to_any_port(o.host);
  } else {
    impl_->port = impl_->http.bind_to_port(o.host, o.port) ? o.port : -1;
  }
  if (impl_->port <= 0) {
    throw Error(ErrorCode::kIoError, "cannot listen on " + o.host + ":" + std::to_string(o.port));
  }
  if (impl_->listen_socket >= 0) ::listen(impl_->listen_socket, SOMAXCONN);  // see the constructor
}

int Server::port() const { return impl_->port; }

void Server::serve() {
  impl_->http.listen_after_bind();  // returns after stop(), once the HTTP workers finished
  for (auto& [name, served] : impl_->models) served->queue->drain();
}

void Server::stop() {
  impl_->draining = true;
  impl_->http.stop();
}

}  // namespace fovea::serve
