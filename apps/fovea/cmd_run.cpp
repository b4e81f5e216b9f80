// fovea run MODEL --input input_0.pb [...] --output-dir DIR [--backend B] [--threads N]
//                 [--tf32] [--force] [--labels classes.txt]
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <numeric>

#include "apps/fovea/commands.h"
#include "engine/backends/backend_registry.h"
#include "importers/onnx/tensor_file.h"
#include "runtime/internal/model_loader.h"

namespace fovea::cli {
namespace {

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs;
  std::string output_dir;
  std::string backend = "onednn";
  int threads = 0;
  bool tf32 = false;
  bool force = false;
  std::string labels;  // optional class names, one per line, for a top-5 summary
};

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// For a classifier-like output [1,K] with K labels: the five highest scores.
void print_top5(const Tensor& scores, const std::vector<std::string>& labels) {
  if (scores.dtype() != DType::kFloat32 || scores.element_count() != static_cast<int64_t>(labels.size())) {
    return;
  }
  const float* p = scores.data<float>();
  std::vector<size_t> order(labels.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t k = std::min<size_t>(5, order.size());
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [p](size_t a, size_t b) { return p[a] > p[b]; });
  for (size_t i = 0; i < k; ++i) {
    std::cout << "  " << std::setw(4) << order[i] << "  " << std::fixed << std::setprecision(3)
              << std::setw(8) << p[order[i]] << "  " << labels[order[i]] << "\n";
  }
  std::cout.unsetf(std::ios::fixed);
}

int run(const RunArgs& args) {
  std::vector<std::string> labels;
  if (!args.labels.empty()) {
    std::ifstream in(args.labels);
    for (std::string line; std::getline(in, line);) labels.push_back(line);
  }
  const auto load_start = std::chrono::steady_clock::now();
  LoadOptions options;
  options.backend = args.backend;
  options.threads = args.threads;
  options.allow_tf32 = args.tf32;
  auto executor = load_model(args.model, options);
  if (!executor.is_ok()) {
    std::cerr << "error: " << executor.status().message() << "\n";
    return 1;
  }
  const double load_ms = ms_since(load_start);

  std::vector<Tensor> inputs;
  for (const std::string& path : args.inputs) {
    auto t = read_tensor_file(path);
    if (!t.is_ok()) {
      std::cerr << "error: " << t.status().message() << "\n";
      return 1;
    }
    inputs.push_back(std::move(t).value());
  }
  const auto run_start = std::chrono::steady_clock::now();
  auto outputs = (*executor)->run(inputs);
  const double run_ms = ms_since(run_start);
  if (!outputs.is_ok()) {
    std::cerr << "error: " << args.model << ": " << outputs.status().message() << "\n";
    return 1;
  }

  std::error_code ec;
  std::filesystem::create_directories(args.output_dir, ec);
  if (ec) {
    std::cerr << "error: cannot create " << args.output_dir << ": " << ec.message() << "\n";
    return 1;
  }
  const Graph& graph = (*executor)->graph();
  for (size_t i = 0; i < outputs->size(); ++i) {
    const std::string path =
        (std::filesystem::path(args.output_dir) / ("output_" + std::to_string(i) + ".pb"))
            .string();
    const std::string& name = graph.value(graph.outputs[i]).name;
    Status written = write_tensor_file((*outputs)[i], name, path, args.force);
    if (!written.is_ok()) {
      std::cerr << "error: " << written.message() << "\n";
      return 1;
    }
    std::cout << "output " << i << " '" << name << "' " << describe((*outputs)[i]) << " -> "
              << path << "\n";
    if (!labels.empty()) print_top5((*outputs)[i], labels);
  }
  std::cout << "backend " << args.backend << ": load " << load_ms << " ms, run " << run_ms
            << " ms\n";
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a model on TensorProto inputs and save outputs");
  cmd->add_option("model", args->model, "ONNX model file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--input,-i", args->inputs, "Input TensorProto files, in the model's order")
      ->check(CLI::ExistingFile);
  cmd->add_option("--output-dir,-o", args->output_dir, "Where to write output_<i>.pb")
      ->required();
  cmd->add_option("--backend,-b", args->backend, "Backend")
      ->check(CLI::IsMember(backend_names()));
  cmd->add_option("--threads,-t", args->threads, "Threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--tf32", args->tf32, "GPU backends: TF32 Tensor Core math (float32 by default)");
  cmd->add_flag("--force", args->force, "Overwrite existing output files");
  cmd->add_option("--labels", args->labels, "Class names (one per line): print the top 5")
      ->check(CLI::ExistingFile);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace fovea::cli
