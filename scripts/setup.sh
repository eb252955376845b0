#!/usr/bin/env bash
# scripts/setup.sh - the quick start: install dependencies (Debian 12), build,
# and run the server with its embedded defaults (or the flags you pass).
#   sudo scripts/setup.sh                      # ws://127.0.0.1:8086/net/default
#   sudo scripts/setup.sh --config my.toml
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHYARD_TESTS=OFF >/dev/null
cmake --build build --target switchyard -j "$(nproc)"
exec build/bin/switchyard "$@"
