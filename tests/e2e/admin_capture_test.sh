#!/usr/bin/env bash
# tests/e2e/admin_capture_test.sh - GET /api/networks/{n}/capture end to end:
# live pcapng streams read back by tshark.
#
# Topology (names carry this run's "sy<pid>" prefix): switchyard in the root
# namespace on 127.0.0.1 (public and admin listeners); netns vm1 with eth0 =
# TAP relayed to /net/lab, static 10.0.2.15/24. Network "other" has no VM.
#
# Checks: bad queries get 400 naming the field, an unknown port or network
# 404; a port capture (limit=20 packets) and a whole-network capture
# (limit=5s) running together: each parses in tshark without error, carries
# its interface name, the VM's MAC as a source, the UDP marker payload; the
# port capture holds exactly 20 frames; the whole-network one also holds the
# gateway's replies; both end with an Interface Statistics Block whose
# received == frames + dropped; the ninth capture on one network gets 503; a
# reader that never reads while the VM floods keeps the server's RSS bounded,
# and the drops appear in its statistics block and the server log.
# Usage: admin_capture_test.sh BIN_DIR. Exit 0 all pass, 1 any failure, 77
# not root or tshark missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

sy_require_root
command -v tshark >/dev/null || { echo "SKIP: missing program tshark"; exit 77; }
sy_init "${1:?usage: admin_capture_test.sh BIN_DIR}"

MAC_VM=02:53:59:00:63:01
MARKER=SY-CAPTURE-MARKER-7f3a

# pcapng block walker: prints "shb idb epb=N isb recv=R drop=D", or fails on
# any framing error (lengths that disagree, a truncated block).
BLOCKS_PY='
import struct, sys
data = open(sys.argv[1], "rb").read()
at, kinds, epb, isb = 0, [], 0, None
while at < len(data):
    if at + 12 > len(data): sys.exit(f"truncated block header at {at}")
    btype, blen = struct.unpack_from("<II", data, at)
    if blen < 12 or blen % 4 or at + blen > len(data): sys.exit(f"bad length {blen} at {at}")
    if struct.unpack_from("<I", data, at + blen - 4)[0] != blen: sys.exit(f"trailing length differs at {at}")
    if btype == 6: epb += 1
    elif btype == 5:
        opts, recv, drop = at + 20, None, None
        while opts < at + blen - 4:
            code, olen = struct.unpack_from("<HH", data, opts)
            if code == 0: break
            if code == 4: recv = struct.unpack_from("<Q", data, opts + 4)[0]
            if code == 5: drop = struct.unpack_from("<Q", data, opts + 4)[0]
            opts += 4 + (olen + 3) // 4 * 4
        isb = (recv, drop)
    kinds.append({0x0A0D0D0A: "shb", 1: "idb", 5: "isb", 6: "epb"}.get(btype, hex(btype)))
    at += blen
if kinds[:2] != ["shb", "idb"]: sys.exit(f"starts with {kinds[:2]}")
if isb is None or kinds[-1] != "isb": sys.exit("no statistics block at the end")
print(f"epb={epb} recv={isb[0]} drop={isb[1]}")
'
blocks() { python3 -c "$BLOCKS_PY" "$1"; }
# isb_consistent FILE: the statistics block counts every frame written plus the drops.
isb_consistent() {
  local line; line=$(blocks "$1") || return 1
  echo "$line"
  python3 -c 'import sys; d=dict(kv.split("=") for kv in sys.argv[1].split()); sys.exit(int(d["recv"]) != int(d["epb"]) + int(d["drop"]))' "$line"
}
# tshark_clean FILE: tshark reads every frame without complaint.
tshark_clean() {
  local err="$SY_TMP/tshark.err"
  tshark -r "$1" -T fields -e frame.number >/dev/null 2>"$err" || { cat "$err"; return 1; }
  ! grep -v 'Running as user' "$err" | grep -q .
}
frames() { tshark -r "$1" -T fields -e frame.number 2>/dev/null | wc -l; }
api() { curl -sS --max-time 10 "http://127.0.0.1:$SY_ADMIN_PORT$1"; }
status_of() { curl -s -o "$SY_TMP/answer.json" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$SY_ADMIN_PORT$1"; }
# expect_error URL STATUS [FIELD]
expect_error() {
  local code; code=$(status_of "$1")
  [ "$code" = "$2" ] || { echo "status $code"; cat "$SY_TMP/answer.json"; return 1; }
  [ -z "${3:-}" ] || [ "$(sy_json "$SY_TMP/answer.json" 'j["field"]')" = "$3" ]
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SY_SERVER_PID/status"; }

cat >"$SY_TMP/switchyard.toml" <<'EOF'
[[network]]
name = "lab"
subnet = "10.0.2.0/24"
gateway = "10.0.2.2"

[[network]]
name = "other"
subnet = "10.0.3.0/24"
EOF
if sy_start_server "$SY_TMP/switchyard.toml" --state-dir "$SY_TMP/state" && [ -n "${SY_ADMIN_PORT:-}" ]; then
  sy_pass "switchyard starts, admin API on 127.0.0.1:$SY_ADMIN_PORT"
else
  sy_fail "switchyard (with its admin listener) does not start"; sy_summary; exit 1
fi
sy_vm vm1 lab 10.0.2.15/24 $MAC_VM || { sy_fail "vm1 does not come up"; sy_summary; exit 1; }
sy_check "vm1 reaches the gateway" sy_ping vm1 10.0.2.2 1
api /api/networks/lab/ports >"$SY_TMP/ports.json"
PORT_ID=$(sy_json "$SY_TMP/ports.json" 'j["ports"][0]["id"]' 2>/dev/null)
if [ -n "$PORT_ID" ]; then sy_pass "vm1's port id is $PORT_ID"; else sy_fail "no port id in $(cat "$SY_TMP/ports.json")"; PORT_ID=1; fi

# --- refusals ---
sy_check "port=0 -> 400 naming port" expect_error "/api/networks/lab/capture?port=0" 400 port
sy_check "port=abc -> 400 naming port" expect_error "/api/networks/lab/capture?port=abc" 400 port
sy_check "limit=0s -> 400 naming limit" expect_error "/api/networks/lab/capture?limit=0s" 400 limit
sy_check "limit=86401s -> 400 naming limit" expect_error "/api/networks/lab/capture?limit=86401s" 400 limit
sy_check "limit=10000001 -> 400 naming limit" expect_error "/api/networks/lab/capture?limit=10000001" 400 limit
sy_check "an unknown port -> 404" expect_error "/api/networks/lab/capture?port=99999" 404 port
sy_check "vm1's port on another network -> 404" expect_error "/api/networks/other/capture?port=$PORT_ID" 404 port
sy_check "an unknown network -> 404" expect_error "/api/networks/nosuch/capture" 404

# --- a port capture and a whole-network capture, together ---
PORT_PCAP="$SY_TMP/port.pcapng" NET_PCAP="$SY_TMP/net.pcapng"
curl -sN --max-time 30 -D "$SY_TMP/port.headers" -o "$PORT_PCAP" \
  "http://127.0.0.1:$SY_ADMIN_PORT/api/networks/lab/capture?port=$PORT_ID&limit=20" &
PORT_CURL=$!; SY_PIDS+=("$PORT_CURL")
curl -sN --max-time 30 -o "$NET_PCAP" "http://127.0.0.1:$SY_ADMIN_PORT/api/networks/lab/capture?limit=5s" &
NET_CURL=$!; SY_PIDS+=("$NET_CURL")
# The head and SHB + IDB arrive before any frame does.
sy_check "both captures start at once (headers and pcapng head before any frame)" \
  sy_wait_for 5 "capture heads" sh -c "[ -s '$PORT_PCAP' ] && [ -s '$NET_PCAP' ]"
sy_check "the port capture answers 200 application/x-pcapng" grep -qi '^content-type: application/x-pcapng' "$SY_TMP/port.headers"
sy_check "with a file name naming network and port" \
  grep -qE "^Content-Disposition: attachment; filename=\"lab-$PORT_ID-[0-9]{8}T[0-9]{6}Z\.pcapng\"" "$SY_TMP/port.headers"
sy_check "and no Content-Length" sh -c "! grep -qi '^content-length' '$SY_TMP/port.headers'"

sy_in vm1 python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(sys.argv[1].encode(), ("10.0.2.2", 9999))' "$MARKER"
sy_check "vm1 pings the gateway 12 times" sy_ping vm1 10.0.2.2 12
wait "$PORT_CURL"; wait "$NET_CURL"

sy_check "port capture: tshark reads it without error" tshark_clean "$PORT_PCAP"
sy_check "port capture: exactly 20 frames (limit=20)" test "$(frames "$PORT_PCAP")" = 20
sy_check "port capture: blocks framed, statistics at the end, received = frames + dropped" isb_consistent "$PORT_PCAP"
sy_check "port capture: interface name lab/port$PORT_ID" \
  sh -c "tshark -r '$PORT_PCAP' -T fields -e frame.interface_name 2>/dev/null | sort -u | grep -qx 'lab/port$PORT_ID'"
sy_check "port capture: vm1's MAC is a source" sh -c "tshark -r '$PORT_PCAP' -T fields -e eth.src 2>/dev/null | grep -qx '$MAC_VM'"
sy_check "port capture: the marker datagram is there" \
  sh -c "tshark -r '$PORT_PCAP' -Y 'udp.dstport == 9999 && frame contains \"$MARKER\"' -T fields -e frame.number 2>/dev/null | grep -q ."
sy_check "whole network: tshark reads it without error" tshark_clean "$NET_PCAP"
sy_check "whole network: blocks framed, statistics at the end, received = frames + dropped" isb_consistent "$NET_PCAP"
sy_check "whole network: interface name lab" \
  sh -c "tshark -r '$NET_PCAP' -T fields -e frame.interface_name 2>/dev/null | sort -u | grep -qx lab"
sy_check "whole network: the marker and the 12 echo requests from vm1" \
  sh -c "tshark -r '$NET_PCAP' -Y 'frame contains \"$MARKER\" && eth.src == $MAC_VM' -T fields -e frame.number 2>/dev/null | grep -q . &&
         test \$(tshark -r '$NET_PCAP' -Y 'icmp.type == 8 && eth.src == $MAC_VM' -T fields -e frame.number 2>/dev/null | wc -l) -ge 12"
sy_check "whole network: the gateway's 12 echo replies (frames entering from the gateway port)" \
  sh -c "test \$(tshark -r '$NET_PCAP' -Y 'icmp.type == 0 && eth.dst == $MAC_VM' -T fields -e frame.number 2>/dev/null | wc -l) -ge 12"
sy_check "the server logs both ends with frame counts" sh -c "grep -c 'capture of lab.* ended (limit reached): [0-9]* frames' '$SY_TMP/server.log' | grep -qx 2"

# --- at most 8 captures per network ---
CURLS=()
for i in 1 2 3 4 5 6 7 8; do
  curl -sN --max-time 20 -o /dev/null "http://127.0.0.1:$SY_ADMIN_PORT/api/networks/other/capture?limit=10s" &
  CURLS+=($!); SY_PIDS+=($!)
done
sy_wait_for 5 "8 captures" sh -c "test \$(grep -c 'capture of other started' '$SY_TMP/server.log') -ge 8"
sy_check "the ninth capture on one network -> 503" expect_error "/api/networks/other/capture?limit=1s" 503
sy_check "while another network still captures" sh -c "curl -s --max-time 5 -o /dev/null -w '%{http_code}' 'http://127.0.0.1:$SY_ADMIN_PORT/api/networks/lab/capture?limit=1s' | grep -qx 200"
for pid in "${CURLS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done

# --- a reader that never reads while vm1 floods ---
SLOW_PCAP="$SY_TMP/slow.pcapng"
SLOW_PY='
import socket, sys, time
port, path = int(sys.argv[1]), sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a tiny window: the server must hold or drop
s.connect(("127.0.0.1", port))
s.sendall(b"GET /api/networks/lab/capture?limit=10s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
print("asleep", flush=True)
time.sleep(14)  # the capture ends meanwhile, with frames dropped
data = b""
s.settimeout(10)
while True:
    chunk = s.recv(1 << 20)
    if not chunk: break
    data += chunk
open(path, "wb").write(data.split(b"\r\n\r\n", 1)[1])
'
python3 -c "$SLOW_PY" "$SY_ADMIN_PORT" "$SLOW_PCAP" >"$SY_TMP/slow.out" 2>&1 &
SLOW=$!; SY_PIDS+=("$SLOW")
sy_wait_for 5 "slow reader" grep -q asleep "$SY_TMP/slow.out"
RSS_BEFORE=$(rss_kb)
FLOOD_PY='
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload, end, n = b"x" * 1400, time.monotonic() + 6, 0
while time.monotonic() < end and n < 200000:
    try: s.sendto(payload, ("10.0.2.2", 9)); n += 1
    except OSError: time.sleep(0.001)
print(f"sent {n}")
'
sy_in vm1 timeout 20 python3 -c "$FLOOD_PY" >"$SY_TMP/flood.out" 2>&1 &
FLOOD=$!; SY_PIDS+=("$FLOOD")
RSS_MAX=$RSS_BEFORE
for i in $(seq 1 70); do
  r=$(rss_kb); [ "${r:-0}" -gt "$RSS_MAX" ] && RSS_MAX=$r
  kill -0 "$FLOOD" 2>/dev/null || break
  sleep 0.1
done
wait "$FLOOD"; wait "$SLOW"
sy_log "flood: $(cat "$SY_TMP/flood.out"); server RSS ${RSS_BEFORE} kB -> max ${RSS_MAX} kB"
sy_check "the server's RSS grows by less than 24 MiB during the flood" test $((RSS_MAX - RSS_BEFORE)) -lt $((24 * 1024))
sy_check "the slow reader's file parses" tshark_clean "$SLOW_PCAP"
drops_counted() { isb_consistent "$1" && ! blocks "$1" | grep -q 'drop=0$'; }
sy_check "its statistics block counts drops (received = frames + dropped, dropped > 0)" drops_counted "$SLOW_PCAP"
sy_check "the server log shows the drops" grep -qE 'capture of lab ended \(limit reached\): [0-9]+ frames, [0-9]+ bytes, [1-9][0-9]* dropped' "$SY_TMP/server.log"
sy_check "the server is still alive" sy_server_alive

echo "== shutdown"
# With no VM connected, SIGTERM must still let a running capture write its
# closing statistics block before the loop stops.
kill "${SY_VM_RELAY[vm1]}" 2>/dev/null; wait "${SY_VM_RELAY[vm1]}" 2>/dev/null
sy_wait_for 5 "vm1's relay is gone" sh -c "curl -s http://127.0.0.1:$SY_ADMIN_PORT/api/networks/lab/ports | grep -q '\"ports\":\[\]'"
END_PCAP="$SY_TMP/shutdown.pcapng"
curl -sN --max-time 20 -o "$END_PCAP" "http://127.0.0.1:$SY_ADMIN_PORT/api/networks/lab/capture" &
END_CURL=$!; SY_PIDS+=("$END_CURL")
sy_wait_for 5 "the unlimited capture has started" sh -c "test -s '$END_PCAP'"
kill -TERM "$SY_SERVER_PID"; wait "$SY_SERVER_PID" 2>/dev/null; SY_SERVER_PID=""
wait "$END_CURL"
sy_check "a capture running at SIGTERM ends with its statistics block" isb_consistent "$END_PCAP"

sy_summary
