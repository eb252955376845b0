#!/usr/bin/env bash
# bench/relay_throughput.sh - VM-to-VM throughput through Switchyard against a plain veth pair, same machine, same rounds.
#
# Setups (all names carry this run's "sy<pid>" prefix; everything is removed on exit):
#   switchyard: a1 10.0.2.15 --TAP--sy-tap-relay--ws--> switchyard /net/default <--ws--sy-tap-relay--TAP-- a2 10.0.2.16
#   veth:       b1 10.0.2.15 <--------------------- veth pair ---------------------> b2 10.0.2.16
#   veth-1500:  c1, c2 the same with GSO off (gso_max_segs 1): every packet is
#               one <=1514-byte frame, as on the relay path (a v86 NIC has no
#               offloads), so this is the per-frame anchor; plain veth moves
#               64 KiB GSO super-packets and its TCP figure is mostly that.
# Every namespace uses reno (the machine default, bbr, behaves differently
# through user-space relays; fix it for both sides of a comparison).
# Each round runs every setup, interleaved, the order rotating each round, so
# machine noise hits all alike:
#   tcp  iperf3 -t SECS -J, 1 stream, receiver Mbit/s (and sender retransmits)
#   udp  iperf3 -u -l 64 -b 0 -t SECS -J, receiver packets/s of 64-byte payloads
# Then prints medians and switchyard/veth ratios, and switch_bench if built.
#
# Usage: bench/relay_throughput.sh [BIN_DIR [ROUNDS [SECS]]]
#   BIN_DIR  with switchyard, sy-tap-relay, sy-ws-probe (default: build/bin)
#   ROUNDS   default 3; SECS per iperf3 run, default 5
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/e2e/lib.sh
source "$here/../tests/e2e/lib.sh"

bin=${1:-$here/../build/bin}
rounds=${2:-3}
secs=${3:-5}
# MTU of every VM link (and the network); v86's virtio-net can run jumbo MTUs.
mtu=${SY_BENCH_MTU:-1500}
[ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] && [ "$secs" -ge 1 ] && [ "$secs" -le 60 ] ||
  { echo "ROUNDS must be 1..20 and SECS 1..60"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (namespaces, /dev/net/tun)"; exit 2; }
command -v iperf3 >/dev/null || { echo "needs iperf3 (apt-get install iperf3)"; exit 2; }
sy_init "$bin"

cat >"$SY_TMP/switchyard.toml" <<EOF
[server]
listen = "127.0.0.1:0"

[[network]]
name = "default"
subnet = "10.0.2.0/24"
gateway = "10.0.2.2"
mtu = $mtu
EOF
sy_start_server "$SY_TMP/switchyard.toml" --log-level info || exit 1

sy_vm a1 default 10.0.2.15/24 02:53:59:00:00:a1 || { echo "switchyard VM a1 failed"; exit 1; }
relay_a1=$SY_RELAY_PID
sy_vm a2 default 10.0.2.16/24 02:53:59:00:00:a2 || { echo "switchyard VM a2 failed"; exit 1; }
relay_a2=$SY_RELAY_PID
for ns in a1 a2; do ip -n "$(sy_ns $ns)" link set eth0 mtu "$mtu" || { echo "cannot set MTU $mtu in $ns"; exit 1; }; done
sy_veth_pair b1 b2 10.0.2.15/24 10.0.2.16/24 "$mtu" || { echo "veth pair failed"; exit 1; }
sy_veth_pair c1 c2 10.0.2.15/24 10.0.2.16/24 "$mtu" || { echo "veth pair failed"; exit 1; }
for ns in c1 c2; do
  ip -n "$(sy_ns $ns)" link set eth0 gso_max_segs 1 gso_max_size $((mtu + 14)) || { echo "cannot turn GSO off in $ns"; exit 1; }
done
for ns in a1 a2 b1 b2 c1 c2; do
  sy_in $ns sysctl -qw net.ipv4.tcp_congestion_control=reno || { echo "cannot set reno in $ns"; exit 1; }
done
for side in a b c; do
  sy_ping ${side}1 10.0.2.16 3 >/dev/null || { echo "setup $side: ${side}1 cannot ping ${side}2"; exit 1; }
  sy_bg ${side}2 iperf3 -s -p 5201 -B 10.0.2.16
  sy_wait_listen ${side}2 5201 || { echo "iperf3 server in ${side}2 did not start"; exit 1; }
done

results="$SY_TMP/results.tsv"  # setup test round value extra
: >"$results"

setup_name() { case $1 in a) echo switchyard ;; b) echo veth ;; c) echo veth-1500 ;; esac; }

run_one() {  # run_one SETUP(a|b|c) TEST(tcp|udp) ROUND
  local side=$1 test=$2 round=$3 json="$SY_TMP/$1-$2-$3.json" value extra sent
  local args=(-c 10.0.2.16 -p 5201 -t "$secs" -J)
  [ "$test" = udp ] && args+=(-u -l 64 -b 0)
  if ! timeout $((secs + 25)) ip netns exec "$(sy_ns ${side}1)" iperf3 "${args[@]}" >"$json" 2>&1; then
    echo "  round $round $test $side: iperf3 failed: $(sy_json "$json" "j.get('error')" 2>/dev/null || head -c 200 "$json")"
    return 0
  fi
  if [ "$test" = tcp ]; then
    value=$(sy_json "$json" "round(j['end']['sum_received']['bits_per_second'] / 1e6, 1)")
    extra=$(sy_json "$json" "j['end']['sum_sent'].get('retransmits', 0)")
  else
    value=$(sy_json "$json" "round(j['end']['sum_received']['bytes'] / 64 / j['end']['sum_received']['seconds'])")
    extra=$(sy_json "$json" "round(j['end']['sum_received'].get('lost_percent', 0), 1)")
    sent=$(sy_json "$json" "round(j['end']['sum_sent']['packets'] / j['end']['sum_sent']['seconds'])")
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$side" "$test" "$round" "$value" "$extra" >>"$results"
  printf '  round %s %-4s %-10s %12s %s\n' "$round" "$test" "$(setup_name "$side")" \
    "$value$([ "$test" = tcp ] && echo ' Mbit/s' || echo ' pkt/s')" \
    "$([ "$test" = tcp ] && echo "(retransmits $extra)" || echo "(sent $sent pkt/s, loss $extra%)")"
}

echo "== $rounds rounds, ${secs}s each, MTU $mtu, $(nproc) cores, kernel $(uname -r)"
for round in $(seq 1 "$rounds"); do
  case $((round % 3)) in 1) order="a b c" ;; 2) order="b c a" ;; 0) order="c a b" ;; esac
  for test in tcp udp; do
    for side in $order; do run_one "$side" "$test" "$round"; done
  done
done

# The relays' own counters (ring drops mean the relay, not the server, was the limit).
kill -TERM "$relay_a1" "$relay_a2" 2>/dev/null
sleep 1.2
relay_stats=$(grep -h 'tap_in=' "$SY_TMP/relay-a1.err" "$SY_TMP/relay-a2.err" 2>/dev/null | sed 's/^sy-tap-relay: /  /')

echo
echo "== medians over $rounds rounds"
python3 - "$results" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
def med(side, test, col=3):
    v = [float(r[col]) for r in rows if r[0] == side and r[1] == test]
    return statistics.median(v) if v else float("nan")
print(f"{'test':<28}{'switchyard':>12}{'veth':>12}{'veth-1500':>12}{'sy/veth':>9}{'sy/v-1500':>10}")
for test, name, unit in (("tcp", "TCP VM1->VM2", "Mbit/s"), ("udp", "UDP 64 B VM1->VM2", "pkt/s")):
    a, b, c = med("a", test), med("b", test), med("c", test)
    rb = a / b if b else float("nan")
    rc = a / c if c else float("nan")
    print(f"{name + ' (' + unit + ')':<28}{a:>12,.1f}{b:>12,.1f}{c:>12,.1f}{rb:>9.3f}{rc:>10.3f}")
print(f"{'TCP retransmits (median)':<28}" + "".join(f"{med(s,'tcp',4):>12,.0f}" for s in "abc"))
print(f"{'UDP loss % (median)':<28}" + "".join(f"{med(s,'udp',4):>12,.1f}" for s in "abc"))
EOF
echo "relay counters:"
echo "$relay_stats"

if [ -x "$bin/switch_bench" ]; then
  echo
  echo "== switch_bench (the switch alone, frames/s)"
  timeout 120 "$bin/switch_bench" --benchmark_min_time=0.5 --benchmark_format=json \
    --benchmark_out_format=json --benchmark_out="$SY_TMP/switch_bench.json" >/dev/null 2>&1
  python3 - "$SY_TMP/switch_bench.json" <<'EOF'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"  switch_bench failed: {e}"); sys.exit(0)
for b in j["benchmarks"]:
    print(f"  {b['name']:<24}{b['items_per_second'] / 1e6:>8.2f} M frames/s")
EOF
else
  echo "(switch_bench not built: install libbenchmark-dev and build target switch_bench)"
fi
