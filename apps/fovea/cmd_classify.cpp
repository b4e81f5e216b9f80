// fovea classify [--model M] [--labels L] [--top K] [--json] [--batch B] IMAGE_OR_DIR...
// Decodes photos with OpenCV, preprocesses them as the model needs (preset per model, see
// runtime/vision/preset_choice.h), runs them in batches and prints the top-k classes.
// A bad image is reported on stderr and skipped; the others are still classified, and the
// exit status is non-zero if anything failed.
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "apps/fovea/commands.h"
#include "apps/fovea/image_classifier.h"
#include "runtime/vision/image_io.h"
#include "runtime/vision/preprocess.h"
#include "runtime/vision/scores.h"

namespace fovea::cli {
namespace {

struct ClassifyArgs {
  ClassifierSetup setup;
  std::vector<std::string> images;
  int top = 5;
  int batch = 8;
  bool json = false;
};

struct Decoded {
  std::string path;
  cv::Mat view;
};

void print_text(const ImageClassifier& classifier, const std::string& path,
                const std::vector<vision::ScoredClass>& top) {
  std::cout << path << "\n";
  for (const vision::ScoredClass& c : top) {
    std::cout << "  " << std::fixed << std::setprecision(4) << c.score << "  "
              << classifier.label(c.index) << "\n";
  }
  std::cout.unsetf(std::ios::fixed);
}

nlohmann::json to_json(const ImageClassifier& classifier, const std::string& path,
                       const std::vector<vision::ScoredClass>& top) {
  nlohmann::json classes = nlohmann::json::array();
  for (const vision::ScoredClass& c : top) {
    classes.push_back(
        {{"index", c.index}, {"label", classifier.label(c.index)}, {"probability", c.score}});
  }
  return {{"image", path}, {"top", classes}};
}

// Classifies `batch`, printing (or collecting) each image's top classes.
bool classify_batch(ImageClassifier& classifier, const std::vector<Decoded>& batch,
                    const ClassifyArgs& args, nlohmann::json& results) {
  std::vector<cv::Mat> views;
  for (const Decoded& d : batch) views.push_back(d.view);
  auto probabilities = classifier.probabilities(views);
  if (!probabilities.is_ok()) {
    std::cerr << "error: " << probabilities.status().message() << "\n";
    return false;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto top = vision::top_k((*probabilities)[i], args.top);
    if (args.json) {
      results.push_back(to_json(classifier, batch[i].path, top));
    } else {
      print_text(classifier, batch[i].path, top);
    }
  }
  return true;
}

int classify(const ClassifyArgs& args) {
  auto opened = ImageClassifier::open(args.setup);
  if (!opened.is_ok()) {
    std::cerr << "error: " << opened.status().message() << "\n";
    return 1;
  }
  ImageClassifier& classifier = **opened;
  const vision::Preprocessing& pre = classifier.preprocessing();
  if (!args.json) {
    std::cout << "model " << classifier.model_path() << "\n"
              << "preset " << pre.describe() << " (" << classifier.preset().reason << ")\n"
              << (classifier.applies_softmax() ? "softmax applied to the model's logits\n"
                                               : "the model ends in Softmax\n");
  }
  nlohmann::json results = nlohmann::json::array();
  nlohmann::json errors = nlohmann::json::array();
  bool failed = false;
  const std::vector<std::string> paths = vision::expand_image_arguments(args.images);
  if (paths.empty()) {
    std::cerr << "error: no images found in the given folders\n";
    failed = true;
  }
  const size_t batch_size = static_cast<size_t>(std::min(args.batch, classifier.max_batch()));
  std::vector<Decoded> pending;
  for (size_t i = 0; i < paths.size(); ++i) {
    auto image = vision::load_image(paths[i]);
    if (!image.is_ok()) {
      std::cerr << "error: " << image.status().message() << "\n";
      errors.push_back({{"image", paths[i]}, {"error", image.status().message()}});
      failed = true;
    } else {
      pending.push_back({paths[i], vision::model_view(*image, pre)});
    }
    if (pending.size() == batch_size || (i + 1 == paths.size() && !pending.empty())) {
      if (!classify_batch(classifier, pending, args, results)) return 1;
      pending.clear();
    }
  }
  if (args.json) {
    nlohmann::json report = {{"model", classifier.model_path()},
                             {"preset", pre.name},
                             {"preprocessing", pre.describe()},
                             {"preset_reason", classifier.preset().reason},
                             {"softmax_applied", classifier.applies_softmax()},
                             {"results", results},
                             {"errors", errors}};
    std::cout << report.dump(2) << "\n";
  }
  return failed ? 1 : 0;
}

}  // namespace

void add_classify_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ClassifyArgs>();
  CLI::App* cmd = app.add_subcommand("classify", "Name the objects in photos (top-k classes)");
  cmd->add_option("images", args->images, "Image files or folders of images")->required();
  cmd->add_option("--model,-m", args->setup.model,
                  "ONNX classifier (default: the bundled MobileNetV2)");
  cmd->add_option("--labels,-l", args->setup.labels,
                  "Class names, one per line (default: ImageNet's for 1000 classes)");
  cmd->add_option("--top,-k", args->top, "How many classes to print")->check(CLI::Range(1, 1000));
  cmd->add_option("--batch", args->batch, "Images per model run")->check(CLI::Range(1, 256));
  cmd->add_flag("--json", args->json, "Print one JSON document instead of text");
  add_backend_options(cmd, args->setup);
  add_preprocessing_options(cmd, args->setup.preprocessing);
  cmd->callback([args, &exit_code] { exit_code = classify(*args); });
}

}  // namespace fovea::cli
