#!/bin/bash
# Packs what the GPU check (scripts/gpu/check.sh) needs into one archive, built here, for a GPU
# machine that has the NVIDIA driver, the CUDA runtime, cuBLAS and cuDNN but none of Debian's
# libraries (oneDNN, Protobuf, OpenCV, ...). The machines lent for GPU work take a working tree of
# 64 MiB at most and give 15 minutes, too little to install and build there, so the binaries
# travel with their libraries.
#
#   scripts/gpu/pack.sh [BUILD_DIR] [ARCHIVE]     (defaults: build, .gpu/fovea-gpu.tar.xz)
#
# The archive holds build/ (the programs and test binaries at their build-tree paths, which the
# binaries have compiled in), lib/ (their shared libraries but glibc and CUDA's) and shared/
# (../shared without its models). OpenCV's image codecs link GDAL, GDCM and OpenEXR, a further
# 125 MB the checks never use (they decode PNG and JPEG only): those are replaced by stubs whose
# every symbol aborts with its name, so a call would be loud, not silent.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
ARCHIVE=${2:-.gpu/fovea-gpu.tar.xz}
SHARED=$(cd .. && pwd)/shared

die() { echo "pack.sh: $*" >&2; exit 1; }
[ -f "$BUILD/lib/fovea/libfovea_cuda.so" ] ||
  die "$BUILD has no CUDA backend module (configure with -DFOVEA_CUDA=ON and build)"
[ -d "$SHARED/onnx-tests" ] || die "$SHARED/onnx-tests is absent"

programs=("$BUILD/apps/fovea" "$BUILD/lib/fovea/libfovea_cuda.so")
for t in cuda conformance models hardening api; do programs+=("$BUILD/tests/test_$t"); done
for p in "${programs[@]}"; do [ -f "$p" ] || die "$p is missing: build the tests first"; done

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/lib" "$STAGE/stubs" "$STAGE/shared"

# Build-tree files at their paths, and libfovea.so (the api tests load it from there).
tar -cf - "${programs[@]}" "$BUILD"/runtime/src/libfovea.so* | tar -xf - -C "$STAGE"

# Libraries the device brings itself: glibc (it must match the device's loader) and CUDA's.
is_device_own() {
  case "$(basename "$1")" in
    libc.so* | libm.so* | libdl.so* | librt.so* | libpthread.so* | ld-linux* | libresolv.so*) return 0 ;;
    libcuda.so* | libcudart.so* | libcublas* | libcudnn* | libnvrtc* | libnvJitLink*) return 0 ;;
  esac
  return 1
}
STUBBED="libgdal.so.32 libgdcmMSFF.so.3.0 libgdcmDSED.so.3.0"
is_stubbed() { [[ " $STUBBED " == *" $(basename "$1") "* ]]; }

# The closure, walked by hand so that nothing below a stubbed library is taken.
declare -A seen
queue=("${programs[@]}")
while [ ${#queue[@]} -gt 0 ]; do
  obj=${queue[0]}
  queue=("${queue[@]:1}")
  while read -r name path; do
    [ -n "$path" ] || die "$obj: $name not found"
    [ -z "${seen[$name]:-}" ] || continue
    seen[$name]=1
    if is_device_own "$name" || is_stubbed "$name" || [[ $name == libfovea.so* ]]; then continue; fi
    cp -L "$path" "$STAGE/lib/$name"
    queue+=("$path")
  done < <(
    # ldd lists the whole closure with paths; keep this object's direct needs (DT_NEEDED) only
    needed=" $(readelf -d "$obj" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
    ldd "$obj" | awk '$2 == "=>" { print $1, ($3 == "not" ? "" : $3) }' |
      while read -r n p; do [[ $needed == *" $n "* ]] && echo "$n $p"; done
  )
done

# Stubs: every symbol the packed objects import that neither they, glibc nor CUDA define goes
# into the first stub, which is enough for the loader; the others only satisfy DT_NEEDED.
defined() { nm -D --defined-only "$@" 2>/dev/null | awk 'NF == 3 { print $3 }' | sed 's/@.*//'; }
{
  for f in "$STAGE"/lib/* "${programs[@]}" "$BUILD"/runtime/src/libfovea.so.*.*; do
    nm -D --undefined-only "$f" | awk '$1 == "U" { print $2 }' | sed 's/@.*//'  # not weak ones
  done
} | sort -u >"$STAGE/stubs/imported"
{
  defined "$STAGE"/lib/* "${programs[@]}" "$BUILD"/runtime/src/libfovea.so.*.*
  for f in $(ldconfig -p | awk '/libc.so.6|libm.so.6|libgcc_s|libstdc\+\+|ld-linux-x86-64/ { print $NF }'); do
    defined "$f"
  done
  defined /usr/local/cuda/lib*/libcudart.so.* /usr/local/cuda/lib*/libcublas*.so.* \
    /usr/local/cuda/lib*/libcudnn.so.9 2>/dev/null || true
} | sort -u >"$STAGE/stubs/defined"
comm -23 "$STAGE/stubs/imported" "$STAGE/stubs/defined" | grep -v -E '^(_ITM_|__gmon_start__|__cxa_finalize)' \
  >"$STAGE/stubs/missing" || true
real_lib() { ldconfig -p | awk -v n="$1" '$1 == n { print $NF }' | head -1; }
for lib in $STUBBED; do nm -D --defined-only -S "$(real_lib "$lib")"; done |
  awk 'NF == 4 { print $4, $3, $2 } NF == 3 { print $3, $2, "8" }' | sed 's/@[^ ]*//' \
  >"$STAGE/stubs/real_symbols"  # name type size
{
  echo '#include <stdio.h>'
  echo '#include <stdlib.h>'
  echo 'static void stub_called(const char* s) {'
  echo '  fprintf(stderr, "fovea gpu bundle: %s is a stub (scripts/gpu/pack.sh)\n", s);'
  echo '  abort();'
  echo '}'
  awk 'NR == FNR { type[$1] = $2; size[$1] = $3; next }
       { t = ($1 in type) ? type[$1] : "T"
         if ($1 == "GDALAllRegister") print "void GDALAllRegister(void) {}"  # at OpenCV startup
         else if (t ~ /^[TWi]$/) printf "void %s(void) { stub_called(\"%s\"); }\n", $1, $1
         else printf "char %s[0x%s] __attribute__((aligned(16)));\n", $1, size[$1] }' \
    "$STAGE/stubs/real_symbols" "$STAGE/stubs/missing"
} >"$STAGE/stubs/stub.c"
first=1
for lib in $STUBBED; do
  src="$STAGE/stubs/stub.c"
  [ $first = 1 ] || { echo '' >"$STAGE/stubs/empty.c"; src="$STAGE/stubs/empty.c"; }
  gcc -shared -fPIC -w -o "$STAGE/lib/$lib" -Wl,-soname,"$lib" "$src"
  first=0
done
echo "pack.sh: $(ls "$STAGE/lib" | wc -l) libraries, $(wc -l <"$STAGE/stubs/missing") stubbed symbols"

# ../shared without its 17 MB of models: the repository's models/ carries the same MobileNetV2.
cp -r "$SHARED"/{onnx-tests,onnx-light,tools,photos,labels} "$STAGE/shared/"
cmp -s "$SHARED/models/mobilenetv2-fp32.onnx" models/mobilenetv2-fp32.onnx ||
  die "models/mobilenetv2-fp32.onnx differs from ../shared's, which check.sh links to it"

# Where the binaries look for things (compiled in): check.sh recreates these paths.
cache() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt"; }
{
  echo "FOVEA_SOURCE_DIR=$(cache CMAKE_HOME_DIRECTORY)"
  echo "FOVEA_BINARY_DIR=$(cd "$BUILD" && pwd)"
  echo "FOVEA_BUILD_NAME=$BUILD"
  echo "FOVEA_SHARED_DIR=$(cache FOVEA_SHARED_DIR)"
  echo "FOVEA_COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo +changes)"
} >"$STAGE/manifest.env"
[ "$(cd "$BUILD/.." && pwd)" = "$(pwd)" ] || die "$BUILD must be a folder of the source tree"

mkdir -p "$(dirname "$ARCHIVE")"
tar -C "$STAGE" -cf - manifest.env "$BUILD" lib shared | xz -T2 -6 >"$ARCHIVE.tmp"
mv "$ARCHIVE.tmp" "$ARCHIVE"
echo "pack.sh: $ARCHIVE, $(du -h "$ARCHIVE" | cut -f1)"
