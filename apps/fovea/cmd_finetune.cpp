// fovea finetune --model M --data DIR --out new.onnx [--epochs E] [--lr X] [--batch B]
//   [--optimizer sgd|adam] [--val-split F] [--augment] [--seed S] [--input-size S] [--test DIR]
//   [--feature-memory-mb N] [--cache-dir DIR]
//
// Transfer learning: cuts the model at its classifier, runs the frozen backbone through the
// optimized plan to extract features of an ImageFolder data set, trains a new linear head
// (engine/training) from features held in memory or, over --feature-memory-mb, in a
// temporary file in --cache-dir, and writes backbone + head as a new ONNX model with a labels file
// beside it.
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <numeric>
#include <sstream>

#include "apps/fovea/commands.h"
#include "apps/fovea/finetune_features.h"
#include "apps/fovea/image_classifier.h"
#include "engine/core/atomic_file.h"
#include "engine/backends/backend_registry.h"
#include "engine/ops/shape_inference.h"
#include "engine/training/classifier_cut.h"
#include "engine/training/feature_extractor.h"
#include "engine/training/feature_store.h"
#include "engine/training/head_trainer.h"
#include "engine/training/softmax_cross_entropy.h"
#include "importers/onnx/onnx_exporter.h"
#include "importers/onnx/onnx_importer.h"
#include "runtime/internal/model_loader.h"
#include "runtime/vision/image_folder.h"

namespace fovea::cli {
namespace {
namespace fs = std::filesystem;

struct FinetuneArgs {
  std::string model;
  std::string data;
  std::string out;
  std::string test;
  std::string cut;
  int epochs = 30;
  float lr = 0;  // 0: 1e-3 for adam, 1e-2 for sgd
  int batch = 32;
  std::string optimizer = "adam";
  std::string schedule = "cosine";
  float weight_decay = 1e-4f;
  float val_split = 0.1f;
  int patience = 0;
  bool augment = false;
  bool balance = false;
  uint64_t seed = 0;
  int input_size = 0;
  int max_per_class = 0;
  int extract_batch = 32;
  double feature_memory_mb = 1024;
  std::string cache_dir;
  bool force = false;
  std::string backend = "onednn";
  int threads = 0;
};

std::string percent(double fraction) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << 100 * fraction << "%";
  return s.str();
}

std::string labels_path_for(const std::string& model_path) {
  fs::path p(model_path);
  return (p.parent_path() / (p.stem().string() + ".labels.txt")).string();
}

std::vector<int32_t> labels_at(const vision::ImageFolder& folder, const std::vector<size_t>& idx) {
  std::vector<int32_t> labels;
  for (size_t i : idx) labels.push_back(folder.images[i].label);
  return labels;
}

std::vector<size_t> all_indices(size_t n) {
  std::vector<size_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

void report_folder(const vision::ImageFolder& folder, int input_size) {
  std::cout << "data " << folder.root << ": " << folder.images.size() << " images, "
            << folder.classes.size() << " classes\n";
  if (!folder.skipped.empty()) {
    std::cout << "skipped " << folder.skipped.size() << " unreadable image"
              << (folder.skipped.size() == 1 ? "" : "s") << ":\n";
    for (size_t i = 0; i < std::min<size_t>(folder.skipped.size(), 5); ++i) {
      std::cout << "  " << folder.skipped[i] << "\n";
    }
  }
  if (folder.sizes_differ()) {
    std::cout << "note: image sizes differ (" << folder.smallest.width << "x"
              << folder.smallest.height << " to " << folder.largest.width << "x"
              << folder.largest.height << "); each is resized and center-cropped to " << input_size
              << "x" << input_size << "\n";
  }
}

// Loads the written model back and compares its predictions on a few training images with the
// in-memory head's on their cached features: the file is what was trained.
Status check_saved_model(const FinetuneArgs& args, const vision::ImageFolder& folder,
                         const std::vector<size_t>& train_idx,
                         const training::FeatureStore& train_features,
                         const training::LinearLayer& head, const vision::Preprocessing& pre) {
  const size_t n = std::min<size_t>(train_idx.size(), 16);
  const std::vector<size_t> some(train_idx.begin(), train_idx.begin() + static_cast<long>(n));
  LoadOptions load;
  load.backend = args.backend;
  load.threads = args.threads;
  FOVEA_ASSIGN_OR_RETURN(auto executor, load_model(args.out, load));
  FOVEA_ASSIGN_OR_RETURN(std::vector<Tensor> outputs,
                         executor->run({vision::folder_batch(folder, some, pre)}));
  FOVEA_ASSIGN_OR_RETURN(Tensor rows, train_features.read_rows(0, static_cast<int64_t>(n)));
  FOVEA_ASSIGN_OR_RETURN(Tensor expected, head.infer(rows));
  const std::vector<int32_t> saved = training::argmax_rows(outputs.at(0));
  const std::vector<int32_t> in_memory = training::argmax_rows(expected);
  const auto agree = std::inner_product(saved.begin(), saved.end(), in_memory.begin(), size_t{0},
                                        std::plus<>(), std::equal_to<>());
  std::cout << "check: " << args.out << " reloaded gives the trained head's class on " << agree
            << "/" << n << " training images\n";
  if (agree != n) return internal_error(args.out + ": the saved model disagrees with the head");
  return Status::ok();
}

Status check_outputs_free(const FinetuneArgs& args) {
  std::error_code ec;
  if (!args.cache_dir.empty() && !fs::is_directory(args.cache_dir, ec)) {
    return invalid_argument("--cache-dir " + args.cache_dir + ": not a directory");
  }
  for (const std::string& path : {args.out, labels_path_for(args.out)}) {
    if (!args.force && fs::exists(path, ec)) {
      return invalid_argument(path + ": exists; pass --force to overwrite it");
    }
  }
  return Status::ok();
}

Status finetune(const FinetuneArgs& args) {
  const Clock::time_point start = Clock::now();
  FOVEA_RETURN_IF_ERROR(check_outputs_free(args));
  const std::string model_path = args.model.empty() ? find_bundled(kDefaultModel) : args.model;
  if (model_path.empty()) return Status(StatusCode::kNotFound, "no --model and no bundled model");
  FOVEA_ASSIGN_OR_RETURN(Graph model, import_onnx_file(model_path));
  FOVEA_ASSIGN_OR_RETURN(training::ClassifierCut cut,
                         training::find_classifier_cut(model, args.cut));
  FOVEA_ASSIGN_OR_RETURN(Graph backbone, training::backbone_graph(model, cut));
  FOVEA_ASSIGN_OR_RETURN(vision::PresetChoice preset, choose_model_preset(model_path, model, {}));
  const int size = args.input_size > 0 ? args.input_size : preset.preprocessing.crop;
  FOVEA_ASSIGN_OR_RETURN(vision::Preprocessing pre,
                         vision::preset_by_name(preset.preprocessing.name, size));
  std::cout << "model " << model_path << ": cut before "
            << (cut.classifier.empty() ? "the named node's output" : "'" + cut.classifier + "'")
            << ", features '" << model.value(cut.features).name << "'"
            << (cut.feature_size > 0 ? " (" + std::to_string(cut.feature_size) + ")" : "")
            << (cut.ends_in_softmax ? ", ends in Softmax" : ", ends in logits") << "\n"
            << "preset " << pre.describe() << "\n";

  FOVEA_ASSIGN_OR_RETURN(vision::ImageFolder folder,
                         vision::read_image_folder(args.data, args.max_per_class));
  report_folder(folder, size);
  std::vector<size_t> train_idx;
  std::vector<size_t> val_idx;
  vision::split_validation(folder, args.val_split, args.seed, train_idx, val_idx);
  std::cout << "split: " << train_idx.size() << " training, " << val_idx.size()
            << " validation images\n";

  training::ExtractorOptions extractor_options;
  extractor_options.backend = args.backend;
  extractor_options.threads = args.threads;
  extractor_options.input_size = size;
  FOVEA_ASSIGN_OR_RETURN(auto extractor,
                         training::FeatureExtractor::create(backbone, extractor_options));
  FeaturePlacement placement(static_cast<int64_t>(train_idx.size() + val_idx.size()),
                             args.feature_memory_mb, args.cache_dir);
  const Clock::time_point extract_start = Clock::now();
  FOVEA_ASSIGN_OR_RETURN(std::shared_ptr<const training::FeatureStore> train_features,
                         extract_features(*extractor, folder, train_idx, pre, args.extract_batch,
                                          nullptr, nullptr, "features (train)", placement));
  training::LabelledFeatureStore validation;
  if (!val_idx.empty()) {
    FOVEA_ASSIGN_OR_RETURN(validation.features,
                           extract_features(*extractor, folder, val_idx, pre, args.extract_batch,
                                            nullptr, nullptr, "features (val)  ", placement));
    validation.labels = labels_at(folder, val_idx);
  }
  const double extract_seconds = seconds_since(extract_start);

  // With augmentation every epoch sees new random views, so its features are recomputed.
  vision::AugmentOptions augment;
  std::mt19937_64 augment_rng(args.seed + 1);
  training::FeatureStoreSource source =
      [&](int epoch) -> Result<std::shared_ptr<const training::FeatureStore>> {
    if (!args.augment) return train_features;
    FOVEA_ASSIGN_OR_RETURN(
        std::shared_ptr<const training::FeatureStore> views,
        extract_features(*extractor, folder, train_idx, pre, args.extract_batch, &augment,
                         &augment_rng, "epoch " + std::to_string(epoch + 1) + " views", placement));
    return views;
  };

  training::HeadTrainingOptions options;
  options.epochs = args.epochs;
  options.batch = args.batch;
  options.optimizer.kind = args.optimizer;
  options.optimizer.weight_decay = args.weight_decay;
  options.learning_rate = args.lr > 0 ? args.lr : (args.optimizer == "sgd" ? 1e-2f : 1e-3f);
  options.schedule.kind = args.schedule;
  options.schedule.step_epochs = std::max(args.epochs / 3, 1);
  options.balance_classes = args.balance;
  options.patience = args.patience;
  options.seed = args.seed;
  training::TrainingCallbacks callbacks;
  Clock::time_point epoch_start = Clock::now();
  const int width = static_cast<int>(std::to_string(args.epochs).size());
  auto epoch_prefix = [&](int epoch) {
    std::ostringstream s;
    s << "epoch " << std::setw(width) << epoch + 1 << "/" << args.epochs;
    return s.str();
  };
  callbacks.batch = [&](int epoch, int64_t done, int64_t total, double loss, double accuracy) {
    const double elapsed = std::max(seconds_since(epoch_start), 1e-9);
    std::ostringstream stats;
    stats << "loss " << std::fixed << std::setprecision(3) << loss << " acc " << percent(accuracy);
    draw_bar(epoch_prefix(epoch), done, total, stats.str(), done / elapsed,
             elapsed / done * static_cast<double>(total - done));
  };
  // Each epoch's clock starts when the previous one ended, so with --augment the images/s
  // include extracting the epoch's features.
  callbacks.epoch = [&](const training::EpochReport& r) {
    epoch_start = Clock::now();
    std::ostringstream line;
    line << epoch_prefix(r.epoch) << "  lr " << std::setprecision(3) << r.learning_rate << "  loss "
         << std::fixed << std::setprecision(3) << r.train_loss << " acc "
         << percent(r.train_accuracy);
    if (!val_idx.empty()) {
      line << "  val loss " << r.val_loss << " acc " << percent(r.val_accuracy);
    }
    std::cerr << "\n";
    std::cout << line.str() << "\n" << std::flush;
  };
  const Clock::time_point train_start = Clock::now();
  epoch_start = train_start;
  FOVEA_ASSIGN_OR_RETURN(
      training::HeadTrainingResult trained,
      training::train_linear_head(source, labels_at(folder, train_idx),
                                  val_idx.empty() ? nullptr : &validation,
                                  static_cast<int>(folder.classes.size()), options, callbacks));
  const double train_seconds = seconds_since(train_start);

  // Backbone + new head, ending like the original, at the trained input size.
  FOVEA_ASSIGN_OR_RETURN(
      Graph finetuned, training::attach_linear_head(backbone, trained.head->weight().value,
                                                    trained.head->bias().value, cut.ends_in_softmax,
                                                    cut.output_name));
  FOVEA_ASSIGN_OR_RETURN(finetuned, training::with_input_size(std::move(finetuned), size));
  ExportOptions export_options;
  export_options.graph_name = "finetuned";
  export_options.doc_string = "Fine-tuned by fovea finetune from " +
                              fs::path(model_path).filename().string() + " on " + args.data;
  export_options.metadata = {{"fovea.preprocessing", pre.name},
                             {"fovea.labels", fs::path(labels_path_for(args.out)).filename()},
                             {"fovea.finetuned_from", fs::path(model_path).filename()}};
  std::string labels_text;
  for (const std::string& name : folder.classes) labels_text += name + "\n";
  FOVEA_RETURN_IF_ERROR(write_file_atomic(labels_path_for(args.out), labels_text, args.force));
  FOVEA_RETURN_IF_ERROR(write_onnx_file(args.out, finetuned, export_options, args.force));
  // The cached (unaugmented) views' features against the reloaded file.
  FOVEA_RETURN_IF_ERROR(
      check_saved_model(args, folder, train_idx, *train_features, *trained.head, pre));

  const training::EpochReport& best = trained.history[static_cast<size_t>(trained.best_epoch)];
  std::cout << "summary: " << trained.history.size() << " epochs"
            << (trained.stopped_early ? " (stopped early)" : "") << ", best epoch "
            << trained.best_epoch + 1 << ": train acc " << percent(best.train_accuracy);
  if (!val_idx.empty()) std::cout << ", val acc " << percent(best.val_accuracy);
  std::cout << "\n  features: " << train_idx.size() + val_idx.size() << " images in "
            << std::setprecision(3) << extract_seconds << " s"
            << (placement.on_disk() ? " (cached on disk)" : "") << "; head training "
            << train_seconds << " s; input " << size << "x" << size << "\n";

  if (!args.test.empty()) {
    FOVEA_ASSIGN_OR_RETURN(vision::ImageFolder test, vision::read_image_folder(args.test));
    if (test.classes != folder.classes) {
      return invalid_argument(args.test + ": its class folders differ from " + args.data + "'s");
    }
    FOVEA_ASSIGN_OR_RETURN(
        std::shared_ptr<const training::FeatureStore> test_features,
        extract_features(*extractor, test, all_indices(test.images.size()), pre, args.extract_batch,
                         nullptr, nullptr, "features (test) ", placement));
    FOVEA_ASSIGN_OR_RETURN(training::Evaluation eval,
                           training::evaluate(*trained.head, *test_features, test.labels()));
    std::cout << "held-out " << args.test << ": accuracy " << percent(eval.accuracy) << " on "
              << test.images.size() << " images (loss " << std::setprecision(3) << eval.loss
              << ")\n";
  }
  std::cout << "wrote " << args.out << " and " << labels_path_for(args.out) << " ("
            << std::setprecision(3) << seconds_since(start) << " s in all)\n";
  return Status::ok();
}

}  // namespace

void add_finetune_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<FinetuneArgs>();
  CLI::App* cmd = app.add_subcommand(
      "finetune", "Train a new classifier head on an ImageFolder data set (transfer learning)");
  cmd->add_option("--model,-m", args->model, "ONNX classifier (default: the bundled MobileNetV2)");
  cmd->add_option("--data,-d", args->data, "ImageFolder: one subfolder of images per class")
      ->required();
  cmd->add_option("--out,-o", args->out, "The new model (a labels file is written beside it)")
      ->required();
  cmd->add_option("--epochs,-e", args->epochs, "Epochs")->check(CLI::Range(1, 100000));
  cmd->add_option("--lr", args->lr, "Learning rate (default 1e-3 adam, 1e-2 sgd)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch", args->batch, "Mini-batch size")->check(CLI::Range(1, 65536));
  cmd->add_option("--optimizer", args->optimizer, "sgd (momentum 0.9) or adam")
      ->check(CLI::IsMember({"sgd", "adam"}));
  cmd->add_option("--schedule", args->schedule, "Learning-rate schedule")
      ->check(CLI::IsMember({"constant", "step", "cosine"}));
  cmd->add_option("--weight-decay", args->weight_decay, "L2 weight decay")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--val-split", args->val_split, "Fraction of each class held out for validation")
      ->check(CLI::Range(0.0, 0.9));
  cmd->add_option("--patience", args->patience,
                  "Stop after this many epochs without better validation accuracy (0: never)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--augment", args->augment,
                "Random crops, flips, colour jitter, rotation and noise; features per epoch");
  cmd->add_flag("--balance-classes", args->balance, "Weight the loss inversely to class counts");
  cmd->add_option("--seed", args->seed, "Seed for the split, initial weights and batch order");
  cmd->add_option("--input-size", args->input_size,
                  "Image size fed to the backbone (default: the model's input)")
      ->check(CLI::Range(16, 4096));
  cmd->add_option("--cut", args->cut,
                  "Node whose output are the features (default: the input "
                  "of the final Gemm/MatMul)");
  cmd->add_option("--max-per-class", args->max_per_class, "Read at most this many images a class")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--extract-batch", args->extract_batch, "Images per backbone run")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--feature-memory-mb", args->feature_memory_mb,
                  "Keep features in memory up to this many MB, else in a temporary file")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--cache-dir", args->cache_dir,
                  "Folder for the temporary feature file (default: the system temp folder)");
  cmd->add_option("--test", args->test, "An ImageFolder of held-out images to report accuracy on");
  cmd->add_flag("--force,-f", args->force, "Replace an existing --out and its labels file");
  cmd->add_option("--backend,-b", args->backend, "Backend")->check(CLI::IsMember(backend_names()));
  cmd->add_option("--threads,-t", args->threads, "Threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args, &exit_code] {
    const Status status = finetune(*args);
    if (!status.is_ok()) std::cerr << "error: " << status.message() << "\n";
    exit_code = status.is_ok() ? 0 : 1;
  });
}

}  // namespace fovea::cli
