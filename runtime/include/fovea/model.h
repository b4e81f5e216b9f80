// Loading a model once and running it from many threads.
//
//   auto model = fovea::Model::load("mobilenetv2.onnx", {.threads = 4});
//   fovea::Session session(model);                 // one per calling thread; cheap
//   std::vector<float> pixels(1 * 3 * 224 * 224);
//   auto outputs = session.run({{"input", fovea::TensorView(pixels.data(), {1, 3, 224, 224})}});
//   std::span<const float> logits = outputs[0].values<float>();
//
// Model is immutable once loaded (the optimized plan and the prepared weights) and is shared
// through std::shared_ptr<const Model>; any number of Sessions on any threads may use it at
// once. A Session holds what one caller's runs need (its activation memory; on a GPU also the
// stream its runs queue on, lent from the model's pool and given back with the Session) and
// must not be used by two threads at the same time; make one per thread, or one per request.
//
// Batch size is dynamic: a free dimension (-1 in inputs()) takes any size, and the plan for a
// new shape is prepared on first use and kept for later runs.
//
// Concurrency: the kernels of the oneDNN library (as Debian builds it) keep per-thread scratch
// memory tied to the thread that created them, so each Model owns one thread on which it
// prepares and runs every kernel; concurrent Sessions queue their runs there. Runs of one
// Model therefore execute one at a time, each using the Model's `threads` cores; input
// checks and output handling happen on the caller's thread. Different Models run in parallel.
//
// Errors: every function here throws fovea::Error (fovea/error.h) with a message naming the
// file, input or node and the problem.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fovea/error.h"
#include "fovea/tensor.h"

namespace fovea {

struct ModelOptions {
  std::string backend = "onednn";  // "onednn", "reference", or "cuda" where it was built
  int threads = 0;                 // cores one run of this model uses; 0: all
  bool optimize = true;            // graph optimizations (fusions, constant folding)
  bool fast_math = false;          // allow slightly less exact, faster kernels
  // Keep the weights of memory-bound layers (fully connected layers at small batch) on
  // transparent huge pages: faster runs (AlexNet at batch 1: about 10%), a slower load on
  // some virtual machines. For long-running services.
  bool huge_pages = false;
  // Largest activation memory one run may need, in bytes (checked from the shapes before a
  // run; the run is refused with ErrorCode::kOutOfRange); 0: no limit.
  int64_t memory_limit_bytes = 0;
  // Where the model's batch (its inputs' leading dim) is free: the batch prepared at load.
  // Other batches are prepared on their first run, each once. A service that always runs
  // batches of 8 sets 8, and holds no batch-1 plan it never uses.
  int64_t batch = 1;
  // GPU backends: TF32 Tensor Core math for convolutions and matrix products (about 1e-3
  // relative error); off, exact float32.
  bool tf32 = false;
  // GPU backends: each Session records a whole run once (CUDA Graphs) and replays it, which
  // saves the launch time of every step; where a step runs on the CPU, runs go step by step.
  bool cuda_graph = false;
};

class Session;

class FOVEA_API Model {
 public:
  // Imports and prepares the model (plans for its declared shapes, a free batch set to
  // options.batch).
  static std::shared_ptr<const Model> load(const std::string& path,
                                           const ModelOptions& options = {});
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::string& path() const;
  const ModelOptions& options() const;
  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;
  // The input or output called `name`; throws Error (kNotFound) listing the names.
  const TensorInfo& input(const std::string& name) const;
  const TensorInfo& output(const std::string& name) const;

  struct Impl;  // internal

 private:
  Model();
  friend class Session;
  std::unique_ptr<Impl> impl_;
};

class FOVEA_API Session {
 public:
  explicit Session(std::shared_ptr<const Model> model);
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Model& model() const;

  // Inputs in the order of model().inputs(); outputs in the order of model().outputs(), each
  // named. The views must stay valid until run returns.
  std::vector<HostTensor> run(const std::vector<TensorView>& inputs);
  // Inputs by name (every model input exactly once).
  std::vector<HostTensor> run(const std::map<std::string, TensorView>& inputs);

  // Bytes of activation memory this session holds, host and GPU together (grows to the largest
  // plan it ran).
  size_t activation_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fovea
