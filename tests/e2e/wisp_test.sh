#!/usr/bin/env bash
# tests/e2e/wisp_test.sh - Wisp v1/v2 and DoH end to end: the real wisp-js client against a real server.
#
# Topology: egress_lib.sh's (switchyard and the TAP relays in netns gw, the
# fake internet in netns inet with HTTP, UDP echo, DoH and canaries), plus a
# TCP echo server on inet's 198.51.100.50:7, a TCP server on inet's
# 198.51.100.52:9 that accepts and never reads (SO_RCVBUF 4096), and a VM
# namespace vm1 on network lab (DHCP hostname vm1) running TCP/UDP echo and
# HTTP servers. The Wisp client (tests/e2e/wisp_client.mjs: npm
# @mercuryworkshop/wisp-js, and a raw `ws` client for the slow reader and the
# upload floods) runs in gw and talks to the server on gw's 127.0.0.1. Networks:
#   lab     egress internet, 128 streams per connection, 3 s connect timeout
#   tight   egress internet, wisp_buffer = 16
#   closed  egress off
#   auth    egress internet, a wisp_user and a MOTD
#   nowisp  wisp = false
#   noudp   wisp_udp = false, wisp_max_streams = 2, a token
# Checks, each on its own:
#   topology  the internet (TCP echo, UDP echo, HTTP) answers gw without Switchyard
#   internet  v1 and v2 TCP echo and UDP echo; a closed port -> 0x44; the big
#             file by address (v1) and by a DoH-resolved name (v2), sha256
#   policy    127.0.0.1, 10.99.0.1, 169.254.169.254, a name resolving to
#             127.0.0.1 -> 0x48 on lab; everything on closed -> 0x48;
#             an unresolvable name -> 0x42; the canaries stay silent
#   LAN       Wisp streams into vm1 through the virtual LAN: by hostname, by
#             vm1.lab.lan and by address (TCP echo, UDP echo, the big file);
#             a closed VM port -> 0x44; an unused address closes (0x42/0x47)
#             within the connect timeout; the gateway address -> 0x48
#   auth      v2 good password opens (and carries traffic), bad -> 0xc0, none
#             -> 0xc2, v1 -> 0xc2; the MOTD arrives
#   endpoint  /wisp/nowisp/ and /wisp/ (no network default) -> 404; a token
#             network -> 401 without it; wisp_udp = false (v2 INFO without UDP,
#             v1 UDP CONNECT -> 0x41); the third stream over wisp_max_streams
#             = 2 -> 0x49, freed on close
#   DoH       POST and GET /dns-query (and /dns-query/lab) for vm1.lab.lan A
#             -> vm1's address
#   slow      100 downloads on one raw v1 connection whose reader pauses 8 s:
#             the server's VmRSS grows < WISP_RSS_LIMIT_MIB (200); afterwards
#             every stream moves on with the right bytes, a new stream still
#             echoes, and closing the streams closes the server's sockets
#   floods    against the never-reading server: on tight, a stream sent 3 x
#             buffer + 10 DATA packets of 64 KiB without waiting for credit
#             -> CLOSE 0x49, and a new stream on the same connection echoes;
#             on lab, 64 streams uploading within their credit for 6 s: the
#             server's VmRSS grows < 100 MiB, no stream is closed, and after
#             they close a fresh connection echoes
# Usage: wisp_test.sh BIN_DIR. Exit 0 all pass, 1 any failure, 77 not root or
# a program or tests/node/node_modules missing (scripts/install-deps.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
EG_FILE_MB=${EG_FILE_MB:-50}
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=dhcp_dns_lib.sh
source "$here/dhcp_dns_lib.sh"
# shellcheck source=egress_lib.sh
source "$here/egress_lib.sh"

WISP_CLIENT="$here/wisp_client.mjs"
WISP_NODE_MODULES="$here/../node/node_modules"
WISP_RSS_LIMIT_MIB=${WISP_RSS_LIMIT_MIB:-200}

sy_require_root
if ! command -v node >/dev/null; then
  echo "SKIP: missing program node (scripts/install-deps.sh)"; exit 77
fi
for pkg in @mercuryworkshop/wisp-js ws; do
  if [ ! -f "$WISP_NODE_MODULES/$pkg/package.json" ]; then
    echo "SKIP: missing $WISP_NODE_MODULES/$pkg (npm ci --prefix tests/node)"; exit 77
  fi
done
sy_init "${1:?usage: wisp_test.sh BIN_DIR}"
eg_init
started=$SECONDS

MAC_VM1=02:53:59:00:f0:01
ECHO_INET=198.51.100.50   # TCP echo :7 in inet
ECHO_PORT=7
HTTP_WIDE=198.51.100.51   # HTTP :80 in inet with a long accept queue (the slow reader's 100 connections)
SINK_INET=198.51.100.52   # TCP :9 in inet: accepts and never reads, SO_RCVBUF 4096 (the upload floods)
SINK_PORT=9
VM_ECHO_PORT=7000         # TCP and UDP echo in vm1
VM_HTTP_PORT=8080         # HTTP in vm1 (the same big file)
TOKEN=t0ken-for-noudp

# TCP and UDP echo servers: specs tcp:ADDR:PORT / udp:ADDR:PORT; a thread per
# TCP connection; prints "ready" once bound; exits after LIFETIME s or SIGTERM.
WISP_ECHO_PY='
import signal, socketserver, sys, threading
lifetime, specs = float(sys.argv[1]), sys.argv[2:]
class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data)
class UdpEcho(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(data, self.client_address)
class Tcp(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 256
class Udp(socketserver.ThreadingUDPServer):
    daemon_threads = True
for spec in specs:
    kind, addr, port = spec.split(":")
    srv = (Tcp if kind == "tcp" else Udp)((addr, int(port)), Echo if kind == "tcp" else UdpEcho)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
print("ready", flush=True)
stop.wait(lifetime)
'
# wisp_echo_servers NS-NAME SPEC...: starts them in NS-NAME, waits for "ready".
wisp_echo_servers() {
  local name=$1; shift
  sy_bg "$name" python3 -c "$WISP_ECHO_PY" "$EG_LIFETIME" "$@"
  sy_wait_for 5 "echo servers in $name" grep -q '^ready' "$SY_BG_LOG"
}

# An HTTP server for DIR on ADDR:PORT whose listen backlog takes 100
# simultaneous connects (python -m http.server's is 5: most SYNs would wait for
# a retransmission, longer than a short connect timeout).
WISP_HTTP_PY='
import functools, http.server, sys, threading
addr, port, directory, lifetime = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 512
    daemon_threads = True
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
srv = Server((addr, port), functools.partial(Quiet, directory=directory))
threading.Timer(lifetime, srv.shutdown).start()
srv.serve_forever()
'

# A TCP server that accepts and never reads: ADDR PORT LIFETIME RCVBUF. The
# listening socket's SO_RCVBUF (inherited by accepted sockets) is small, so
# the kernel absorbs little of what a Wisp upload sends it and the server's
# queues have to hold (or refuse) the rest. Prints "ready" once listening.
WISP_SINK_PY='
import signal, socket, sys, threading
addr, port, lifetime, rcvbuf = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
srv.bind((addr, port))
srv.listen(256)
held = []
def accept():
    while True:
        c, _ = srv.accept()
        held.append(c)  # never read; closed when the process ends
threading.Thread(target=accept, daemon=True).start()
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
print("ready", flush=True)
stop.wait(lifetime)
'

# A TCP echo round trip with python from a namespace (topology check).
WISP_TCP_ECHO_PY='
import os, socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
msg = os.urandom(4096)
c.sendall(msg)
got = b""
while len(got) < len(msg):
    d = c.recv(65536)
    if not d:
        break
    got += d
print(f"{len(got)} bytes echoed")
sys.exit(0 if got == msg else 1)
'

# wisp_doh_is METHOD PATH NAME EXPECTED: the answer line is EXPECTED.
wisp_doh_is() {
  local got
  local get=(); [ "$1" = GET ] && get=(--get)
  got=$(timeout 20 ip netns exec "$EG_GW" python3 "$EG_DOH_QUERY" "${get[@]}" "http://127.0.0.1:$SY_PORT$2" "$3") ||
    { echo "$got"; return 1; }
  echo "$1 $2 $3: '$got' (expected '$4')"
  [ "$got" = "$4" ]
}

# wurl NETWORK [QUERY]: the Wisp endpoint of NETWORK on the server.
wurl() { printf 'ws://127.0.0.1:%s/wisp/%s/%s' "$SY_PORT" "$1" "${2:-}"; }

# wisp_run COMMAND ARGS...: the Wisp client in gw (the server's namespace); its JSON
# line goes to stdout and to $SY_TMP/wc.last.json.
wisp_run() {
  timeout 150 ip netns exec "$EG_GW" env WISP_NODE_MODULES="$WISP_NODE_MODULES" node "$WISP_CLIENT" "$@" |
    tee "$SY_TMP/wc.last.json"
  return "${PIPESTATUS[0]}"
}
# wisp_grep PATTERN COMMAND ARGS...: wisp_run succeeds and its JSON line matches PATTERN.
wisp_grep() {
  local pattern=$1; shift
  wisp_run "$@" && grep -q "$pattern" "$SY_TMP/wc.last.json"
}
# wisp_detail PYTHON-EXPR: prints a detail of the last JSON result, indented.
wisp_detail() { printf '     %s\n' "$(sy_json "$SY_TMP/wc.last.json" "$1" 2>/dev/null)"; }

echo "== topology (no Switchyard yet)"
if ! eg_require_doh_tools; then
  sy_fail "the DoH test server and CA script are missing"; sy_summary; exit 1
fi
EG_ZONE="$SY_TMP/zone.txt"  # read by egress_lib.sh
eg_zone_add \
  "files.example.test A $EG_HTTP 300" \
  "echo.example.test A $ECHO_INET 300" \
  "rebind.example.test A 127.0.0.1 300"
if eg_topology && eg_gw_canaries && eg_inet_services &&
  ip -n "$EG_INET" addr add "$ECHO_INET/32" dev lo && ip -n "$EG_INET" addr add "$HTTP_WIDE/32" dev lo &&
  wisp_echo_servers inet "tcp:$ECHO_INET:$ECHO_PORT" &&
  sy_bg inet python3 -c "$WISP_HTTP_PY" "$HTTP_WIDE" 80 "$(dirname "$EG_BIG")" "$EG_LIFETIME" &&
  ip -n "$EG_INET" addr add "$SINK_INET/32" dev lo &&
  sy_bg inet python3 -c "$WISP_SINK_PY" "$SINK_INET" "$SINK_PORT" "$EG_LIFETIME" 4096 &&
  sy_wait_for 5 "the never-reading server on $SINK_INET:$SINK_PORT" grep -q '^ready' "$SY_BG_LOG" &&
  sy_wait_for 10 "HTTP on $HTTP_WIDE:80" sh -c "ip netns exec '$EG_INET' ss -Hltn 'src $HTTP_WIDE and sport = :80' | grep -q ."; then
  sy_pass "namespaces gw and inet, internet services (HTTP, UDP echo, TCP echo $ECHO_INET:$ECHO_PORT, DoH, a never-reading TCP server $SINK_INET:$SINK_PORT) and canaries are up"
else
  sy_fail "could not build the topology"; sy_summary; exit 1
fi
sy_check "gw: TCP echo from $ECHO_INET:$ECHO_PORT" \
  timeout 10 ip netns exec "$EG_GW" python3 -c "$WISP_TCP_ECHO_PY" "$ECHO_INET" "$ECHO_PORT"
sy_check "gw: UDP echo from $EG_UDP_ECHO:$EG_UDP_ECHO_PORT" eg_udp_echo gw "$EG_UDP_ECHO" "$EG_UDP_ECHO_PORT"
for a in "$EG_HTTP" "$HTTP_WIDE"; do
  sy_check "gw: http://$a/index.html answers" \
    timeout 20 ip netns exec "$EG_GW" curl -sS --max-time 10 -o /dev/null "http://$a/index.html"
done
sy_check "gw: DoH query for files.example.test -> $EG_HTTP" eg_doh_is gw files.example.test "NOERROR $EG_HTTP"

echo "== server in gw"
{
  cat <<EOF
[server]
listen = "127.0.0.1:0"

EOF
  eg_resolver_toml
  cat <<EOF

[[network]]
name = "lab"
subnet = "10.0.2.0/24"
gateway = "10.0.2.2"
mtu = 1500
egress = "internet"
egress_connect_timeout_ms = 3000
wisp_max_streams = 128

[[network]]
name = "tight"
subnet = "10.0.7.0/24"
gateway = "10.0.7.2"
egress = "internet"
wisp_buffer = 16

[[network]]
name = "closed"
subnet = "10.0.3.0/24"
gateway = "10.0.3.2"
egress = "off"

[[network]]
name = "auth"
subnet = "10.0.4.0/24"
gateway = "10.0.4.2"
egress = "internet"
wisp_motd = "welcome to the auth network"

[[network.wisp_user]]
name = "alice"
password = "correct horse"

[[network]]
name = "nowisp"
subnet = "10.0.5.0/24"
gateway = "10.0.5.2"
egress = "internet"
wisp = false

[[network]]
name = "noudp"
subnet = "10.0.6.0/24"
gateway = "10.0.6.2"
egress = "internet"
token = "$TOKEN"
wisp_udp = false
wisp_max_streams = 2
EOF
} >"$SY_TMP/switchyard.toml"
if sy_start_server "$SY_TMP/switchyard.toml" --state-dir "$SY_TMP/state" --log-level debug; then
  sy_pass "switchyard starts in gw with networks lab, tight, closed, auth, nowisp, noudp"
else
  sy_fail "switchyard does not start with the Wisp configuration"; sy_summary; exit 1
fi
LAB=$(wurl lab)

echo "== internet (network lab, egress internet)"
sy_check "v1 info on /wisp/lab/: CONTINUE with the buffer size" wisp_run info "$LAB" --version 1
wisp_detail "f'version {j[\"version\"]}, buffer {j[\"buffer\"]}'"
sy_check "v2 info on /wisp/lab/: INFO (v2, UDP offered), then CONTINUE" wisp_grep '"udp":true' info "$LAB" --version 2
wisp_detail "f'version {j[\"version\"]}, buffer {j[\"buffer\"]}, UDP {j[\"udp\"]}'"
# 8 MiB in 16 KiB DATA packets is 512 packets: four times the initial credit,
# so the upload only completes if the server sends CONTINUE on the stream.
sy_check "v1 TCP echo with $ECHO_INET:$ECHO_PORT (8 MiB: needs the server's CONTINUE credit)" \
  wisp_run echo "$LAB" "$ECHO_INET" "$ECHO_PORT" --bytes 8388608 --version 1
wisp_detail "f'{j[\"bytes\"]} bytes echoed in {j[\"ms\"]} ms'"
sy_check "v2 TCP echo with $ECHO_INET:$ECHO_PORT (8 MiB)" wisp_run echo "$LAB" "$ECHO_INET" "$ECHO_PORT" --bytes 8388608 --version 2
sy_check "v1 TCP echo with echo.example.test:$ECHO_PORT (a name for the DoH resolver)" \
  wisp_run echo "$LAB" echo.example.test "$ECHO_PORT" --bytes 65536 --version 1
sy_check "v1 UDP echo with $EG_UDP_ECHO:$EG_UDP_ECHO_PORT" wisp_run udp-echo "$LAB" "$EG_UDP_ECHO" "$EG_UDP_ECHO_PORT" --version 1
sy_check "v2 UDP echo with $EG_UDP_ECHO:$EG_UDP_ECHO_PORT" wisp_run udp-echo "$LAB" "$EG_UDP_ECHO" "$EG_UDP_ECHO_PORT" --version 2
sy_check "a closed port ($EG_HTTP:81) -> CLOSE 0x44 (refused) in < 2 s" \
  wisp_run expect-close "$LAB" "$EG_HTTP" 81 --tcp --reason 0x44 --within 2
sy_check "v1: the big file ($EG_FILE_MB MiB) from $EG_HTTP:80 over one stream, sha256 matches" \
  wisp_run download "$LAB" "$EG_HTTP" 80 /big.bin --expect-sha256 "$EG_BIG_SHA" --version 1 --timeout 120
wisp_detail "f'{j[\"body_bytes\"]} bytes in {j[\"seconds\"]} s ({j[\"mib_per_s\"]} MiB/s)'"
sy_check "v2: the big file from files.example.test:80 (resolved by the server's DoH resolver), sha256 matches" \
  wisp_run download "$LAB" files.example.test 80 /big.bin --expect-sha256 "$EG_BIG_SHA" --version 2 --timeout 120
wisp_detail "f'{j[\"body_bytes\"]} bytes in {j[\"seconds\"]} s ({j[\"mib_per_s\"]} MiB/s)'"

echo "== policy"
for target in 127.0.0.1:80 127.0.0.1:8080 10.99.0.1:80 172.16.5.5:80 192.168.77.1:8080 169.254.169.254:80 100.64.0.1:80 \
  "$EG_GW_OUT:80" "127.0.0.1:$SY_PORT"; do
  sy_check "lab: TCP to $target -> 0x48 (blocked)" wisp_run expect-close "$LAB" "${target%:*}" "${target##*:}" --tcp --reason 0x48 --within 5
done
sy_check "lab: UDP to 169.254.169.254:80 -> 0x48" wisp_run expect-close "$LAB" 169.254.169.254 80 --udp --reason 0x48 --within 5
sy_check "lab: UDP to 127.0.0.1:8080 -> 0x48 (v2)" wisp_run expect-close "$LAB" 127.0.0.1 8080 --udp --reason 0x48 --within 5 --version 2
sy_check "lab: rebind.example.test:80 (resolves to 127.0.0.1) -> 0x48" \
  wisp_run expect-close "$LAB" rebind.example.test 80 --tcp --reason 0x48 --within 5
sy_check "lab: nope.example.test:80 (NXDOMAIN) -> 0x42" wisp_run expect-close "$LAB" nope.example.test 80 --tcp --reason 0x42 --within 5
sy_check "lab: a single-label name no VM has (ghost:80) -> 0x42" wisp_run expect-close "$LAB" ghost 80 --tcp --reason 0x42 --within 5
sy_check "lab: an invalid host name (bad_host..x) -> 0x42 or 0x41" \
  wisp_run expect-close "$LAB" "bad_host..x" 80 --tcp --reason 0x42,0x41 --within 5
CLOSED=$(wurl closed)
sy_check "closed: TCP to $ECHO_INET:$ECHO_PORT -> 0x48" wisp_run expect-close "$CLOSED" "$ECHO_INET" "$ECHO_PORT" --tcp --reason 0x48 --within 5
sy_check "closed: UDP to $EG_UDP_ECHO:$EG_UDP_ECHO_PORT -> 0x48" \
  wisp_run expect-close "$CLOSED" "$EG_UDP_ECHO" "$EG_UDP_ECHO_PORT" --udp --reason 0x48 --within 5
sy_check "closed: files.example.test:80 -> 0x48 (v2)" \
  wisp_run expect-close "$CLOSED" files.example.test 80 --tcp --reason 0x48 --within 5 --version 2
sy_check "the canaries saw nothing" eg_canary_silent

echo "== LAN (Wisp into a VM on lab)"
if eg_vm vm1 lab $MAC_VM1; then
  VM1=${EG_VM_IP[vm1]}
  sy_pass "vm1 (relay in gw) got a DHCP lease on lab: $VM1"
else
  sy_fail "could not bring vm1 up"; sy_summary; exit 1
fi
# Started here, not inside a check: their pids must be recorded for the cleanup.
if wisp_echo_servers vm1 "tcp:0.0.0.0:$VM_ECHO_PORT" "udp:0.0.0.0:$VM_ECHO_PORT"; then
  sy_bg vm1 python3 -m http.server --bind 0.0.0.0 --directory "$(dirname "$EG_BIG")" "$VM_HTTP_PORT"
fi
vm1_listens() { sy_wait_listen vm1 "$VM_ECHO_PORT" && sy_wait_listen vm1 "$VM_HTTP_PORT"; }
sy_check "vm1 runs TCP and UDP echo on :$VM_ECHO_PORT and HTTP on :$VM_HTTP_PORT" vm1_listens
sy_check "v1 TCP echo with vm1:$VM_ECHO_PORT (DHCP hostname; 8 MiB)" wisp_run echo "$LAB" vm1 "$VM_ECHO_PORT" --bytes 8388608 --version 1
wisp_detail "f'{j[\"bytes\"]} bytes echoed in {j[\"ms\"]} ms'"
sy_check "v2 TCP echo with vm1.lab.lan:$VM_ECHO_PORT" wisp_run echo "$LAB" vm1.lab.lan "$VM_ECHO_PORT" --bytes 1048576 --version 2
sy_check "v1 TCP echo with $VM1:$VM_ECHO_PORT (address in the subnet)" wisp_run echo "$LAB" "$VM1" "$VM_ECHO_PORT" --bytes 1048576 --version 1
sy_check "v1 UDP echo with vm1:$VM_ECHO_PORT (from the gateway)" wisp_run udp-echo "$LAB" vm1 "$VM_ECHO_PORT" --version 1
sy_check "v2 UDP echo with $VM1:$VM_ECHO_PORT" wisp_run udp-echo "$LAB" "$VM1" "$VM_ECHO_PORT" --version 2
sy_check "v1: the big file from vm1:$VM_HTTP_PORT through the virtual LAN, sha256 matches" \
  wisp_run download "$LAB" vm1 "$VM_HTTP_PORT" /big.bin --expect-sha256 "$EG_BIG_SHA" --version 1 --timeout 120
wisp_detail "f'{j[\"body_bytes\"]} bytes in {j[\"seconds\"]} s ({j[\"mib_per_s\"]} MiB/s)'"
sy_check "vm1:$((VM_ECHO_PORT + 1)) (no listener) -> 0x44 in < 2 s" \
  wisp_run expect-close "$LAB" vm1 $((VM_ECHO_PORT + 1)) --tcp --reason 0x44 --within 2
sy_check "10.0.2.250:80 (no VM there) closes with 0x42 or 0x47 within the 3 s connect timeout (+2 s)" \
  wisp_run expect-close "$LAB" 10.0.2.250 80 --tcp --reason 0x42,0x47 --within 5
wisp_detail "f'reason {j.get(\"reason\")} after {j.get(\"seconds\")} s'"
sy_check "the gateway's own address 10.0.2.2:53 -> 0x48" wisp_run expect-close "$LAB" 10.0.2.2 53 --tcp --reason 0x48 --within 5
sy_check "gateway.lab.lan:53 -> 0x48" wisp_run expect-close "$LAB" gateway.lab.lan 53 --tcp --reason 0x48 --within 5
sy_check "closed: vm1's address on lab ($VM1) is not reachable from network closed (0x48)" \
  wisp_run expect-close "$CLOSED" "$VM1" "$VM_ECHO_PORT" --tcp --reason 0x48 --within 5

echo "== auth (network auth: user alice, a MOTD)"
AUTH=$(wurl auth)
sy_check "v2 with the right password opens, and a TCP echo works" \
  wisp_run auth "$AUTH" --user alice --password "correct horse" --expect ok --echo "$ECHO_INET:$ECHO_PORT"
sy_check "v2 with a wrong password -> CLOSE(0, 0xc0)" wisp_run auth "$AUTH" --user alice --password wrong --expect 0xc0
sy_check "v2 with an unknown user -> CLOSE(0, 0xc0)" wisp_run auth "$AUTH" --user mallory --password "correct horse" --expect 0xc0
sy_check "v2 without credentials -> CLOSE(0, 0xc2)" wisp_run auth "$AUTH" --expect 0xc2
sy_check "v1 -> CLOSE(0, 0xc2) (v1 cannot authenticate)" wisp_run auth "$AUTH" --version 1 --expect 0xc2
sy_check "the MOTD is 'welcome to the auth network'" \
  wisp_run motd "$AUTH" --user alice --password "correct horse" --expect "welcome to the auth network"

echo "== endpoints"
sy_check "/wisp/nowisp/ (wisp = false) -> HTTP 404" wisp_run info "$(wurl nowisp)" --expect-http 404
sy_check "/wisp/ (no network 'default' here) -> HTTP 404" wisp_run info "ws://127.0.0.1:$SY_PORT/wisp/" --expect-http 404
sy_check "/wisp/nosuch/ -> HTTP 404" wisp_run info "$(wurl nosuch)" --expect-http 404
sy_check "/wisp/noudp/ without its token -> HTTP 401" wisp_run info "$(wurl noudp)" --expect-http 401
sy_check "/wisp/noudp/ with a wrong token -> HTTP 401" wisp_run info "$(wurl noudp "?token=wrong&wisp=/")" --expect-http 401
# wisp-js insists that the URL ends in '/': the token goes first, then a dummy parameter ending in '/'.
NOUDP=$(wurl noudp "?token=$TOKEN&wisp=/")
sy_check "/wisp/noudp/?token=...: v2 INFO does not offer UDP (wisp_udp = false)" wisp_grep '"udp":false' info "$NOUDP" --version 2
sy_check "noudp: a v1 UDP CONNECT -> 0x41" \
  wisp_run expect-close "$NOUDP" "$EG_UDP_ECHO" "$EG_UDP_ECHO_PORT" --udp --reason 0x41 --within 5 --version 1
sy_check "noudp: wisp_max_streams = 2: the third stream -> 0x49, a stream is free again after a close" \
  wisp_run max-streams "$NOUDP" "$ECHO_INET" "$ECHO_PORT" --streams 2 --reason 0x49

echo "== DoH (/dns-query)"
sy_check "POST /dns-query vm1.lab.lan A -> $VM1" wisp_doh_is POST /dns-query vm1.lab.lan "NOERROR $VM1"
sy_check "GET /dns-query?dns= vm1.lab.lan A -> $VM1" wisp_doh_is GET /dns-query vm1.lab.lan "NOERROR $VM1"
sy_check "POST /dns-query/lab vm1.lab.lan A -> $VM1" wisp_doh_is POST /dns-query/lab vm1.lab.lan "NOERROR $VM1"
sy_check "GET /dns-query?dns= gateway.lab.lan A -> 10.0.2.2" wisp_doh_is GET /dns-query gateway.lab.lan "NOERROR 10.0.2.2"
sy_check "POST /dns-query nope.lab.lan A -> NXDOMAIN" wisp_doh_is POST /dns-query nope.lab.lan NXDOMAIN

echo "== slow reader (100 downloads, reader paused 8 s)"
sy_check "the server's VmRSS grows < $WISP_RSS_LIMIT_MIB MiB while the reader is paused; then every stream moves on and a new stream echoes" \
  wisp_run slow-reader "$LAB" "$HTTP_WIDE" 80 /big.bin --streams 100 --pause 8 --rss-pid "$SY_SERVER_PID" \
  --expect-bytes "$((EG_FILE_MB * 1024 * 1024))" --echo "$ECHO_INET:$ECHO_PORT" --max-rss-growth-mib "$WISP_RSS_LIMIT_MIB" --compare-file "$EG_BIG" \
  --timeout 90
wisp_detail "f'RSS {j[\"rss\"][\"baseline_kib\"] // 1024} MiB -> peak {j[\"rss\"][\"peak_kib\"] // 1024} MiB while paused; before the pause {j[\"before_pause\"]}; after {j[\"after_resume\"]}'"
sy_check "after the slow reader closed its 100 streams, the server holds no connection to $HTTP_WIDE:80 (5 s)" \
  sy_wait_for 5 "the server's connections to $HTTP_WIDE:80 to close" \
  sh -c "[ -z \"\$(ip netns exec '$EG_GW' ss -Htn 'dst $HTTP_WIDE and dport = :80')\" ]"
sy_check "after the slow reader: v1 TCP echo on a fresh connection" wisp_run echo "$LAB" "$ECHO_INET" "$ECHO_PORT" --bytes 65536

echo "== upload floods (a never-reading upstream: $SINK_INET:$SINK_PORT, SO_RCVBUF 4096)"
# On tight (wisp_buffer = 16): 2 x 16 packets of 64 KiB are 2 MiB, under the
# 8 MiB the server queues for upstreams before it stops reading the WebSocket.
# (On lab, 2 x 128 x 64 KiB = 16 MiB: the server stops reading at 8 MiB and
# never sees the overrun; the connection then stalls until the idle timeout.)
sy_check "tight: a client ignoring credit (3 x buffer + 10 DATA packets of 64 KiB at once) -> CLOSE 0x49 on that stream; a second stream on the same connection still echoes" \
  wisp_run credit-overrun "$(wurl tight)" "$SINK_INET" "$SINK_PORT" --echo "$ECHO_INET:$ECHO_PORT" --reason 0x49 --within 10 \
  --packet-bytes 65536 --expect-buffer 16
wisp_detail "f'buffer {j[\"buffer\"]}, {j[\"packets\"]} packets sent; stream 1: {j[\"stream1\"]}; new stream: {j.get(\"echo_after\")}'"
sy_check "64 streams uploading within their credit for 6 s: the server's VmRSS grows < 100 MiB; then a fresh connection echoes" \
  wisp_run upload-flood "$LAB" "$SINK_INET" "$SINK_PORT" --streams 64 --seconds 6 --packet-bytes 65536 --rss-pid "$SY_SERVER_PID" \
  --max-rss-growth-mib 100 --echo "$ECHO_INET:$ECHO_PORT"
wisp_detail "f'RSS {j[\"rss\"][\"baseline_kib\"] // 1024} MiB -> peak {j[\"rss\"][\"peak_kib\"] // 1024} MiB; {j[\"flushed_mib\"]} MiB written to the server, {j[\"continues\"]} CONTINUEs; same-connection echo: {j[\"same_connection_echo\"]}; fresh connection echo: {j.get(\"fresh_connection_echo\")}'"

echo "== end"
sy_check "the canaries stayed silent for the whole test" eg_canary_silent
sy_check "server still running at the end" sy_server_alive
echo "== done in $((SECONDS - started)) s"
sy_summary
