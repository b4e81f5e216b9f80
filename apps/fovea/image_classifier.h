// What `fovea classify` and `fovea explain` share: finding the bundled model and labels,
// loading a model and checking that it classifies images, choosing its preprocessing, and
// turning batches of model views into class probabilities.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/plan/executor.h"
#include "runtime/vision/preset_choice.h"

namespace fovea::cli {

inline constexpr const char* kDefaultModel = "models/mobilenetv2-fp32.onnx";
inline constexpr const char* kDefaultLabels = "models/imagenet_classes.txt";

// `relative` (e.g. "models/zoo.tsv") found from the working directory, or beside the program
// (build/apps/fovea → the source tree, or an installed share/fovea); empty when not found.
std::string find_bundled(const std::string& relative);

struct ClassifierSetup {
  std::string model;   // empty: the bundled MobileNetV2
  std::string labels;  // empty: the bundled ImageNet classes for a 1000-class model
  std::string backend = "onednn";
  int threads = 0;
  bool tf32 = false;  // GPU backends: TF32 Tensor Core math
  vision::PresetFlags preprocessing;
};

// Adds --backend --threads --tf32 to a subcommand.
void add_backend_options(CLI::App* command, ClassifierSetup& setup);
// Adds --preset --mean --std --size --crop --bgr --scale to a subcommand.
void add_preprocessing_options(CLI::App* command, vision::PresetFlags& flags);

// The preprocessing for the model at `path` (see runtime/vision/preset_choice.h): flags, its
// metadata, models/zoo.tsv, then its input shape.
Result<vision::PresetChoice> choose_model_preset(const std::string& path, const Graph& graph,
                                                 const vision::PresetFlags& flags);

class ImageClassifier {
 public:
  // Errors name the model and say why it cannot classify images (missing, not ONNX,
  // unsupported, or an input that is not one [N,3,H,W] image tensor).
  static Result<std::unique_ptr<ImageClassifier>> open(const ClassifierSetup& setup);

  const std::string& model_path() const { return model_path_; }
  const vision::PresetChoice& preset() const { return preset_; }
  const vision::Preprocessing& preprocessing() const { return preset_.preprocessing; }
  bool applies_softmax() const { return !ends_in_softmax_; }
  int max_batch() const { return max_batch_; }
  const Graph& graph() const { return executor_->graph(); }
  // The name of class i: its label, or "class <i>" without labels.
  std::string label(int index) const;
  const std::vector<std::string>& labels() const { return labels_; }

  // Class probabilities for each view (views from vision::model_view), run in batches.
  Result<std::vector<std::vector<float>>> probabilities(const std::vector<cv::Mat>& views);
  // The same for an already-normalised [N,3,H,W] batch.
  Result<std::vector<std::vector<float>>> probabilities(const Tensor& batch);

 private:
  ImageClassifier() = default;
  std::string model_path_;
  std::unique_ptr<Executor> executor_;
  vision::PresetChoice preset_;
  std::vector<std::string> labels_;
  bool ends_in_softmax_ = false;
  int max_batch_ = 1;
  int64_t classes_ = 0;
};

}  // namespace fovea::cli
