#!/usr/bin/env bash
# Builds and tests Fovea under sanitizers:
#   asan: AddressSanitizer + UndefinedBehaviorSanitizer (clang-14), the whole ctest suite but the
#         on-demand labels (full_models, finetune_full), in build-asan/ (scripts/lib/asan_build.sh;
#         the same build holds the libFuzzer targets that scripts/fuzz.sh runs);
#   tsan: ThreadSanitizer (gcc), the tests that run threads: the plan and API concurrency tests
#         and the service (dynamic batching, draining), in build-tsan/ (only those test
#         programs are built).
# Usage: scripts/sanitizers.sh [asan|tsan|all] (default all). JOBS=N sets the parallelism
# (default: all cores). Any sanitizer report fails the run (-fno-sanitize-recover, halt_on_error).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-all}"
jobs="${JOBS:-$(nproc)}"
# shellcheck source=scripts/lib/asan_build.sh
source "$root/scripts/lib/asan_build.sh"

run_asan() {
  local start=$SECONDS build
  build="$(asan_build_dir "$root")"
  configure_asan_build "$root"
  ninja -C "$build" -j"$jobs"
  export_asan_options "$root"
  (cd "$build" && ctest -j"$jobs" --output-on-failure --timeout 1800 \
    -LE 'full_models|finetune_full')
  echo "sanitizers: asan+ubsan clean in $((SECONDS - start)) s"
}

run_tsan() {
  local start=$SECONDS build="$root/build-tsan"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize \
    -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" -DFOVEA_SANITIZE=thread >/dev/null
  ninja -C "$build" -j"$jobs" fovea test_plan test_hardening test_api test_serve
  # libgomp (oneDNN's OpenMP runtime) is not instrumented: its barriers look like races.
  export TSAN_OPTIONS="suppressions=$root/fuzz/suppressions/tsan.supp:halt_on_error=1:second_deadlock_stack=1"
  export OMP_NUM_THREADS=1
  (cd "$build" && ctest -j"$jobs" --output-on-failure --timeout 1800 -L 'plan|serve|api')
  (cd "$build" && ctest -j"$jobs" --output-on-failure --timeout 1800 -R 'Concurrency')
  echo "sanitizers: tsan clean in $((SECONDS - start)) s"
}

case "$which" in
  asan) run_asan ;;
  tsan) run_tsan ;;
  all) run_asan; run_tsan ;;
  *) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;;
esac
