// Prometheus metrics of the service, rendered in the text exposition format at /metrics:
// requests and errors per model and endpoint, request latency and batch-size histograms, and
// the queue depth of each model (read from the queues at scrape time).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace fovea::serve {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds)
      : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}
  void observe(double value);
  // Appends `name`_bucket/_sum/_count lines with `labels` ("model=\"m\"", may be empty).
  void render(const std::string& name, const std::string& labels, std::string& out) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket (not cumulative); the last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  // `endpoint`: "infer", "classify", "metadata", "ready", "health", ...
  void record_request(const std::string& model, const std::string& endpoint, int status,
                      double seconds);
  void record_batch(const std::string& model, int rows, int requests);
  // Called at scrape time for each model's current queue depth.
  void set_queue_depth_source(std::function<std::vector<std::pair<std::string, size_t>>()> f);

  std::string render() const;

 private:
  using Key = std::pair<std::string, std::string>;  // model, endpoint
  mutable std::mutex mutex_;
  std::map<Key, uint64_t> requests_;
  std::map<std::pair<Key, int>, uint64_t> errors_;  // by status code
  std::map<std::string, Histogram> latency_;        // by endpoint
  std::map<std::string, Histogram> batch_rows_;     // by model
  std::map<std::string, uint64_t> batches_;         // by model
  std::function<std::vector<std::pair<std::string, size_t>>()> queue_depths_;
};

}  // namespace fovea::serve
