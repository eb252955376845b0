#!/usr/bin/env bash
# tests/e2e/admin_api_test.sh - the admin REST API (README "Admin API") end to end.
#
# Servers (each on 127.0.0.1 port 0 unless said; names carry this run's prefix):
#   refusals  switchyard must not start with a non-loopback admin listener and
#             no token (flag and config file), nor with a token under 16 chars
#   tok       a server in its own namespace (only lo) with `[admin] token` and
#             `--admin-listen 0.0.0.0:0`: admin_api/admin_token.py (401s, Bearer, ?token=)
#   main      config network `lab`; admin_api/validation.py checks every endpoint
#             and every refusal (400 + field, 404, 405 + Allow, 409, 413, 415,
#             403 for a foreign Host); then a VM namespace joins a network made
#             over the API, and the writes are checked against real clients:
#             DHCP lease (busybox udhcpc) -> /ports and /leases; a record added
#             -> dig answers, deleted -> NXDOMAIN; a restart on the same state
#             dir keeps the network, its policy, record and lease; DELETE port
#             closes the relay with 1008; DELETE lease removes it and its name;
#             DELETE network closes the relay with 1001 and stays deleted
#             after another restart; a new network by that name inherits
#             none of the old one's records or policy.
# Everything stays on loopback and in our namespaces. Usage:
# admin_api_test.sh BIN_DIR. Exit 0 all pass, 1 any failure, 77 not root or a
# client program missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=dhcp_dns_lib.sh
source "$here/dhcp_dns_lib.sh"
py="$here/admin_api"
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the source tree

sy_require_root
for prog in busybox dig python3; do
  command -v "$prog" >/dev/null || { echo "SKIP: missing program $prog"; exit 77; }
done
sy_init "${1:?usage: admin_api_test.sh BIN_DIR}"
dd_init

TOKEN=e2e-admin-token-0123456789
MAC_VM=02:53:59:00:a1:01
STATE="$SY_TMP/state"
CONFIG="$SY_TMP/switchyard.toml"
mkdir -p "$STATE"
cat >"$CONFIG" <<EOF
[[network]]
name = "lab"
subnet = "10.0.2.0/24"

[[network.record]]
type = "A"
name = "db"
value = "10.0.2.50"
EOF

# aa_py SCRIPT ARGS...: runs a Python check script (inside SY_SERVER_NS when
# set), shows its lines and counts its PASS/FAIL lines as ours; a script that
# fails without a FAIL line (it crashed) is one failure more.
aa_py() {
  local line failed=0
  sy_srv_prefix
  while IFS= read -r line; do
    printf '%s\n' "$line"
    case $line in
      PASS\ *) SY_CHECKS=$((SY_CHECKS + 1)) ;;
      FAIL\ *) SY_CHECKS=$((SY_CHECKS + 1)); SY_FAILURES=$((SY_FAILURES + 1)); failed=1 ;;
      "exit "*) [ "${line#exit }" = 0 ] || [ $failed = 1 ] || sy_fail "$(basename "$1") exited ${line#exit } without a FAIL line" ;;
    esac
  done < <("${SY_SRV_PREFIX[@]}" timeout 300 python3 "$@" 2>&1; echo "exit $?")
}

# aa_start PORT [FLAGS...]: the main server on 127.0.0.1:PORT (0: any) with our
# state dir and the admin API on a free loopback port; sets ADMIN.
ADMIN=""
aa_start() {
  local port=$1; shift
  local log="$SY_TMP/server.log"
  touch "$log"
  local seen; seen=$(grep -c 'admin API on' "$log")
  dd_start_server "$CONFIG" "$port" --state-dir "$STATE" --admin-listen 127.0.0.1:0 --log-level debug "$@" || return 1
  sy_wait_for 5 "admin API line" sh -c "[ \$(grep -c 'admin API on' '$log') -gt $seen ]" || return 1
  ADMIN=$(grep -oE 'admin API on 127\.0\.0\.1:[0-9]+' "$log" | tail -n 1 | sed 's/.*://')
  [ -n "$ADMIN" ] && [ "$ADMIN" != 0 ]
}

# aa_stop: SIGTERM, up to 10 s for a clean exit (the state store closes), then SIGKILL.
aa_stop() {
  local _
  [ -n "$SY_SERVER_PID" ] || return 0
  kill -TERM "$SY_SERVER_PID" 2>/dev/null
  for _ in $(seq 1 100); do
    [ "$(ps -o stat= -p "$SY_SERVER_PID" 2>/dev/null | cut -c1)" = Z ] && break
    kill -0 "$SY_SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$SY_SERVER_PID" 2>/dev/null
  wait "$SY_SERVER_PID" 2>/dev/null
  SY_SERVER_PID=""
}

# call METHOD PATH [call.py FLAGS...]: one request to the main server's admin API.
call() { python3 "$py/call.py" "$ADMIN" "$@"; }

# refuses DESCRIPTION EXPECTED-TEXT SWITCHYARD-ARGS...: the server exits
# non-zero within 5 s and says EXPECTED-TEXT.
refuses() {
  local expected=$1; shift
  local out="$SY_TMP/refuse.log" rc=0
  timeout 5 "$SY_BIN/switchyard" --listen 127.0.0.1:0 --state-dir "$SY_TMP/state-refused" "$@" >"$out" 2>&1 || rc=$?
  cat "$out"
  echo "exit $rc"
  [ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -q -- "$expected" "$out"
}

# dig_is NAME EXPECTED QNAME / dig_status NAME RCODE QNAME: dig from VM NAME
# at apinet's gateway prints exactly EXPECTED (+short) / gets RCODE.
dig_is() {
  local got; got=$(timeout 15 ip netns exec "$(sy_ns "$1")" dig @10.77.0.2 +time=2 +tries=2 +short "$3" | tr '\n' ' ' | sed 's/ $//')
  echo "dig +short $3: '$got' (expected '$2')"
  [ "$got" = "$2" ]
}
dig_status() {
  local out; out=$(timeout 15 ip netns exec "$(sy_ns "$1")" dig @10.77.0.2 +time=2 +tries=2 "$3")
  echo "$out"
  echo "$out" | grep -q "status: $2,"
}

# relay_closed NAME CODE: NAME's relay reported the server's close with CODE (5 s).
relay_closed() {
  sy_wait_for 5 "relay of $1 closed with $2" grep -q "close code $2" "$SY_TMP/relay-$1.err"
  local rc=$?
  cat "$SY_TMP/relay-$1.err"
  return $rc
}

echo "== the server refuses an exposed admin API without a token"
sy_check "--admin-listen 0.0.0.0:0 without a token: refuses to start, says why" \
  refuses "not a loopback address: set \[admin\] token" --config "$CONFIG" --admin-listen 0.0.0.0:0
printf '[admin]\nlisten = "0.0.0.0:0"\n' >"$SY_TMP/exposed.toml"
cat "$CONFIG" >>"$SY_TMP/exposed.toml"
sy_check "[admin] listen = 0.0.0.0:0 without a token: refuses to start, names admin.listen" \
  refuses "admin.listen" --config "$SY_TMP/exposed.toml"
printf '[admin]\ntoken = "short"\n' >"$SY_TMP/short.toml"
cat "$CONFIG" >>"$SY_TMP/short.toml"
sy_check "[admin] token under 16 characters: refuses to start" \
  refuses "at least 16 characters" --config "$SY_TMP/short.toml"

echo "== a token-protected admin API on 0.0.0.0 (in a namespace with only lo)"
printf '[admin]\ntoken = "%s"\n' "$TOKEN" >"$SY_TMP/token.toml"
cat "$CONFIG" >>"$SY_TMP/token.toml"
if sy_add_ns tok; then
  SY_SERVER_NS=$(sy_ns tok)
  if sy_start_server "$SY_TMP/token.toml" --state-dir "$SY_TMP/state-token" --admin-listen 0.0.0.0:0 &&
    sy_wait_for 5 "admin API line" grep -q 'admin API on 0\.0\.0\.0:[0-9]' "$SY_TMP/server.log"; then
    SY_ADMIN_PORT=$(grep -oE 'admin API on 0\.0\.0\.0:[0-9]+' "$SY_TMP/server.log" | head -n 1 | sed 's/.*://')
    sy_pass "with a token the admin API may listen on 0.0.0.0 (port $SY_ADMIN_PORT)"
    aa_py "$py/admin_token.py" "$SY_ADMIN_PORT" "$TOKEN"
  else
    sy_fail "the server with [admin] token did not start"
  fi
  aa_stop
  mv "$SY_TMP/server.log" "$SY_TMP/server-token.log"
  SY_SERVER_NS=""
else
  sy_fail "could not create the namespace for the token server"
fi

echo "== every endpoint and every refusal (no token, loopback)"
if ! aa_start 0; then
  sy_fail "the main server did not start"; sy_summary; exit 1
fi
aa_py "$py/validation.py" "$ADMIN"

echo "== a network created over the API, joined by a VM"
sy_check "POST /api/networks apinet -> 201" \
  call POST /api/networks --expect 201 --check "j['origin'] == 'api' and j['gateway'] == '10.77.0.2'" \
  --body '{"name": "apinet", "subnet": "10.77.0.0/24", "dhcp_range": ["10.77.0.50", "10.77.0.60"], "lease_time": 600}'
VM_IP=""
if dd_vm vm1 apinet $MAC_VM && dd_udhcpc vm1 -x hostname:vm1; then
  VM_IP=$(dd_env vm1 udhcpc ip)
  sy_pass "the VM on apinet got a DHCP lease ($VM_IP)"
else
  sy_fail "the VM on apinet got no lease"
  tail -n 20 "$SY_TMP/vm1.udhcpc.log" 2>/dev/null | sed 's/^/    | /'
fi
sy_check "the lease $VM_IP is in apinet's pool" dd_ip_in_range "$VM_IP" 10.77.0.50 10.77.0.60
sy_check "the VM's router is apinet's gateway" test "$(dd_env vm1 udhcpc router)" = 10.77.0.2
sy_check "the VM pings the gateway 10.77.0.2" sy_ping vm1 10.77.0.2 2
sy_check "GET /ports shows the VM (mac, ip, counters)" \
  call GET /api/networks/apinet/ports \
  --check "any(p['mac'] == '$MAC_VM' and p['ip'] == '$VM_IP' and p['frames_in'] > 0 and p['connected_since'].endswith('Z') for p in j['ports'])"
sy_check "GET /leases shows the bound lease" \
  call GET /api/networks/apinet/leases \
  --check "any(l['ip'] == '$VM_IP' and l['mac'] == '$MAC_VM' and l['state'] == 'bound' and l['hostname'] == 'vm1' and l['expires'].endswith('Z') for l in j['leases'])"
sy_check "GET /api/networks/apinet counts 1 port and 1 lease" \
  call GET /api/networks/apinet --check "j['ports'] == 1 and j['leases'] == 1 and j['traffic']['frames_in'] > 0"

echo "== DNS records over the API, seen by the VM"
sy_check "POST a record web A 10.77.0.123 -> 201" \
  call POST /api/networks/apinet/dns/records --expect 201 --check "j['name'] == 'web.apinet.lan.'" \
  --body '{"type": "A", "name": "web", "value": "10.77.0.123"}'
sy_check "POST a record keep A 10.77.0.124 -> 201" \
  call POST /api/networks/apinet/dns/records --expect 201 --body '{"type": "A", "name": "keep", "value": "10.77.0.124"}'
sy_check "dig @10.77.0.2 web.apinet.lan from the VM answers 10.77.0.123" \
  dig_is vm1 10.77.0.123 web.apinet.lan
sy_check "DELETE the record -> 204" call DELETE /api/networks/apinet/dns/records/web.apinet.lan./A --expect 204
sy_check "dig web.apinet.lan now gets NXDOMAIN" dig_status vm1 NXDOMAIN web.apinet.lan
sy_check "the VM's DHCP name vm1.apinet.lan answers $VM_IP" dig_is vm1 "$VM_IP" vm1.apinet.lan
sy_check "PUT apinet's policy -> 200" \
  call PUT /api/networks/apinet/policy --expect 200 \
  --body '{"egress": "allowlist", "rule": [{"action": "allow", "cidr": "192.0.2.0/24", "ports": "80"}]}'

echo "== the API's network survives a restart (same state dir)"
aa_stop
if aa_start "$SY_PORT"; then sy_pass "the server restarted on port $SY_PORT"; else
  sy_fail "the server did not restart"; sy_summary; exit 1
fi
sy_check "apinet is back, origin api" \
  call GET /api/networks/apinet --check "j['origin'] == 'api' and j['subnet'] == '10.77.0.0/24'"
sy_check "GET /api/networks: lab and apinet, sorted" \
  call GET /api/networks --check "[n['name'] for n in j['networks']] == ['apinet', 'lab']"
sy_check "its policy came back" \
  call GET /api/networks/apinet/policy \
  --check "j['egress'] == 'allowlist' and j['rule'] == [{'action': 'allow', 'cidr': '192.0.2.0/24', 'ports': '80'}]"
sy_check "its API record came back" \
  call GET /api/networks/apinet/dns/records \
  --check "any(r['name'] == 'keep.apinet.lan.' and r['source'] == 'api' for r in j['records'])"
sy_check "the record deleted before the restart (DELETE .../web.apinet.lan./A) stays deleted" \
  call GET /api/networks/apinet/dns/records --check "not any(r['name'] == 'web.apinet.lan.' for r in j['records'])"
sy_check "its lease came back" \
  call GET /api/networks/apinet/leases --check "any(l['ip'] == '$VM_IP' for l in j['leases'])"
if dd_vm_reconnect vm1 apinet $MAC_VM && dd_udhcpc vm1; then
  sy_pass "the VM reconnected and got a lease again"
else
  sy_fail "the VM got no lease after the restart"
fi
sy_check "... the same address $VM_IP" test "$(dd_env vm1 udhcpc ip)" = "$VM_IP"
sy_check "dig keep.apinet.lan answers 10.77.0.124 after the restart" dig_is vm1 10.77.0.124 keep.apinet.lan
sy_check "dig web.apinet.lan (deleted before the restart) gets NXDOMAIN" dig_status vm1 NXDOMAIN web.apinet.lan

echo "== DELETE a port kicks the VM's relay"
PORT_ID=$(call GET /api/networks/apinet/ports --print "[p['id'] for p in j['ports'] if p['mac'] == '$MAC_VM'][0]")
sy_check "the VM has a port id ($PORT_ID)" test -n "$PORT_ID"
sy_check "DELETE /ports/$PORT_ID -> 204" call DELETE "/api/networks/apinet/ports/$PORT_ID" --expect 204
sy_check "the relay was closed with 1008" relay_closed vm1 1008
sy_check "the port is gone from GET /ports" \
  call GET /api/networks/apinet/ports --check "all(p['id'] != $PORT_ID for p in j['ports'])"
sy_check "DELETE it again -> 404" call DELETE "/api/networks/apinet/ports/$PORT_ID" --expect 404

echo "== DELETE a lease"
sy_check "DELETE /leases/$VM_IP -> 204" call DELETE "/api/networks/apinet/leases/$VM_IP" --expect 204
sy_check "the lease is gone from GET /leases" \
  call GET /api/networks/apinet/leases --check "all(l['ip'] != '$VM_IP' for l in j['leases'])"
sy_check "DELETE it again -> 404" call DELETE "/api/networks/apinet/leases/$VM_IP" --expect 404
sy_check "its name is gone from GET /dns/records" \
  call GET /api/networks/apinet/dns/records --check "not any(r['name'] == 'vm1.apinet.lan.' for r in j['records'])"

echo "== DELETE the network closes its VMs"
: >"$SY_TMP/relay-vm1.err"
if dd_vm_reconnect vm1 apinet $MAC_VM; then sy_pass "the VM joined apinet again"; else sy_fail "the VM could not rejoin"; fi
sy_check "... and shows in GET /ports" call GET /api/networks/apinet/ports --check "len(j['ports']) == 1"
sy_check "DELETE /api/networks/apinet -> 204" call DELETE /api/networks/apinet --expect 204
sy_check "the relay was closed with 1001" relay_closed vm1 1001
sy_check "GET /api/networks/apinet -> 404" call GET /api/networks/apinet --expect 404
sy_check "GET /api/networks lists lab alone" \
  call GET /api/networks --check "[n['name'] for n in j['networks']] == ['lab']"
aa_stop
if aa_start "$SY_PORT"; then
  sy_check "after another restart apinet stays deleted" call GET /api/networks/apinet --expect 404
  sy_check "a new apinet can be created" \
    call POST /api/networks --expect 201 --body '{"name": "apinet", "subnet": "10.77.0.0/24"}'
  aa_stop
  if aa_start "$SY_PORT"; then
    sy_check "after a third restart the new apinet has none of the old one's API records" \
      call GET /api/networks/apinet/dns/records --check "not any(r['source'] == 'api' for r in j['records'])"
    sy_check "... nor its policy" call GET /api/networks/apinet/policy --check "j['egress'] == 'off' and j['rule'] == []"
  else
    sy_fail "the server did not restart the third time"
  fi
else
  sy_fail "the server did not restart the second time"
fi

sy_summary
