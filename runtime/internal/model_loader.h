// Loading a model file into an Executor on a chosen backend.
#pragma once

#include <memory>
#include <string>

#include "engine/core/status.h"
#include "engine/plan/executor.h"

namespace fovea {

struct LoadOptions {
  std::string backend = "onednn";  // any name from backend_names()
  int threads = 0;                 // 0: all cores
  PlanOptions plan{};              // optimization on/off, fast math, profiling
  bool allow_tf32 = false;         // BackendOptions::allow_tf32 (GPU backends)
  int64_t prepared_batch = 1;      // where the batch is free, the one planned at load
};

// Imports `path`, creates the backend (with the reference backend as per-node fallback) and
// prepares the plan for the model's declared input shapes (a free batch: prepared_batch).
Result<std::unique_ptr<Executor>> load_model(const std::string& path, const LoadOptions& options);

}  // namespace fovea
