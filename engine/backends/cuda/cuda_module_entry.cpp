// The CUDA backend module's entry symbols (engine/backends/backend_module.h).
#include "engine/backends/backend_module.h"
#include "engine/backends/cuda/cuda_backend.h"

FOVEA_BACKEND_MODULE(&fovea::make_cuda_backend)
