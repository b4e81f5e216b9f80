#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/: clang-14, ASan+UBSan, in the sanitizer build build-asan/,
# scripts/lib/asan_build.sh) and runs each for a bounded time, seeding the corpora from the ONNX
# conformance data.
#
#   scripts/fuzz.sh                 # smoke run: 15 s per target (about a minute in all; CI)
#   scripts/fuzz.sh 600             # the 10-minutes-per-target run
#   scripts/fuzz.sh 600 fuzz_model  # one target
#
# Targets: fuzz_model (model bytes → import → plan → run), fuzz_tensor_proto (TensorProto
# files), fuzz_image (image decoding + preprocessing), fuzz_serve_request (a KServe v2 inference
# request body → parsing and checks → run → response, as `fovea serve` does). Corpora grow in
# build-asan/corpus/<target> across runs; a crash, leak or timeout leaves its input in
# build-asan/artifacts/<target>/ and fails the script. Reproduce one with:
# build-asan/fuzz/<target> <artifact file>. Results of the long runs: docs/fuzzing.md.
# Environment: JOBS (build parallelism, default: all cores), FUZZ_SKIP_BUILD=1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-15}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_model fuzz_tensor_proto fuzz_image fuzz_serve_request)
# shellcheck source=scripts/lib/asan_build.sh
source "$root/scripts/lib/asan_build.sh"
build="$(asan_build_dir "$root")"
shared="$root/../shared/onnx-tests"
debian="/usr/share/libonnx-testdata/data"

if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
  configure_asan_build "$root"
  ninja -C "$build" -j"${JOBS:-$(nproc)}" "${targets[@]}"
fi

# Copies up to $3 files named $2 (smallest first, under 16 KiB) from the test data into $1,
# named by content so reruns add nothing twice.
seed() {
  local dest="$1" name="$2" limit="$3"
  mkdir -p "$dest"
  local files
  # (head closing the pipe early is expected: no pipefail here)
  files="$(set +o pipefail; find "$shared" "$debian" -name "$name" -size -16k -printf '%s %p\n' \
    2>/dev/null | sort -n | head -n "$limit" | cut -d' ' -f2-)"
  while read -r file; do
    [ -n "$file" ] && cp "$file" "$dest/seed-$(sha1sum "$file" | cut -c1-16)"
  done <<<"$files"
}

export_asan_options "$root"
export OMP_NUM_THREADS=1

status=0
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  artifacts="$build/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  max_len=65536
  extra=()
  case "$target" in
    fuzz_model) seed "$corpus" model.onnx 600 ;;
    fuzz_tensor_proto) seed "$corpus" 'input_*.pb' 300; seed "$corpus" 'output_*.pb' 300
                       max_len=16384 ;;
    fuzz_image) python3 "$root/fuzz/make_image_seeds.py" "$corpus" ;;
    fuzz_serve_request) cp "$root"/fuzz/seeds/serve_request/*.json "$corpus/"
                        extra=(-dict="$root/fuzz/serve_request.dict"); max_len=16384 ;;
  esac
  echo "fuzz: $target for ${seconds}s ($(ls "$corpus" | wc -l) corpus files)"
  if ! "$build/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$artifacts/" "${extra[@]}" \
      "$corpus" 2>"$build/$target.log"; then
    echo "fuzz: $target FAILED; see $build/$target.log and $artifacts/" >&2
    tail -n 40 "$build/$target.log" >&2
    status=1
  fi
  grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' \
    "$build/$target.log" || true
done
exit "$status"
