#include "apps/fovea/image_classifier.h"

#include <algorithm>
#include <filesystem>

#include "engine/backends/backend_registry.h"
#include "runtime/internal/model_loader.h"
#include "runtime/vision/preprocess.h"
#include "runtime/vision/scores.h"

namespace fovea::cli {
namespace fs = std::filesystem;

namespace {

fs::path executable_dir() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : self.parent_path();
}

// The model ends in Softmax when its first output is a Softmax's, possibly reshaped after.
bool ends_in_softmax(const Graph& graph) {
  if (graph.outputs.empty()) return false;
  const std::vector<int64_t> producers = graph.producers();
  ValueId value = graph.outputs[0];
  while (true) {
    const int64_t producer = producers[static_cast<size_t>(value)];
    if (producer < 0) return false;
    const Node& node = graph.nodes[static_cast<size_t>(producer)];
    if (node.op_type == "Softmax") return true;
    static const char* const kPassThrough[] = {"Flatten", "Reshape", "Squeeze", "Identity",
                                               "Dropout"};
    if (std::none_of(std::begin(kPassThrough), std::end(kPassThrough),
                     [&node](const char* op) { return node.op_type == op; })) {
      return false;
    }
    value = node.inputs[0];
  }
}

}  // namespace

std::string find_bundled(const std::string& relative) {
  std::error_code ec;
  if (fs::exists(relative, ec)) return relative;
  fs::path dir = executable_dir();
  for (int up = 0; up < 4 && !dir.empty(); ++up, dir = dir.parent_path()) {
    for (const fs::path& candidate : {dir / relative, dir / "share" / "fovea" / relative}) {
      if (fs::exists(candidate, ec)) return candidate.string();
    }
  }
  return "";
}

void add_backend_options(CLI::App* command, ClassifierSetup& setup) {
  command->add_option("--backend,-b", setup.backend, "Backend")
      ->check(CLI::IsMember(backend_names()));
  command->add_option("--threads,-t", setup.threads, "Threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  command->add_flag("--tf32", setup.tf32, "GPU backends: TF32 Tensor Core math (float32 by default)");
}

void add_preprocessing_options(CLI::App* command, vision::PresetFlags& flags) {
  command->add_option("--preset", flags.preset, "Preprocessing preset (default: chosen per model)")
      ->check(CLI::IsMember({"imagenet", "caffe"}));
  command->add_option("--mean", flags.mean, "Per-channel mean, model channel order")->expected(3);
  command->add_option("--std", flags.std, "Per-channel std, model channel order")->expected(3);
  command->add_option("--size", flags.size, "Resize the short side to this before cropping")
      ->check(CLI::PositiveNumber);
  command->add_option("--crop", flags.crop, "Center-crop size (default: the model's input)")
      ->check(CLI::PositiveNumber);
  command->add_option("--scale", flags.scale, "Pixel multiplier before mean/std (1/255: 0.0039)")
      ->check(CLI::PositiveNumber);
  command->add_flag("--bgr", flags.bgr, "Feed channels in BGR order");
}

Result<vision::PresetChoice> choose_model_preset(const std::string& path, const Graph& graph,
                                                 const vision::PresetFlags& flags) {
  vision::ModelFacts facts;
  facts.path = path;
  if (auto metadata = vision::read_model_metadata(path); metadata.is_ok()) {
    facts.metadata = std::move(metadata).value();
  }
  std::vector<vision::ZooEntry> zoo;
  if (const std::string table = find_bundled("models/zoo.tsv"); !table.empty()) {
    if (auto entries = vision::read_zoo_table(table); entries.is_ok()) zoo = std::move(*entries);
  }
  facts.zoo = vision::find_zoo_entry(zoo, path);
  if (graph.inputs.size() == 1) {
    const Value& input = graph.value(graph.inputs[0]);
    if (input.rank_known && input.shape.size() == 4) {
      facts.input_height = static_cast<int>(std::max<int64_t>(input.shape[2], 0));
      facts.input_width = static_cast<int>(std::max<int64_t>(input.shape[3], 0));
    }
  }
  return vision::choose_preprocessing(facts, flags);
}

Result<std::unique_ptr<ImageClassifier>> ImageClassifier::open(const ClassifierSetup& setup) {
  std::unique_ptr<ImageClassifier> classifier(new ImageClassifier());
  classifier->model_path_ = setup.model.empty() ? find_bundled(kDefaultModel) : setup.model;
  const std::string& path = classifier->model_path_;
  if (path.empty()) {
    return Status(StatusCode::kNotFound, std::string("the bundled model ") + kDefaultModel +
                                             " was not found; pass --model");
  }
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return Status(StatusCode::kNotFound, path + ": no such model file");
  }
  LoadOptions load;
  load.backend = setup.backend;
  load.threads = setup.threads;
  load.allow_tf32 = setup.tf32;
  FOVEA_ASSIGN_OR_RETURN(classifier->executor_, load_model(path, load));
  const Graph& graph = classifier->executor_->graph();

  // One float image input [N,3,H,W] and one output holding the class scores.
  if (graph.inputs.size() != 1 || graph.outputs.empty()) {
    return invalid_argument(path + ": has " + std::to_string(graph.inputs.size()) +
                            " inputs; an image classifier has one image input");
  }
  const Value& input = graph.value(graph.inputs[0]);
  if (input.dtype != DType::kFloat32 || !input.rank_known || input.shape.size() != 4 ||
      (input.shape[1] != 3 && input.shape[1] != kDynamicDim)) {
    return invalid_argument(path + ": input '" + input.name + "' is " + dtype_name(input.dtype) +
                            shape_to_string(input.shape) + ", not an image batch float32[N,3,H,W]");
  }
  classifier->max_batch_ =
      input.shape[0] == kDynamicDim ? 1 << 30 : static_cast<int>(input.shape[0]);
  FOVEA_ASSIGN_OR_RETURN(classifier->preset_,
                         choose_model_preset(path, graph, setup.preprocessing));
  classifier->ends_in_softmax_ = ends_in_softmax(graph);

  const Value& output = graph.value(graph.outputs[0]);
  if (output.rank_known && output.shape.size() >= 2 && output.shape[1] > 0) {
    classifier->classes_ = output.shape[1];
  }
  std::string labels_path = setup.labels;
  // A labels file beside the model (`fovea finetune` writes new.labels.txt for new.onnx).
  const fs::path beside =
      fs::path(path).parent_path() / (fs::path(path).stem().string() + ".labels.txt");
  if (labels_path.empty() && fs::is_regular_file(beside, ec)) labels_path = beside.string();
  if (labels_path.empty() && classifier->classes_ == 1000) {
    labels_path = find_bundled(kDefaultLabels);
  }
  if (!labels_path.empty()) {
    classifier->labels_ = vision::read_labels(labels_path);
    if (classifier->labels_.empty()) {
      return Status(StatusCode::kNotFound, labels_path + ": no labels could be read");
    }
    if (classifier->classes_ > 0 &&
        static_cast<int64_t>(classifier->labels_.size()) != classifier->classes_) {
      return invalid_argument(labels_path + " has " + std::to_string(classifier->labels_.size()) +
                              " labels but " + path + " outputs " +
                              std::to_string(classifier->classes_) + " classes");
    }
  }
  return classifier;
}

std::string ImageClassifier::label(int index) const {
  if (index >= 0 && static_cast<size_t>(index) < labels_.size()) return labels_[index];
  return "class " + std::to_string(index);
}

Result<std::vector<std::vector<float>>> ImageClassifier::probabilities(const Tensor& batch) {
  FOVEA_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, executor_->run({batch}));
  const Tensor& scores = outputs[0];
  const int64_t n = batch.dim(0);
  if (scores.dtype() != DType::kFloat32 || scores.rank() < 1 || scores.dim(0) != n ||
      scores.element_count() == 0) {
    return invalid_argument(model_path_ + ": output " + describe(scores) +
                            " is not one row of class scores per image");
  }
  const int64_t per_image = scores.element_count() / n;
  std::vector<std::vector<float>> rows;
  for (int64_t i = 0; i < n; ++i) {
    const float* row = scores.data<float>() + i * per_image;
    std::vector<float> values(row, row + per_image);
    rows.push_back(ends_in_softmax_ ? std::move(values) : vision::softmax(values));
  }
  return rows;
}

Result<std::vector<std::vector<float>>> ImageClassifier::probabilities(
    const std::vector<cv::Mat>& views) {
  std::vector<std::vector<float>> all;
  const size_t step = static_cast<size_t>(std::max(1, max_batch_));
  for (size_t first = 0; first < views.size(); first += step) {
    const size_t last = std::min(views.size(), first + step);
    const std::vector<cv::Mat> chunk(views.begin() + first, views.begin() + last);
    FOVEA_ASSIGN_OR_RETURN(auto rows, probabilities(vision::make_batch(chunk, preprocessing())));
    all.insert(all.end(), rows.begin(), rows.end());
  }
  return all;
}

}  // namespace fovea::cli
