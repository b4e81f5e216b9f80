#!/usr/bin/env bash
# Builds and tests Fovea under sanitizers:
#   asan: AddressSanitizer + UndefinedBehaviorSanitizer (gcc), the whole ctest suite except the
#         full_models label (too slow instrumented), in build-asan/;
#   tsan: ThreadSanitizer, the plan tests and tests/hardening's Concurrency tests, in
#         build-tsan/ (only those two test programs are built).
# Usage: scripts/sanitizers.sh [asan|tsan|all] (default all). JOBS=N sets the parallelism
# (default 2). Any sanitizer report fails the run (-fno-sanitize-recover, halt_on_error).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-all}"
jobs="${JOBS:-2}"
supp="$root/fuzz/suppressions"

configure_and_build() {  # folder, sanitizers, [targets...]
  local folder="$1" sanitizers="$2"
  shift 2
  cmake -S "$root" -B "$root/$folder" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DFOVEA_SANITIZE="$sanitizers" >/dev/null
  ninja -C "$root/$folder" -j"$jobs" "$@"
}

run_asan() {
  local start=$SECONDS
  configure_and_build build-asan address,undefined
  # allocator_may_return_null: an impossible allocation must come back as an error (tested).
  export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:allocator_may_return_null=1"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  (cd "$root/build-asan" && ctest -j"$jobs" --output-on-failure -LE full_models)
  echo "sanitizers: asan+ubsan clean in $((SECONDS - start)) s"
}

run_tsan() {
  local start=$SECONDS
  configure_and_build build-tsan thread test_plan test_hardening
  # libgomp (oneDNN's OpenMP runtime) is not instrumented: its barriers look like races.
  export TSAN_OPTIONS="suppressions=$supp/tsan.supp:halt_on_error=1:second_deadlock_stack=1"
  export OMP_NUM_THREADS=1
  (cd "$root/build-tsan" && ctest -j"$jobs" --output-on-failure -L plan)
  (cd "$root/build-tsan" && ctest -j"$jobs" --output-on-failure -R 'Concurrency')
  echo "sanitizers: tsan clean in $((SECONDS - start)) s"
}

case "$which" in
  asan) run_asan ;;
  tsan) run_tsan ;;
  all) run_asan; run_tsan ;;
  *) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;;
esac
