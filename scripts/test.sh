#!/usr/bin/env bash
# scripts/test.sh - build everything and run the whole test suite: unit,
# integration, end-to-end (real Linux stacks in network namespaces: run as
# root) and short libFuzzer runs (SWITCHYARD_FUZZ_SECONDS each, default 20).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
jobs=$(nproc)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHYARD_TESTS=ON >/dev/null
cmake --build build -j "$jobs"

# The fuzz targets need clang's libFuzzer and sanitizers: a build of their own.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSWITCHYARD_FUZZ=ON -DSWITCHYARD_FUZZ_SECONDS="${SWITCHYARD_FUZZ_SECONDS:-20}" >/dev/null
cmake --build build-fuzz -j "$jobs" --target switchyard_fuzz_targets

status=0
ctest --test-dir build-fuzz -L fuzz --output-on-failure || status=1
ctest --test-dir build --output-on-failure --timeout 600 || status=1
exit $status
