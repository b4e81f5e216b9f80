#!/usr/bin/env bash
# The whole test suite from a fresh clone: install dependencies, build, run every ctest test
# except the on-demand sweeps (full_models, finetune_full: run them with ctest -L), check the
# installed package, then the same suite under AddressSanitizer + UndefinedBehaviorSanitizer,
# the threaded tests under ThreadSanitizer, and a one-minute smoke run of every fuzz target.
# Each stage prints its time. FOVEA_TEST_SANITIZERS=0 stops after the package check (a quick
# local run; CI always runs everything).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stage_start=$SECONDS
stage_done() {
  echo "test.sh: $1 done in $((SECONDS - stage_start)) s"
  stage_start=$SECONDS
}

bash "$root/scripts/setup-deps.sh"
bash "$root/scripts/build.sh"
stage_done "dependencies and build"
ctest --test-dir "$root/build" --output-on-failure --parallel 2 --label-exclude 'full_models|finetune_full' \
  --timeout 1800
stage_done "test suite"
# The installed package, used from outside the source tree (examples/ against find_package(Fovea)).
bash "$root/scripts/package_test.sh" "$root/build"
stage_done "package test"

if [ "${FOVEA_TEST_SANITIZERS:-1}" = 0 ]; then
  echo "test.sh: sanitizers and fuzzing skipped (FOVEA_TEST_SANITIZERS=0)"
  exit 0
fi
bash "$root/scripts/sanitizers.sh" asan
stage_done "ASan+UBSan build and test suite"
bash "$root/scripts/sanitizers.sh" tsan
stage_done "TSan build and threaded tests"
FUZZ_SKIP_BUILD=1 bash "$root/scripts/fuzz.sh" 15  # built by the ASan stage
stage_done "fuzz smoke run"
