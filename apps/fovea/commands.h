// Each subcommand of the `fovea` program registers itself on the CLI11 app; its file is its
// whole implementation. The callback stores the process exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace fovea::cli {

void add_run_command(CLI::App& app, int& exit_code);
void add_conformance_command(CLI::App& app, int& exit_code);
void add_classify_command(CLI::App& app, int& exit_code);
void add_summary_command(CLI::App& app, int& exit_code);
void add_explain_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_finetune_command(CLI::App& app, int& exit_code);

}  // namespace fovea::cli
