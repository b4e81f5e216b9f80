// fovea explain MODEL IMAGE --out heatmap.png: occlusion sensitivity (Zeiler & Fergus 2013)
// for the model's top class, overlaid on the photo (or, with --view-only, on the model's view).
// fovea explain MODEL --filters filters.png: the first convolution's filters as a grid.
// Images are written atomically; an existing file is kept unless --force.
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>

#include "apps/fovea/commands.h"
#include "apps/fovea/image_classifier.h"
#include "importers/onnx/onnx_importer.h"
#include "runtime/vision/image_io.h"
#include "runtime/vision/occlusion.h"
#include "runtime/vision/preprocess.h"
#include "runtime/vision/scores.h"

namespace fovea::cli {
namespace {

struct ExplainArgs {
  ClassifierSetup setup;
  std::string image;
  std::string out;
  std::string filters;
  vision::OcclusionOptions occlusion;
  bool view_only = false;  // draw on the model's center-cropped view instead of the photo
  bool force = false;
};

// The first Conv reading a constant weight with 3 input channels: the layer that sees pixels.
const Tensor* first_conv_weights(const Graph& graph) {
  for (const Node& node : graph.nodes) {
    if (node.op_type != "Conv" || !node.has_input(1)) continue;
    const Value& w = graph.value(node.input(1));
    if (w.is_constant() && w.constant.rank() == 4 && w.constant.dim(1) == 3) return &w.constant;
  }
  return nullptr;
}

int write_filters(const ExplainArgs& args) {
  const std::string model = args.setup.model;
  auto graph = import_onnx_file(model);
  if (!graph.is_ok()) {
    std::cerr << "error: " << graph.status().message() << "\n";
    return 1;
  }
  const Tensor* weights = first_conv_weights(*graph);
  if (weights == nullptr) {
    std::cerr << "error: " << model << ": no convolution with constant weights reads the image\n";
    return 1;
  }
  // Channel order for display: a BGR model's filters are stored BGR; its preset says which.
  auto preset = choose_model_preset(model, *graph, args.setup.preprocessing);
  if (!preset.is_ok()) {
    std::cerr << "error: " << preset.status().message() << "\n";
    return 1;
  }
  auto grid = vision::filter_grid(*weights, preset->preprocessing.bgr);
  if (!grid.is_ok()) {
    std::cerr << "error: " << model << ": " << grid.status().message() << "\n";
    return 1;
  }
  Status written = vision::write_image_atomic(args.filters, *grid, args.force);
  if (!written.is_ok()) {
    std::cerr << "error: " << written.message() << "\n";
    return 1;
  }
  std::cout << model << ": " << weights->dim(0) << " first-layer filters "
            << shape_to_string(weights->shape()) << " ("
            << (preset->preprocessing.bgr ? "BGR" : "RGB") << ") -> " << args.filters << "\n";
  return 0;
}

int write_heatmap(const ExplainArgs& args) {
  std::error_code ec;
  if (std::filesystem::exists(args.out, ec) && !args.force) {  // fail before minutes of work
    std::cerr << "error: " << args.out << ": exists; pass --force to overwrite it\n";
    return 1;
  }
  auto opened = ImageClassifier::open(args.setup);
  if (!opened.is_ok()) {
    std::cerr << "error: " << opened.status().message() << "\n";
    return 1;
  }
  ImageClassifier& classifier = **opened;
  auto image = vision::load_image(args.image);
  if (!image.is_ok()) {
    std::cerr << "error: " << image.status().message() << "\n";
    return 1;
  }
  const vision::Preprocessing& pre = classifier.preprocessing();
  const cv::Mat view = vision::model_view(*image, pre);
  auto base = classifier.probabilities(std::vector<cv::Mat>{view});
  if (!base.is_ok()) {
    std::cerr << "error: " << base.status().message() << "\n";
    return 1;
  }
  const int target = vision::top_k((*base)[0], 1)[0].index;
  vision::OcclusionOptions options = args.occlusion;
  options.batch = std::min(options.batch, classifier.max_batch());
  auto map = vision::occlusion_sensitivity(
      view, pre, options, [&](const Tensor& batch) -> Result<std::vector<float>> {
        FOVEA_ASSIGN_OR_RETURN(auto rows, classifier.probabilities(batch));
        std::vector<float> scores;
        for (const auto& row : rows) scores.push_back(row[static_cast<size_t>(target)]);
        return scores;
      });
  if (!map.is_ok()) {
    std::cerr << "error: " << map.status().message() << "\n";
    return 1;
  }
  const cv::Mat overlay = args.view_only ? vision::overlay_heatmap(view, map->drop)
                                         : vision::overlay_heatmap_on_photo(*image, map->drop, pre);
  Status written = vision::write_image_atomic(args.out, overlay, args.force);
  if (!written.is_ok()) {
    std::cerr << "error: " << written.message() << "\n";
    return 1;
  }
  // The peak back in the original photo's pixels (the pixel's center, through crop and resize).
  const cv::Point2d peak = vision::view_geometry(image->size(), pre)
                               .to_photo(cv::Point2d(map->peak.x + 0.5, map->peak.y + 0.5));
  const int peak_x = static_cast<int>(peak.x);
  const int peak_y = static_cast<int>(peak.y);
  double max_drop = 0;
  cv::minMaxLoc(map->drop, nullptr, &max_drop);
  std::cout << "class " << target << " '" << classifier.label(target) << "' p=" << std::fixed
            << std::setprecision(3) << map->base_probability << "; " << map->positions
            << " occlusions of " << map->patch << "px, stride " << map->stride << "\n"
            << "peak drop " << max_drop << " at view " << map->peak.x << " " << map->peak.y << " ("
            << pre.crop << "x" << pre.crop << "), image " << peak_x << " " << peak_y << " ("
            << image->cols << "x" << image->rows << ")\n"
            << "heatmap -> " << args.out << "\n";
  return 0;
}

int explain(const ExplainArgs& args) {
  if (args.filters.empty() == args.out.empty()) {
    std::cerr << "error: give IMAGE --out heatmap.png, or --filters filters.png\n";
    return 1;
  }
  if (!args.filters.empty()) return write_filters(args);
  if (args.image.empty()) {
    std::cerr << "error: --out needs an IMAGE to explain\n";
    return 1;
  }
  return write_heatmap(args);
}

}  // namespace

void add_explain_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "explain", "Occlusion heatmap of what a classifier looks at, or its first-layer filters");
  cmd->add_option("model", args->setup.model, "ONNX classifier")->required();
  cmd->add_option("image", args->image, "Photo to explain (with --out)");
  cmd->add_option("--out,-o", args->out, "Heatmap overlay to write (.png or .jpg)");
  cmd->add_option("--filters", args->filters, "Write the first conv layer's filters here");
  cmd->add_option("--labels,-l", args->setup.labels, "Class names, one per line");
  cmd->add_option("--patch", args->occlusion.patch, "Occluding square's side in pixels")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--stride", args->occlusion.stride, "Step between occlusions in pixels")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch", args->occlusion.batch, "Occluded images per model run")
      ->check(CLI::Range(1, 256));
  add_backend_options(cmd, args->setup);
  cmd->add_flag("--view-only", args->view_only,
                "Draw on the model's resized, center-cropped view instead of the whole photo");
  cmd->add_flag("--force", args->force, "Overwrite an existing output image");
  add_preprocessing_options(cmd, args->setup.preprocessing);
  cmd->callback([args, &exit_code] { exit_code = explain(*args); });
}

}  // namespace fovea::cli
