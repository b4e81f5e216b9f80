// Dynamic batching for one model: requests wait in a queue; a worker takes up to max_batch rows
// of requests whose inputs agree in every dimension but the first, waiting at most max_delay
// after the oldest arrived, concatenates them along the batch dimension, runs one Session and
// hands each request its rows of the outputs (views of the batch's buffers, no copies).
//
// Requests must already be checked against the model (dtype, rank, fixed dimensions): a
// failing run fails every request of its batch.
#pragma once

#include <fovea/fovea.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "apps/serve/metrics.h"

namespace fovea::serve {

struct BatchOptions {
  int max_batch = 8;     // rows per run
  int max_delay_ms = 2;  // longest a request waits for others
  int workers = 1;       // threads taking batches (each with its own Session)
};

class BatchQueue {
 public:
  BatchQueue(std::string name, std::shared_ptr<const Model> model, const BatchOptions& options,
             Metrics* metrics);
  // Drains: every queued request is run before the workers exit.
  ~BatchQueue();

  // Inputs in the model's input order. The future throws fovea::Error when the run fails.
  // Nothing once the queue is stopping (the server answers 503).
  std::optional<std::future<std::vector<HostTensor>>> submit(std::vector<HostTensor> inputs);

  size_t depth() const;
  const std::string& name() const { return name_; }
  // Whether inputs may be concatenated (every model input has a free first dimension).
  bool batchable() const { return batchable_; }
  // Stops accepting, runs what is queued, joins the workers.
  void drain();

 private:
  struct Request {
    std::vector<HostTensor> inputs;
    std::promise<std::vector<HostTensor>> promise;
    std::chrono::steady_clock::time_point arrived;
    int64_t rows = 1;
  };
  void work();
  std::vector<Request> take_batch();
  void run_batch(Session& session, std::vector<Request>& batch);

  std::string name_;
  std::shared_ptr<const Model> model_;
  BatchOptions options_;
  Metrics* metrics_;
  bool batchable_ = false;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<Request> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace fovea::serve
