// The ONNX project's backend conformance data: every case must pass or be reported
// unsupported (an operator, dtype or opset outside Fovea's scope) — never fail — on every
// backend. Cases come from ../shared/onnx-tests (ONNX 1.22) and Debian's libonnx-testdata (1.12).
#include "runtime/internal/conformance.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <tuple>

#include "tests/common/backend_testing.h"
#include "tests/common/tensor_testing.h"

namespace fovea::testing {
namespace {

using SuiteCase = std::tuple<std::string, std::string, std::string>;  // source, subfolder, backend

std::optional<std::string> source_root(const std::string& source) {
  if (source == "shared") {
    const auto dir = shared_dir();
    return dir ? std::optional<std::string>(*dir + "/onnx-tests") : std::nullopt;
  }
  return onnx_testdata_dir();
}

class Conformance : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(Conformance, NoCaseFails) {
  const auto& [source, subfolder, backend] = GetParam();
  FOVEA_REQUIRE_BACKEND(backend);
  const auto root = source_root(source);
  if (!root) {
    GTEST_SKIP() << (source == "shared" ? "../shared is absent"
                                        : "libonnx-testdata is not installed");
  }
  const std::string dir = *root + "/" + subfolder;
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " is absent";

  ConformanceOptions options;
  options.load.backend = backend;
  std::map<CaseOutcome, int> totals;
  for (const std::string& path : find_conformance_cases(dir)) {
    const CaseResult r = run_conformance_case(path, options);
    ++totals[r.outcome];
    EXPECT_NE(r.outcome, CaseOutcome::kFail) << r.name << ": " << r.detail;
  }
  std::cout << source << "/" << subfolder << " on " << backend << ": " << totals[CaseOutcome::kPass]
            << " passed, " << totals[CaseOutcome::kFail] << " failed, "
            << totals[CaseOutcome::kUnsupported] << " unsupported\n";
  // The node suites are mostly in scope: passing nothing there means the runner is broken.
  if (subfolder == "node") {
    EXPECT_GT(totals[CaseOutcome::kPass], 100) << dir;
  }
}

INSTANTIATE_TEST_SUITE_P(OnnxSuites, Conformance,
                         ::testing::Combine(::testing::Values("shared", "debian"),
                                            ::testing::Values("node", "pytorch-converted",
                                                              "pytorch-operator", "simple"),
                                            ::testing::ValuesIn(all_backends())),
                         [](const auto& info) {
                           std::string name = std::get<0>(info.param) + "_" +
                                              std::get<1>(info.param) + "_" +
                                              std::get<2>(info.param);
                           for (char& c : name) c = (c == '-') ? '_' : c;
                           return name;
                         });

}  // namespace
}  // namespace fovea::testing
