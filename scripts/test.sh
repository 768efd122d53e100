#!/usr/bin/env bash
# One command for the whole test suite: install what is missing, build with
# warnings as errors, and run every test through CTest; then build again with
# AddressSanitizer and UndefinedBehaviorSanitizer and run every test once more,
# so that a memory error or undefined behaviour (a signed overflow, a bad
# shift) fails the suite even where the results happen to come out right.
# VSCHED_SANITIZE=0 skips the second pass (about 4 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVSCHED_WERROR=ON
cmake --build build-test -j"$(nproc)"
(cd build-test && ctest --output-on-failure -j"$(nproc)")
if [ "${VSCHED_SANITIZE:-1}" != 0 ]; then
  san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="-O1 $san" \
    -DCMAKE_EXE_LINKER_FLAGS="$san"
  cmake --build build-sanitize -j"$(nproc)"
  # Leak checking needs ptrace, which containers often forbid; the rest does not.
  cd build-sanitize
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    exec ctest --output-on-failure -j"$(nproc)"
fi
