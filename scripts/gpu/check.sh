#!/bin/bash
# The GPU check of issue #8, in one command on a GPU machine (run from the repository root, with
# the archive from scripts/gpu/pack.sh). What it does, in order of importance, so that what
# matters most is done if time runs out:
#   1. unpacks the archive and recreates the paths its binaries have compiled in;
#   2. runs every test that needs a GPU: test_cuda (operators, whole models against the CPU
#      reference in float32 and TF32, CUDA Graphs), and the cuda cases of the conformance,
#      model, hardening and public API suites; then `fovea classify --backend cuda` on a photo;
#   3. compares the outputs of Fovea on the GPU, Fovea on the CPU and PyTorch, for the same
#      weights and input (ResNet-50, GoogLeNet, VGG-16 at batch 1);
#   4. times `fovea bench --backend cuda` beside PyTorch eager (scripts/gpu/torch_bench.py) at
#      batch 1 and 64, float32 and TF32 (and --cuda-graph at batch 1), alternating, and tables
#      the medians;
#   5. with time left, profiles ResNet-50 (per step, and each convolution's algorithm), then
#      runs the operator tests under compute-sanitizer.
# Results go to $OUT (default .gpu/out): summary.md, env.txt, tests.log, bench.jsonl, bench.md,
# profile.txt.
#
#   OUT=DIR scripts/gpu/check.sh [ARCHIVE]
# Environment: FOVEA_GPU_DEADLINE (seconds, default 520: later benchmark runs are skipped),
# FOVEA_GPU_REPS (float32 repetitions, default 2; TF32 gets one), FOVEA_GPU_ITERS (default 30).
set -uo pipefail
START=$SECONDS
ROOT=$(pwd)
ARCHIVE=${1:-.gpu/fovea-gpu.tar.xz}
OUT=${OUT:-$ROOT/.gpu/out}
DEADLINE=${FOVEA_GPU_DEADLINE:-520}
REPS=${FOVEA_GPU_REPS:-2}
ITERS=${FOVEA_GPU_ITERS:-30}
mkdir -p "$OUT"
SUMMARY=$OUT/summary.md
: >"$SUMMARY"
say() { echo "- [$((SECONDS - START)) s] $*" | tee -a "$SUMMARY"; }
die() { say "STOPPED: $*"; exit 1; }
time_left() { [ $((SECONDS - START)) -lt "$DEADLINE" ]; }

# 1. Unpack; the binaries look for the source tree, build tree and ../shared where they were built.
STAGE=$ROOT/.gpu/unpacked
rm -rf "$STAGE" && mkdir -p "$STAGE" && tar -xJf "$ARCHIVE" -C "$STAGE" || die "cannot unpack $ARCHIVE"
# shellcheck source=/dev/null
source "$STAGE/manifest.env"
say "archive of $FOVEA_COMMIT unpacked"
if [ "$(realpath "$FOVEA_SOURCE_DIR" 2>/dev/null)" != "$ROOT" ]; then
  [ ! -e "$FOVEA_SOURCE_DIR" ] || die "$FOVEA_SOURCE_DIR exists here and is not this checkout"
  mkdir -p "$(dirname "$FOVEA_SOURCE_DIR")" && ln -s "$ROOT" "$FOVEA_SOURCE_DIR"
fi
BUILD=$ROOT/$FOVEA_BUILD_NAME
if [ -x "$BUILD/apps/fovea" ] && [ ! -e "$BUILD/.from-gpu-archive" ]; then
  say "using the build already at $BUILD (a dry run where it was packed)"
else
  rm -rf "$BUILD" && mv "$STAGE/$FOVEA_BUILD_NAME" "$BUILD" && touch "$BUILD/.from-gpu-archive"
fi
[ -x "$FOVEA_BINARY_DIR/apps/fovea" ] ||
  die "the binaries' build path $FOVEA_BINARY_DIR does not lead to $BUILD (cannot link $FOVEA_SOURCE_DIR?)"
SHARED=$(realpath -m "$FOVEA_SHARED_DIR")
mkdir -p "$STAGE/shared/models"  # the same MobileNetV2 as ../shared's (pack.sh checked)
ln -s "$ROOT/models/mobilenetv2-fp32.onnx" "$STAGE/shared/models/mobilenetv2-fp32.onnx"
[ -e "$SHARED" ] || ln -s "$STAGE/shared" "$SHARED"
[ -d "$SHARED/onnx-tests" ] || die "$FOVEA_SHARED_DIR has no onnx-tests (cannot link $SHARED?)"

# The device's CUDA libraries: the toolkit's, else the ones PyTorch's wheels bring.
PY=python3
find_lib() {
  local dirs d
  dirs="/usr/local/cuda/lib64 /usr/local/cuda/lib /usr/local/cuda/targets/x86_64-linux/lib"
  dirs="$dirs $($PY -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null |
    xargs -I{} sh -c 'ls -d {}/nvidia/*/lib 2>/dev/null')"
  for d in $dirs; do [ -e "$d/$1" ] && { echo "$d"; return; }; done
}
CUDA_DIRS=""
for lib in libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcudnn.so.9; do
  d=$(find_lib $lib)
  if [ -z "$d" ]; then say "$lib: not found"; continue; fi
  [[ ":$CUDA_DIRS:" == *":$d:"* ]] || CUDA_DIRS=$CUDA_DIRS:$d
done
# Only Fovea's programs get the packed libraries: Python and PyTorch keep their own (the packed
# libstdc++ is older than theirs).
FOVEA_LIBS=$STAGE/lib$CUDA_DIRS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fv() { LD_LIBRARY_PATH=$FOVEA_LIBS "$@"; }
FOVEA=$BUILD/apps/fovea
LINKED=$(fv ldd "$FOVEA" "$BUILD/lib/fovea/libfovea_cuda.so")
{
  echo "commit: $FOVEA_COMMIT"
  nvidia-smi 2>&1 | head -15
  echo "glibc: $(ldd --version | head -1)"
  echo "Fovea's LD_LIBRARY_PATH=$FOVEA_LIBS"
  echo "$LINKED" | grep -E "=>.*(cud|cublas)|not found" | sed "s/ (0x.*//" | sort -u
  $PY -c 'import torch; print("torch", torch.__version__, "cudnn", torch.backends.cudnn.version())' 2>&1
} >"$OUT/env.txt" 2>&1
echo "$LINKED" | grep -q "not found" && die "libraries missing: see env.txt"
say "device: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo none)"

# Models: the tests' (build/generated_models, as tests/common/generated_models.cpp names them)
# and batch-64 ones for the benchmark. Same seed, so batch 1 and 64 share their weights.
GEN=$BUILD/generated_models
MODELS=$ROOT/.gpu/models
mkdir -p "$GEN" "$MODELS"
make_models() { $PY "$SHARED/tools/make_models.py" "$@" >/dev/null; }
(
  make_models "$GEN" --only alexnet,alexnet-zoo,vgg16,vgg16-bn &
  make_models "$GEN" --only googlenet,googlenet-zoo,resnet18,resnet50 &
  make_models "$MODELS/b4" --only resnet50,resnet18,googlenet --batch 4 &
  make_models "$MODELS/b64" --only resnet50,googlenet,vgg16 --batch 64 &
  wait
) || say "make_models.py failed"
for m in resnet50 resnet18 googlenet; do mv -f "$MODELS/b4/$m.onnx" "$GEN/${m}_b4.onnx" 2>/dev/null; done
say "models generated: $(ls "$GEN" "$MODELS/b64" | grep -c onnx)"

# 2. Tests.
run_test() {  # name, timeout, command...
  local name=$1 limit=$2 t0=$SECONDS rc log=$OUT/.last.log
  shift 2
  timeout "$limit" env LD_LIBRARY_PATH="$FOVEA_LIBS" "$@" >"$log" 2>&1
  rc=$?
  { echo "===== $name (exit $rc): $*"; cat "$log"; } >>"$OUT/tests.log"
  say "$name: exit $rc in $((SECONDS - t0)) s; gtest: $(grep -c '^\[       OK \]' "$log") passed," \
    "$(grep -c '^\[  FAILED  \].*(' "$log") failed, $(grep -c '^\[  SKIPPED \].*(' "$log") skipped"
  rm -f "$log"
}
run_test test_cuda 240 "$BUILD/tests/test_cuda"
run_test "conformance on cuda" 120 "$BUILD/tests/test_conformance" --gtest_filter='*cuda*'
run_test "models on cuda" 120 "$BUILD/tests/test_models" --gtest_filter='*cuda*'
run_test "hardening on cuda" 120 "$BUILD/tests/test_hardening" --gtest_filter='*cuda*'
run_test "public API on cuda" 60 "$BUILD/tests/test_api" --gtest_filter='ModelApiGpu*:Concurrency.Gpu*'
run_test "classify --backend cuda" 60 "$FOVEA" classify --backend cuda "$ROOT/models/samples/chelsea.png"
run_test "classify --backend cuda --tf32" 60 "$FOVEA" classify --backend cuda --tf32 \
  "$SHARED/photos/opencv_orange.jpg"
grep -E "relative L2|^\[  FAILED|Failure|passed, " "$OUT/tests.log" | head -80 >>"$SUMMARY"

# 3. One input, three engines, the same weights.
if $PY -c 'import torch, torchvision' 2>/dev/null; then
  for m in resnet50 googlenet vgg16; do
    d=$ROOT/.gpu/agree/$m && mkdir -p "$d"
    timeout 120 $PY scripts/gpu/torch_bench.py $m --onnx "$GEN/$m.onnx" --iters 1 --warmup 0 \
      --write-input "$d/input.pb" --write-output "$d/torch.pb" >/dev/null 2>>"$OUT/tests.log" &&
      for backend in cuda onednn; do
        fv timeout 120 "$FOVEA" run "$GEN/$m.onnx" --backend $backend -i "$d/input.pb" -o "$d/$backend" \
          --force >/dev/null 2>>"$OUT/tests.log"
      done
    $PY - "$d" $m <<'EOF' | tee -a "$SUMMARY"
import sys, numpy as np
from onnx import TensorProto, numpy_helper
d, m = sys.argv[1], sys.argv[2]
def load(p):
    t = TensorProto(); t.ParseFromString(open(p, "rb").read()); return numpy_helper.to_array(t).astype(np.float64)
def rel(a, b): return np.linalg.norm(a - b) / np.linalg.norm(b)
try:
    torch_out, cuda, cpu = load(f"{d}/torch.pb"), load(f"{d}/cuda/output_0.pb"), load(f"{d}/onednn/output_0.pb")
    print(f"- {m}, batch 1, relative L2: fovea cuda vs fovea onednn {rel(cuda, cpu):.2e}, "
          f"pytorch vs fovea onednn {rel(torch_out, cpu):.2e}, fovea cuda vs pytorch {rel(cuda, torch_out):.2e}, "
          f"top-1 equal: {int(cuda.argmax())==int(cpu.argmax())==int(torch_out.argmax())}")
except Exception as e:
    print(f"- {m}: agreement check failed: {e}")
EOF
  done
else
  say "PyTorch is not importable here: comparison and PyTorch timings skipped"
fi

# 4. Timings, alternating engines; later runs are dropped when the deadline nears.
: >"$OUT/bench.jsonl"
bench_one() {  # model batch precision rep
  local m=$1 b=$2 p=$3 rep=$4 file tf
  file=$GEN/$m.onnx
  [ "$b" = 1 ] || file=$MODELS/b$b/$m.onnx
  case $p in tf32) tf=--tf32 ;; graph) tf=--cuda-graph ;; *) tf="" ;; esac
  local tag="\"rep\": $rep, \"precision\": \"$p\", \"name\": \"$m\""
  fv timeout 120 "$FOVEA" bench "$file" --backend cuda $tf --batch "$b" --iters "$ITERS" --warmup 5 \
    --json 2>>"$OUT/tests.log" | tr -d '\n' | sed "s/^{/{\"engine\": \"fovea\", $tag, /" >>"$OUT/bench.jsonl" &&
    echo >>"$OUT/bench.jsonl"
  $PY -c 'import torch' 2>/dev/null || return 0
  [ "$p" = graph ] && tf=""  # PyTorch's side of a --cuda-graph row is plain eager
  # Random weights: the speed is the same, and loading VGG-16's 550 MB into PyTorch each time is not.
  timeout 120 $PY scripts/gpu/torch_bench.py "$m" --batch "$b" $tf --iters "$ITERS" --warmup 5 \
    2>>"$OUT/tests.log" | sed "s/^{/{$tag, /" >>"$OUT/bench.jsonl"
}
for rep in $(seq 1 "$REPS"); do
  for p in fp32 tf32 graph; do
    [ "$p" != fp32 ] && [ "$rep" -gt 1 ] && continue
    for b in 1 64; do
      [ "$p" = graph ] && [ "$b" != 1 ] && continue  # replay saves launch time: batch 1
      for m in resnet50 googlenet vgg16; do
        time_left || { say "deadline: bench stopped before $m b$b $p rep $rep"; break 4; }
        bench_one $m $b $p "$rep"
      done
    done
  done
done
$PY scripts/gpu/summarize.py "$OUT/bench.jsonl" >"$OUT/bench.md" 2>&1
cat "$OUT/bench.md" >>"$SUMMARY"

# 5. If time is left: where ResNet-50's time goes on the GPU, and what each convolution chose.
if time_left; then
  fv timeout 90 env FOVEA_CUDA_VERBOSE=1 "$FOVEA" bench "$GEN/resnet50.onnx" --backend cuda \
    --iters 20 --profile >"$OUT/profile.txt" 2>&1
  fv timeout 90 "$FOVEA" bench "$MODELS/b64/resnet50.onnx" --backend cuda --batch 64 --iters 5 \
    --profile >>"$OUT/profile.txt" 2>&1
  say "profiles of ResNet-50 at batch 1 and 64: profile.txt"
fi

# 6. If time is left: the operator tests under compute-sanitizer (out-of-bounds and misaligned
# accesses in the .cu kernels, API errors).
if time_left && command -v compute-sanitizer >/dev/null; then
  run_test "compute-sanitizer memcheck, operator tests" 90 compute-sanitizer --tool memcheck \
    --error-exitcode 3 "$BUILD/tests/test_cuda" --gtest_filter='Ops/*:CudaTf32*'
fi
say "done"
