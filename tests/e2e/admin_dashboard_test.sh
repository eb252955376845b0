#!/usr/bin/env bash
# tests/e2e/admin_dashboard_test.sh - the operator dashboard and the v86 demo page, end to end, in headless Chromium.
#
# A server with networks `lab` and `lab2` (config file, egress off) and an
# admin token; VM namespaces vm1 (hostname vm-one, on lab) and vm2 (vm-two, on
# lab2) get DHCP leases (busybox udhcpc); vm1 tries 192.0.2.1:80 (TEST-NET),
# which the server refuses (egress_off). Then admin_dashboard.mjs drives
# /usr/bin/chromium through playwright-core: the token dialog, the VMs, the
# refusal with its reason, a network created through the form, the demo page
# on the public listener, screenshots at 1280 and 375 px (kept; paths printed).
# Chromium reaches only loopback. Usage: admin_dashboard_test.sh BIN_DIR.
# Exit 0 all pass, 1 any failure, 77 not root or Chromium, node, busybox or
# playwright-core missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=dhcp_dns_lib.sh
source "$here/dhcp_dns_lib.sh"
node_modules=$(cd "$here/../node" && pwd)/node_modules
CHROMIUM=/usr/bin/chromium

sy_require_root
[ -x "$CHROMIUM" ] || { echo "SKIP: $CHROMIUM missing (apt-get install chromium)"; exit 77; }
[ -d "$node_modules/playwright-core" ] ||
  { echo "SKIP: $node_modules/playwright-core missing (npm ci --prefix tests/node)"; exit 77; }
for prog in node busybox; do
  command -v "$prog" >/dev/null || { echo "SKIP: missing program $prog"; exit 77; }
done
sy_init "${1:?usage: admin_dashboard_test.sh BIN_DIR}"
dd_init
started=$SECONDS

TOKEN=dashboard-e2e-token-0123456789
MAC_VM1=02:53:59:00:d0:01
MAC_VM2=02:53:59:00:d0:02
REFUSED_IP=192.0.2.1
SHOTS=$(mktemp -d "/tmp/${SY_TAG}-dashboard-shots.XXXXXX")
cat >"$SY_TMP/switchyard.toml" <<EOF
[admin]
token = "$TOKEN"

[[network]]
name = "lab"
subnet = "10.0.2.0/24"
egress = "off"

[[network]]
name = "lab2"
subnet = "10.0.3.0/24"
egress = "off"
EOF

echo "== server, VMs, refusal"
if ! sy_start_server "$SY_TMP/switchyard.toml" --state-dir "$SY_TMP/state"; then
  sy_fail "switchyard starts"; sy_summary; exit 1
fi
if ! sy_wait_for 5 "admin API line" grep -q 'admin API on 127\.0\.0\.1:[0-9]' "$SY_TMP/server.log"; then
  sy_fail "the admin listener is up (no 'admin API on' line)"; sy_summary; exit 1
fi
SY_ADMIN_PORT=$(grep -oE 'admin API on 127\.0\.0\.1:[0-9]+' "$SY_TMP/server.log" | head -n 1 | sed 's/.*://')
sy_pass "switchyard on 127.0.0.1:$SY_PORT, admin API on 127.0.0.1:$SY_ADMIN_PORT"

VM1_IP="" VM2_IP=""
if dd_vm vm1 lab "$MAC_VM1" && dd_udhcpc_bg vm1 -x hostname:vm-one; then
  VM1_IP=$(dd_env vm1 udhcpc ip); sy_pass "vm1 (lab) got a lease: $VM1_IP"
else
  sy_fail "vm1 gets a DHCP lease on lab"; sy_summary; exit 1
fi
if dd_vm vm2 lab2 "$MAC_VM2" && dd_udhcpc_bg vm2 -x hostname:vm-two; then
  VM2_IP=$(dd_env vm2 udhcpc ip); sy_pass "vm2 (lab2) got a lease: $VM2_IP"
else
  sy_fail "vm2 gets a DHCP lease on lab2"; sy_summary; exit 1
fi

# refused_connect NAME IP: a TCP connect to IP:80 from NAME is refused (RST).
refused_connect() {
  timeout 15 ip netns exec "$(sy_ns "$1")" python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(5)
try:
    s.connect((sys.argv[1], 80))
except ConnectionRefusedError:
    print("refused"); sys.exit(0)
except OSError as e:
    print("failed:", e); sys.exit(1)
print("connected"); sys.exit(1)' "$2"
}
sy_check "vm1: tcp $REFUSED_IP:80 is refused (egress off)" refused_connect vm1 "$REFUSED_IP"
sy_check "GET /api/networks/lab/egress lists the refusal (egress_off)" sh -c \
  "curl -sS --max-time 5 -H 'Authorization: Bearer $TOKEN' http://127.0.0.1:$SY_ADMIN_PORT/api/networks/lab/egress |
   python3 -c 'import json,sys; r=json.load(sys.stdin)[\"refusals\"]; print(r); sys.exit(0 if any(x[\"destination\"]==\"$REFUSED_IP\" and x[\"reason\"]==\"egress_off\" for x in r) else 1)'"

echo "== headless Chromium"
# The .mjs prints PASS/FAIL lines: count them as ours. A crash that prints no
# FAIL line must still fail, hence its exit status and a floor of passes.
node_status="" browser_passes=0
while IFS= read -r line; do
  printf '%s\n' "$line"
  case $line in
    PASS\ *) SY_CHECKS=$((SY_CHECKS + 1)); browser_passes=$((browser_passes + 1)) ;;
    FAIL\ *) SY_CHECKS=$((SY_CHECKS + 1)); SY_FAILURES=$((SY_FAILURES + 1)) ;;
    "node exit "*) node_status=${line#node exit } ;;
  esac
done < <(timeout -k 5 200 node "$here/admin_dashboard.mjs" --chromium "$CHROMIUM" --node-modules "$node_modules" \
  --admin "http://127.0.0.1:$SY_ADMIN_PORT" --public "http://127.0.0.1:$SY_PORT" --token "$TOKEN" \
  --vm1 "$VM1_IP" --vm2 "$VM2_IP" --shots "$SHOTS" --profile "$SY_TMP/chromium-profile" 2>&1
  echo "node exit $?")
sy_check "the browser script ran to the end (exit ${node_status:-?}, $browser_passes checks passed)" \
  test "${node_status:-1}" = 0 -a "$browser_passes" -ge 5
sy_check "switchyard is still running" sy_server_alive

echo "screenshots kept in $SHOTS:"
ls -1 "$SHOTS"/*.png 2>/dev/null | sed 's/^/  /'
echo "elapsed $((SECONDS - started)) s"
sy_summary
