#include "apps/serve/metrics.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace fovea::serve {
namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

const std::vector<double> kLatencyBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                            0.25,  0.5,    1,     2.5,  5,     10};
const std::vector<double> kBatchBounds = {1, 2, 4, 8, 16, 32, 64, 128};

}  // namespace

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

void Histogram::render(const std::string& name, const std::string& labels, std::string& out) const {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const std::string le = i < bounds_.size() ? number(bounds_[i]) : "+Inf";
    out += name + "_bucket{" + labels + sep + "le=\"" + le + "\"} " + std::to_string(cumulative) +
           "\n";
  }
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braces + " " + number(sum_) + "\n";
  out += name + "_count" + braces + " " + std::to_string(count_) + "\n";
}

void Metrics::record_request(const std::string& model, const std::string& endpoint, int status,
                             double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Key key{model, endpoint};
  ++requests_[key];
  if (status >= 400) ++errors_[{key, status}];
  latency_.try_emplace(endpoint, kLatencyBounds).first->second.observe(seconds);
}

void Metrics::record_batch(const std::string& model, int rows, int requests) {
  std::lock_guard<std::mutex> lock(mutex_);
  batch_rows_.try_emplace(model, kBatchBounds).first->second.observe(rows);
  ++batches_[model];
  (void)requests;
}

void Metrics::set_queue_depth_source(
    std::function<std::vector<std::pair<std::string, size_t>>()> f) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_depths_ = std::move(f);
}

std::string Metrics::render() const {
  std::function<std::vector<std::pair<std::string, size_t>>()> depths;
  std::string out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    depths = queue_depths_;
    out += "# HELP fovea_requests_total Requests answered, by model and endpoint.\n";
    out += "# TYPE fovea_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      out += "fovea_requests_total{model=\"" + escape(key.first) + "\",endpoint=\"" + key.second +
             "\"} " + std::to_string(n) + "\n";
    }
    out += "# HELP fovea_request_errors_total Requests answered with a 4xx or 5xx status.\n";
    out += "# TYPE fovea_request_errors_total counter\n";
    for (const auto& [key, n] : errors_) {
      out += "fovea_request_errors_total{model=\"" + escape(key.first.first) + "\",endpoint=\"" +
             key.first.second + "\",status=\"" + std::to_string(key.second) + "\"} " +
             std::to_string(n) + "\n";
    }
    out += "# HELP fovea_request_duration_seconds Time from receiving a request to answering.\n";
    out += "# TYPE fovea_request_duration_seconds histogram\n";
    for (const auto& [endpoint, h] : latency_) {
      h.render("fovea_request_duration_seconds", "endpoint=\"" + endpoint + "\"", out);
    }
    out += "# HELP fovea_batch_size Rows (images) per model run after dynamic batching.\n";
    out += "# TYPE fovea_batch_size histogram\n";
    for (const auto& [model, h] : batch_rows_) {
      h.render("fovea_batch_size", "model=\"" + escape(model) + "\"", out);
    }
  }
  // Memory: RSS, and what malloc has handed out (RSS growing while this stays flat is the
  // allocator keeping freed memory, not a leak).
  long rss_pages = 0, ignored = 0;
  std::ifstream("/proc/self/statm") >> ignored >> rss_pages;
  out += "# HELP process_resident_memory_bytes Resident set size.\n";
  out += "# TYPE process_resident_memory_bytes gauge\n";
  out +=
      "process_resident_memory_bytes " + std::to_string(rss_pages * sysconf(_SC_PAGESIZE)) + "\n";
  const struct mallinfo2 heap = mallinfo2();
  out += "# HELP fovea_heap_in_use_bytes Bytes allocated through malloc and not yet freed.\n";
  out += "# TYPE fovea_heap_in_use_bytes gauge\n";
  out += "fovea_heap_in_use_bytes " + std::to_string(heap.uordblks + heap.hblkhd) + "\n";
  out += "# HELP fovea_queue_depth Requests waiting for a batch, per model.\n";
  out += "# TYPE fovea_queue_depth gauge\n";
  if (depths) {
    for (const auto& [model, depth] : depths()) {
      out += "fovea_queue_depth{model=\"" + escape(model) + "\"} " + std::to_string(depth) + "\n";
    }
  }
  return out;
}

}  // namespace fovea::serve
