# tests/e2e/dhcp_dns_lib.sh - helpers for the DHCP/DNS end-to-end test and benchmarks, on top of lib.sh.
# shellcheck shell=bash disable=SC2016,SC2034
#
# Source lib.sh first, then this file, then call sy_init BIN_DIR and dd_init.
#
# What this adds to lib.sh:
#   * VMs without a static address (dd_vm, dd_vm_reconnect): DHCP configures them.
#   * Per-namespace resolv.conf. `ip netns exec NS` bind-mounts every file in
#     /etc/netns/NS/ over /etc, but only files that exist when it starts. So
#     dd_vm creates /etc/netns/NS/resolv.conf (empty) before anything runs in
#     the namespace: no process of ours ever sees (or could write) the host's
#     /etc/resolv.conf, and the DHCP scripts below write the namespace's file
#     by its /etc/netns path, truncating it in place (the bind mount follows
#     the inode: never replace the file). dd_cleanup removes these files.
#   * DHCP clients: busybox udhcpc (dd_udhcpc) and ISC dhclient (dd_dhclient),
#     each with a script of ours that applies address, MTU, default route and
#     resolv.conf inside the namespace and records what the server sent in
#     $SY_TMP/NAME.udhcpc.env / NAME.dhclient.env (read with dd_env).
#   * dd_start_server: like sy_start_server, but on a given port (0 = any) and
#     appending to server.log, so a server can be restarted on its old port.
# Everything stays inside our namespaces and loopback; every wait is bounded.

DD_ETC_DIRS=()  # /etc/netns/NS directories we created, removed at exit

# dd_init: installs dd_cleanup as the EXIT trap (it chains to sy_cleanup).
dd_init() {
  trap dd_cleanup EXIT
}

dd_cleanup() {
  local rc=$?
  local d
  for d in "${DD_ETC_DIRS[@]}"; do
    rm -f "$d/resolv.conf" 2>/dev/null
    rmdir "$d" 2>/dev/null
  done
  [ ${#DD_ETC_DIRS[@]} -gt 0 ] && rmdir /etc/netns 2>/dev/null  # only if empty: others may use it
  (exit "$rc")
  sy_cleanup
}

# dd_start_server CONFIG PORT [EXTRA FLAGS...]: starts switchyard on
# 127.0.0.1:PORT (0: any free port), log appended to $SY_TMP/server.log; sets
# SY_SERVER_PID and SY_PORT once a new "listening on" line appears (15 s max).
dd_start_server() {
  local config=$1 port=$2; shift 2
  local log="$SY_TMP/server.log"
  touch "$log"
  local seen; seen=$(grep -c 'listening on 127\.0\.0\.1:' "$log")
  "$SY_BIN/switchyard" --config "$config" --listen "127.0.0.1:$port" "$@" >>"$log" 2>&1 &
  SY_SERVER_PID=$!
  local i found=""
  for i in $(seq 1 150); do
    if [ "$(grep -c 'listening on 127\.0\.0\.1:' "$log")" -gt "$seen" ]; then
      found=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$log" | tail -n 1 | sed 's/.*://')
      break
    fi
    if ! kill -0 "$SY_SERVER_PID" 2>/dev/null; then
      echo "server exited at startup:"; tail -n 20 "$log" | sed 's/^/    | /'
      SY_SERVER_PID=""
      return 1
    fi
    sleep 0.1
  done
  [ -n "$found" ] && [ "$found" != 0 ] || { echo "no 'listening on' line within 15 s"; return 1; }
  SY_PORT=$found
  sy_log "switchyard pid $SY_SERVER_PID on 127.0.0.1:$SY_PORT"
}

# dd_kill9_server: SIGKILL, then reap (bounded: the process cannot ignore it).
dd_kill9_server() {
  [ -n "$SY_SERVER_PID" ] || return 1
  kill -KILL "$SY_SERVER_PID" 2>/dev/null
  wait "$SY_SERVER_PID" 2>/dev/null
  SY_SERVER_PID=""
}

# dd_netns_etc NS: the namespace's own (empty) resolv.conf, see above.
dd_netns_etc() {
  local d="/etc/netns/$1"
  mkdir -p "$d" || return 1
  DD_ETC_DIRS+=("$d")
  : >"$d/resolv.conf"
}

# dd_vm NAME NETWORK MAC: a VM namespace whose eth0 (a relayed TAP with MAC)
# is up with no address; DHCP will configure it.
dd_vm() {
  local name=$1 network=$2 mac=$3
  local ns; ns=$(sy_ns "$name")
  sy_add_ns "$name" || return 1
  dd_netns_etc "$ns" || return 1
  dd_relay_up "$name" "$network" "$mac"
}

# dd_relay_up NAME NETWORK MAC: (re)starts NAME's relay; eth0 up, no address.
dd_relay_up() {
  local name=$1 network=$2 mac=$3
  local ns; ns=$(sy_ns "$name")
  if ! sy_relay "$name" "ws://127.0.0.1:$SY_PORT/net/$network" --netns "$ns" --ifname eth0 --mac "$mac"; then
    echo "relay for $name did not get ready:" >&2
    sed 's/^/    | /' "$SY_TMP/relay-$name.err" >&2
    return 1
  fi
  SY_VM_RELAY[$name]=$SY_RELAY_PID
  ip -n "$ns" link set eth0 up
}

# dd_vm_reconnect NAME NETWORK MAC: the old relay goes (waited for, 5 s max:
# after a server crash it exits by itself), a new one brings up a fresh eth0
# with the same MAC (no address: the VM has to ask DHCP again, as v86 does).
dd_vm_reconnect() {
  local name=$1 network=$2 mac=$3
  local old=${SY_VM_RELAY[$name]:-} i
  if [ -n "$old" ]; then
    kill -TERM "$old" 2>/dev/null
    for i in $(seq 1 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$old" 2>/dev/null
    wait "$old" 2>/dev/null
  fi
  # The TAP goes with its relay; wait until the old eth0 is gone.
  sy_wait_for 5 "old eth0 of $name gone" sh -c "! ip -n '$(sy_ns "$name")' link show eth0" || return 1
  dd_relay_up "$name" "$network" "$mac"
}

# The udhcpc script: events deconfig | bound | renew | leasefail | nak.
# @ENV@, @RESOLV@ are filled in per VM.
DD_UDHCPC_SCRIPT='#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
envfile=@ENV@
resolv=@RESOLV@
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
  bound|renew)
    env | sort >"$envfile.tmp" && mv "$envfile.tmp" "$envfile"
    echo "event=$1" >>"$envfile"
    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
    if ! ip -4 addr show dev "$interface" | grep -q "inet $ip/"; then
      ip -4 addr flush dev "$interface"
      ip addr add "$ip/${mask:-24}" broadcast "${broadcast:-+}" dev "$interface"
    fi
    for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
    {
      [ -n "$domain" ] && echo "search $domain"
      for d in $dns; do echo "nameserver $d"; done
    } >"$resolv"   # truncates in place: the bind mount follows the inode
    ;;
esac
exit 0
'

# ISC dhclient calls its script with $reason; the variables are new_*.
DD_DHCLIENT_SCRIPT='#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
envfile=@ENV@
resolv=@RESOLV@
mask_bits() {  # dotted mask -> prefix length
  n=0
  for o in $(echo "$1" | tr . " "); do
    case $o in 255) n=$((n+8));; 254) n=$((n+7));; 252) n=$((n+6));; 248) n=$((n+5));;
      240) n=$((n+4));; 224) n=$((n+3));; 192) n=$((n+2));; 128) n=$((n+1));; esac
  done
  echo $n
}
case "$reason" in
  PREINIT)
    ip link set dev "$interface" up
    ;;
  BOUND|RENEW|REBIND|REBOOT)
    env | sort >"$envfile.tmp" && mv "$envfile.tmp" "$envfile"
    [ -n "$new_interface_mtu" ] && ip link set dev "$interface" mtu "$new_interface_mtu"
    if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
      ip -4 addr flush dev "$interface"
    fi
    ip addr replace "$new_ip_address/$(mask_bits "$new_subnet_mask")" broadcast "${new_broadcast_address:-+}" dev "$interface"
    for r in $new_routers; do ip route replace default via "$r" dev "$interface"; break; done
    {
      [ -n "$new_domain_name" ] && echo "search $new_domain_name"
      for d in $new_domain_name_servers; do echo "nameserver $d"; done
    } >"$resolv"
    ;;
  EXPIRE|FAIL|RELEASE)
    ip -4 addr flush dev "$interface"
    : >"$resolv"
    echo "reason=$reason" >>"$envfile.events"
    ;;
  STOP|TIMEOUT|MEDIUM|*)
    ;;
esac
exit 0
'

# dd_write_script TEMPLATE NAME KIND: writes $SY_TMP/NAME.KIND.sh, prints its path.
dd_write_script() {
  local template=$1 name=$2 kind=$3
  local path="$SY_TMP/$name.$kind.sh"
  local resolv; resolv="/etc/netns/$(sy_ns "$name")/resolv.conf"
  printf '%s' "$template" | sed -e "s|@ENV@|$SY_TMP/$name.$kind.env|" -e "s|@RESOLV@|$resolv|" >"$path"
  chmod 755 "$path"
  printf '%s' "$path"
}

# dd_udhcpc NAME [UDHCPC ARGS...]: one busybox udhcpc run in NAME (obtain a
# lease, apply it, exit: -n -q; 3 DISCOVERs 1 s apart unless ARGS override).
# Exit 0 = lease bound. Output in $SY_TMP/NAME.udhcpc.log (appended).
dd_udhcpc() {
  local name=$1; shift
  local script; script=$(dd_write_script "$DD_UDHCPC_SCRIPT" "$name" udhcpc)
  rm -f "$SY_TMP/$name.udhcpc.env"
  timeout 30 ip netns exec "$(sy_ns "$name")" busybox udhcpc -i eth0 -n -q -t 3 -T 1 -s "$script" "$@" \
    >>"$SY_TMP/$name.udhcpc.log" 2>&1 && [ -s "$SY_TMP/$name.udhcpc.env" ]
}

# dd_udhcpc_bg NAME [UDHCPC ARGS...]: busybox udhcpc in the foreground of a
# background job, as a VM runs it: it stays, renews on SIGUSR1 (dd_udhcpc_renew)
# and, with -R, releases on SIGTERM (busybox 1.35 does not release with -q -R:
# its state is not BOUND when -q exits). Waits up to 10 s for a lease (0 =
# bound); the pid is DD_UDHCPC_PIDS[NAME], the log DD_UDHCPC_LOGS[NAME].
declare -A DD_UDHCPC_PIDS=() DD_UDHCPC_LOGS=()
dd_udhcpc_bg() {
  local name=$1; shift
  local script; script=$(dd_write_script "$DD_UDHCPC_SCRIPT" "$name" udhcpc)
  rm -f "$SY_TMP/$name.udhcpc.env"
  sy_bg "$name" busybox udhcpc -f -i eth0 -t 3 -T 1 -s "$script" "$@"
  DD_UDHCPC_PIDS[$name]=$SY_BG_PID
  DD_UDHCPC_LOGS[$name]=$SY_BG_LOG
  sy_wait_for 10 "udhcpc lease in $name" test -s "$SY_TMP/$name.udhcpc.env"
}

# dd_udhcpc_renew NAME: SIGUSR1 to NAME's background udhcpc (a RENEWING
# REQUEST, unicast from its address); 0 once its script saw the renewal (10 s).
dd_udhcpc_renew() {
  local name=$1 pid=${DD_UDHCPC_PIDS[$1]:-}
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || { echo "no udhcpc running in $name"; return 1; }
  rm -f "$SY_TMP/$name.udhcpc.env"
  kill -USR1 "$pid"
  sy_wait_for 10 "udhcpc renewal in $name" test -s "$SY_TMP/$name.udhcpc.env" || return 1
  grep -q '^event=renew$' "$SY_TMP/$name.udhcpc.env"
}

# dd_udhcpc_bg_stop NAME: SIGTERM to NAME's background udhcpc (with -R it
# sends DHCPRELEASE, then runs the deconfig script); 5 s, then SIGKILL.
dd_udhcpc_bg_stop() {
  local name=$1 pid=${DD_UDHCPC_PIDS[$1]:-} i
  [ -n "$pid" ] || return 1
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  DD_UDHCPC_PIDS[$name]=""
  return 0
}

# dd_dhclient NAME HOSTNAME [DHCLIENT ARGS...]: ISC dhclient in NAME, once
# (-1: exit 2 without a lease in 20 s). On success dhclient leaves a daemon
# behind (pid in $SY_TMP/NAME.dhclient.pid): stop it with dd_dhclient_stop.
# Lease file $SY_TMP/NAME.dhclient.leases (kept across runs: INIT-REBOOT).
dd_dhclient() {
  local name=$1 host=$2; shift 2
  local script; script=$(dd_write_script "$DD_DHCLIENT_SCRIPT" "$name" dhclient)
  cat >"$SY_TMP/$name.dhclient.conf" <<EOF
send host-name "$host";
request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, host-name, interface-mtu;
timeout 20;
retry 5;
initial-interval 1;
reboot 5;
EOF
  rm -f "$SY_TMP/$name.dhclient.env"
  timeout 40 ip netns exec "$(sy_ns "$name")" dhclient -4 -1 -v -cf "$SY_TMP/$name.dhclient.conf" \
    -lf "$SY_TMP/$name.dhclient.leases" -pf "$SY_TMP/$name.dhclient.pid" -sf "$script" "$@" eth0 \
    >>"$SY_TMP/$name.dhclient.log" 2>&1 && [ -s "$SY_TMP/$name.dhclient.env" ]
}

# dd_dhclient_stop NAME: stops NAME's dhclient daemon without releasing (-x).
dd_dhclient_stop() {
  local name=$1
  timeout 20 ip netns exec "$(sy_ns "$name")" dhclient -4 -x -cf "$SY_TMP/$name.dhclient.conf" \
    -lf "$SY_TMP/$name.dhclient.leases" -pf "$SY_TMP/$name.dhclient.pid" -sf "$SY_TMP/$name.dhclient.sh" eth0 \
    >>"$SY_TMP/$name.dhclient.log" 2>&1
  local pid; pid=$(cat "$SY_TMP/$name.dhclient.pid" 2>/dev/null)
  # The daemon is not our child: poll (5 s), then make sure.
  if [ -n "$pid" ]; then
    sy_wait_for 5 "dhclient $pid gone" sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
  fi
  return 0
}

# dd_dhclient_release NAME: dhclient -r (sends DHCPRELEASE for the lease in
# NAME's lease file, stops any daemon).
dd_dhclient_release() {
  local name=$1
  timeout 20 ip netns exec "$(sy_ns "$name")" dhclient -4 -r -v -cf "$SY_TMP/$name.dhclient.conf" \
    -lf "$SY_TMP/$name.dhclient.leases" -pf "$SY_TMP/$name.dhclient.pid" -sf "$SY_TMP/$name.dhclient.sh" eth0 \
    >>"$SY_TMP/$name.dhclient.log" 2>&1
}

# dd_env NAME KIND VAR: a variable the DHCP script recorded (KIND udhcpc|dhclient).
dd_env() {
  sed -n "s/^$3=//p" "$SY_TMP/$1.$2.env" 2>/dev/null | head -n 1
}

# dd_ip_in_range IP FIRST LAST: 0 if FIRST <= IP <= LAST.
dd_ip_in_range() {
  python3 -c 'import ipaddress,sys; a=[ipaddress.IPv4Address(x) for x in sys.argv[1:]]; sys.exit(0 if a[1] <= a[0] <= a[2] else 1)' "$@" 2>/dev/null
}

# dd_dig NAME ARGS...: dig in NAME against the gateway (2 s, 2 tries).
dd_dig() {
  local name=$1; shift
  timeout 15 ip netns exec "$(sy_ns "$name")" dig @10.0.2.2 +time=2 +tries=2 "$@"
}

# dd_dig_is NAME EXPECTED ARGS...: `dig +short ARGS` prints exactly EXPECTED
# (lines joined with spaces).
dd_dig_is() {
  local name=$1 expected=$2; shift 2
  local got; got=$(dd_dig "$name" +short "$@" | tr '\n' ' ' | sed 's/ $//')
  echo "dig +short $*: '$got' (expected '$expected')"
  [ "$got" = "$expected" ]
}

# dd_dig_status NAME STATUS ARGS...: the reply's rcode is STATUS (and, with
# DD_DIG_FLAGS set, its flags include those words).
dd_dig_status() {
  local name=$1 status=$2; shift 2
  local out; out=$(dd_dig "$name" "$@")
  echo "$out"
  echo "$out" | grep -q "status: $status," || return 1
  local f
  for f in ${DD_DIG_FLAGS:-}; do
    echo "$out" | grep -E '^;; flags:' | grep -qw "$f" || { echo "flag $f missing"; return 1; }
  done
}
