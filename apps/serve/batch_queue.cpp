#include "apps/serve/batch_queue.h"

#include <cstring>

namespace fovea::serve {
namespace {

// Two requests batch together when every input matches in all but the first dimension.
bool same_item_shape(const std::vector<HostTensor>& a, const std::vector<HostTensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto& sa = a[i].shape();
    const auto& sb = b[i].shape();
    if (sa.size() != sb.size() || sa.empty() || a[i].dtype() != b[i].dtype()) return false;
    if (!std::equal(sa.begin() + 1, sa.end(), sb.begin() + 1)) return false;
  }
  return true;
}

}  // namespace

BatchQueue::BatchQueue(std::string name, std::shared_ptr<const Model> model,
                       const BatchOptions& options, Metrics* metrics)
    : name_(std::move(name)), model_(std::move(model)), options_(options), metrics_(metrics) {
  batchable_ = !model_->inputs().empty();
  for (const TensorInfo& info : model_->inputs()) {
    batchable_ &= !info.shape.empty() && info.shape[0] == -1;
  }
  if (options_.max_batch < 1) options_.max_batch = 1;
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.emplace_back([this] { work(); });
  }
}

BatchQueue::~BatchQueue() { drain(); }

void BatchQueue::drain() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  arrived_.notify_all();
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
}

size_t BatchQueue::depth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

std::optional<std::future<std::vector<HostTensor>>> BatchQueue::submit(
    std::vector<HostTensor> inputs) {
  Request request;
  request.rows =
      batchable_ && !inputs.empty() && !inputs[0].shape().empty() ? inputs[0].shape()[0] : 1;
  request.inputs = std::move(inputs);
  request.arrived = std::chrono::steady_clock::now();
  auto future = request.promise.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return std::nullopt;
    queue_.push_back(std::move(request));
  }
  arrived_.notify_one();
  return future;
}

std::vector<BatchQueue::Request> BatchQueue::take_batch() {
  std::unique_lock<std::mutex> lock(mutex_);
  arrived_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  std::vector<Request> batch;
  if (queue_.empty()) return batch;  // stopping and drained
  batch.push_back(std::move(queue_.front()));
  queue_.pop_front();
  int64_t rows = batch[0].rows;
  if (!batchable_) return batch;
  const auto deadline = batch[0].arrived + std::chrono::milliseconds(options_.max_delay_ms);
  // Takes every queued request that fits (same item shape, rows within max_batch).
  auto take_fitting = [&] {
    for (auto it = queue_.begin(); it != queue_.end() && rows < options_.max_batch;) {
      if (rows + it->rows <= options_.max_batch && same_item_shape(it->inputs, batch[0].inputs)) {
        rows += it->rows;
        batch.push_back(std::move(*it));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
  };
  for (;;) {
    take_fitting();
    if (rows >= options_.max_batch || stopping_) break;
    if (arrived_.wait_until(lock, deadline) == std::cv_status::timeout) {
      take_fitting();
      break;
    }
  }
  return batch;
}

void BatchQueue::work() {
  Session session(model_);
  for (;;) {
    std::vector<Request> batch = take_batch();
    if (batch.empty()) return;
    run_batch(session, batch);
  }
}

void BatchQueue::run_batch(Session& session, std::vector<Request>& batch) {
  int64_t total_rows = 0;
  for (const Request& r : batch) total_rows += r.rows;
  if (metrics_ != nullptr) {
    metrics_->record_batch(name_, static_cast<int>(total_rows), static_cast<int>(batch.size()));
  }
  try {
    std::vector<TensorView> views;
    std::vector<HostTensor> joined;  // keeps concatenated inputs alive during the run
    if (batch.size() == 1) {
      for (const HostTensor& t : batch[0].inputs) views.push_back(t.view());
    } else {
      for (size_t i = 0; i < batch[0].inputs.size(); ++i) {
        std::vector<int64_t> shape = batch[0].inputs[i].shape();
        shape[0] = total_rows;
        HostTensor all(batch[0].inputs[i].dtype(), shape);
        auto* dst = static_cast<std::byte*>(all.raw_data());
        for (const Request& r : batch) {
          const HostTensor& part = r.inputs[i];
          std::memcpy(dst, part.raw_data(), part.byte_size());
          dst += part.byte_size();
        }
        views.push_back(all.view());
        joined.push_back(std::move(all));
      }
    }
    std::vector<HostTensor> outputs = session.run(views);
    if (batch.size() == 1) {
      batch[0].promise.set_value(std::move(outputs));
      return;
    }
    // Split every output along its first dimension (views sharing the batch's buffers).
    std::vector<std::vector<HostTensor>> parts(batch.size());
    for (HostTensor& out : outputs) {
      if (out.shape().empty() || out.shape()[0] != total_rows) {
        throw Error(ErrorCode::kInternal, "output '" + out.name() +
                                              "' does not keep the batch dimension; run with "
                                              "--max-batch 1");
      }
      const size_t row_bytes = out.byte_size() / static_cast<size_t>(total_rows);
      auto owner = std::make_shared<HostTensor>(out);
      size_t offset = 0;
      for (size_t k = 0; k < batch.size(); ++k) {
        std::vector<int64_t> shape = out.shape();
        shape[0] = batch[k].rows;
        void* data = static_cast<std::byte*>(owner->raw_data()) + offset;
        parts[k].emplace_back(out.dtype(), shape, owner, data, out.name());
        offset += row_bytes * static_cast<size_t>(batch[k].rows);
      }
    }
    for (size_t k = 0; k < batch.size(); ++k) batch[k].promise.set_value(std::move(parts[k]));
  } catch (...) {
    for (Request& r : batch) {
      try {
        r.promise.set_exception(std::current_exception());
      } catch (const std::future_error&) {
        // already answered
      }
    }
  }
}

}  // namespace fovea::serve
