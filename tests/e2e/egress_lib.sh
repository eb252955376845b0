# tests/e2e/egress_lib.sh - the egress topology: the server in its own namespace, a fake internet behind it.
# shellcheck shell=bash disable=SC2016,SC2034
#
# Source lib.sh, then dhcp_dns_lib.sh, then this file; call sy_init BIN_DIR and
# eg_init. Everything carries the run's "sy<pid>" tag and goes with the EXIT
# trap (dd_cleanup -> sy_cleanup): namespaces, the veth between them (created
# inside them, never in the root namespace), processes, /etc/netns files.
#
#   VM namespaces (open1, closed1, ...)      netns gw                          netns inet
#   eth0 = TAP, DHCP from Switchyard  <-TAP-  sy-tap-relay ─ws─ switchyard     lo: the "internet" hosts
#                                             on 127.0.0.1, ping_group_range   198.51.100.10 :80  HTTP (big file)
#                                             lo: canaries (must stay silent)  198.51.100.11 :80  HTTP (same files)
#                                             inet0 203.0.113.1/24 ──veth──    198.51.100.20 :5201 iperf3
#                                             default via 203.0.113.2          198.51.100.30 :7007 UDP echo
#                                                                     gw0 203.0.113.2/24
#                                                                              198.51.100.40 :9000 TCP accept+close
#                                                                              198.51.100.53 :443 DoH (test CA)
#                                                                              canaries: 192.0.2.25:25, 198.18.0.1,
#                                                                              192.0.0.1, 240.0.0.1 (:80, :8080)
#
# * The server runs in gw (SY_SERVER_NS), never in the root namespace: gw's
#   only route out is the veth to inet, and inet has no route anywhere (no
#   default route, no other link). Nothing can leak to a real network.
# * gw's lo carries the canaries: TCP and UDP listeners on 127.0.0.1,
#   10.99.0.1, 172.16.5.5, 192.168.77.1, 169.254.169.254, 100.64.0.1 and gw's
#   own 203.0.113.1, ports 80 and 8080, which log every connection or datagram
#   (and answer, so a leak also shows in the prober's output). inet has the
#   same for TCP 25 and for reserved addresses that are routed to it. The test
#   expects both logs empty (eg_canary_silent).
# * The DoH server's certificate comes from tests/tools/make_test_ca.sh (name
#   doh.test, address 198.51.100.53); the server's [resolver] trusts its CA
#   (eg_resolver_toml). Its zone file is $EG_ZONE (eg_zone_add).
# * gw and inet get an empty /etc/netns/NS/resolv.conf (dhcp_dns_lib.sh's
#   dd_netns_etc): nothing there can even try the host's resolvers.
# * Long-running helpers are stopped by the trap, and each also has a lifetime
#   (EG_LIFETIME seconds); every client wait here has a deadline.

EG_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
EG_TOOLS="$EG_REPO/tests/tools"
# Overridable, e.g. to try a stand-in while the real ones are being written.
EG_DOH_SERVER=${EG_DOH_SERVER:-$EG_TOOLS/doh_server.py}
EG_MAKE_CA=${EG_MAKE_CA:-$EG_TOOLS/make_test_ca.sh}
EG_SSRF_PROBE="$EG_TOOLS/ssrf_probe.py"
EG_DOH_QUERY="$EG_TOOLS/doh_query.py"  # dig +https insists on HTTP/2; the test server speaks 1.1
EG_LIFETIME=${EG_LIFETIME:-1800}
EG_FILE_MB=${EG_FILE_MB:-64}

# Addresses (TEST-NET-1/2/3 for the internet, the veth on TEST-NET-3).
EG_GW_OUT=203.0.113.1       # gw's end of the veth: every egress connection comes from here
EG_INET_IN=203.0.113.2      # inet's end, gw's default route
EG_HTTP=198.51.100.10       # HTTP :80, big file
EG_HTTP2=198.51.100.11      # HTTP :80, the same files (a second address for domain rules)
EG_IPERF=198.51.100.20      # iperf3 -s :5201
EG_IPERF_PORT=5201
EG_UDP_ECHO=198.51.100.30   # UDP echo :7007
EG_UDP_ECHO_PORT=7007
EG_SINK=198.51.100.40       # TCP :9000 accept and close (connection-rate benchmark)
EG_SINK_PORT=9000
EG_DOH=198.51.100.53        # DoH :443 as https://doh.test/dns-query
EG_SMTP=192.0.2.25          # TCP :25 canary (SMTP must stay blocked)
EG_GW_LO_CANARIES="10.99.0.1 172.16.5.5 192.168.77.1 169.254.169.254 100.64.0.1"
EG_INET_LO_CANARIES="198.18.0.1 192.0.0.1 240.0.0.1"
EG_CANARY_PORTS="80 8080"

EG_GW=""        # full namespace names, set by eg_topology
EG_INET=""
EG_ZONE=""      # the DoH server's zone file
EG_CA=""        # directory with ca.pem, server.pem, server.key
EG_BIG=""       # the big file served over HTTP (path), its sha256 in EG_BIG_SHA
EG_BIG_SHA=""
EG_DOH_PID=""
declare -A EG_VM_GW=()   # VM name -> its gateway (DHCP router option)
declare -A EG_VM_IP=()   # VM name -> its leased address

eg_log() { sy_log "$@"; }

# eg_init: checks the programs this topology needs (exit 77 when one is
# missing, like the other e2e tests), installs the EXIT trap (dd_cleanup).
eg_init() {
  local prog
  for prog in iperf3 dig busybox curl python3 openssl sha256sum ss; do
    command -v "$prog" >/dev/null || { echo "SKIP: missing program $prog (scripts/install-deps.sh)"; exit 77; }
  done
  dd_init
}

# eg_require_doh_tools: 0 if the DoH server and CA script exist (they are
# separate tools; a missing one is a failure of the test, not a skip).
eg_require_doh_tools() {
  local f ok=0
  for f in "$EG_DOH_SERVER" "$EG_MAKE_CA"; do
    [ -f "$f" ] || { echo "missing $f"; ok=1; }
  done
  return $ok
}

# eg_topology: gw and inet namespaces, the veth between them, addresses,
# routes, sysctls; sets EG_GW, EG_INET and SY_SERVER_NS (so sy_start_server and
# the relays run in gw).
eg_topology() {
  sy_add_ns gw && sy_add_ns inet || return 1
  EG_GW=$(sy_ns gw)
  EG_INET=$(sy_ns inet)
  dd_netns_etc "$EG_GW" && dd_netns_etc "$EG_INET" || return 1
  # Created inside gw with its peer inside inet: the pair never exists in the
  # root namespace, and goes with the namespaces.
  ip -n "$EG_GW" link add inet0 type veth peer name gw0 netns "$EG_INET" || return 1
  ip -n "$EG_GW" addr add "$EG_GW_OUT/24" dev inet0 &&
    ip -n "$EG_INET" addr add "$EG_INET_IN/24" dev gw0 &&
    ip -n "$EG_GW" link set inet0 up && ip -n "$EG_INET" link set gw0 up &&
    ip -n "$EG_GW" route add default via "$EG_INET_IN" dev inet0 || return 1
  local a
  for a in "$EG_HTTP" "$EG_HTTP2" "$EG_IPERF" "$EG_UDP_ECHO" "$EG_SINK" "$EG_DOH" "$EG_SMTP" $EG_INET_LO_CANARIES; do
    ip -n "$EG_INET" addr add "$a/32" dev lo || return 1
  done
  for a in $EG_GW_LO_CANARIES; do
    ip -n "$EG_GW" addr add "$a/32" dev lo || return 1
  done
  # The server's ICMP echo goes through unprivileged ping sockets; reno on
  # every side (TESTING.md).
  ip netns exec "$EG_GW" sysctl -qw net.ipv4.ping_group_range="0 2147483647" \
    net.ipv4.tcp_congestion_control=reno || return 1
  ip netns exec "$EG_INET" sysctl -qw net.ipv4.tcp_congestion_control=reno || return 1
  # gw never forwards (it is the default in a new namespace; say it anyway).
  ip netns exec "$EG_GW" sysctl -qw net.ipv4.ip_forward=0 || return 1
  SY_SERVER_NS=$EG_GW
}

# The helper services: TCP/UDP listeners in one process (selectors, no threads).
#   tcp-canary:ADDR:PORT  log every accepted connection, send "canary\n", close
#   udp-canary:ADDR:PORT  log every datagram, echo it
#   udp-echo:ADDR:PORT    echo every datagram
#   tcp-sink:ADDR:PORT    accept and close at once
# Prints "ready" once every socket is bound; exits after LIFETIME seconds or on
# SIGTERM. A spec whose address cannot be bound is an error (exit 1).
EG_NETSVC_PY='
import selectors, signal, socket, sys, time
log_path, lifetime, specs = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
log = open(log_path, "a", buffering=1)
sel = selectors.DefaultSelector()
for spec in specs:
    kind, addr, port = spec.split(":")
    if kind.startswith("tcp"):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, int(port)))
        s.listen(4096)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, int(port)))
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, (kind, addr + ":" + port))
stop = False
def on_signal(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)
print("ready", flush=True)
end = time.monotonic() + lifetime
while not stop and time.monotonic() < end:
    for key, _ in sel.select(0.5):
        kind, where = key.data
        try:
            if kind.startswith("tcp"):
                c, peer = key.fileobj.accept()
                if kind == "tcp-canary":
                    log.write(time.strftime("%T") + f" tcp {where} connection from {peer[0]}:{peer[1]}\n")
                    try:
                        c.send(b"canary\n")
                    except OSError:
                        pass
                c.close()
            else:
                data, peer = key.fileobj.recvfrom(65535)
                if kind == "udp-canary":
                    log.write(time.strftime("%T") + f" udp {where} {len(data)} bytes from {peer[0]}:{peer[1]}\n")
                key.fileobj.sendto(data, peer)
        except (BlockingIOError, InterruptedError, ConnectionError):
            pass
'

# eg_netsvc NS-NAME LOG SPEC...: starts the helper services in namespace
# NS-NAME (short name: gw, inet), waits for "ready" (5 s). Sets SY_BG_PID.
eg_netsvc() {
  local name=$1 log=$2; shift 2
  touch "$log"
  sy_bg "$name" python3 -c "$EG_NETSVC_PY" "$log" "$EG_LIFETIME" "$@"
  if ! sy_wait_for 5 "services in $name" grep -q '^ready' "$SY_BG_LOG"; then
    echo "helper services in $name did not start:"; sed 's/^/    | /' "$SY_BG_LOG"
    return 1
  fi
}

# eg_zone_add LINE...: appends records ("name A 198.51.100.10 [ttl]") to the
# DoH zone. Write the zone before eg_inet_services starts the DoH server.
eg_zone_add() {
  local line
  for line in "$@"; do printf '%s\n' "$line" >>"$EG_ZONE"; done
}

# eg_inet_services: the internet hosts (needs eg_topology; the zone file
# written with eg_zone_add first). Makes the big file, the CA and the DoH
# certificate, starts HTTP, iperf3, UDP echo, the TCP sink, DoH (pid in
# EG_DOH_PID) and inet's canaries; waits for each.
eg_inet_services() {
  local www="$SY_TMP/www"
  mkdir -p "$www"
  EG_BIG="$www/big.bin"
  head -c "$((EG_FILE_MB * 1024 * 1024))" /dev/urandom >"$EG_BIG" || return 1
  EG_BIG_SHA=$(sha256sum "$EG_BIG" | cut -d' ' -f1)
  printf 'hello from the internet\n' >"$www/index.html"
  local a
  for a in "$EG_HTTP" "$EG_HTTP2"; do
    sy_bg inet python3 -m http.server --bind "$a" --directory "$www" 80
  done
  sy_bg inet iperf3 -s -B "$EG_IPERF" -p "$EG_IPERF_PORT"
  local p specs=("udp-echo:$EG_UDP_ECHO:$EG_UDP_ECHO_PORT" "tcp-sink:$EG_SINK:$EG_SINK_PORT" "tcp-canary:$EG_SMTP:25")
  for a in $EG_INET_LO_CANARIES; do
    for p in $EG_CANARY_PORTS; do specs+=("tcp-canary:$a:$p" "udp-canary:$a:$p"); done
  done
  eg_netsvc inet "$SY_TMP/canary-inet.log" "${specs[@]}" || return 1
  eg_start_doh || return 1
  sy_wait_for 10 "HTTP on $EG_HTTP:80" sh -c "ip netns exec '$EG_INET' ss -Hltn 'src $EG_HTTP and sport = :80' | grep -q ." &&
    sy_wait_for 10 "HTTP on $EG_HTTP2:80" sh -c "ip netns exec '$EG_INET' ss -Hltn 'src $EG_HTTP2 and sport = :80' | grep -q ." &&
    sy_wait_listen inet "$EG_IPERF_PORT"
}

# eg_start_doh: the CA (once) and the DoH server on $EG_DOH:443; EG_DOH_PID.
eg_start_doh() {
  if [ -z "$EG_CA" ]; then
    EG_CA="$SY_TMP/ca"
    if ! timeout 30 bash "$EG_MAKE_CA" "$EG_CA" doh.test "$EG_DOH" >"$SY_TMP/make_test_ca.log" 2>&1; then
      echo "make_test_ca.sh failed:"; sed 's/^/    | /' "$SY_TMP/make_test_ca.log"; return 1
    fi
  fi
  sy_bg inet python3 "$EG_DOH_SERVER" --listen "$EG_DOH" --port 443 --cert "$EG_CA/server.pem" \
    --key "$EG_CA/server.key" --zone "$EG_ZONE" --log "$SY_TMP/doh.log"
  EG_DOH_PID=$SY_BG_PID
  if ! sy_wait_for 10 "DoH on $EG_DOH:443" sh -c "ip netns exec '$EG_INET' ss -Hltn 'src $EG_DOH and sport = :443' | grep -q ."; then
    echo "DoH server did not start:"; sed 's/^/    | /' "$SY_BG_LOG"; return 1
  fi
}

# eg_stop_doh: the DoH outage (SIGTERM, 3 s, SIGKILL).
eg_stop_doh() {
  [ -n "$EG_DOH_PID" ] || return 1
  kill -TERM "$EG_DOH_PID" 2>/dev/null
  local i
  for i in $(seq 1 30); do kill -0 "$EG_DOH_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$EG_DOH_PID" 2>/dev/null
  wait "$EG_DOH_PID" 2>/dev/null
  EG_DOH_PID=""
  ! ip netns exec "$EG_INET" ss -Hltn "src $EG_DOH and sport = :443" | grep -q .
}

# eg_gw_canaries: the canaries in the server's own namespace (log
# $SY_TMP/canary-gw.log): loopback, gw's private/link-local/CGNAT/metadata
# lo addresses and its own external address, TCP and UDP, ports 80 and 8080.
eg_gw_canaries() {
  local a p specs=()
  for a in 127.0.0.1 $EG_GW_LO_CANARIES "$EG_GW_OUT"; do
    for p in $EG_CANARY_PORTS; do specs+=("tcp-canary:$a:$p" "udp-canary:$a:$p"); done
  done
  eg_netsvc gw "$SY_TMP/canary-gw.log" "${specs[@]}"
}

# eg_canary_silent: 0 if no canary (gw's or inet's) saw anything; prints what they saw.
eg_canary_silent() {
  local f rc=0
  for f in "$SY_TMP/canary-gw.log" "$SY_TMP/canary-inet.log"; do
    if [ -s "$f" ]; then echo "$f:"; sed 's/^/  /' "$f"; rc=1; fi
  done
  [ $rc = 0 ] && echo "canary logs empty"
  return $rc
}

# eg_resolver_toml: the [resolver] section pointing at the test DoH server.
eg_resolver_toml() {
  cat <<EOF
[resolver]
ca_file = "$EG_CA/ca.pem"

[[resolver.upstream]]
url = "https://doh.test/dns-query"
address = "$EG_DOH"
EOF
}

# --- checks of the topology itself, run in gw without Switchyard ---------

# eg_in_curl_sha NS-NAME URL [CURL ARGS...]: downloads URL (the big file) in
# NS-NAME, compares its sha256 with EG_BIG_SHA.
eg_in_curl_sha() {
  local name=$1 url=$2; shift 2
  local out="$SY_TMP/curl.$name.$RANDOM.bin" got
  timeout 120 ip netns exec "$(sy_ns "$name")" curl -sS --connect-timeout 5 --max-time 100 -o "$out" \
    -w 'HTTP %{http_code}, %{size_download} bytes in %{time_total} s (%{speed_download} B/s)\n' "$@" "$url" || {
    rm -f "$out"; return 1
  }
  got=$(sha256sum "$out" | cut -d' ' -f1)
  rm -f "$out"
  echo "sha256 $got (expected $EG_BIG_SHA)"
  [ "$got" = "$EG_BIG_SHA" ]
}

# eg_iperf NS-NAME [IPERF3 ARGS...]: iperf3 -c $EG_IPERF -J from NS-NAME;
# prints receiver Mbit/s and retransmits, fails unless > 0.
eg_iperf() {
  local name=$1; shift
  local json="$SY_TMP/iperf.$name.$RANDOM.json"
  timeout 60 ip netns exec "$(sy_ns "$name")" iperf3 -c "$EG_IPERF" -p "$EG_IPERF_PORT" --connect-timeout 5000 -J "$@" >"$json" 2>&1
  local rc=$?
  python3 - "$json" <<'EOF' && [ $rc = 0 ]
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception:
    print(open(sys.argv[1]).read()[-2000:]); sys.exit(1)
if "error" in j:
    print("iperf3:", j["error"]); sys.exit(1)
bps = j["end"]["sum_received"]["bits_per_second"]
print(f"{bps / 1e6:.1f} Mbit/s received, retransmits {j['end']['sum_sent'].get('retransmits', '?')}")
sys.exit(0 if bps > 0 else 1)
EOF
}

# The UDP echo client: 3 tries, 1 s each; exit 0 on a matching echo.
EG_UDP_ECHO_PY='
import os, socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
for i in range(3):
    msg = b"echo " + os.urandom(8).hex().encode()
    t = time.monotonic()
    s.sendto(msg, (host, port))
    try:
        while True:
            data, peer = s.recvfrom(2048)
            if data == msg:
                print(f"echo from {peer[0]}:{peer[1]} in {(time.monotonic() - t) * 1000:.1f} ms")
                sys.exit(0)
    except socket.timeout:
        print(f"try {i + 1}: no echo within 1 s")
sys.exit(1)
'
eg_udp_echo() {  # eg_udp_echo NS-NAME HOST PORT
  timeout 10 ip netns exec "$(sy_ns "$1")" python3 -c "$EG_UDP_ECHO_PY" "$2" "$3"
}

# The TCP connect client: prints "connected|refused|timeout|error:… SECS";
# exit 0 connected, 1 refused, 2 timeout, 3 other errors.
EG_CONNECT_PY='
import socket, sys, time
host, port, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
t = time.monotonic()
try:
    c = socket.create_connection((host, port), timeout=limit)
    result, rc = "connected", 0
    c.close()
except ConnectionRefusedError:
    result, rc = "refused", 1
except socket.timeout:
    result, rc = "timeout", 2
except OSError as e:
    result, rc = f"error:{e.strerror or e}".replace(" ", "_"), 3
print(f"{result} {time.monotonic() - t:.3f}")
sys.exit(rc)
'
# eg_connect NS-NAME HOST PORT [LIMIT]: one TCP connect (LIMIT s, default 5).
eg_connect() {
  timeout 30 ip netns exec "$(sy_ns "$1")" python3 -c "$EG_CONNECT_PY" "$2" "$3" "${4:-5}"
}
# eg_refused_within NS-NAME HOST PORT SECS: the connect is refused (RST) in under SECS.
eg_refused_within() {
  local out; out=$(eg_connect "$1" "$2" "$3" 5)
  echo "$out (want refused in < $4 s)"
  python3 -c 'import sys; r, t = sys.argv[1].split(); sys.exit(0 if r == "refused" and float(t) < float(sys.argv[2]) else 1)' "$out" "$4"
}

# eg_doh_query NS-NAME NAME: one DoH A query from NS-NAME straight to the test DoH server.
eg_doh_query() {
  timeout 20 ip netns exec "$(sy_ns "$1")" python3 "$EG_DOH_QUERY" --cacert "$EG_CA/ca.pem" \
    --resolve "doh.test:443:$EG_DOH" https://doh.test/dns-query "$2"
}
# eg_doh_is NS-NAME NAME EXPECTED: the DoH answer line is EXPECTED.
eg_doh_is() {
  local got; got=$(eg_doh_query "$1" "$2") || { echo "$got"; return 1; }
  echo "DoH $2: '$got' (expected '$3')"
  [ "$got" = "$3" ]
}

# eg_check_topology: the internet works from gw without Switchyard, the
# canaries listen, and nothing routes beyond inet. PASS/FAIL lines.
eg_check_topology() {
  sy_check "gw: the big file ($EG_FILE_MB MiB) from http://$EG_HTTP/ over the veth, sha256 matches" \
    eg_in_curl_sha gw "http://$EG_HTTP/big.bin"
  sy_check "gw: http://$EG_HTTP2/ answers" \
    timeout 20 ip netns exec "$EG_GW" curl -sS --max-time 10 -o /dev/null "http://$EG_HTTP2/index.html"
  sy_check "gw: iperf3 to $EG_IPERF (1 s)" eg_iperf gw -t 1
  sy_check "gw: UDP echo from $EG_UDP_ECHO:$EG_UDP_ECHO_PORT" eg_udp_echo gw "$EG_UDP_ECHO" "$EG_UDP_ECHO_PORT"
  sy_check "gw: TCP sink $EG_SINK:$EG_SINK_PORT accepts" eg_connect gw "$EG_SINK" "$EG_SINK_PORT"
  sy_check "gw: DoH query (https://doh.test/dns-query at $EG_DOH, test CA) for example.test -> $EG_HTTP" \
    eg_doh_is gw example.test "NOERROR $EG_HTTP"
  sy_check "gw: DoH query for nope.example.test -> NXDOMAIN" eg_doh_is gw nope.example.test NXDOMAIN
  sy_check "gw: ping $EG_HTTP" timeout 10 ip netns exec "$EG_GW" ping -n -c 1 -W 2 "$EG_HTTP"
  sy_check "gw: an unprivileged ICMP socket works (ping_group_range)" \
    timeout 10 ip netns exec "$EG_GW" python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)'
  sy_check "gw: a closed port on $EG_HTTP is refused at once" eg_refused_within gw "$EG_HTTP" 81 1
  local a p missing=""
  for a in 127.0.0.1 $EG_GW_LO_CANARIES "$EG_GW_OUT"; do
    for p in $EG_CANARY_PORTS; do
      ip netns exec "$EG_GW" ss -Hltn "src $a and sport = :$p" | grep -q . || missing="$missing $a:$p"
    done
  done
  sy_check "gw: canaries listen on loopback, private, link-local, CGNAT, metadata and $EG_GW_OUT (:80, :8080)" \
    sh -c "echo 'missing:$missing'; [ -z '$missing' ]"
  sy_check "inet: canaries listen on $EG_SMTP:25 and $EG_INET_LO_CANARIES" \
    sh -c "n=\$(ip netns exec '$EG_INET' ss -Hltn | grep -cE '($EG_SMTP:25|198\.18\.0\.1:|192\.0\.0\.1:|240\.0\.0\.1:)'); echo \"\$n listeners\"; [ \"\$n\" = 7 ]"
  sy_check "isolation: gw's only routes are the veth to inet (default via $EG_INET_IN)" \
    sh -c "ip -n '$EG_GW' -4 route show; [ \"\$(ip -n '$EG_GW' -4 route show | grep -vc ' dev inet0 ')\" = 0 ]"
  sy_check "isolation: gw's links are lo and inet0 only" \
    sh -c "ip -n '$EG_GW' -o link show | awk -F': ' '{print \$2}' | sed 's/@.*//' | sort | tr '\n' ' ' | tee /dev/stderr | grep -qx 'inet0 lo '"
  sy_check_fails "isolation: inet has no route off this machine (route get 8.8.8.8)" \
    ip -n "$EG_INET" route get 8.8.8.8
  sy_check "the canaries stayed silent during the topology checks" eg_canary_silent
}

# --- VMs -------------------------------------------------------------------

# eg_vm NAME NETWORK MAC: a DHCP-configured VM namespace on NETWORK (the
# relay runs in gw), reno, gateway and address in EG_VM_GW/EG_VM_IP.
eg_vm() {
  local name=$1 network=$2 mac=$3
  dd_vm "$name" "$network" "$mac" || return 1
  sy_in "$name" sysctl -qw net.ipv4.tcp_congestion_control=reno || return 1
  if ! dd_udhcpc "$name" -x "hostname:$name"; then
    echo "udhcpc in $name got no lease:"; tail -n 20 "$SY_TMP/$name.udhcpc.log" | sed 's/^/    | /'
    return 1
  fi
  EG_VM_GW[$name]=$(dd_env "$name" udhcpc router)
  EG_VM_IP[$name]=$(dd_env "$name" udhcpc ip)
  eg_log "$name on $network: ${EG_VM_IP[$name]} via ${EG_VM_GW[$name]}"
}

# eg_dig NAME ARGS...: dig in VM NAME at its gateway's DNS (2 s, 2 tries).
eg_dig() {
  local name=$1; shift
  timeout 15 ip netns exec "$(sy_ns "$name")" dig @"${EG_VM_GW[$name]}" +time=2 +tries=2 "$@"
}

# eg_dig_is NAME EXPECTED ARGS...: `dig +short ARGS` prints exactly EXPECTED.
eg_dig_is() {
  local name=$1 expected=$2; shift 2
  local got; got=$(eg_dig "$name" +short "$@" | tr '\n' ' ' | sed 's/ $//')
  echo "dig +short $*: '$got' (expected '$expected')"
  [ "$got" = "$expected" ]
}

# eg_dig_status NAME STATUS MAXSECS ARGS...: the rcode is STATUS and the
# answer came in under MAXSECS seconds (one try: the time is the server's).
# EG_DIG_ANSWERS, if set, is the expected answer count.
eg_dig_status() {
  local name=$1 status=$2 max=$3; shift 3
  local t0 t1 out
  t0=$(date +%s.%N)
  out=$(timeout 15 ip netns exec "$(sy_ns "$name")" dig @"${EG_VM_GW[$name]}" +time=8 +tries=1 "$@")
  t1=$(date +%s.%N)
  echo "$out"
  local secs; secs=$(python3 -c "print(f'{$t1 - $t0:.3f}')")
  echo "answered in $secs s (limit $max s)"
  echo "$out" | grep -q "status: $status," || return 1
  if [ -n "${EG_DIG_ANSWERS:-}" ]; then echo "$out" | grep -q "ANSWER: $EG_DIG_ANSWERS," || return 1; fi
  python3 -c "import sys; sys.exit(0 if $secs < $max else 1)"
}

# eg_curl_fails_within NAME SECS URL: curl fails (connect timeout 3 s, 5 s in
# all), and in under SECS seconds.
eg_curl_fails_within() {
  local name=$1 max=$2 url=$3 t0 t1 rc
  t0=$(date +%s.%N)
  timeout 30 ip netns exec "$(sy_ns "$name")" curl -sS --connect-timeout 3 --max-time 5 -o /dev/null "$url"
  rc=$?
  t1=$(date +%s.%N)
  local secs; secs=$(python3 -c "print(f'{$t1 - $t0:.3f}')")
  echo "curl exit $rc after $secs s (want failure in < $max s)"
  [ $rc != 0 ] && python3 -c "import sys; sys.exit(0 if $secs < $max else 1)"
}

# eg_curl_refused NAME URL: curl fails with exit 7 and "Connection refused"
# (the connect got a RST; curl 7.88 names the errno only with -v) in < 1 s.
eg_curl_refused() {
  local name=$1 url=$2 t0 t1 rc out
  t0=$(date +%s.%N)
  out=$(timeout 30 ip netns exec "$(sy_ns "$name")" curl -sS -v --connect-timeout 5 --max-time 10 -o /dev/null "$url" 2>&1)
  rc=$?
  t1=$(date +%s.%N)
  local secs; secs=$(python3 -c "print(f'{$t1 - $t0:.3f}')")
  echo "$out" | grep -E '^(\* (Trying|connect|Failed)|curl:)'
  echo "curl exit $rc after $secs s (want 7, 'Connection refused', < 1 s)"
  [ $rc = 7 ] && echo "$out" | grep -q 'Connection refused' && python3 -c "import sys; sys.exit(0 if $secs < 1 else 1)"
}
