// The thread a Model prepares and runs every kernel on (see fovea/model.h, "Concurrency":
// oneDNN's library-managed scratch memory, as Debian builds it, is per thread and sized when
// a primitive is created, so primitives must execute, and be destroyed, on the thread that
// created them). Tasks from any thread are queued and run in order.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace fovea::api {

class ModelThread {
 public:
  ModelThread();
  // Runs every queued task, then joins.
  ~ModelThread();
  ModelThread(const ModelThread&) = delete;
  ModelThread& operator=(const ModelThread&) = delete;

  // Runs `task` on the model thread and waits for its result (exceptions propagate).
  template <typename F>
  auto call(F task) -> decltype(task()) {
    std::packaged_task<decltype(task())()> packaged(std::move(task));
    auto result = packaged.get_future();
    post([&packaged] { packaged(); });
    return result.get();
  }

 private:
  void post(std::function<void()> task);
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

}  // namespace fovea::api
