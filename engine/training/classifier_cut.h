// Cutting a classifier at its last fully connected layer: finding the features the final
// Gemm/MatMul reads (after any Flatten), keeping only the backbone that computes them, and
// attaching a new linear head (Gemm, plus Softmax when the original ended in one) in its place.
#pragma once

#include <cstdint>
#include <string>

#include "engine/core/graph.h"
#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace fovea::training {

struct ClassifierCut {
  ValueId features = kNoValue;   // the value the new head reads
  std::string classifier;        // the replaced node's name (empty when the user named the cut)
  int64_t feature_size = 0;      // features per image once flattened; 0 when not static
  bool ends_in_softmax = false;  // the original output is a Softmax of the classifier's logits
  std::string output_name;       // the original first output's name (the new head keeps it)
  int64_t original_classes = 0;  // the original output's dim 1, 0 when unknown
};

// `node_name` empty: walks back from the first output through Softmax / Flatten / Reshape /
// Squeeze / Identity / Dropout (and a bias Add after a MatMul) to the last Gemm or MatMul; its
// first input is the features. Otherwise the features are the named node's first output.
// Errors name the model and say why no classifier was found.
Result<ClassifierCut> find_classifier_cut(const Graph& graph, const std::string& node_name = "");

// The nodes and values needed to compute the cut's features, which become the only output.
Result<Graph> backbone_graph(const Graph& graph, const ClassifierCut& cut);

// `backbone` (as from backbone_graph) followed by Gemm(features, weight [C,D], bias [C],
// transB = 1) — after a Flatten when the features have rank > 2 — and a Softmax over axis 1
// when `softmax`; the final value is named `output_name`.
Result<Graph> attach_linear_head(const Graph& backbone, const Tensor& weight, const Tensor& bias,
                                 bool softmax, const std::string& output_name);

}  // namespace fovea::training
