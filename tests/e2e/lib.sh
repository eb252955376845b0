# tests/e2e/lib.sh - shared helpers for end-to-end tests and benchmarks: server, VM namespaces, checks, cleanup.
#
# Source it, then call sy_init BIN_DIR. Everything a test creates is named with
# the per-run tag "sy<pid>" (namespaces "sy<pid>vm1", TAPs the same, veths
# "sy<pid>…"), recorded, and removed by the EXIT trap even when the test fails
# or is interrupted. Nothing here sends a packet outside loopback and the
# test's own namespaces. Every wait has a deadline.
#
# A test VM is a namespace whose eth0 is a TAP device relayed to the server's
# /net/{network} WebSocket by sy-tap-relay (the relay stays in the server's
# namespace; the TAP's descriptor keeps working after the move).
#
# The server and the relays run in the root namespace unless SY_SERVER_NS names
# a namespace (its full name, e.g. "$(sy_ns gw)"): then both run inside it
# (`ip netns exec`), the server on that namespace's 127.0.0.1, and each relay
# creates its TAP there before moving it into the VM's namespace.

SY_BIN=""            # directory with switchyard, sy-tap-relay, sy-ws-probe
SY_TAG=""            # unique prefix for this run's names
SY_TMP=""            # scratch dir: configs, logs
SY_PORT=""           # the server's port once started
SY_SERVER_PID=""
SY_PIDS=()           # background processes we started, killed at exit
SY_NAMESPACES=()     # namespaces we created, deleted at exit
SY_LINKS=()          # root-namespace links we created (veth ends), deleted at exit
SY_FAILURES=0
SY_CHECKS=0
SY_BG_PID=""
SY_BG_LOG=""
SY_RELAY_PID=""
SY_STDOUT=1
SY_SERVER_NS=""      # namespace the server and relays run in; empty: the root one
declare -A SY_VM_RELAY=()  # VM name -> its relay's pid

sy_log() { printf '%s [%s] %s\n' "$(date +%T)" "${SY_TAG}" "$*" >&2; }

sy_pass() { SY_CHECKS=$((SY_CHECKS + 1)); printf 'PASS %s\n' "$*"; }
sy_fail() { SY_CHECKS=$((SY_CHECKS + 1)); SY_FAILURES=$((SY_FAILURES + 1)); printf 'FAIL %s\n' "$*"; }

# sy_check DESCRIPTION COMMAND...: runs COMMAND, PASS if it exits 0. Output goes
# to a log file shown only on failure, so PASS lines stay readable.
sy_check() {
  local desc=$1; shift
  local out="$SY_TMP/check.$SY_CHECKS.log"
  if "$@" >"$out" 2>&1; then
    sy_pass "$desc"
  else
    sy_fail "$desc (exit $?: $*)"
    sed 's/^/    | /' "$out" | tail -n 20
  fi
}

# sy_check_fails DESCRIPTION COMMAND...: PASS if COMMAND exits non-zero.
sy_check_fails() {
  local desc=$1; shift
  local out="$SY_TMP/check.$SY_CHECKS.log"
  if "$@" >"$out" 2>&1; then
    sy_fail "$desc (unexpectedly succeeded: $*)"
    sed 's/^/    | /' "$out" | tail -n 20
  else
    sy_pass "$desc"
  fi
}

# Exits 77 (CTest's skip code) unless root: namespaces and TAPs need it.
sy_require_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "SKIP: needs root (network namespaces, /dev/net/tun)"
    exit 77
  fi
}

# sy_init BIN_DIR: checks the tools, makes the scratch dir, installs the trap.
sy_init() {
  SY_BIN=$(cd "${1:?sy_init needs the bin directory}" && pwd) || exit 2
  SY_TAG="sy$$"
  local prog
  for prog in ip ping curl python3 timeout; do
    command -v "$prog" >/dev/null || { echo "FAIL missing program: $prog"; exit 2; }
  done
  for prog in switchyard sy-tap-relay sy-ws-probe; do
    [ -x "$SY_BIN/$prog" ] || { echo "FAIL missing $SY_BIN/$prog (build it first)"; exit 2; }
  done
  SY_TMP=$(mktemp -d "/tmp/${SY_TAG}.XXXXXX")
  # The cleanup may run while a check has stdout redirected to its log: keep
  # the real stdout to report on.
  exec {SY_STDOUT}>&1
  trap sy_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# Stops our processes, deletes our namespaces and links. Idempotent.
sy_cleanup() {
  local rc=$?
  trap - EXIT
  local pid ns link i
  for pid in "${SY_PIDS[@]}" $SY_SERVER_PID; do
    kill -TERM "$pid" 2>/dev/null
  done
  # Up to 3 s for a clean exit, then force.
  for i in $(seq 1 30); do
    local alive=0
    for pid in "${SY_PIDS[@]}" $SY_SERVER_PID; do
      kill -0 "$pid" 2>/dev/null && alive=1
    done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${SY_PIDS[@]}" $SY_SERVER_PID; do
    kill -KILL "$pid" 2>/dev/null
  done
  for ns in "${SY_NAMESPACES[@]}"; do
    # Anything still running inside a namespace of ours was started by us.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  for link in "${SY_LINKS[@]}"; do
    ip link del "$link" 2>/dev/null
  done
  # Reap only what we killed: a bare `wait` would also wait for any other child.
  for pid in "${SY_PIDS[@]}" $SY_SERVER_PID; do wait "$pid" 2>/dev/null; done
  if [ -n "$SY_TMP" ] && [ -d "$SY_TMP" ]; then
    if [ "$rc" != 0 ] || [ "$SY_FAILURES" != 0 ]; then
      {
        if [ -f "$SY_TMP/server.log" ]; then
          echo "---- last server log lines ($SY_TMP/server.log) ----"
          tail -n 40 "$SY_TMP/server.log"
        fi
        echo "logs kept in $SY_TMP (exit $rc)"
      } >&"${SY_STDOUT:-1}"
    else
      rm -rf "$SY_TMP"
    fi
  fi
  exit "$rc"
}

# sy_wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s until it
# succeeds (return 0) or the time is up (return 1).
sy_wait_for() {
  local secs=$1 desc=$2; shift 2
  local i
  for i in $(seq 1 $((secs * 10))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  sy_log "timed out after ${secs}s waiting for: $desc"
  return 1
}

# sy_srv_prefix: the words that run a command where the server runs (nothing,
# or `ip netns exec $SY_SERVER_NS`), in the array SY_SRV_PREFIX. A prefix, not
# a wrapper function: `PREFIX cmd &` keeps $! the command's own pid (ip netns
# exec execs), so it can be signalled and waited for.
SY_SRV_PREFIX=()
sy_srv_prefix() {
  SY_SRV_PREFIX=()
  if [ -n "$SY_SERVER_NS" ]; then SY_SRV_PREFIX=(ip netns exec "$SY_SERVER_NS"); fi
}

# sy_start_server CONFIG [EXTRA FLAGS...]: starts switchyard on 127.0.0.1:0
# (in SY_SERVER_NS if set) and sets SY_PORT from its "listening on
# 127.0.0.1:PORT" log line, and SY_ADMIN_PORT from "admin API on
# 127.0.0.1:PORT" (the admin listener on a free port, unless EXTRA FLAGS
# name another --admin-listen: the last one wins).
sy_start_server() {
  local config=$1; shift
  sy_srv_prefix
  "${SY_SRV_PREFIX[@]}" "$SY_BIN/switchyard" --config "$config" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 "$@" \
    >"$SY_TMP/server.log" 2>&1 &
  SY_SERVER_PID=$!
  local i
  for i in $(seq 1 150); do
    SY_PORT=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$SY_TMP/server.log" | head -n 1 | sed 's/.*://')
    SY_ADMIN_PORT=$(grep -oE 'admin API on [0-9.]+:[0-9]+' "$SY_TMP/server.log" | head -n 1 | sed 's/.*://')
    [ -n "$SY_PORT" ] && [ "$SY_PORT" != 0 ] && break
    if ! kill -0 "$SY_SERVER_PID" 2>/dev/null; then
      echo "FAIL server exited at startup:"; sed 's/^/    | /' "$SY_TMP/server.log" | tail -n 20
      SY_SERVER_PID=""
      return 1
    fi
    sleep 0.1
  done
  if [ -z "$SY_PORT" ] || [ "$SY_PORT" = 0 ]; then
    echo "FAIL no 'listening on 127.0.0.1:PORT' line within 15 s:"; tail -n 20 "$SY_TMP/server.log"
    return 1
  fi
  sy_log "switchyard pid $SY_SERVER_PID on 127.0.0.1:$SY_PORT, admin on ${SY_ADMIN_PORT:-(off)}"
}

sy_server_alive() { [ -n "$SY_SERVER_PID" ] && kill -0 "$SY_SERVER_PID" 2>/dev/null; }

# sy_ns NAME: this run's name for namespace NAME.
sy_ns() { printf '%s%s' "$SY_TAG" "$1"; }

# sy_in NAME COMMAND...: runs COMMAND inside namespace NAME.
sy_in() { local ns; ns=$(sy_ns "$1"); shift; ip netns exec "$ns" "$@"; }

# sy_add_ns NAME: creates namespace NAME with lo up, IPv6 off (no router
# solicitations or DAD chatter in captures and neighbour tables) and broadcast
# pings answered (the isolation checks use them).
sy_add_ns() {
  local ns; ns=$(sy_ns "$1")
  ip netns add "$ns" || return 1
  SY_NAMESPACES+=("$ns")
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
  ip netns exec "$ns" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0
}

# sy_relay NAME URL [RELAY FLAGS...]: starts sy-tap-relay (in SY_SERVER_NS if
# set) for namespace NAME's TAP and waits for "ready". Sets SY_RELAY_PID.
# Returns 1 (relay log on stderr in $SY_TMP/relay-NAME.err) if the relay exits
# or is not ready in 10 s.
sy_relay() {
  local name=$1 url=$2; shift 2
  local tap; tap=$(sy_ns "$name")
  [ ${#tap} -le 15 ] || { echo "interface name $tap too long" >&2; return 1; }
  local out="$SY_TMP/relay-$name.out" err="$SY_TMP/relay-$name.err"
  : >"$out"
  sy_srv_prefix
  "${SY_SRV_PREFIX[@]}" "$SY_BIN/sy-tap-relay" --url "$url" --tap "$tap" "$@" >"$out" 2>"$err" &
  SY_RELAY_PID=$!
  SY_PIDS+=("$SY_RELAY_PID")
  local i
  for i in $(seq 1 100); do
    grep -qx ready "$out" && return 0
    kill -0 "$SY_RELAY_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# sy_vm NAME NETWORK ADDR/PREFIX MAC [URL-QUERY]: a VM namespace NAME on
# NETWORK: TAP relayed to /net/NETWORK, renamed eth0, given MAC and ADDR, up.
sy_vm() {
  local name=$1 network=$2 addr=$3 mac=$4 query=${5:-}
  local ns; ns=$(sy_ns "$name")
  sy_add_ns "$name" || return 1
  if ! sy_relay "$name" "ws://127.0.0.1:$SY_PORT/net/$network$query" --netns "$ns" --ifname eth0 --mac "$mac"; then
    echo "relay for $name did not get ready:" >&2
    sed 's/^/    | /' "$SY_TMP/relay-$name.err" >&2
    return 1
  fi
  SY_VM_RELAY[$name]=$SY_RELAY_PID
  ip -n "$ns" addr add "$addr" dev eth0 &&
    ip -n "$ns" link set eth0 up
}

# sy_vm_reconnect NAME NETWORK ADDR/PREFIX MAC [URL-QUERY]: what v86 does after
# a lost connection: the old relay stops (its TAP goes with it), a new
# WebSocket comes up with the same MAC, the VM's eth0 is set up again.
sy_vm_reconnect() {
  local name=$1 network=$2 addr=$3 mac=$4 query=${5:-}
  local ns; ns=$(sy_ns "$name")
  local old=${SY_VM_RELAY[$name]:-}
  if [ -n "$old" ]; then
    kill -TERM "$old" 2>/dev/null
    wait "$old" 2>/dev/null
  fi
  if ! sy_relay "$name" "ws://127.0.0.1:$SY_PORT/net/$network$query" --netns "$ns" --ifname eth0 --mac "$mac"; then
    echo "relay for $name did not get ready again:" >&2
    sed 's/^/    | /' "$SY_TMP/relay-$name.err" >&2
    return 1
  fi
  SY_VM_RELAY[$name]=$SY_RELAY_PID
  ip -n "$ns" addr add "$addr" dev eth0 &&
    ip -n "$ns" link set eth0 up
}

# sy_veth_pair NAME1 NAME2 ADDR1 ADDR2 [MTU]: namespaces joined by a plain veth
# pair, the comparison anchor for the relay path.
sy_veth_pair() {
  local n1=$1 n2=$2 a1=$3 a2=$4 mtu=${5:-1500}
  local ns1 ns2; ns1=$(sy_ns "$n1"); ns2=$(sy_ns "$n2")
  sy_add_ns "$n1" && sy_add_ns "$n2" || return 1
  ip link add "${ns1}" type veth peer name "${ns2}" || return 1
  SY_LINKS+=("$ns1")  # deleting one end deletes both; harmless if already gone with its namespace
  ip link set "$ns1" netns "$ns1" && ip link set "$ns2" netns "$ns2" || return 1
  ip -n "$ns1" link set "$ns1" name eth0 && ip -n "$ns2" link set "$ns2" name eth0 || return 1
  ip -n "$ns1" link set eth0 mtu "$mtu" && ip -n "$ns2" link set eth0 mtu "$mtu"
  ip -n "$ns1" addr add "$a1" dev eth0 && ip -n "$ns2" addr add "$a2" dev eth0 || return 1
  ip -n "$ns1" link set eth0 up && ip -n "$ns2" link set eth0 up
}

# sy_bg NAME COMMAND...: starts COMMAND in namespace NAME in the background,
# output to the file SY_BG_LOG; sets SY_BG_PID (ip netns exec execs, so it is
# the command's own pid).
sy_bg() {
  local ns; ns=$(sy_ns "$1"); shift
  SY_BG_LOG="$SY_TMP/bg.${#SY_PIDS[@]}.log"
  ip netns exec "$ns" "$@" >"$SY_BG_LOG" 2>&1 &
  SY_BG_PID=$!
  SY_PIDS+=("$SY_BG_PID")
}

# The capture program for sy_sniff: AF_PACKET on one interface, frames coming
# in only, one line per frame "SRC-MAC ETHERTYPE LENGTH ARP-SENDER-IP|-".
# Bounded: SECONDS and 200000 frames; stops cleanly on SIGTERM/SIGINT.
SY_SNIFF_PY='
import signal, socket, sys, time
ifname, secs = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
try:  # root may exceed rmem_max: a flood must not overflow the capture
    s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 32 << 20)
except OSError:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind((ifname, 0))
s.settimeout(0.2)
stop = False
def on_signal(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)
print("sniffing", flush=True)
end, n, lines = time.monotonic() + secs, 0, []
while not stop and time.monotonic() < end and n < 200000:
    try:
        data, addr = s.recvfrom(65536)
    except (socket.timeout, InterruptedError):
        continue
    if addr[2] == socket.PACKET_OUTGOING:
        continue
    n += 1
    et = int.from_bytes(data[12:14], "big")
    spa = ".".join(map(str, data[28:32])) if et == 0x0806 and len(data) >= 32 else "-"
    src = data[6:12].hex(":")
    lines.append(f"{src} {et:04x} {len(data)} {spa}")
print("\n".join(lines), flush=True)
print(f"captured {n}", flush=True)
'

# sy_sniff NAME SECONDS: captures frames arriving on NAME's eth0 in the
# background (see SY_SNIFF_PY) into SY_BG_LOG; sets SY_BG_PID. Stop it with
# sy_sniff_stop PID to get the complete log.
sy_sniff() {
  sy_bg "$1" python3 -c "$SY_SNIFF_PY" eth0 "$2"
  sy_wait_for 5 "sniffer in $1" grep -q '^sniffing' "$SY_BG_LOG"
}
sy_sniff_stop() {
  kill -TERM "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

# sy_wait_listen NAME PORT: waits up to 5 s for a TCP listener on PORT in NAME.
sy_wait_listen() {
  sy_wait_for 5 "listener on port $2 in $1" sh -c "ip netns exec '$(sy_ns "$1")' ss -Hltn 'sport = :$2' | grep -q ."
}

# sy_ping NAME TARGET [COUNT]: COUNT (3) pings from NAME, 0.2 s apart, 2 s wait.
sy_ping() {
  timeout 20 ip netns exec "$(sy_ns "$1")" ping -n -c "${3:-3}" -i 0.2 -W 2 "$2"
}

# sy_json FILE PYTHON-EXPR: evaluates EXPR with `j` bound to FILE's JSON.
sy_json() {
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# sy_summary: the closing line; returns non-zero if any check failed.
sy_summary() {
  if [ "$SY_FAILURES" = 0 ]; then
    echo "ALL PASS ($SY_CHECKS checks)"
    return 0
  fi
  echo "FAILED $SY_FAILURES of $SY_CHECKS checks"
  return 1
}
