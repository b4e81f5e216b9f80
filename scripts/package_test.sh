#!/usr/bin/env bash
# Proves the installed package works outside the source tree: installs a built tree into a
# temporary prefix, builds examples/ as a separate CMake project with find_package(Fovea), runs
# it on the bundled sample, and checks the pkg-config file compiles and links a program too.
#   scripts/package_test.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --build "$build" --target fovea_api
cmake --install "$build" --prefix "$tmp/prefix" --component api >/dev/null
test -f "$tmp/prefix/include/fovea/fovea.h"
libdir=$(dirname "$(find "$tmp/prefix" -name 'libfovea.so' | head -n1)")

cmake -S "$root/examples" -B "$tmp/example" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/example"
out=$("$tmp/example/classify_image" "$root/models/mobilenetv2-fp32.onnx" \
  "$root/models/samples/chelsea.png" "$root/models/imagenet_classes.txt")
echo "$out"
# The sample is a tabby cat: one of ImageNet's cat classes must lead.
echo "$out" | grep -E '^1\. .*(tabby|tiger cat|Egyptian cat)' >/dev/null

# pkg-config: compile and link a minimal program against the installed files only.
cat >"$tmp/pc.cpp" <<'CPP'
#include <fovea/fovea.h>
int main() { return fovea::data_type_size(fovea::DataType::kFloat32) == 4 ? 0 : 1; }
CPP
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
c++ "$tmp/pc.cpp" -o "$tmp/pc" $(pkg-config --cflags --libs fovea) -Wl,-rpath,"$libdir"
"$tmp/pc"

# The CUDA backend module, where this build has one: the installed library must find its
# installed copy (lib/fovea/), so asking for "cuda" reaches the module (which then runs, or
# says there is no GPU) instead of reporting it missing.
if [ -f "$build/lib/fovea/libfovea_cuda.so" ] || [ -f "$build/lib64/fovea/libfovea_cuda.so" ]; then
  test -f "$libdir/fovea/libfovea_cuda.so"
  cat >"$tmp/cuda.cpp" <<'CPP'
#include <fovea/fovea.h>
#include <iostream>
int main(int argc, char** argv) {
  fovea::ModelOptions options;
  options.backend = "cuda";
  try {
    fovea::Model::load(argv[1], options);
    std::cout << "cuda: loaded\n";
  } catch (const fovea::Error& e) {
    std::cout << e.what() << "\n";
  }
}
CPP
  # shellcheck disable=SC2046
  c++ "$tmp/cuda.cpp" -o "$tmp/cuda" $(pkg-config --cflags --libs fovea) -Wl,-rpath,"$libdir"
  cuda_out=$(env -u FOVEA_CUDA_MODULE "$tmp/cuda" "$root/models/mobilenetv2-fp32.onnx")
  echo "$cuda_out"
  echo "$cuda_out" | grep -E 'cuda: loaded|no CUDA device available' >/dev/null
fi
echo "package_test: OK"
