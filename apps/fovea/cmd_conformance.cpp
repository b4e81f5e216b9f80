// fovea conformance DIR... [--backend B] [--verbose]: runs every ONNX test case found.
#include <iostream>
#include <map>

#include "apps/fovea/commands.h"
#include "engine/backends/backend_registry.h"
#include "runtime/internal/conformance.h"

namespace fovea::cli {
namespace {

struct ConformanceArgs {
  std::vector<std::string> dirs;
  std::string backend = "onednn";
  int threads = 0;
  bool quiet = false;
};

int run(const ConformanceArgs& args) {
  ConformanceOptions options;
  options.load.backend = args.backend;
  options.load.threads = args.threads;
  std::map<CaseOutcome, int> totals;
  for (const std::string& dir : args.dirs) {
    const auto cases = find_conformance_cases(dir);
    if (cases.empty()) {
      std::cerr << "error: no ONNX test cases (model.onnx + test_data_set_*) under " << dir << "\n";
      return 1;
    }
    for (const std::string& path : cases) {
      const CaseResult r = run_conformance_case(path, options);
      ++totals[r.outcome];
      if (!args.quiet || r.outcome == CaseOutcome::kFail) {
        std::cout << case_outcome_name(r.outcome) << "  " << r.path;
        if (!r.detail.empty()) std::cout << "  — " << r.detail;
        std::cout << "\n";
      }
    }
  }
  std::cout << "backend " << args.backend << ": " << totals[CaseOutcome::kPass] << " passed, "
            << totals[CaseOutcome::kFail] << " failed, " << totals[CaseOutcome::kUnsupported]
            << " unsupported\n";
  return totals[CaseOutcome::kFail] == 0 ? 0 : 1;
}

}  // namespace

void add_conformance_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ConformanceArgs>();
  CLI::App* cmd = app.add_subcommand(
      "conformance", "Run ONNX backend test cases (model.onnx + test_data_set_*) and compare");
  cmd->add_option("dirs", args->dirs, "Folders holding test cases")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--backend,-b", args->backend, "Backend")->check(CLI::IsMember(backend_names()));
  cmd->add_option("--threads,-t", args->threads, "Threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--quiet,-q", args->quiet, "Print only failures and the totals");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace fovea::cli
