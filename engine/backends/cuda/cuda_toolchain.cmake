# Decides whether the CUDA backend (engine/backends/cuda) is built; included from the top-level
# CMakeLists.txt because the CUDA language must be enabled at the top of the tree (the programs
# that link fovea_engine link its CUDA objects too).
#   -DFOVEA_CUDA=AUTO (default): build it when the CUDA toolkit, cuBLAS and cuDNN are found
#   -DFOVEA_CUDA=ON: the same, but their absence is an error;  -DFOVEA_CUDA=OFF: never.
# Sets FOVEA_CUDA_ENABLED, and CUDNN_LIBRARY / CUDNN_INCLUDE_DIR when enabled.
set(FOVEA_CUDA AUTO CACHE STRING "Build the CUDA backend: AUTO, ON or OFF")
set_property(CACHE FOVEA_CUDA PROPERTY STRINGS AUTO ON OFF)
set(FOVEA_CUDA_ENABLED OFF)

function(fovea_cuda_unavailable reason)
  if(FOVEA_CUDA STREQUAL "ON")
    message(FATAL_ERROR "FOVEA_CUDA=ON but ${reason}")
  endif()
  message(STATUS "CUDA backend: not built (${reason})")
endfunction()

if(FOVEA_CUDA STREQUAL "OFF")
  message(STATUS "CUDA backend: not built (FOVEA_CUDA=OFF)")
elseif(FOVEA_SANITIZERS)
  # nvcc does not take the sanitizer flags, and the instrumented runs are about host code.
  fovea_cuda_unavailable("sanitized and fuzzing builds leave it out")
else()
  if(NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX}
     AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  find_package(CUDAToolkit QUIET)
  find_library(CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda
               PATH_SUFFIXES lib64 lib)
  find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda
            PATH_SUFFIXES include)
  if(NOT CMAKE_CUDA_COMPILER)
    fovea_cuda_unavailable("no CUDA compiler (nvcc) found")
  elseif(NOT CUDAToolkit_FOUND OR NOT TARGET CUDA::cublas)
    fovea_cuda_unavailable("the CUDA toolkit with cuBLAS was not found")
  elseif(CUDAToolkit_VERSION VERSION_LESS 12.0)
    # cudaGraphInstantiate's three-argument form, and cuDNN 9, need CUDA 12 or later.
    fovea_cuda_unavailable("CUDA ${CUDAToolkit_VERSION} is older than 12.0")
  elseif(NOT CUDNN_LIBRARY OR NOT CUDNN_INCLUDE_DIR)
    fovea_cuda_unavailable("cuDNN (libcudnn, cudnn.h) was not found")
  else()
    # Small on purpose: every architecture multiplies nvcc's time. 90 = H100; override with
    # -DCMAKE_CUDA_ARCHITECTURES=...
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)
    endif()
    if(NOT DEFINED CMAKE_CUDA_HOST_COMPILER)
      set(CMAKE_CUDA_HOST_COMPILER ${CMAKE_CXX_COMPILER})
    endif()
    if(CCACHE_PROGRAM)
      set(CMAKE_CUDA_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
    endif()
    enable_language(CUDA)
    set(FOVEA_CUDA_ENABLED ON)
    message(STATUS "CUDA backend: built (CUDA ${CUDAToolkit_VERSION}, cuDNN ${CUDNN_LIBRARY}, "
                   "architectures ${CMAKE_CUDA_ARCHITECTURES})")
  endif()
endif()
