// fovea bench MODEL [--batch N] [--threads T] [--iters K] [--warmup W] [--backend B]
//                   [--no-optimize] [--fast-math] [--huge-pages] [--tf32] [--cuda-graph]
//                   [--json] [--profile]
// Measures load time, first-run and steady-state latency, throughput, peak RSS and the plan's
// activation memory on seeded random input; --profile adds a per-step table (docs/benchmarks.md).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/fovea/commands.h"
#include "engine/backends/backend_registry.h"
#include "engine/ops/op_cost.h"
#include "runtime/internal/model_loader.h"

namespace fovea::cli {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct BenchArgs {
  std::string model;
  int batch = 1;
  int threads = 0;
  int iters = 10;
  int warmup = 2;
  std::string backend = "onednn";
  bool no_optimize = false;
  bool fast_math = false;
  bool huge_pages = false;
  bool tf32 = false;
  bool cuda_graph = false;
  bool json = false;
  bool profile = false;
  uint32_t seed = 1234;
};

// One step of the profile, aggregated over the profiled runs.
struct StepRow {
  std::string op_type, node_name, inputs, outputs;
  double median_ms = 0;
  int64_t macs = 0;
};

struct Measurements {
  std::vector<Shape> input_shapes;
  double load_ms = 0, first_run_ms = 0, median_ms = 0, p90_ms = 0, min_ms = 0;
  double peak_rss_mb = 0;
  size_t arena_bytes = 0;
  size_t device_arena_bytes = 0;  // a GPU backend's activations, in its memory
  bool replaying = false;         // --cuda-graph: the timed runs replayed a recorded graph
  std::string capture_failure;    // --cuda-graph: why not
  std::vector<StepRow> steps;     // with --profile
};

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Nearest-rank percentile: the smallest sample with at least p of the samples at or below it.
double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

std::string join_shapes(const std::vector<Shape>& shapes) {
  std::string out;
  for (const Shape& s : shapes) out += (out.empty() ? "" : " ") + shape_to_string(s);
  return out;
}

// The input shapes for `batch`: the leading dim is the batch; a free one takes `batch`, a fixed
// one must equal it (re-planning a graph exported for another batch is not always correct, e.g.
// a Reshape to a constant shape).
Result<std::vector<Shape>> bench_input_shapes(const Graph& graph, const std::string& model,
                                              int batch) {
  std::vector<Shape> shapes;
  for (ValueId id : graph.inputs) {
    const Value& input = graph.value(id);
    const std::string where = model + ": input '" + input.name + "' ";
    if (input.dtype != DType::kFloat32) {
      return unsupported(where + "is not float32; bench feeds random float32 data only");
    }
    if (!input.rank_known || input.shape.empty()) {
      return unsupported(where + "has no declared [N,...] shape");
    }
    Shape shape = input.shape;
    if (shape[0] >= 0 && shape[0] != batch) {
      return invalid_argument(where + "has a fixed batch of " + std::to_string(shape[0]) +
                              " (shape " + shape_to_string(shape) + "), not " +
                              std::to_string(batch) +
                              "; export the model for that batch (e.g. make_models.py --batch " +
                              std::to_string(batch) + ") or give a model with a free batch dim");
    }
    shape[0] = batch;
    for (size_t d = 1; d < shape.size(); ++d) {
      if (shape[d] < 0)
        return unsupported(where + "has a free non-batch dim: " + shape_to_string(input.shape));
    }
    shapes.push_back(std::move(shape));
  }
  return shapes;
}

// Uniform in [-1, 1) from xorshift32: the generator of shared/tools/ort_run.js, so that with the
// same seed both engines see the same numbers.
std::vector<Tensor> random_inputs(const std::vector<Shape>& shapes, uint32_t seed) {
  std::vector<Tensor> tensors;
  uint32_t s = seed == 0 ? 1 : seed;
  for (const Shape& shape : shapes) {
    Tensor t(DType::kFloat32, shape);
    float* p = t.data<float>();
    for (int64_t i = 0; i < t.element_count(); ++i) {
      s ^= s << 13;
      s ^= s >> 17;
      s ^= s << 5;
      p[i] = static_cast<float>(static_cast<double>(s) / 2147483648.0 - 1.0);
    }
    tensors.push_back(std::move(t));
  }
  return tensors;
}

LoadOptions load_options(const BenchArgs& args, bool profile) {
  LoadOptions options;
  options.backend = args.backend;
  options.threads = args.threads;
  options.plan.optimize = !args.no_optimize;
  options.plan.fast_math = args.fast_math;
  options.plan.huge_pages = args.huge_pages;
  options.allow_tf32 = args.tf32;
  options.plan.capture_graph = args.cuda_graph;
  options.plan.profile = profile;
  options.prepared_batch = args.batch;  // a free batch: plan only the batch measured
  return options;
}

// Runs the model `args.iters` more times with per-step timing on a separately loaded plan (so
// the timed runs above carry no profiling cost) and takes each step's median.
Status profile_steps(const BenchArgs& args, const std::vector<Shape>& shapes,
                     const std::vector<Tensor>& inputs, std::vector<StepRow>& rows) {
  FOVEA_ASSIGN_OR_RETURN(auto executor, load_model(args.model, load_options(args, true)));
  FOVEA_ASSIGN_OR_RETURN(Plan * plan, executor->plan_for(shapes));
  for (int i = 0; i < args.warmup + 1; ++i) FOVEA_RETURN_IF_ERROR(executor->run(inputs).status());
  std::vector<std::vector<double>> times;
  for (int i = 0; i < args.iters; ++i) {
    FOVEA_RETURN_IF_ERROR(executor->run(inputs).status());
    const std::vector<StepProfile>& profile = plan->last_profile();
    if (i == 0) {
      const Graph& graph = plan->graph();
      std::map<std::string, const Node*> by_name;
      for (const Node& node : graph.nodes) by_name[node.name] = &node;
      for (const StepProfile& step : profile) {
        StepRow row{step.op_type,
                    step.node_name,
                    join_shapes(step.input_shapes),
                    join_shapes(step.output_shapes),
                    0,
                    0};
        if (auto it = by_name.find(step.node_name); it != by_name.end()) {
          row.macs = node_cost(graph, *it->second).macs;
        }
        rows.push_back(std::move(row));
      }
      times.resize(profile.size());
    }
    if (profile.size() != rows.size()) return internal_error("profile changed between runs");
    for (size_t s = 0; s < profile.size(); ++s) times[s].push_back(profile[s].milliseconds);
  }
  for (size_t s = 0; s < rows.size(); ++s) rows[s].median_ms = median(times[s]);
  return Status::ok();
}

Result<Measurements> measure(const BenchArgs& args) {
  Measurements m;
  const auto load_start = Clock::now();
  FOVEA_ASSIGN_OR_RETURN(auto executor, load_model(args.model, load_options(args, false)));
  FOVEA_ASSIGN_OR_RETURN(m.input_shapes,
                         bench_input_shapes(executor->graph(), args.model, args.batch));
  // The executor prepared the plan for these shapes at load (a free batch is prepared for
  // args.batch); this finds it, and a fixed batch other than args.batch was refused above.
  auto plan = executor->plan_for(m.input_shapes);
  if (!plan.is_ok()) return plan.status().with_context(args.model);
  m.load_ms = ms_since(load_start);
  m.arena_bytes = (*plan)->arena_bytes();
  m.device_arena_bytes = (*plan)->device_arena_bytes();

  const std::vector<Tensor> inputs = random_inputs(m.input_shapes, args.seed);
  auto run_once = [&]() -> Result<double> {
    const auto start = Clock::now();
    auto outputs = executor->run(inputs);
    if (!outputs.is_ok()) return outputs.status().with_context(args.model);
    return ms_since(start);
  };
  FOVEA_ASSIGN_OR_RETURN(m.first_run_ms, run_once());
  for (int i = 0; i < args.warmup; ++i) FOVEA_RETURN_IF_ERROR(run_once().status());
  std::vector<double> times;
  for (int i = 0; i < args.iters; ++i) {
    FOVEA_ASSIGN_OR_RETURN(double ms, run_once());
    times.push_back(ms);
  }
  m.median_ms = median(times);
  m.p90_ms = percentile(times, 0.9);
  m.min_ms = *std::min_element(times.begin(), times.end());
  m.peak_rss_mb = peak_rss_mb();  // before profiling, which loads the model a second time
  m.replaying = (*plan)->replaying();
  m.capture_failure = (*plan)->capture_failure();

  if (args.profile) {
    executor.reset();
    FOVEA_RETURN_IF_ERROR(profile_steps(args, m.input_shapes, inputs, m.steps));
  }
  return m;
}

double throughput(const BenchArgs& args, const Measurements& m) {
  return m.median_ms > 0 ? args.batch * 1000.0 / m.median_ms : 0;
}

double gflops(const StepRow& row) {
  return row.median_ms > 0 ? 2.0 * static_cast<double>(row.macs) / (row.median_ms * 1e6) : 0;
}

void print_json(const BenchArgs& args, const Measurements& m) {
  json out = {{"model", args.model},
              {"backend", args.backend},
              {"threads", args.threads},
              {"batch", args.batch},
              {"optimize", !args.no_optimize},
              {"fast_math", args.fast_math},
              {"huge_pages", args.huge_pages},
              {"iters", args.iters},
              {"warmup", args.warmup},
              {"input_shapes", m.input_shapes},
              {"load_ms", m.load_ms},
              {"first_run_ms", m.first_run_ms},
              {"median_ms", m.median_ms},
              {"p90_ms", m.p90_ms},
              {"min_ms", m.min_ms},
              {"throughput_ips", throughput(args, m)},
              {"peak_rss_mb", m.peak_rss_mb},
              {"arena_bytes", m.arena_bytes},
              {"device_arena_bytes", m.device_arena_bytes},
              {"cuda_graph", args.cuda_graph},
              {"replaying", m.replaying}};
  if (args.cuda_graph && !m.replaying) out["capture_failure"] = m.capture_failure;
  if (args.profile) {
    double total = 0;
    for (const StepRow& row : m.steps) total += row.median_ms;
    json steps = json::array();
    for (const StepRow& row : m.steps) {
      steps.push_back({{"op", row.op_type},
                       {"node", row.node_name},
                       {"inputs", row.inputs},
                       {"outputs", row.outputs},
                       {"ms", row.median_ms},
                       {"share", total > 0 ? row.median_ms / total : 0},
                       {"macs", row.macs},
                       {"gflops", gflops(row)}});
    }
    out["profile"] = {{"total_ms", total}, {"steps", steps}};
  }
  std::cout << out.dump(2) << "\n";
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

void print_profile_table(const std::vector<StepRow>& steps) {
  double total = 0;
  for (const StepRow& row : steps) total += row.median_ms;
  const std::vector<std::string> header = {"#",       "op", "node",    "inputs",
                                           "outputs", "ms", "share %", "GFLOP/s"};
  std::vector<std::vector<std::string>> table = {header};
  std::map<std::string, double> by_op;
  for (size_t i = 0; i < steps.size(); ++i) {
    const StepRow& r = steps[i];
    by_op[r.op_type] += r.median_ms;
    table.push_back({std::to_string(i), r.op_type, r.node_name, r.inputs, r.outputs,
                     fixed(r.median_ms, 3), fixed(total > 0 ? 100 * r.median_ms / total : 0, 1),
                     r.macs > 0 ? fixed(gflops(r), 1) : "-"});
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& line : table) {
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  }
  std::cout << "\nprofile (median per step over the profiled runs):\n";
  for (const auto& line : table) {
    for (size_t c = 0; c < line.size(); ++c) {
      const bool numeric = c == 0 || c >= 5;  // right-align numbers
      std::cout << (numeric ? std::right : std::left) << std::setw(static_cast<int>(width[c]))
                << line[c] << (c + 1 < line.size() ? "  " : "\n");
    }
  }
  std::cout << "total " << fixed(total, 3) << " ms; by op:";
  std::vector<std::pair<double, std::string>> ops;
  for (const auto& [op, ms] : by_op) ops.emplace_back(ms, op);
  std::sort(ops.rbegin(), ops.rend());
  for (const auto& [ms, op] : ops) {
    std::cout << " " << op << " " << fixed(total > 0 ? 100 * ms / total : 0, 1) << "%";
  }
  std::cout << "\n";
}

void print_text(const BenchArgs& args, const Measurements& m) {
  const std::string threads =
      args.threads > 0 ? std::to_string(args.threads) + " threads" : "default threads";
  std::cout << "model        " << args.model << "\n"
            << "backend      " << args.backend << ", " << threads << "\n"
            << "batch        " << args.batch << " (input " << join_shapes(m.input_shapes) << ")\n"
            << "options      optimize " << (args.no_optimize ? "off" : "on") << ", fast math "
            << (args.fast_math ? "on" : "off") << ", huge pages "
            << (args.huge_pages ? "on" : "off") << "\n"
            << "load         " << fixed(m.load_ms, 1) << " ms (import + plan)\n"
            << "first run    " << fixed(m.first_run_ms, 2) << " ms\n"
            << "latency      median " << fixed(m.median_ms, 2) << " ms, p90 " << fixed(m.p90_ms, 2)
            << " ms, min " << fixed(m.min_ms, 2) << " ms (" << args.iters << " runs after "
            << args.warmup << " warm-up)\n"
            << "throughput   " << fixed(throughput(args, m), 1) << " images/s\n"
            << "peak RSS     " << fixed(m.peak_rss_mb, 1) << " MB\n"
            << "arena        " << fixed(static_cast<double>(m.arena_bytes) / 1e6, 2)
            << " MB (activations at the plan's peak)\n";
  if (args.cuda_graph) {
    std::cout << "graph        "
              << (m.replaying ? "recorded once, replayed" : "not used: " + m.capture_failure)
              << "\n";
  }
  if (m.device_arena_bytes > 0) {
    std::cout << "device arena " << fixed(static_cast<double>(m.device_arena_bytes) / 1e6, 2)
              << " MB (activations in the " << args.backend << " backend's memory)\n";
  }
  if (args.profile) print_profile_table(m.steps);
}

int bench(const BenchArgs& args) {
  auto measured = measure(args);
  if (!measured.is_ok()) {
    std::cerr << "error: " << measured.status().message() << "\n";
    return 1;
  }
  if (args.json) {
    print_json(args, *measured);
  } else {
    print_text(args, *measured);
  }
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure load time, latency, throughput and memory");
  cmd->add_option("model", args->model, "ONNX model file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--batch,-n", args->batch, "Batch size (the input's leading dim)")
      ->check(CLI::Range(1, 65536));
  cmd->add_option("--threads,-t", args->threads, "Threads (0: the backend's default)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--iters,-k", args->iters, "Timed runs")->check(CLI::Range(1, 1000000));
  cmd->add_option("--warmup,-w", args->warmup, "Untimed runs before the timed ones")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--backend,-b", args->backend, "Backend")->check(CLI::IsMember(backend_names()));
  cmd->add_option("--seed", args->seed, "Seed of the random input (as ort_run.js --seed)");
  cmd->add_flag("--no-optimize", args->no_optimize, "Skip the graph passes (fusions, folding)");
  cmd->add_flag("--fast-math", args->fast_math, "Allow faster, slightly less exact kernels");
  cmd->add_flag("--huge-pages", args->huge_pages,
                "Weights of memory-bound layers on huge pages (faster runs, slower load)");
  cmd->add_flag("--tf32", args->tf32, "GPU backends: TF32 Tensor Core math (float32 by default)");
  cmd->add_flag("--cuda-graph", args->cuda_graph,
                "GPU backends: record a run once and replay it (CUDA Graphs)");
  cmd->add_flag("--json", args->json, "Print one JSON object instead of text");
  cmd->add_flag("--profile", args->profile, "Add a per-step timing table");
  cmd->callback([args, &exit_code] { exit_code = bench(*args); });
}

}  // namespace fovea::cli
