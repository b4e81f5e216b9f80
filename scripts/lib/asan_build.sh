# Sourced by scripts/sanitizers.sh and scripts/fuzz.sh: the one AddressSanitizer +
# UndefinedBehaviorSanitizer build (clang-14, build-asan/) that runs the test suite and holds the
# libFuzzer targets, so the two share every compiled object.
# -O2 keeps the instrumented tests (the reference backend's plain loops) fast enough; -g1 gives
# reports file:line at a fraction of -g's build time; asserts stay on (no NDEBUG).
asan_build_dir() { echo "$1/build-asan"; }

configure_asan_build() {  # root
  cmake -S "$1" -B "$(asan_build_dir "$1")" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_FLAGS_SANITIZE="-O2 -g1" \
    -DFOVEA_SANITIZE=address,undefined -DFOVEA_FUZZ=ON >/dev/null
}

# Runtime options: any report fails the run; an impossible allocation must come back as an
# error (tested), so the allocator may return null.
export_asan_options() {  # root
  export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:allocator_may_return_null=1"
  export LSAN_OPTIONS="suppressions=$1/fuzz/suppressions/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
}
