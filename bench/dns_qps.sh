#!/usr/bin/env bash
# bench/dns_qps.sh - DNS queries/s: dnsperf against Switchyard and against dnsmasq serving the same 50 names, same machine, same rounds.
#
# Setups (all names carry this run's "sy<pid>" prefix; everything is removed on exit):
#   switchyard: q1 10.0.2.15 --TAP--sy-tap-relay--ws--> switchyard /net/default, DNS on the gateway 10.0.2.2
#   dnsmasq:    d1 10.0.2.15 <------------ veth pair ------------> d2 10.0.2.2, dnsmasq on 10.0.2.2:53
#   dnsmasq-lo: dnsperf inside d2 against the same dnsmasq on 127.0.0.1:53
#               (TESTING.md's reference setup, for calibration)
# Switchyard's DNS only listens on a network's gateway, inside the virtual LAN,
# so dnsperf runs in a VM namespace and its queries take the product's real
# path: kernel -> TAP -> sy-tap-relay -> WebSocket -> switchyard (switch,
# gateway, answer()) and back. dnsmasq gets the cheapest path there is (a veth
# pair). The ratio is therefore "Switchyard as a VM sees it" against "a native
# DNS server one veth away", not answer() against dnsmasq's lookup; the
# dns_dhcp_bench binary (if built) gives answer() alone.
#
# Both serve h01..h50.default.lan -> 10.0.2.101..150 (Switchyard: static A
# records; dnsmasq: --host-record). The query file holds those 50 A queries.
# Each round runs all three, interleaved, the order rotating; dnsperf -l SECS
# -c 4 (4 sockets, up to 100 queries outstanding). Prints every run, then the
# medians and the ratio.
#
# Usage: bench/dns_qps.sh [BIN_DIR [ROUNDS [SECS]]]
#   BIN_DIR  with switchyard, sy-tap-relay, sy-ws-probe (default: build/bin)
#   ROUNDS   default 3; SECS per dnsperf run, default 5
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/e2e/lib.sh
source "$here/../tests/e2e/lib.sh"

bin=${1:-$here/../build/bin}
rounds=${2:-3}
secs=${3:-5}
[ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] && [ "$secs" -ge 1 ] && [ "$secs" -le 60 ] ||
  { echo "ROUNDS must be 1..20 and SECS 1..60"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (namespaces, /dev/net/tun)"; exit 2; }
for prog in dnsperf dnsmasq dig; do
  command -v $prog >/dev/null || { echo "needs $prog (apt-get install dnsperf dnsmasq-base bind9-dnsutils)"; exit 2; }
done
sy_init "$bin"

names=50
queries="$SY_TMP/queries.txt"
records=""
hostrecords=()
for i in $(seq 1 $names); do
  n=$(printf 'h%02d' "$i")
  echo "$n.default.lan A" >>"$queries"
  records+=$'\n'"[[network.record]]"$'\n'"type = \"A\""$'\n'"name = \"$n\""$'\n'"value = \"10.0.2.$((100 + i))\""$'\n'
  hostrecords+=("--host-record=$n.default.lan,10.0.2.$((100 + i))")
done

cat >"$SY_TMP/switchyard.toml" <<EOF
[server]
listen = "127.0.0.1:0"

[[network]]
name = "default"
subnet = "10.0.2.0/24"
gateway = "10.0.2.2"
mtu = 1500
$records
EOF
sy_start_server "$SY_TMP/switchyard.toml" --log-level info || exit 1

sy_vm q1 default 10.0.2.15/24 02:53:59:00:00:d1 || { echo "switchyard VM q1 failed"; exit 1; }
sy_veth_pair d1 d2 10.0.2.15/24 10.0.2.2/24 1500 || { echo "veth pair failed"; exit 1; }
# dnsmasq runs as root here (--user=root): no privilege drop, no files outside $SY_TMP.
sy_bg d2 dnsmasq --no-daemon --port=53 --listen-address=10.0.2.2,127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
  --user=root --pid-file= --log-facility=- "${hostrecords[@]}"
dnsmasq_log=$SY_BG_LOG
sy_wait_for 10 "dnsmasq on 10.0.2.2:53" sh -c "ip netns exec '$(sy_ns d2)' ss -Hlun 'sport = :53' | grep -q 10.0.2.2" ||
  { echo "dnsmasq did not start:"; cat "$dnsmasq_log"; exit 1; }

# Both must give the same answers before we time them.
for side in q1 d1; do
  got=$(timeout 10 ip netns exec "$(sy_ns $side)" dig @10.0.2.2 +short +time=2 +tries=2 h17.default.lan A)
  [ "$got" = 10.0.2.117 ] || { echo "setup $side: h17.default.lan -> '$got', expected 10.0.2.117"; exit 1; }
done

results="$SY_TMP/results.tsv"  # setup round qps lost
: >"$results"

run_one() {  # run_one SETUP(q1|d1|lo) ROUND
  local side=$1 round=$2 out="$SY_TMP/dnsperf-$1-$2.txt" name qps lost ns server=10.0.2.2
  case $side in
    q1) name=switchyard ns=q1 ;;
    d1) name=dnsmasq ns=d1 ;;
    lo) name=dnsmasq-lo ns=d2 server=127.0.0.1 ;;
  esac
  if ! timeout $((secs + 30)) ip netns exec "$(sy_ns "$ns")" dnsperf -s "$server" -d "$queries" -l "$secs" -c 4 >"$out" 2>&1; then
    echo "  round $round $name: dnsperf failed: $(tail -n 3 "$out" | tr '\n' ' ')"
    return 0
  fi
  qps=$(awk '/Queries per second:/ {print $4}' "$out")
  lost=$(awk '/Queries lost:/ {print $3, $4}' "$out")
  printf '%s\t%s\t%s\t%s\n' "$name" "$round" "$qps" "$lost" >>"$results"
  printf '  round %d %-10s %12.0f qps   lost %s\n' "$round" "$name" "$qps" "$lost"
}

echo "dnsperf -l $secs -c 4, $names names, $rounds rounds (load: $(cut -d' ' -f1-3 /proc/loadavg))"
for round in $(seq 1 "$rounds"); do
  case $((round % 3)) in 1) order="q1 d1 lo" ;; 2) order="d1 lo q1" ;; 0) order="lo q1 d1" ;; esac
  for side in $order; do run_one "$side" "$round"; done
done

median() {  # median NAME: median qps of NAME's runs
  awk -F'\t' -v n="$1" '$1 == n {print $3}' "$results" | sort -g |
    awk '{v[NR] = $1} END {if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
sy_med=$(median switchyard)
dm_med=$(median dnsmasq)
echo
printf '%-28s %12s\n' "median qps" ""
lo_med=$(median dnsmasq-lo)
printf '%-28s %12.0f\n' "switchyard (VM, relay path)" "$sy_med" "dnsmasq (veth)" "$dm_med" "dnsmasq-lo (loopback)" "$lo_med"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.3f", a / b; else printf "n/a"}'; }
printf '%-28s %12s\n' "ratio switchyard/dnsmasq" "$(ratio "$sy_med" "$dm_med")" "ratio switchyard/dnsmasq-lo" "$(ratio "$sy_med" "$lo_med")"

# The server's own counters: queries it saw, frames it dropped.
kill -TERM "${SY_VM_RELAY[q1]}" 2>/dev/null
sleep 0.5
grep -E 'disconnected' "$SY_TMP/server.log" | tail -n 1 | sed 's/^.*disconnected/server: q1 disconnected/'

if [ -x "$SY_BIN/dns_dhcp_bench" ]; then
  echo
  echo "dns_dhcp_bench (answer() alone):"
  "$SY_BIN/dns_dhcp_bench" --benchmark_filter='dns_answer' 2>&1 | grep -E '^(dns_answer|Benchmark|---)'
fi
