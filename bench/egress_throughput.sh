#!/usr/bin/env bash
# bench/egress_throughput.sh - VM <-> internet through Switchyard's egress, against slirp4netns and pasta, same machine, same rounds.
#
# Topology (tests/e2e/egress_lib.sh; all names carry this run's "sy<pid>"
# prefix and are removed on exit): netns gw holds the user-mode network
# stacks, its only way out a veth to netns inet, the "internet" (iperf3
# servers on 198.51.100.20, a TCP accept-and-close sink on 198.51.100.40:9000).
#   switchyard   a1 (DHCP) ─TAP─ sy-tap-relay ─ws─▶ switchyard (in gw, egress = "internet") ─▶ inet
#   slirp4netns  s1 tap0 10.0.2.100 ◀─ slirp4netns --configure --mtu=MTU (in gw) ─▶ inet
#   pasta        p1 (gw's address copied) ◀─ pasta --config-net -m MTU (in gw) ─▶ inet
# Every namespace uses reno (TESTING.md: pasta's guest->host path collapses
# with bbr). Each round runs every setup, interleaved, the order rotating each
# round, so machine noise hits all alike:
#   up     iperf3 -c 198.51.100.20 -t SECS -J     VM -> inet, receiver Mbit/s, sender retransmits
#   down   the same with -R                       inet -> VM
#   cseq   CONNS sequential connections           connect, wait for the sink's FIN, close: connections/s
#   cpar   the same CONNS spread over PAR threads
# Then prints medians, retransmits, and the ratios switchyard/slirp4netns and
# switchyard/pasta. A setup that cannot start (or cannot reach inet) is
# reported and left out; the others still run.
#
# Usage: bench/egress_throughput.sh [BIN_DIR [ROUNDS [SECS [CONNS [PAR]]]]]
#   BIN_DIR  with switchyard, sy-tap-relay, sy-ws-probe (default: build/bin)
#   ROUNDS   default 3; SECS per iperf3 run, default 5; CONNS per connection
#   test, default 2000; PAR threads for the parallel one, default 8.
#   SY_BENCH_MTU (default 1500): every VM link and the network.
#   SY_BENCH_SETUPS (default "switchyard slirp4netns pasta"): which to run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/e2e/lib.sh
source "$here/../tests/e2e/lib.sh"
# shellcheck source=../tests/e2e/dhcp_dns_lib.sh
source "$here/../tests/e2e/dhcp_dns_lib.sh"
# shellcheck source=../tests/e2e/egress_lib.sh
source "$here/../tests/e2e/egress_lib.sh"

bin=${1:-$here/../build/bin}
rounds=${2:-3}
secs=${3:-5}
conns=${4:-2000}
par=${5:-8}
mtu=${SY_BENCH_MTU:-1500}
setups=${SY_BENCH_SETUPS:-switchyard slirp4netns pasta}
[ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] && [ "$secs" -ge 1 ] && [ "$secs" -le 60 ] &&
  [ "$conns" -ge 10 ] && [ "$conns" -le 50000 ] && [ "$par" -ge 1 ] && [ "$par" -le 64 ] ||
  { echo "ROUNDS must be 1..20, SECS 1..60, CONNS 10..50000, PAR 1..64"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (namespaces, /dev/net/tun)"; exit 2; }
command -v iperf3 >/dev/null || { echo "needs iperf3 (apt-get install iperf3)"; exit 2; }
sy_init "$bin"
dd_init

# The connection-rate client: COUNT connections to HOST:PORT over PAR threads,
# each connect -> wait for the sink's FIN -> close (the connection really
# reached inet, whatever the path acknowledges locally). 5 s per connection,
# LIMIT s in all. Prints JSON: ok, failed, seconds, rate, latency p50/p99 (ms).
CONNRATE_PY='
import json, socket, sys, threading, time
host, port, total, par, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
share = [total // par + (1 if i < total % par else 0) for i in range(par)]
ok, failed, lat, errors = [0] * par, [0] * par, [[] for _ in range(par)], {}
start = time.monotonic()
deadline = start + limit
def worker(i):
    for n in range(share[i]):
        if time.monotonic() > deadline:
            failed[i] += share[i] - n
            return
        t = time.monotonic()
        phase = "connect"
        try:
            s = socket.create_connection((host, port), timeout=5)
            phase = "fin"
            with s:
                while s.recv(64):
                    pass
            ok[i] += 1
            lat[i].append(time.monotonic() - t)
        except OSError as e:
            failed[i] += 1
            key = f"{phase}:{type(e).__name__}"
            errors[key] = errors.get(key, 0) + 1
threads = [threading.Thread(target=worker, args=(i,)) for i in range(par)]
for th in threads: th.start()
for th in threads: th.join()
secs = time.monotonic() - start
alll = sorted(x for l in lat for x in l)
pct = lambda p: round(alll[min(len(alll) - 1, int(p * len(alll)))] * 1000, 2) if alll else None
print(json.dumps({"ok": sum(ok), "failed": sum(failed), "seconds": round(secs, 3),
                  "rate": round(sum(ok) / secs, 1) if secs > 0 else 0, "p50_ms": pct(0.5), "p99_ms": pct(0.99),
                  "errors": errors}))
'

# --- topology and the internet ---------------------------------------------
eg_topology || { echo "topology failed"; exit 1; }
declare -A PORT=([switchyard]=5201 [slirp4netns]=5202 [pasta]=5203)
declare -A NS=([switchyard]=a1 [slirp4netns]=s1 [pasta]=p1)
declare -A WHY=()
for s in switchyard slirp4netns pasta; do
  sy_bg inet iperf3 -s -B "$EG_IPERF" -p "${PORT[$s]}"
done
eg_netsvc inet "$SY_TMP/inet-services.log" "tcp-sink:$EG_SINK:$EG_SINK_PORT" || exit 1
for s in switchyard slirp4netns pasta; do
  sy_wait_listen inet "${PORT[$s]}" || { echo "iperf3 server on ${PORT[$s]} did not start"; exit 1; }
done

wanted() { case " $setups " in *" $1 "*) return 0 ;; esac; return 1; }
reno() { sy_in "$1" sysctl -qw net.ipv4.tcp_congestion_control=reno; }

# --- switchyard: the server in gw, a DHCP VM relayed to it --------------------
setup_switchyard() {
  cat >"$SY_TMP/switchyard.toml" <<EOF
[server]
listen = "127.0.0.1:0"

[[network]]
name = "bench"
subnet = "10.0.2.0/24"
gateway = "10.0.2.2"
mtu = $mtu
egress = "internet"
EOF
  if ! sy_start_server "$SY_TMP/switchyard.toml" --state-dir "$SY_TMP/state" --log-level info >"$SY_TMP/start.log" 2>&1; then
    WHY[switchyard]="server did not start: $(grep -m1 -i 'error' "$SY_TMP/server.log" || tail -n 1 "$SY_TMP/start.log")"
    return 1
  fi
  eg_vm a1 bench 02:53:59:00:eb:01 >"$SY_TMP/a1.log" 2>&1 || { WHY[switchyard]="VM a1: $(tail -n 1 "$SY_TMP/a1.log")"; return 1; }
  ip -n "$(sy_ns a1)" link set eth0 mtu "$mtu"
}

# --- slirp4netns: runs in gw, joins s1 by the pid of a process there ----------
setup_slirp4netns() {
  command -v slirp4netns >/dev/null || { WHY[slirp4netns]="slirp4netns not installed (apt-get install slirp4netns)"; return 1; }
  sy_add_ns s1 || return 1
  reno s1
  sy_bg s1 sleep "$EG_LIFETIME"
  local holder=$SY_BG_PID
  sy_bg gw slirp4netns --configure --mtu="$mtu" --disable-host-loopback "$holder" tap0
  SLIRP_LOG=$SY_BG_LOG
  if ! sy_wait_for 10 "slirp4netns tap0 in s1" sh -c "ip -n '$(sy_ns s1)' -4 addr show dev tap0 | grep -q 'inet 10.0.2.100/'"; then
    WHY[slirp4netns]="slirp4netns did not configure tap0: $(tail -n 2 "$SLIRP_LOG" | tr '\n' ' ')"
    return 1
  fi
}

# --- pasta: runs in gw, joins the named namespace p1 (TESTING.md's flags) -----
setup_pasta() {
  command -v pasta >/dev/null || { WHY[pasta]="pasta not installed (apt-get install passt)"; return 1; }
  sy_add_ns p1 || return 1
  reno p1
  sy_bg gw pasta -f -4 --runas 0 --config-net -t none -u none -T none -U none -m "$mtu" --netns "$(sy_ns p1)"
  PASTA_LOG=$SY_BG_LOG
  if ! sy_wait_for 10 "pasta's default route in p1" sh -c "ip -n '$(sy_ns p1)' -4 route show default | grep -q via"; then
    WHY[pasta]="pasta did not configure p1: $(tail -n 2 "$PASTA_LOG" | tr '\n' ' ')"
    return 1
  fi
}

active=()
for s in switchyard slirp4netns pasta; do
  wanted "$s" || continue
  if "setup_$s"; then
    # Reachability first: a setup that cannot reach inet would only burn time.
    if out=$(eg_connect "${NS[$s]}" "$EG_SINK" "$EG_SINK_PORT" 5); then
      active+=("$s")
    else
      WHY[$s]="cannot reach $EG_SINK:$EG_SINK_PORT ($out)"
    fi
  fi
  [ -n "${WHY[$s]:-}" ] && echo "setup $s left out: ${WHY[$s]}"
done
[ ${#active[@]} -gt 0 ] || { echo "no setup works"; exit 1; }

results="$SY_TMP/results.tsv"  # setup test round value extra
: >"$results"

run_iperf() {  # run_iperf SETUP up|down ROUND
  local s=$1 dir=$2 round=$3 json="$SY_TMP/$1-$2-$3.json" value extra
  local args=(-c "$EG_IPERF" -p "${PORT[$s]}" -t "$secs" --connect-timeout 5000 -J)
  [ "$dir" = down ] && args+=(-R)
  if ! timeout $((secs + 25)) ip netns exec "$(sy_ns "${NS[$s]}")" iperf3 "${args[@]}" >"$json" 2>&1; then
    echo "  round $round $dir $s: iperf3 failed: $(sy_json "$json" "j.get('error')" 2>/dev/null || head -c 200 "$json")"
    return 0
  fi
  value=$(sy_json "$json" "round(j['end']['sum_received']['bits_per_second'] / 1e6, 1)")
  extra=$(sy_json "$json" "j['end']['sum_sent'].get('retransmits', -1)")
  printf '%s\t%s\t%s\t%s\t%s\n' "$s" "$dir" "$round" "$value" "$extra" >>"$results"
  printf '  round %s %-5s %-12s %10s Mbit/s  (retransmits %s)\n' "$round" "$dir" "$s" "$value" "$extra"
}

run_conns() {  # run_conns SETUP cseq|cpar ROUND
  local s=$1 test=$2 round=$3 json="$SY_TMP/$1-$2-$3.conn.json" threads=1
  [ "$test" = cpar ] && threads=$par
  if ! timeout 200 ip netns exec "$(sy_ns "${NS[$s]}")" python3 -c "$CONNRATE_PY" "$EG_SINK" "$EG_SINK_PORT" \
    "$conns" "$threads" 150 >"$json" 2>&1; then
    echo "  round $round $test $s: client failed: $(head -c 200 "$json")"
    return 0
  fi
  local rate failed p50 p99
  rate=$(sy_json "$json" "j['rate']")
  failed=$(sy_json "$json" "j['failed']")
  p50=$(sy_json "$json" "j['p50_ms']")
  p99=$(sy_json "$json" "j['p99_ms']")
  printf '%s\t%s\t%s\t%s\t%s\n' "$s" "$test" "$round" "$rate" "$failed" >>"$results"
  local errors=""
  [ "$failed" != 0 ] && errors=", $(sy_json "$json" "' '.join(f'{k}={v}' for k, v in j['errors'].items()) or 'deadline'")"
  printf '  round %s %-5s %-12s %10s conn/s  (failed %s%s, p50 %s ms, p99 %s ms)\n' "$round" "$test" "$s" "$rate" "$failed" "$errors" "$p50" "$p99"
}

echo "== $rounds rounds: iperf3 ${secs}s each way, $conns connections (1 and $par threads); MTU $mtu, $(nproc) cores, kernel $(uname -r)"
echo "   setups: ${active[*]}"
n=${#active[@]}
for round in $(seq 1 "$rounds"); do
  order=()
  for i in $(seq 0 $((n - 1))); do order+=("${active[$(((i + round - 1) % n))]}"); done
  for test in up down cseq cpar; do
    for s in "${order[@]}"; do
      case $test in up | down) run_iperf "$s" "$test" "$round" ;; *) run_conns "$s" "$test" "$round" ;; esac
    done
  done
done

echo
echo "== medians over $rounds rounds"
python3 - "$results" "$par" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
par = sys.argv[2]
setups = ["switchyard", "slirp4netns", "pasta"]
def med(s, test, col=3):
    v = [float(r[col]) for r in rows if r[0] == s and r[1] == test]
    return statistics.median(v) if v else float("nan")
def ratio(a, b):
    return a / b if b == b and b and a == a else float("nan")
print(f"{'test':<32}" + "".join(f"{s:>13}" for s in setups) + f"{'sy/slirp':>10}{'sy/pasta':>10}")
for test, name in (("up", "TCP VM->inet (Mbit/s)"), ("down", "TCP inet->VM (Mbit/s)"),
                   ("cseq", "connections/s, sequential"), ("cpar", f"connections/s, {par} threads")):
    v = [med(s, test) for s in setups]
    print(f"{name:<32}" + "".join(f"{x:>13,.1f}" for x in v) + f"{ratio(v[0], v[1]):>10.3f}{ratio(v[0], v[2]):>10.3f}")
for test, name in (("up", "retransmits VM->inet (median)"), ("down", "retransmits inet->VM (median)"),
                   ("cseq", "failed connections, seq (median)"), ("cpar", "failed connections, par (median)")):
    print(f"{name:<32}" + "".join(f"{med(s, test, 4):>13,.0f}" for s in setups))
EOF
for s in switchyard slirp4netns pasta; do
  [ -n "${WHY[$s]:-}" ] && echo "($s left out: ${WHY[$s]})"
done
exit 0
