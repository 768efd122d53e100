#!/usr/bin/env bash
# One command for the whole test suite: install what is missing, build with
# warnings as errors, and run every test through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVSCHED_WERROR=ON
cmake --build build-test -j"$(nproc)"
cd build-test
exec ctest --output-on-failure -j"$(nproc)"
