#!/usr/bin/env bash
# One command for a fresh Debian machine: install what is missing, build,
# and run vsched on its embedded default scenario.  Extra arguments go to
# `vsched run` (e.g. scripts/run.sh scenarios/two-groups.json --format json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec ./build/vsched run "$@"
