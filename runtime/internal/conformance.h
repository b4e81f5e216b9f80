// Runs ONNX backend-test cases: a folder holding model.onnx and test_data_set_*/ with
// input_<i>.pb and output_<i>.pb, compared with the suite's tolerance.
#pragma once

#include <string>
#include <vector>

#include "runtime/internal/model_loader.h"

namespace fovea {

enum class CaseOutcome { kPass, kFail, kUnsupported };

const char* case_outcome_name(CaseOutcome outcome);

struct CaseResult {
  std::string name;     // the case folder's name
  std::string path;
  CaseOutcome outcome = CaseOutcome::kFail;
  std::string detail;   // why it failed or is unsupported
};

struct ConformanceOptions {
  LoadOptions load;
  double rtol = 1e-3;  // the ONNX backend tests' defaults
  double atol = 1e-7;
};

// Every case folder below `root` (a folder that itself holds model.onnx counts too), sorted.
std::vector<std::string> find_conformance_cases(const std::string& root);

CaseResult run_conformance_case(const std::string& case_dir, const ConformanceOptions& options);

}  // namespace fovea
