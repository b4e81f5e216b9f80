#!/usr/bin/env bash
# The whole test suite from a fresh clone: install dependencies, build, run every ctest test
# except the on-demand full-size model sweep (run that with: ctest --test-dir build -L full_models).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup-deps.sh"
bash "$root/scripts/build.sh"
ctest --test-dir "$root/build" --output-on-failure --parallel 2 --label-exclude 'full_models|finetune_full' \
  --timeout 1800
# The installed package, used from outside the source tree (examples/ against find_package(Fovea)).
bash "$root/scripts/package_test.sh" "$root/build"
