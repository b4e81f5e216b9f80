#!/usr/bin/env bash
# Installs Fovea's build and test dependencies from Debian 12 packages.
# Idempotent: packages already present are skipped by apt-get.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libdnnl-dev ocl-icd-opencl-dev opencl-headers
  libonnx-dev libprotobuf-dev protobuf-compiler
  libopencv-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev
  libcpp-httplib-dev wrk  # fovea serve (apps/serve) and its load test (scripts/load_test.sh)
  libonnx-testdata python3-onnx python3-numpy
  dataset-fashion-mnist  # fovea finetune's transfer-learning tests
  clang-14 libclang-rt-14-dev libomp-14-dev  # scripts/fuzz.sh (libFuzzer), sanitizers
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
