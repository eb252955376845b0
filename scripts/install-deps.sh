#!/usr/bin/env bash
# scripts/install-deps.sh - install everything Switchyard builds and tests with
# on Debian 12 (bookworm), and fetch lwIP's source into third_party/ (ignored).
# Idempotent: a second run only checks. Needs root (or sudo) for apt.
#   scripts/install-deps.sh              build + test dependencies (CI, setup.sh)
#   scripts/install-deps.sh --build-only what building the server needs (Dockerfile)
set -euo pipefail
cd "$(dirname "$0")/.."

build_only=0
case "${1:-}" in
  --build-only) build_only=1 ;;
  "") ;;
  *) echo "usage: $0 [--build-only]" >&2; exit 2 ;;
esac

# Build dependencies (DESIGN.md "Dependencies"). Boost must be the versioned
# 1.81 packages: the unversioned libboost-dev is 1.74 and conflicts.
build_packages=(
  build-essential cmake ninja-build ccache pkg-config ca-certificates xz-utils
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libspdlog-dev libfmt-dev libtomlplusplus-dev libcli11-dev
  libssl-dev libsqlite3-dev
)
# Unit tests, benchmarks and the fuzz build (clang's libFuzzer).
dev_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
)
# Real peers for the end-to-end tests and benchmarks (openssl: the test CA for
# the DoH server; slirp4netns and passt: the egress benchmark's anchors;
# tshark: reads the capture endpoint's pcapng; chromium: the dashboard and demo
# page tests, driven by playwright-core from tests/node).
test_packages=(
  iproute2 iputils-ping iperf3 procps curl python3 openssl
  busybox isc-dhcp-client dnsutils dnsperf dnsmasq-base slirp4netns passt
  tshark chromium
)
# Node.js for the Wisp tests' clients (tests/node). Only when no `node` is on
# PATH: a Node installed another way (nodesource's nodejs bundles npm) must
# not be mixed with Debian's npm package.
if ! command -v node >/dev/null; then
  test_packages+=(nodejs npm)
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

wanted=("${build_packages[@]}")
[ $build_only = 1 ] || wanted+=("${dev_packages[@]}" "${test_packages[@]}")
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  # tshark's wireshark-common asks whether non-root users may capture: no.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

scripts/fetch-lwip.sh
[ $build_only = 0 ] || exit 0

# The Wisp tests' npm packages (exact versions in tests/node/package-lock.json),
# into tests/node/node_modules (ignored): again when the lock file is newer.
if [ ! -d tests/node/node_modules ] || [ tests/node/package-lock.json -nt tests/node/node_modules ]; then
  echo "install-deps: npm ci in tests/node"
  npm ci --prefix tests/node --no-audit --no-fund
  touch tests/node/node_modules  # npm may keep the directory: mark it current
fi
