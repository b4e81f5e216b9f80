// fovea: the command-line program. One subcommand per file (commands.h).
#include <iostream>

#include "apps/fovea/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Fovea: a CNN inference engine for ONNX models"};
  app.require_subcommand(1);
  int exit_code = 0;
  fovea::cli::add_run_command(app, exit_code);
  fovea::cli::add_conformance_command(app, exit_code);
  fovea::cli::add_classify_command(app, exit_code);
  fovea::cli::add_summary_command(app, exit_code);
  fovea::cli::add_explain_command(app, exit_code);
  fovea::cli::add_bench_command(app, exit_code);
  fovea::cli::add_serve_command(app, exit_code);
  fovea::cli::add_finetune_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
