#include "runtime/internal/conformance.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "importers/onnx/tensor_file.h"

namespace fovea {
namespace fs = std::filesystem;
namespace {

// input_0.pb, input_1.pb, ... in numeric order (input_10 after input_9).
std::vector<std::string> numbered_files(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> files;
  for (int i = 0;; ++i) {
    const fs::path p = dir / (prefix + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    files.push_back(p.string());
  }
  return files;
}

CaseOutcome outcome_for(const Status& status) {
  return status.code() == StatusCode::kUnsupported ? CaseOutcome::kUnsupported
                                                   : CaseOutcome::kFail;
}

// Empty when close; otherwise a description of the first mismatch.
std::string compare(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  if (actual.dtype() != expected.dtype()) {
    return std::string("dtype ") + dtype_name(actual.dtype()) + ", expected " +
           dtype_name(expected.dtype());
  }
  if (actual.shape() != expected.shape()) {
    return "shape " + shape_to_string(actual.shape()) + ", expected " +
           shape_to_string(expected.shape());
  }
  int64_t bad = 0;
  std::ostringstream first;
  for (int64_t i = 0; i < expected.element_count(); ++i) {
    const double a = actual.as_double(i);
    const double e = expected.as_double(i);
    if (std::isnan(a) && std::isnan(e)) continue;
    if (std::isinf(a) && std::isinf(e) && (a > 0) == (e > 0)) continue;
    if (!(std::fabs(a - e) <= atol + rtol * std::fabs(e)) && bad++ == 0) {
      first << "element " << i << " is " << a << ", expected " << e;
    }
  }
  if (bad == 0) return "";
  return std::to_string(bad) + " of " + std::to_string(expected.element_count()) +
         " elements differ; " + first.str();
}

}  // namespace

const char* case_outcome_name(CaseOutcome outcome) {
  switch (outcome) {
    case CaseOutcome::kPass: return "pass";
    case CaseOutcome::kFail: return "FAIL";
    case CaseOutcome::kUnsupported: return "unsupported";
  }
  return "?";
}

std::vector<std::string> find_conformance_cases(const std::string& root) {
  std::vector<std::string> cases;
  std::error_code ec;
  if (fs::exists(fs::path(root) / "model.onnx", ec)) cases.push_back(root);
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory() && fs::exists(it->path() / "model.onnx")) {
      cases.push_back(it->path().string());
    }
  }
  std::sort(cases.begin(), cases.end());
  cases.erase(std::unique(cases.begin(), cases.end()), cases.end());
  return cases;
}

CaseResult run_conformance_case(const std::string& case_dir, const ConformanceOptions& options) {
  CaseResult result;
  result.path = case_dir;
  result.name = fs::path(case_dir).filename().string();
  auto executor = load_model((fs::path(case_dir) / "model.onnx").string(), options.load);
  if (!executor.is_ok()) {
    result.outcome = outcome_for(executor.status());
    result.detail = executor.status().message();
    return result;
  }
  std::vector<fs::path> data_sets;
  for (const auto& entry : fs::directory_iterator(case_dir)) {
    if (entry.is_directory() && entry.path().filename().string().rfind("test_data_set_", 0) == 0) {
      data_sets.push_back(entry.path());
    }
  }
  std::sort(data_sets.begin(), data_sets.end());
  if (data_sets.empty()) {
    result.outcome = CaseOutcome::kFail;
    result.detail = "no test_data_set_* folder";
    return result;
  }
  for (const fs::path& set : data_sets) {
    std::vector<Tensor> inputs;
    for (const std::string& file : numbered_files(set, "input_")) {
      auto t = read_tensor_file(file);
      if (!t.is_ok()) {
        result.outcome = outcome_for(t.status());
        result.detail = t.status().message();
        return result;
      }
      inputs.push_back(std::move(t).value());
    }
    auto outputs = (*executor)->run(inputs);
    if (!outputs.is_ok()) {
      result.outcome = outcome_for(outputs.status());
      result.detail = outputs.status().message();
      return result;
    }
    const auto expected_files = numbered_files(set, "output_");
    if (expected_files.size() > outputs->size()) {
      result.detail = set.filename().string() + ": expected " +
                      std::to_string(expected_files.size()) + " outputs, got " +
                      std::to_string(outputs->size());
      return result;
    }
    for (size_t i = 0; i < expected_files.size(); ++i) {
      auto expected = read_tensor_file(expected_files[i]);
      if (!expected.is_ok()) {
        result.outcome = outcome_for(expected.status());
        result.detail = expected.status().message();
        return result;
      }
      const std::string diff = compare((*outputs)[i], *expected, options.rtol, options.atol);
      if (!diff.empty()) {
        result.outcome = CaseOutcome::kFail;
        result.detail = set.filename().string() + " output " + std::to_string(i) + ": " + diff;
        return result;
      }
    }
  }
  result.outcome = CaseOutcome::kPass;
  return result;
}

}  // namespace fovea
