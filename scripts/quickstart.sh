#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine, builds, and names the object in the bundled
# cat photo with the bundled pretrained MobileNetV2 (models/README.md says where both come from).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup-deps.sh"
bash "$root/scripts/build.sh"
cd "$root"
build/apps/fovea classify models/samples/chelsea.png
