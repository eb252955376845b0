#!/usr/bin/env bash
# scripts/check-docker-runtime-deps.sh - checks that the Docker image's runtime
# stage (deploy/runtime-packages.txt) installs every shared library the server
# binary links: `ldd BINARY`, each library's owning package from `dpkg -S`,
# compared with the list. Run after a build, on Debian 12 like the image.
#   scripts/check-docker-runtime-deps.sh [BINARY]   (default build/bin/switchyard)
# Exit 0 when covered, 1 when a package is missing (named), 2 on bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-build/bin/switchyard}
list=deploy/runtime-packages.txt
[ -x "$binary" ] || { echo "check-docker-runtime-deps: no executable $binary (build it first)" >&2; exit 2; }
[ -f "$list" ] || { echo "check-docker-runtime-deps: no $list" >&2; exit 2; }

mapfile -t listed < <(grep -v -e '^#' -e '^[[:space:]]*$' "$list")

# The package owning a file; on a merged-/usr system dpkg may know it by the
# other spelling (/lib/... vs /usr/lib/...) or by the symlink's own name.
owner() {
  local path=$1 real alt candidate
  real=$(readlink -f "$path")
  for candidate in "$path" "$real"; do
    case $candidate in
      /usr/lib/*|/usr/lib64/*) alt=${candidate#/usr} ;;
      /lib/*|/lib64/*) alt=/usr$candidate ;;
      *) alt=$candidate ;;
    esac
    for p in "$candidate" "$alt"; do
      dpkg -S "$p" 2>/dev/null | head -n 1 | cut -d: -f1 && return 0
    done
  done
  return 1
}

status=0
declare -A needed=()
while read -r lib path; do
  if [ "$path" = "not" ]; then
    echo "MISSING library $lib: ldd cannot find it on this machine"; status=1; continue
  fi
  pkg=$(owner "$path") || { echo "UNKNOWN $lib ($path): no package owns it"; status=1; continue; }
  needed[$pkg]=1
  if printf '%s\n' "${listed[@]}" | grep -qx "$pkg"; then
    echo "ok      $lib -> $pkg"
  else
    echo "MISSING $lib -> $pkg is not in $list"; status=1
  fi
done < <(ldd "$binary" | awk '$2 == "=>" { print $1, $3 } $2 != "=>" && $1 ~ /^\// { print $1, $1 }')

for pkg in "${listed[@]}"; do
  [ -n "${needed[$pkg]:-}" ] || [ "$pkg" = ca-certificates ] || echo "note    $pkg is listed but no linked library needs it"
done
[ $status = 0 ] && echo "check-docker-runtime-deps: $list covers every library $binary links"
exit $status
