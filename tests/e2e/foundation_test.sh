#!/usr/bin/env bash
# tests/e2e/foundation_test.sh - the v86 relay path end to end: real Linux VMs (namespaces + TAP) on Switchyard LANs.
#
# Topology (all names carry this run's "sy<pid>" prefix):
#   vm1 10.0.2.15 ─┐
#   vm2 10.0.2.16 ─┴─ /net/default  10.0.2.0/24 gw 10.0.2.2
#   vm3 10.0.2.15 ─── /net/other    same subnet and gateway, on purpose (isolation)
#   vm4 10.0.2.20 ─── /net/locked   token "s3cret"
# Checks: health, gateway ARP/ICMP, VM<->VM ping and TCP (iperf3), isolation of
# same-subnet networks, hostile WebSocket input while traffic keeps flowing
# (checked by captures in the VMs), reconnect with the same MAC, upgrade
# refusals and token auth. Usage: foundation_test.sh BIN_DIR (with switchyard, sy-tap-relay,
# sy-ws-probe). Exit 0 all pass, 1 any failure, 77 not root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

sy_require_root
command -v iperf3 >/dev/null || { echo "FAIL missing program: iperf3 (apt-get install iperf3)"; exit 1; }
sy_init "${1:?usage: foundation_test.sh BIN_DIR}"
started=$SECONDS

MAC1=02:53:59:00:00:01
MAC2=02:53:59:00:00:02
MAC3=02:53:59:00:00:03
MAC4=02:53:59:00:00:04

cat >"$SY_TMP/switchyard.toml" <<'EOF'
[server]
listen = "127.0.0.1:0"

[[network]]
name = "default"
subnet = "10.0.2.0/24"
gateway = "10.0.2.2"
mtu = 1500

[[network]]
name = "other"
subnet = "10.0.2.0/24"
gateway = "10.0.2.2"
mtu = 1500

[[network]]
name = "locked"
subnet = "10.0.2.0/24"
gateway = "10.0.2.2"
mtu = 1500
token = "s3cret"
EOF

sy_start_server "$SY_TMP/switchyard.toml" --log-level debug || exit 1
base="127.0.0.1:$SY_PORT"

echo "== health"
sy_check "GET /healthz answers 2xx" curl -fsS --max-time 5 "http://$base/healthz"

echo "== VMs"
vms_ok=1
sy_vm vm1 default 10.0.2.15/24 $MAC1 || vms_ok=0
sy_vm vm2 default 10.0.2.16/24 $MAC2 || vms_ok=0
sy_vm vm3 other 10.0.2.15/24 $MAC3 || vms_ok=0
if [ $vms_ok = 1 ]; then sy_pass "three VMs relayed (vm1, vm2 on default; vm3 on other)"; else
  sy_fail "could not bring the VMs up"; sy_summary; exit 1
fi

echo "== gateway and LAN"
sy_check "vm1 pings its gateway 10.0.2.2" sy_ping vm1 10.0.2.2
sy_check "vm2 pings its gateway 10.0.2.2" sy_ping vm2 10.0.2.2
sy_check "vm1 pings vm2" sy_ping vm1 10.0.2.16
sy_check "vm2 pings vm1" sy_ping vm2 10.0.2.15
sy_check "vm1 learned the gateway's MAC by ARP" \
  sh -c "ip -n $(sy_ns vm1) neigh show 10.0.2.2 | grep -q lladdr"
GW_MAC=$(ip -n "$(sy_ns vm1)" neigh show 10.0.2.2 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)
# Full-size frames (1472 + 28 = 1500-byte packets, 1514-byte frames), no fragmentation.
sy_check "vm1 pings vm2 with 1514-byte frames" \
  timeout 20 ip netns exec "$(sy_ns vm1)" ping -n -c 3 -i 0.2 -W 2 -s 1472 -M do 10.0.2.16
sy_check "vm1 pings the gateway with 1514-byte frames" \
  timeout 20 ip netns exec "$(sy_ns vm1)" ping -n -c 3 -i 0.2 -W 2 -s 1472 -M do 10.0.2.2

iperf_tcp() {  # server in vm2, client vm1, 3 s; passes if throughput > 0
  sy_bg vm2 iperf3 -s -1 -p 5201 -B 10.0.2.16
  sy_wait_listen vm2 5201 || return 1
  timeout 30 ip netns exec "$(sy_ns vm1)" iperf3 -c 10.0.2.16 -p 5201 -t 3 -J >"$SY_TMP/iperf.json" || return 1
  local bps
  bps=$(sy_json "$SY_TMP/iperf.json" "int(j['end']['sum_received']['bits_per_second'])") || return 1
  echo "vm1 -> vm2 TCP: $((bps / 1000000)) Mbit/s, retransmits $(sy_json "$SY_TMP/iperf.json" "j['end']['sum_sent'].get('retransmits')")"
  [ "$bps" -gt 0 ]
}
if iperf_tcp >"$SY_TMP/iperf.txt" 2>&1; then
  sy_pass "iperf3 vm1 -> vm2 over the switch ($(grep -o '[0-9]* Mbit/s.*' "$SY_TMP/iperf.txt"))"
else
  sy_fail "iperf3 vm1 -> vm2"; sed 's/^/    | /' "$SY_TMP/iperf.txt" | tail -n 20
fi

echo "== isolation of same-subnet networks"
sy_check "vm3 (other) pings its own gateway 10.0.2.2" sy_ping vm3 10.0.2.2
sy_check_fails "vm3 (other) cannot reach 10.0.2.16 (vm2, on default)" sy_ping vm3 10.0.2.16 2

# Broadcast pings: vm1's must reach vm2 (positive control); vm3's must reach
# nobody. Linux may answer its own broadcast ping, so vm3's only allowed reply
# is its own (one per request, no DUP!), and vm2 must not learn vm3's MAC.
bping() { timeout 15 ip netns exec "$(sy_ns "$1")" ping -n -b -c 3 -i 0.3 -W 2 10.0.2.255 2>&1; }
# Captures on vm1 and vm2 while both broadcast pings run: the last word on leaks.
sy_sniff vm1 40; sniff1=$SY_BG_PID; sniff1_log=$SY_BG_LOG
sy_sniff vm2 40; sniff2=$SY_BG_PID; sniff2_log=$SY_BG_LOG
bping vm1 >"$SY_TMP/bping1.txt"
if grep -q 'from 10.0.2.16' "$SY_TMP/bping1.txt"; then
  sy_pass "broadcast ping from vm1 is answered by vm2 (positive control)"
else
  sy_fail "broadcast ping from vm1 got no reply from vm2"; sed 's/^/    | /' "$SY_TMP/bping1.txt"
fi
bping vm3 >"$SY_TMP/bping3.txt"
if grep -q 'from 10.0.2.16\|DUP!' "$SY_TMP/bping3.txt" || grep 'bytes from' "$SY_TMP/bping3.txt" | grep -vq 'from 10.0.2.15'; then
  sy_fail "broadcast ping from vm3 was answered from another network"; sed 's/^/    | /' "$SY_TMP/bping3.txt"
else
  sy_pass "broadcast ping from vm3 reaches nobody on default"
fi
sy_sniff_stop $sniff1
sy_sniff_stop $sniff2
if grep -qi "^$MAC1 " "$sniff2_log"; then
  sy_pass "capture on vm2 sees vm1's broadcast (positive control)"
else
  sy_fail "capture on vm2 did not see vm1's broadcast: $(tail -n 1 "$sniff2_log")"
fi
if grep -qi "^$MAC3 " "$sniff1_log" "$sniff2_log"; then
  sy_fail "a frame from vm3 (network other) arrived on default: $(grep -hi "^$MAC3 " "$sniff1_log" "$sniff2_log" | head -n 3 | tr '\n' ';')"
else
  sy_pass "no frame from vm3 arrived on vm1 or vm2 (captured)"
fi
for vm in vm1 vm2; do
  if ip -n "$(sy_ns $vm)" neigh show | grep -qi "$MAC3"; then
    sy_fail "$vm saw vm3's MAC $MAC3: $(ip -n "$(sy_ns $vm)" neigh show | tr '\n' ';')"
  else
    sy_pass "$vm never saw vm3's MAC"
  fi
done
if ip -n "$(sy_ns vm3)" neigh show | grep -qiE "$MAC1|$MAC2"; then
  sy_fail "vm3 saw a MAC from default: $(ip -n "$(sy_ns vm3)" neigh show | tr '\n' ';')"
else
  sy_pass "vm3 never saw vm1's or vm2's MAC"
fi

echo "== hostile input on /net/default while vm1 <-> vm2 keeps working"
# Captures on vm1 and vm2 see what the probes' frames turned into.
sy_sniff vm1 90; sniff1=$SY_BG_PID; sniff1_log=$SY_BG_LOG
sy_sniff vm2 90; sniff2=$SY_BG_PID; sniff2_log=$SY_BG_LOG
# A steady ping runs through the whole phase (bounded: 300 x 0.2 s = 60 s max).
sy_bg vm1 ping -n -c 300 -i 0.2 -W 1 10.0.2.16
bg_ping=$SY_BG_PID
bg_ping_log=$SY_BG_LOG
probe() {  # probe DESCRIPTION PROBE-ARGS...: run sy-ws-probe, then one ping vm1 -> vm2
  local desc=$1; shift
  sy_check "probe $desc" timeout 60 "$SY_BIN/sy-ws-probe" --url "ws://$base/net/default" "$@"
  sy_check "vm1 pings vm2 after probe $desc" sy_ping vm1 10.0.2.16 2
}
probe "random bytes: dropped, connection stays open" --mode random --count 500 --seed 1
probe "runts (0..13 bytes): dropped, connection stays open" --mode runt --count 56
probe "giants (1519..9000 bytes): dropped, connection stays open" --mode giant --count 40 --mtu 1500
probe "text message: closed with 1003" --mode text --expect-close 1003
probe "70000-byte message: closed with 1009" --mode oversize --expect-close 1009
probe "spoofed source MAC (vm2's): dropped" --mode spoof --mac $MAC2 --ip 10.0.2.99 --count 50
sy_check "vm2's MAC still reaches vm2 after the spoof (vm1 -> vm2 ping)" sy_ping vm1 10.0.2.16 3
probe "broadcast flood (20000 frames): connection stays open" --mode flood --count 20000
probe "fragmented messages (16-byte WebSocket fragments): reassembled" \
  --mode flood --count 50 --fragment 16 --mac 02:53:59:00:00:f1
if [ -n "$GW_MAC" ]; then
  probe "spoofed source MAC (the gateway's, $GW_MAC): dropped" --mode spoof --mac "$GW_MAC" --ip 10.0.2.98 --count 50
  sy_check "vm1 still pings the gateway after the gateway-MAC spoof" sy_ping vm1 10.0.2.2 3
fi
kill -INT "$bg_ping" 2>/dev/null
wait "$bg_ping" 2>/dev/null
echo "background vm1 -> vm2 ping during the hostile phase: $(grep -o '[0-9]* packets transmitted.*loss' "$bg_ping_log")"
if grep -q ' 0 received' "$bg_ping_log" || ! grep -q 'received' "$bg_ping_log"; then
  sy_fail "vm1 -> vm2 traffic stopped during the hostile phase"
else
  sy_pass "vm1 -> vm2 traffic kept flowing during the hostile phase"
fi
sy_sniff_stop $sniff1
sy_sniff_stop $sniff2
# Columns: source MAC, EtherType, length, ARP sender IP.
if awk '$3 > 1518' "$sniff1_log" "$sniff2_log" | grep -q .; then
  sy_fail "giant frames reached the VMs: $(awk '$3 > 1518' "$sniff1_log" "$sniff2_log" | head -n 3 | tr '\n' ';')"
else
  sy_pass "no frame over 1518 bytes reached vm1 or vm2"
fi
if awk '$2 == "0806" && ($4 == "10.0.2.99" || $4 == "10.0.2.98")' "$sniff1_log" "$sniff2_log" | grep -q .; then
  sy_fail "a spoofed ARP (vm2's or the gateway's MAC) reached a VM"
else
  sy_pass "the spoofed ARPs (vm2's and the gateway's MAC) reached no VM"
fi
reassembled=$(grep -ci '^02:53:59:00:00:f1 88b5 60 ' "$sniff1_log")
if [ "$reassembled" = 50 ]; then
  sy_pass "all 50 fragmented messages reached vm1 whole (60 bytes)"
else
  sy_fail "fragmented messages: $reassembled of 50 reached vm1 as 60-byte frames"
fi
flooded=$(awk '$2 == "88b5" && $3 == 60' "$sniff1_log" | wc -l)
if [ "$flooded" -gt 0 ]; then
  sy_pass "flood frames reached vm1 ($flooded of 20000: broadcasts are forwarded, so the captures work)"
else
  sy_fail "no flood frame reached vm1 (broadcast forwarding or the capture is broken)"
fi
sy_check "vm1 <-> vm2 ping after all hostile input" sy_ping vm1 10.0.2.16 3
sy_check "vm2 <-> vm1 ping after all hostile input" sy_ping vm2 10.0.2.15 3
sy_check "server still running" sy_server_alive
sy_check "GET /healthz still answers" curl -fsS --max-time 5 "http://$base/healthz"

echo "== reconnect (v86 after a lost connection: new WebSocket, same MAC)"
sy_check "vm1 comes back on a new WebSocket with its MAC" sy_vm_reconnect vm1 default 10.0.2.15/24 $MAC1
sy_check "vm1 -> vm2 ping right after the reconnect" sy_ping vm1 10.0.2.16 3
sy_check "vm2 -> vm1 ping right after the reconnect" sy_ping vm2 10.0.2.15 3

echo "== upgrade refusals"
if sy_relay nope "ws://$base/net/nope" 2>/dev/null; then
  sy_fail "relay to an unknown network /net/nope got ready"
else
  sy_pass "relay to an unknown network is refused ($(grep -o 'HTTP [0-9]*.*' "$SY_TMP/relay-nope.err" | head -n 1))"
fi
echo "== token-protected network"
lk=$(sy_ns lk)
if sy_relay lk "ws://$base/net/locked" 2>/dev/null; then
  sy_fail "relay to /net/locked without a token got ready"
else
  # It must have exited (not just be slow) and said why.
  if ! kill -0 "$SY_RELAY_PID" 2>/dev/null && grep -q '401' "$SY_TMP/relay-lk.err"; then
    sy_pass "relay to /net/locked without a token is refused with 401"
  else
    sy_fail "relay to /net/locked without a token: no 401 refusal"; sed 's/^/    | /' "$SY_TMP/relay-lk.err"
  fi
fi
sy_check_fails "refused relay left no TAP $lk behind" ip link show "$lk"
sy_check_fails "a wrong token is refused too" \
  timeout 10 "$SY_BIN/sy-ws-probe" --url "ws://$base/net/locked?token=wrong" --mode flood --count 1
if sy_vm vm4 locked 10.0.2.20/24 $MAC4 "?token=s3cret"; then
  sy_pass "relay to /net/locked?token=s3cret is accepted"
  sy_check "vm4 (locked) pings its gateway" sy_ping vm4 10.0.2.2
else
  sy_fail "relay to /net/locked?token=s3cret was not accepted"
fi
sy_check "server still running at the end" sy_server_alive

echo "== done in $((SECONDS - started)) s"
sy_summary
