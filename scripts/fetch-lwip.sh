#!/usr/bin/env bash
# scripts/fetch-lwip.sh - fetch lwIP 2.1.3 from Debian's source package into
# third_party/lwip (git-ignored), verified against a pinned SHA-256.
# We build lwIP's raw-API core ourselves (stack/lwip); nothing of it is committed.
set -euo pipefail
cd "$(dirname "$0")/.."

version="2.1.3+dfsg1"
tarball="lwip_${version}.orig.tar.xz"
sha256="0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24"
dest="third_party/lwip"

if [ -f "$dest/src/core/tcp_in.c" ]; then exit 0; fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

mkdir -p third_party/download
if [ ! -f "third_party/download/$tarball" ]; then
  # apt-get source needs a deb-src entry; add our own file, leave the others alone.
  if ! apt-get source --print-uris "lwip=${version}-2" >/dev/null 2>&1; then
    uris=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$uris" ] || uris="http://deb.debian.org/debian"
    $SUDO tee /etc/apt/sources.list.d/switchyard-deb-src.sources >/dev/null <<SRC
Types: deb-src
URIs: ${uris}
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    $SUDO apt-get update -q
  fi
  (cd third_party/download && apt-get source --download-only "lwip=${version}-2")
fi

echo "${sha256}  third_party/download/${tarball}" | sha256sum -c --quiet - || {
  echo "fetch-lwip: checksum mismatch for ${tarball}" >&2; exit 1; }

rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
tar -xJf "third_party/download/$tarball" -C "$dest.tmp" --strip-components=1
rm -rf "$dest" && mv "$dest.tmp" "$dest"
echo "fetch-lwip: lwIP ${version} in ${dest}"
