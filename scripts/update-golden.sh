#!/usr/bin/env bash
# Regenerate the golden scenario outputs in tests/golden/ from the current
# build (run after an intended change of the model, and say why in the
# commit message).  Each golden file is `vsched run` JSON output.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
v=./build/vsched
$v run --duration-ms 20 --format json > tests/golden/default-20ms.json
$v run --duration-ms 20 --format json --policy yield_to=deboost-v2 \
    --policy directed_yield=ipi-aware-relaxed > tests/golden/default-20ms-v2series.json
$v run scenarios/vm-ipi-dedup.json --duration-ms 20 --format json \
    --policy directed_yield=ipi-aware > tests/golden/dedup-20ms-ipi-aware.json
$v run scenarios/vm-libvirt-dedup.json --duration-ms 50 --format json --policy yield_to=deboost-v2 \
    --policy directed_yield=ipi-aware-relaxed > tests/golden/libvirt-dedup-50ms-v2series.json
$v run scenarios/two-groups.json --duration-ms 200 --format json > tests/golden/two-groups-200ms.json
$v run scenarios/vm-overcommit-2x-flat.json --duration-ms 20 --format json --policy yield_to=lag-credit-v3 \
    --policy directed_yield=ipi-aware-v3 > tests/golden/flat-2vm-20ms-v3series.json
echo "updated tests/golden/"
