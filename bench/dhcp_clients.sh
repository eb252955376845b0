#!/usr/bin/env bash
# bench/dhcp_clients.sh - how long 200 DHCP clients take to get leases: Switchyard against dnsmasq, same machine, same clients.
#
# A simulated client is one busybox udhcpc run (-n -q: DISCOVER, OFFER,
# REQUEST, ACK, exit) in a VM namespace after `ip link set eth0 address` gave
# that namespace a new MAC; it sends a hostname (so the server's DNS is
# updated too) and its script is a no-op (what we time is the server's
# answer, not the client configuring itself). Setups (names carry this run's
# "sy<pid>" prefix; everything is removed on exit):
#   switchyard: s01..s25, each a TAP relayed to /net/default (10.0.0.0/16,
#               gateway 10.0.0.2): a port per namespace. A port may hold
#               max_leases_per_port (here 16, the maximum) leases, so 8
#               clients per namespace and mode, 2 modes.
#   dnsmasq:    m01..m25, each one end of a veth pair whose other end is a port
#               of bridge br0 in namespace dm, where dnsmasq serves DHCP on
#               10.0.0.2 (--no-ping: Switchyard does not probe addresses).
# Modes, run in this order: switchyard seq, dnsmasq seq, switchyard par,
# dnsmasq par.
#   seq  200 clients one after the other (namespace 1..25, then again, 8 times)
#   par  the 25 namespaces at once, 8 clients each one after the other
# Prints total seconds, leases/s, per-client latency (median, p95) and how
# many leases the server holds afterwards (Switchyard: rows in switchyard.db;
# dnsmasq: lines in its lease file).
#
# Notes for reading the figures: every lease Switchyard grants is committed
# to SQLite (WAL, synchronous=FULL: an fsync) before the ACK leaves;
# dnsmasq rewrites its lease file without fsync. A client's run also pays
# `ip netns exec` and busybox start-up, identical on both sides.
#
# Usage: bench/dhcp_clients.sh [BIN_DIR]   (BIN_DIR default build/bin)
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/e2e/lib.sh
source "$here/../tests/e2e/lib.sh"
# shellcheck source=../tests/e2e/dhcp_dns_lib.sh
source "$here/../tests/e2e/dhcp_dns_lib.sh"

bin=${1:-$here/../build/bin}
[ "$(id -u)" = 0 ] || { echo "needs root (namespaces, /dev/net/tun)"; exit 2; }
for prog in busybox dnsmasq; do
  command -v $prog >/dev/null || { echo "needs $prog (apt-get install busybox dnsmasq-base)"; exit 2; }
done
sy_init "$bin"
dd_init

NS=25        # namespaces per setup
PER=8        # clients per namespace and mode
CLIENTS=$((NS * PER))

noop="$SY_TMP/noop.sh"
printf '#!/bin/sh\nexit 0\n' >"$noop"
chmod 755 "$noop"

cat >"$SY_TMP/switchyard.toml" <<'EOF'
[server]
listen = "127.0.0.1:0"

[[network]]
name = "default"
subnet = "10.0.0.0/16"
gateway = "10.0.0.2"
mtu = 1500
dhcp_range = ["10.0.1.0", "10.0.3.255"]
lease_time = 3600
max_leases_per_port = 16
max_macs_per_port = 32
EOF
mkdir -p "$SY_TMP/state"
dd_start_server "$SY_TMP/switchyard.toml" 0 --state-dir "$SY_TMP/state" --log-level info || exit 1

nsname() { printf '%s%02d' "$1" "$2"; }  # nsname s 7 -> s07

echo "setting up $NS + $NS client namespaces (load: $(cut -d' ' -f1-3 /proc/loadavg))"
for i in $(seq 1 $NS); do
  n=$(nsname s "$i")
  sy_add_ns "$n" || { echo "namespace $n failed"; exit 1; }
  dd_relay_up "$n" default "$(printf '02:5a:ff:00:00:%02x' "$i")" || { echo "relay $n failed"; exit 1; }
done
dm=$(sy_ns dm)
sy_add_ns dm || exit 1
ip -n "$dm" link add br0 type bridge && ip -n "$dm" addr add 10.0.0.2/16 dev br0 && ip -n "$dm" link set br0 up ||
  { echo "bridge failed"; exit 1; }
for i in $(seq 1 $NS); do
  n=$(nsname m "$i") ns=$(sy_ns "$(nsname m "$i")") port="$SY_TAG$(nsname b "$i")"
  sy_add_ns "$n" || exit 1
  ip link add "$ns" type veth peer name "$port" || { echo "veth $ns failed"; exit 1; }
  SY_LINKS+=("$ns" "$port")
  ip link set "$ns" netns "$ns" && ip -n "$ns" link set "$ns" name eth0 && ip -n "$ns" link set eth0 up &&
    ip link set "$port" netns "$dm" && ip -n "$dm" link set "$port" master br0 && ip -n "$dm" link set "$port" up ||
    { echo "veth $ns setup failed"; exit 1; }
done
sy_bg dm dnsmasq --no-daemon --port=0 --interface=br0 --bind-interfaces --no-resolv --no-hosts \
  --user=root --pid-file= --log-facility=- --quiet-dhcp --dhcp-authoritative --no-ping \
  --dhcp-range=10.0.1.0,10.0.3.255,255.255.0.0,1h --dhcp-leasefile="$SY_TMP/dnsmasq.leases" \
  --dhcp-option=option:router,10.0.0.2 --dhcp-option=option:dns-server,10.0.0.2 --domain=default.lan
dnsmasq_log=$SY_BG_LOG
sy_wait_for 10 "dnsmasq on :67" sh -c "ip netns exec '$dm' ss -Hlun 'sport = :67' | grep -q ." ||
  { echo "dnsmasq did not start:"; cat "$dnsmasq_log"; exit 1; }

# client NS MAC HOSTNAME OUT: one simulated client; appends "rc start end" to OUT.
client() {
  local ns=$1 mac=$2 host=$3 out=$4 t0 rc
  t0=$EPOCHREALTIME
  ip -n "$ns" link set eth0 address "$mac" &&
    timeout 15 ip netns exec "$ns" busybox udhcpc -i eth0 -n -q -t 3 -T 1 -s "$noop" -x "hostname:$host" >/dev/null 2>&1
  rc=$?
  echo "$rc $t0 $EPOCHREALTIME" >>"$out"
}

# worker PREFIX(s|m) I MACBYTE OUT: namespace I's PER clients, one after the other.
worker() {
  local prefix=$1 i=$2 mb=$3 out=$4 k
  for k in $(seq 1 $PER); do
    client "$(sy_ns "$(nsname "$prefix" "$i")")" "$(printf '02:%s:00:00:%02x:%02x' "$mb" "$i" "$k")" \
      "c$mb-$i-$k" "$out"
  done
}

# run_mode SETUP(switchyard|dnsmasq) MODE(seq|par): prints one result line.
run_mode() {
  local setup=$1 mode=$2 prefix mb out="$SY_TMP/$1-$2.runs" start end i k pids=()
  : >"$out"
  if [ "$setup" = switchyard ]; then prefix=s; else prefix=m; fi
  case $setup-$mode in switchyard-seq) mb=5a ;; switchyard-par) mb=5b ;; dnsmasq-seq) mb=6a ;; dnsmasq-par) mb=6b ;; esac
  start=$EPOCHREALTIME
  if [ "$mode" = seq ]; then
    for k in $(seq 1 $PER); do
      for i in $(seq 1 $NS); do
        client "$(sy_ns "$(nsname $prefix "$i")")" "$(printf '02:%s:00:00:%02x:%02x' "$mb" "$i" "$k")" "c$mb-$i-$k" "$out"
      done
    done
  else
    for i in $(seq 1 $NS); do
      worker $prefix "$i" "$mb" "$out.$i" &
      pids+=($!)
      SY_PIDS+=($!)
    done
    for i in "${pids[@]}"; do wait "$i"; done  # bounded: each client has a 15 s timeout
    cat "$out".* >"$out"
  fi
  end=$EPOCHREALTIME
  local held
  if [ "$setup" = switchyard ]; then
    held=$(python3 -c 'import sqlite3,sys; c=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro", uri=True); print(c.execute("select count(*) from leases where mac like ?", ("02:"+sys.argv[2]+":%",)).fetchone()[0])' \
      "$SY_TMP/state/switchyard.db" "$mb")
  else
    sleep 0.5  # dnsmasq writes its lease file after the ACK
    held=$(grep -c " 02:$mb:" "$SY_TMP/dnsmasq.leases")
  fi
  python3 - "$setup" "$mode" "$out" "$start" "$end" "$held" "$CLIENTS" <<'PY'
import statistics, sys
setup, mode, path, start, end, held, n = sys.argv[1:8]
runs = [l.split() for l in open(path) if l.strip()]
ok = [float(e) - float(s) for rc, s, e in runs if rc == "0"]
total = float(end) - float(start)
lat = sorted(ok)
p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else 0
print(f"{setup:<10} {mode:<4} {len(ok):>4}/{n} leases {total:7.2f} s {len(ok) / total:7.1f} leases/s"
      f"   latency median {statistics.median(lat) * 1000 if lat else 0:6.1f} ms p95 {p95 * 1000:6.1f} ms"
      f" max {lat[-1] * 1000 if lat else 0:6.1f} ms, {sum(1 for x in lat if x > 1):3d} over 1 s   held {held}")
PY
}

echo "$CLIENTS clients per run: $NS namespaces x $PER"
results="$SY_TMP/results.txt"
for m in seq par; do
  for s in switchyard dnsmasq; do
    run_mode $s $m | tee -a "$results"
  done
done
echo
echo "switchyard log: $(grep -c ' granted ' "$SY_TMP/server.log") leases granted in all"
sy_check "server still running" sy_server_alive >/dev/null
