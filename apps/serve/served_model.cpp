#include "apps/serve/served_model.h"

#include <filesystem>

#include "runtime/vision/model_metadata.h"
#include "runtime/vision/preset_choice.h"
#include "runtime/vision/scores.h"
#include "runtime/vision/zoo_table.h"

namespace fovea::serve {
namespace {

namespace fs = std::filesystem;

// `file` (e.g. "zoo.tsv") beside the model, or in ./models.
std::string find_beside(const std::string& model_path, const std::string& file) {
  for (const fs::path& dir : {fs::path(model_path).parent_path(), fs::path("models")}) {
    std::error_code ec;
    if (fs::exists(dir / file, ec)) return (dir / file).string();
  }
  return {};
}

}  // namespace

std::unique_ptr<ServedModel> open_served_model(const std::string& name, const std::string& path,
                                               const std::string& labels_path,
                                               const ModelOptions& model_options,
                                               const BatchOptions& batching, Metrics* metrics) {
  auto served = std::make_unique<ServedModel>();
  served->name = name;
  served->model = Model::load(path, model_options);
  const Model& model = *served->model;

  const auto& inputs = model.inputs();
  if (inputs.size() == 1 && inputs[0].dtype == DataType::kFloat32 && inputs[0].shape.size() == 4 &&
      inputs[0].shape[1] == 3) {
    vision::ModelFacts facts;
    facts.path = path;
    if (auto metadata = vision::read_model_metadata(path); metadata.is_ok()) {
      facts.metadata = std::move(metadata).value();
    }
    std::vector<vision::ZooEntry> zoo;
    if (const std::string table = find_beside(path, "zoo.tsv"); !table.empty()) {
      if (auto entries = vision::read_zoo_table(table); entries.is_ok()) zoo = std::move(*entries);
    }
    facts.zoo = vision::find_zoo_entry(zoo, path);
    facts.input_height = static_cast<int>(std::max<int64_t>(inputs[0].shape[2], 0));
    facts.input_width = static_cast<int>(std::max<int64_t>(inputs[0].shape[3], 0));
    auto choice = vision::choose_preprocessing(facts, {});
    if (choice.is_ok()) {
      served->preprocessing = choice->preprocessing;
      served->preprocessing_reason = choice->reason;
    }
  }
  std::string labels = labels_path;
  const auto& outputs = model.outputs();
  if (labels.empty() && !outputs.empty() && outputs[0].shape.size() == 2 &&
      outputs[0].shape[1] == 1000) {
    labels = find_beside(path, "imagenet_classes.txt");
  }
  if (!labels.empty()) served->labels = vision::read_labels(labels);
  served->queue = std::make_unique<BatchQueue>(name, served->model, batching, metrics);
  return served;
}

}  // namespace fovea::serve
