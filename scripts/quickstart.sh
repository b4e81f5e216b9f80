#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine, builds, and runs the bundled pretrained
# MobileNetV2 on the bundled cat photo (preprocessed as models/samples/chelsea_input_0.pb).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup-deps.sh"
bash "$root/scripts/build.sh"
out=$(mktemp -d)
"$root/build/apps/fovea" run "$root/models/mobilenetv2-fp32.onnx" \
  --input "$root/models/samples/chelsea_input_0.pb" --output-dir "$out" \
  --labels "$root/models/imagenet_classes.txt"
rm -rf "$out"
