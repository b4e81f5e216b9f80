// fovea summary MODEL [--optimized] [--json] [--batch N]: a per-layer table in the spirit of
// CS231n's VGG breakdown — layer, op, output shape, parameters, multiply-accumulates and
// activation memory — and the totals. Parameters are counted as torchvision counts them
// (BatchNorm running statistics apart, as buffers; engine/ops/op_cost.h). With --optimized the
// table is the graph after the optimizer's fusions, followed by what was fused into what.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/fovea/commands.h"
#include "engine/ops/op_cost.h"
#include "engine/ops/shape_inference.h"
#include "engine/passes/optimize.h"
#include "importers/onnx/onnx_importer.h"

namespace fovea::cli {
namespace {

struct SummaryArgs {
  std::string model;
  bool optimized = false;
  bool json = false;
  int64_t batch = 1;
};

struct LayerRow {
  std::string name, op, shape;
  NodeCost cost;
  int64_t activation_bytes = 0;
};

// "1,234,567": parameter counts are compared with published figures digit by digit.
std::string grouped(int64_t n) {
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out = n < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string human_bytes(int64_t bytes) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(bytes >= (1 << 20) ? 1 : 0);
  if (bytes >= (1 << 20)) {
    out << bytes / double(1 << 20) << " MiB";
  } else if (bytes >= 1024) {
    out << bytes / 1024.0 << " KiB";
  } else {
    out << bytes << " B";
  }
  return out.str();
}

// The op as it will run: a fused Conv shows its activation and residual sum ("Conv+Relu+Sum").
std::string op_label(const Node& node) {
  std::string label = node.op_type;
  const std::string activation = node.attrs.get_string("activation", "");
  if (node.op_type == "Conv" && node.has_input(3)) label += "+Sum";
  if (!activation.empty()) label += "+" + activation;
  return label;
}

// Infers shapes with every free dimension (the batch) set to `batch`.
Status infer_with_batch(Graph& graph, int64_t batch) {
  InferOptions options;
  for (ValueId id : graph.inputs) {
    Shape shape = graph.value(id).shape;
    for (int64_t& d : shape) {
      if (d == kDynamicDim) d = batch;
    }
    options.input_shapes[graph.value(id).name] = shape;
  }
  auto inferred = infer_shapes(graph, options);
  return inferred.is_ok() ? Status::ok() : inferred.status();
}

int summarize(const SummaryArgs& args) {
  auto imported = import_onnx_file(args.model);
  if (!imported.is_ok()) {
    std::cerr << "error: " << imported.status().message() << "\n";
    return 1;
  }
  Graph graph = std::move(imported).value();
  Status status = infer_with_batch(graph, args.batch);
  OptimizeReport report;
  if (status.is_ok() && args.optimized) {
    status = optimize_graph(graph, {}, &report);
    if (status.is_ok()) status = infer_with_batch(graph, args.batch);  // passes re-infer freely
  }
  if (!status.is_ok()) {
    std::cerr << "error: " << status.message() << "\n";
    return 1;
  }

  std::vector<LayerRow> rows;
  NodeCost total;
  int64_t total_activation = 0;
  for (const Node& node : graph.nodes) {
    LayerRow row{node.name, op_label(node), "", node_cost(graph, node), 0};
    for (ValueId out : node.outputs) {
      if (out == kNoValue) continue;
      const Value& value = graph.value(out);
      if (!row.shape.empty()) row.shape.push_back(' ');
      row.shape.append(shape_to_string(value.shape));
      const auto count = element_count(value.shape);
      if (count && !value.is_constant()) {
        row.activation_bytes += *count * static_cast<int64_t>(dtype_size(value.dtype));
      }
    }
    total.params += row.cost.params;
    total.buffers += row.cost.buffers;
    total.macs += row.cost.macs;
    total_activation += row.activation_bytes;
    rows.push_back(std::move(row));
  }

  if (args.json) {
    nlohmann::json layers = nlohmann::json::array();
    for (const LayerRow& r : rows) {
      layers.push_back({{"name", r.name},
                        {"op", r.op},
                        {"output_shape", r.shape},
                        {"params", r.cost.params},
                        {"buffers", r.cost.buffers},
                        {"macs", r.cost.macs},
                        {"activation_bytes", r.activation_bytes}});
    }
    nlohmann::json fused = nlohmann::json::array();
    for (const FusionRecord& f : report.records) {
      fused.push_back({{"pass", f.pass}, {"kept", f.kept_node}, {"removed", f.removed_nodes}});
    }
    nlohmann::json out = {{"model", args.model},
                          {"batch", args.batch},
                          {"optimized", args.optimized},
                          {"layers", layers},
                          {"params", total.params},
                          {"buffers", total.buffers},
                          {"macs", total.macs},
                          {"activation_bytes", total_activation},
                          {"fusions", fused}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }

  std::cout << args.model << (args.optimized ? " (optimized)" : "") << ", batch " << args.batch
            << "\n";
  std::cout << std::left << std::setw(28) << "layer" << std::setw(22) << "op" << std::setw(22)
            << "output shape" << std::right << std::setw(14) << "params" << std::setw(16) << "MACs"
            << std::setw(12) << "activations"
            << "\n";
  for (const LayerRow& r : rows) {
    std::cout << std::left << std::setw(28) << r.name.substr(0, 27) << std::setw(22)
              << r.op.substr(0, 21) << std::setw(22) << r.shape.substr(0, 21) << std::right
              << std::setw(14) << grouped(r.cost.params + r.cost.buffers) << std::setw(16)
              << grouped(r.cost.macs) << std::setw(12) << human_bytes(r.activation_bytes) << "\n";
  }
  std::cout << "\nlayers:             " << rows.size() << "\n"
            << "parameters:         " << grouped(total.params) << " trainable (" << std::fixed
            << std::setprecision(1) << total.params * 4 / double(1 << 20) << " MiB as float32)\n"
            << "buffers:            " << grouped(total.buffers)
            << " (BatchNorm running mean/var, not trainable)\n"
            << "multiply-adds:      " << grouped(total.macs) << " (" << std::setprecision(2)
            << total.macs / 1e9 << " G)\n"
            << "activation memory:  " << human_bytes(total_activation)
            << " (every layer's output, forward only)\n";
  if (args.optimized) {
    std::cout << "\nfusions (" << report.records.size() << "):\n";
    for (const FusionRecord& f : report.records) {
      std::cout << "  " << f.pass << ": " << f.kept_node << " <-";
      for (const std::string& removed : f.removed_nodes) std::cout << " " << removed;
      std::cout << "\n";
    }
  }
  return 0;
}

}  // namespace

void add_summary_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SummaryArgs>();
  CLI::App* cmd =
      app.add_subcommand("summary", "Per-layer parameters, multiply-adds and activation memory");
  cmd->add_option("model", args->model, "ONNX model file")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--optimized", args->optimized, "Show the graph after fusion and what was fused");
  cmd->add_flag("--json", args->json, "Print one JSON document instead of the table");
  cmd->add_option("--batch", args->batch, "Batch size for shapes and MACs")
      ->check(CLI::PositiveNumber);
  cmd->callback([args, &exit_code] { exit_code = summarize(*args); });
}

}  // namespace fovea::cli
