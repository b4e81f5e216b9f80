#include "importers/onnx/onnx_importer.h"
