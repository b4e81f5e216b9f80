// Fovea's public API: load an ONNX model once (fovea::Model), run it from any number of
// threads through per-caller sessions (fovea::Session). See model.h for the manual, tensor.h
// for passing data in (TensorView) and out (HostTensor), error.h for errors.
#pragma once

#include "fovea/error.h"
#include "fovea/model.h"
#include "fovea/tensor.h"

#define FOVEA_VERSION_MAJOR 0
#define FOVEA_VERSION_MINOR 1
#define FOVEA_VERSION_PATCH 0
