#!/usr/bin/env bash
# tests/e2e/dhcp_dns_test.sh - DHCPv4 and DNS on a Switchyard LAN, end to end, with real clients.
#
# Topology (all names carry this run's "sy<pid>" prefix; every VM is a
# namespace whose eth0 is a TAP relayed to /net/default; none has a static
# address: DHCP configures them):
#   alice  busybox udhcpc, hostname alice
#   bob    ISC dhclient, hostname bob
#   carol  busybox udhcpc: release, and "another VM still gets a lease"
#   flood  busybox udhcpc with a new random MAC before each of 20 attempts
#   dave   (after the restart) a new client asking for alice's address and name
#   eve    a static VM (10.0.2.99, no DHCP) that tries a leased address
# Checks: a corrupt state file is set aside; the options both clients get
# (address in range, mask, router, DNS, domain, MTU, lease time, hostname);
# leases on disk; dig (UDP, TCP, EDNS, PTR, static records, NXDOMAIN,
# REFUSED); ping by name; a leased VM claiming another address is dropped;
# a released lease loses its name; a DISCOVER flood with random MACs holds one
# lease; kill -9 and restart on the same port and state dir keeps the leases
# and the names. Usage: dhcp_dns_test.sh BIN_DIR. Exit 0 all pass, 1 any
# failure, 77 not root or a client program missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=dhcp_dns_lib.sh
source "$here/dhcp_dns_lib.sh"

sy_require_root
for prog in busybox dhclient dig; do
  command -v "$prog" >/dev/null || { echo "SKIP: missing program $prog (apt-get install busybox isc-dhcp-client bind9-dnsutils)"; exit 77; }
done
busybox udhcpc --help >/dev/null 2>&1 || busybox 2>&1 | grep -qw udhcpc || { echo "SKIP: busybox has no udhcpc"; exit 77; }
sy_init "${1:?usage: dhcp_dns_test.sh BIN_DIR}"
dd_init
started=$SECONDS

MAC_ALICE=02:53:59:00:0d:01
MAC_BOB=02:53:59:00:0d:02
MAC_CAROL=02:53:59:00:0d:03
MAC_FLOOD=02:53:59:00:0d:04
MAC_DAVE=02:53:59:00:0d:05
MAC_EVE=02:53:59:00:0d:06
POOL_FIRST=10.0.2.15
POOL_LAST=10.0.2.254
SPOOF_IP=10.0.2.200

STATE="$SY_TMP/state"
mkdir -p "$STATE"
# max_macs_per_port is raised so the flood below meets DHCP's per-port lease
# limit, not the switch's MAC limit (which would hide it).
cat >"$SY_TMP/switchyard.toml" <<EOF
[server]
listen = "127.0.0.1:0"

[[network]]
name = "default"
subnet = "10.0.2.0/24"
gateway = "10.0.2.2"
mtu = 1480
max_macs_per_port = 32
dhcp_range = ["$POOL_FIRST", "$POOL_LAST"]
lease_time = 600
max_leases_per_port = 1

[[network.host]]
mac = "02:53:59:00:0d:99"
ip = "10.0.2.10"
name = "printer"

[[network.record]]
type = "A"
name = "db"
value = "10.0.2.50"

[[network.record]]
type = "CNAME"
name = "www"
value = "db"

[[network.record]]
type = "TXT"
name = "info"
value = "switchyard e2e"

[[network.record]]
type = "SRV"
name = "_http._tcp"
target = "db"
port = 8080
EOF

echo "== corrupt state file"
head -c 4096 /dev/urandom >"$SY_TMP/garbage.db"
cp "$SY_TMP/garbage.db" "$STATE/switchyard.db"
printf 'not a write-ahead log' >"$STATE/switchyard.db-wal"
if dd_start_server "$SY_TMP/switchyard.toml" 0 --state-dir "$STATE" --log-level debug; then
  sy_pass "server starts on a garbage switchyard.db"
else
  sy_fail "server does not start on a garbage switchyard.db"; sy_summary; exit 1
fi
set_aside() {  # the set-aside copy is the 4096 garbage bytes, unchanged
  ls -l "$STATE"
  local f
  for f in "$STATE"/switchyard.db.corrupt-*; do
    [[ $f =~ \.corrupt-[0-9]+$ ]] && cmp "$f" "$SY_TMP/garbage.db" && return 0
  done
  return 1
}
sy_check "the garbage file is set aside, unchanged (switchyard.db.corrupt-*)" set_aside
sy_check "the server says so in its log" grep -q 'not a usable database' "$SY_TMP/server.log"
sy_check "a fresh switchyard.db is a SQLite database with a leases table" \
  python3 -c 'import sqlite3,sys; c=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro", uri=True); print(c.execute("select count(*) from leases").fetchone())' "$STATE/switchyard.db"

echo "== VMs"
vms_ok=1
dd_vm alice default $MAC_ALICE || vms_ok=0
dd_vm bob default $MAC_BOB || vms_ok=0
dd_vm carol default $MAC_CAROL || vms_ok=0
if [ $vms_ok = 1 ]; then sy_pass "three VMs relayed without addresses (alice, bob, carol)"; else
  sy_fail "could not bring the VMs up"; sy_summary; exit 1
fi

echo "== busybox udhcpc (alice)"
# alice's udhcpc keeps running, as in a VM: it renews after the restart below.
if dd_udhcpc_bg alice -x hostname:alice; then
  sy_pass "udhcpc in alice got a lease"
else
  sy_fail "udhcpc in alice got no lease"; tail -n 20 "${DD_UDHCPC_LOGS[alice]}" | sed 's/^/    | /'
fi
ALICE_IP=$(dd_env alice udhcpc ip)
echo "alice: ip=$ALICE_IP router=$(dd_env alice udhcpc router) dns=$(dd_env alice udhcpc dns) domain=$(dd_env alice udhcpc domain) mtu=$(dd_env alice udhcpc mtu) lease=$(dd_env alice udhcpc lease) hostname=$(dd_env alice udhcpc hostname)"
sy_check "alice's address $ALICE_IP is in the pool" dd_ip_in_range "$ALICE_IP" $POOL_FIRST $POOL_LAST
sy_check "alice: subnet mask 255.255.255.0" test "$(dd_env alice udhcpc subnet)" = 255.255.255.0
sy_check "alice: router 10.0.2.2" test "$(dd_env alice udhcpc router)" = 10.0.2.2
sy_check "alice: DNS server 10.0.2.2" test "$(dd_env alice udhcpc dns)" = 10.0.2.2
sy_check "alice: domain default.lan" test "$(dd_env alice udhcpc domain)" = default.lan
sy_check "alice: MTU 1480 (option 26)" test "$(dd_env alice udhcpc mtu)" = 1480
sy_check "alice: lease time 600 s" test "$(dd_env alice udhcpc lease)" = 600
sy_check "alice: server id 10.0.2.2" test "$(dd_env alice udhcpc serverid)" = 10.0.2.2
sy_check "alice: hostname option echoes 'alice'" test "$(dd_env alice udhcpc hostname)" = alice
sy_check "alice's eth0 carries $ALICE_IP/24 and MTU 1480" \
  sh -c "ip -n $(sy_ns alice) -4 addr show dev eth0 | grep -q 'inet $ALICE_IP/24' && ip -n $(sy_ns alice) link show eth0 | grep -q 'mtu 1480'"
sy_check "alice's resolv.conf came from DHCP" \
  sh -c "ip netns exec $(sy_ns alice) cat /etc/resolv.conf | tr '\n' ' ' | grep -qx 'search default.lan nameserver 10.0.2.2 '"
sy_check "alice pings the gateway" sy_ping alice 10.0.2.2 2

echo "== ISC dhclient (bob)"
if dd_dhclient bob bob; then
  sy_pass "dhclient in bob got a lease"
else
  sy_fail "dhclient in bob got no lease"; tail -n 20 "$SY_TMP/bob.dhclient.log" | sed 's/^/    | /'
fi
dd_dhclient_stop bob
BOB_IP=$(dd_env bob dhclient new_ip_address)
echo "bob: ip=$BOB_IP router=$(dd_env bob dhclient new_routers) dns=$(dd_env bob dhclient new_domain_name_servers) domain=$(dd_env bob dhclient new_domain_name) mtu=$(dd_env bob dhclient new_interface_mtu) lease=$(dd_env bob dhclient new_dhcp_lease_time) hostname=$(dd_env bob dhclient new_host_name)"
sy_check "bob's address $BOB_IP is in the pool" dd_ip_in_range "$BOB_IP" $POOL_FIRST $POOL_LAST
sy_check "alice and bob got different addresses" test "$BOB_IP" != "$ALICE_IP"
sy_check "bob: subnet mask 255.255.255.0" test "$(dd_env bob dhclient new_subnet_mask)" = 255.255.255.0
sy_check "bob: router 10.0.2.2" test "$(dd_env bob dhclient new_routers)" = 10.0.2.2
sy_check "bob: DNS server 10.0.2.2" test "$(dd_env bob dhclient new_domain_name_servers)" = 10.0.2.2
sy_check "bob: domain default.lan" test "$(dd_env bob dhclient new_domain_name)" = default.lan
sy_check "bob: MTU 1480" test "$(dd_env bob dhclient new_interface_mtu)" = 1480
sy_check "bob: lease time 600 s, T1 300, T2 525" \
  test "$(dd_env bob dhclient new_dhcp_lease_time) $(dd_env bob dhclient new_dhcp_renewal_time) $(dd_env bob dhclient new_dhcp_rebinding_time)" = "600 300 525"
sy_check "bob: hostname option 'bob'" test "$(dd_env bob dhclient new_host_name)" = bob
sy_check "bob's eth0 carries $BOB_IP/24" sh -c "ip -n $(sy_ns bob) -4 addr show dev eth0 | grep -q 'inet $BOB_IP/24'"
sy_check "bob pings the gateway" sy_ping bob 10.0.2.2 2

echo "== leases on disk"
leases_on_disk() {  # prints "ip mac hostname" rows of the default network
  python3 -c '
import ipaddress, sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for a, m, h in c.execute("select address, mac, hostname from leases where network = ? order by address", ("default",)):
    print(ipaddress.IPv4Address(a), m, h)' "$STATE/switchyard.db"
}
on_disk() {  # on_disk "IP MAC NAME"...: each row is in switchyard.db
  local out row; out=$(leases_on_disk) || return 1
  echo "$out"
  for row in "$@"; do echo "$out" | grep -qix "$row" || return 1; done
}
sy_check "switchyard.db holds alice's and bob's leases" on_disk "$ALICE_IP $MAC_ALICE alice" "$BOB_IP $MAC_BOB bob"

echo "== DNS"
sy_check "bob resolves alice.default.lan -> $ALICE_IP (UDP)" dd_dig_is bob "$ALICE_IP" alice.default.lan A
sy_check "bob resolves alice.default.lan over TCP" dd_dig_is bob "$ALICE_IP" +tcp alice.default.lan A
sy_check "alice resolves bob.default.lan -> $BOB_IP" dd_dig_is alice "$BOB_IP" bob.default.lan A
sy_check "names are case-insensitive (BOB.Default.LAN)" dd_dig_is alice "$BOB_IP" BOB.Default.LAN A
edns() {  # edns yes|no DIG-ARGS...: NOERROR, aa, and an OPT record in the reply or not
  local want=$1; shift
  local out rc=0; out=$(DD_DIG_FLAGS=aa dd_dig_status bob NOERROR "$@") || rc=1
  echo "$out"
  [ $rc = 0 ] || return 1
  if [ "$want" = yes ]; then echo "$out" | grep -q 'OPT PSEUDOSECTION'; else ! echo "$out" | grep -q 'OPT PSEUDOSECTION'; fi
}
sy_check "authoritative answer (aa) with EDNS in the reply (+edns, bufsize 1232)" edns yes +edns=0 +bufsize=1232 alice.default.lan A
sy_check "no OPT in the reply to a query without EDNS (+noedns)" edns no +noedns alice.default.lan A
sy_check "EDNS over TCP" edns yes +tcp +edns=0 alice.default.lan A
sy_check "PTR: $ALICE_IP -> alice.default.lan." dd_dig_is bob alice.default.lan. -x "$ALICE_IP"
sy_check "PTR over TCP: $BOB_IP -> bob.default.lan." dd_dig_is alice bob.default.lan. +tcp -x "$BOB_IP"
sy_check "gateway.default.lan -> 10.0.2.2" dd_dig_is alice 10.0.2.2 gateway.default.lan A
sy_check "PTR: 10.0.2.2 -> gateway.default.lan." dd_dig_is alice gateway.default.lan. -x 10.0.2.2
sy_check "static A db.default.lan -> 10.0.2.50" dd_dig_is alice 10.0.2.50 db.default.lan A
sy_check "static CNAME www.default.lan -> db -> 10.0.2.50" dd_dig_is alice "db.default.lan. 10.0.2.50" www.default.lan A
sy_check "static TXT info.default.lan" dd_dig_is alice '"switchyard e2e"' info.default.lan TXT
sy_check "static SRV _http._tcp.default.lan" dd_dig_is alice "0 0 8080 db.default.lan." _http._tcp.default.lan SRV
sy_check "reservation name printer.default.lan -> 10.0.2.10" dd_dig_is alice 10.0.2.10 printer.default.lan A
nodata() { local out; out=$(dd_dig_status bob NOERROR "$@") || { echo "$out"; return 1; }; echo "$out"; echo "$out" | grep -q 'ANSWER: 0,'; }
sy_check "AAAA for alice: NOERROR, no data" nodata alice.default.lan AAAA
DD_DIG_FLAGS="aa" sy_check "nobody.default.lan: NXDOMAIN, authoritative" dd_dig_status alice NXDOMAIN nobody.default.lan A
sy_check "nobody.default.lan over TCP: NXDOMAIN" dd_dig_status alice NXDOMAIN +tcp nobody.default.lan A
sy_check "PTR of an unleased address 10.0.2.99: NXDOMAIN" dd_dig_status alice NXDOMAIN -x 10.0.2.99
sy_check "example.com: REFUSED" dd_dig_status alice REFUSED example.com A
sy_check "example.com over TCP: REFUSED" dd_dig_status alice REFUSED +tcp example.com A
sy_check "PTR outside the subnet (192.0.2.1): REFUSED" dd_dig_status alice REFUSED -x 192.0.2.1

echo "== ping by name"
sy_check "alice pings bob.default.lan (resolv.conf from DHCP)" \
  timeout 20 ip netns exec "$(sy_ns alice)" ping -c 2 -i 0.2 -W 2 bob.default.lan
sy_check "bob pings 'alice' (search domain from DHCP)" \
  timeout 20 ip netns exec "$(sy_ns bob)" ping -c 2 -i 0.2 -W 2 alice
sy_check "getent in alice resolves 'bob' to $BOB_IP" \
  sh -c "ip netns exec $(sy_ns alice) getent hosts bob | grep -q '^$BOB_IP '"

echo "== a leased VM claiming another address"
sy_check "alice pings bob from her leased address (positive control)" \
  timeout 20 ip netns exec "$(sy_ns alice)" ping -n -c 2 -i 0.2 -W 2 -I "$ALICE_IP" "$BOB_IP"
ip -n "$(sy_ns alice)" addr add "$SPOOF_IP/24" dev eth0
sy_check_fails "alice's ping from a second address $SPOOF_IP is dropped" \
  timeout 20 ip netns exec "$(sy_ns alice)" ping -n -c 3 -i 0.3 -W 2 -I "$SPOOF_IP" "$BOB_IP"
sy_check_fails "alice's ping from $SPOOF_IP to the gateway is dropped" \
  timeout 20 ip netns exec "$(sy_ns alice)" ping -n -c 2 -i 0.3 -W 2 -I "$SPOOF_IP" 10.0.2.2
sy_check_fails "bob never heard of $SPOOF_IP (no neighbour entry)" \
  sh -c "ip -n $(sy_ns bob) neigh show | tee /dev/stderr | grep -q '^$SPOOF_IP '"
ip -n "$(sy_ns alice)" addr del "$SPOOF_IP/24" dev eth0
sy_check "alice still pings bob from her leased address" \
  timeout 20 ip netns exec "$(sy_ns alice)" ping -n -c 2 -i 0.2 -W 2 -I "$ALICE_IP" "$BOB_IP"

echo "== a static VM beside the leases"
# eve has no lease: static addressing keeps working, but a leased address is
# not hers to claim.
if sy_vm eve default 10.0.2.99/24 $MAC_EVE; then
  sy_check "eve (static 10.0.2.99, no lease) pings the gateway" sy_ping eve 10.0.2.2 2
  sy_check "eve pings alice" sy_ping eve "$ALICE_IP" 2
  ip -n "$(sy_ns eve)" addr add "$BOB_IP/24" dev eth0
  sy_check_fails "eve's ping from bob's leased $BOB_IP is dropped" \
    timeout 20 ip netns exec "$(sy_ns eve)" ping -n -c 2 -i 0.3 -W 2 -I "$BOB_IP" 10.0.2.2
  ip -n "$(sy_ns eve)" addr del "$BOB_IP/24" dev eth0
  sy_check "bob still pings the gateway" sy_ping bob 10.0.2.2 2
  kill -TERM "${SY_VM_RELAY[eve]}" 2>/dev/null
else
  sy_fail "could not bring the static VM eve up"
fi

echo "== release (udhcpc -R, on SIGTERM)"
if dd_udhcpc_bg carol -R -x hostname:carol; then
  sy_pass "udhcpc (foreground, -R) in carol got a lease"
else
  sy_fail "udhcpc in carol got no lease"; tail -n 20 "${DD_UDHCPC_LOGS[carol]}" | sed 's/^/    | /'
fi
CAROL_IP=$(dd_env carol udhcpc ip)
sy_check "carol.default.lan -> $CAROL_IP" dd_dig_is alice "$CAROL_IP" carol.default.lan A
# busybox unicasts the RELEASE from its address and flushes that address right
# after: without the gateway's MAC in its ARP cache the kernel would drop the
# queued RELEASE with the address. A VM that used its network has it.
sy_check "carol pings the gateway" sy_ping carol 10.0.2.2 2
dd_udhcpc_bg_stop carol
sy_check "udhcpc in carol sent a release on SIGTERM" grep -q 'unicasting a release' "${DD_UDHCPC_LOGS[carol]}"
sy_check "the server logged the release of $CAROL_IP" \
  sy_wait_for 5 "release logged" grep -q "released $CAROL_IP of $MAC_CAROL" "$SY_TMP/server.log"
sy_check "carol.default.lan is NXDOMAIN after the release" dd_dig_status alice NXDOMAIN carol.default.lan A
sy_check "PTR of $CAROL_IP is NXDOMAIN after the release" dd_dig_status alice NXDOMAIN -x "$CAROL_IP"
not_on_disk() { local out; out=$(leases_on_disk) || return 1; echo "$out"; ! echo "$out" | grep -qi "$1"; }
sy_check "the released lease is gone from disk" not_on_disk "$MAC_CAROL"

echo "== DISCOVER flood with random MACs (max_leases_per_port = 1)"
if dd_vm flood default $MAC_FLOOD; then
  flood_ns=$(sy_ns flood)
  flood_leases=0 flood_tries=0 flood_ips=""
  flood_start=$SECONDS
  for i in $(seq 1 20); do
    mac=$(printf '02:66:%02x:%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)) "$i")
    ip -n "$flood_ns" link set eth0 address "$mac" || break
    flood_tries=$((flood_tries + 1))
    if dd_udhcpc flood -t 1 -T 1 -x "hostname:flood$i"; then
      flood_leases=$((flood_leases + 1))
      flood_ips="$flood_ips $(dd_env flood udhcpc ip)"
    fi
  done
  echo "flood: $flood_tries MACs tried in $((SECONDS - flood_start)) s, $flood_leases lease(s):$flood_ips"
  sy_check "the flooding port got exactly one lease from $flood_tries MACs ($flood_leases)" test "$flood_leases" = 1
  sy_check "the server refused the rest for the port limit (debug log)" \
    sh -c "n=\$(grep -c 'port lease limit' '$SY_TMP/server.log'); echo \"\$n port_limit lines\"; [ \"\$n\" -ge 10 ]"
else
  sy_fail "could not bring the flood VM up"
fi
if dd_udhcpc carol -x hostname:carol; then
  sy_pass "carol (another VM) still gets a lease after the flood"
else
  sy_fail "carol got no lease after the flood"; tail -n 20 "$SY_TMP/carol.udhcpc.log" | sed 's/^/    | /'
fi
CAROL_IP=$(dd_env carol udhcpc ip)
sy_check "carol.default.lan -> $CAROL_IP again" dd_dig_is alice "$CAROL_IP" carol.default.lan A

echo "== kill -9, restart on the same port and state dir"
old_port=$SY_PORT old_pid=$SY_SERVER_PID
dd_kill9_server
sy_check "server killed with SIGKILL" sh -c "! kill -0 $old_pid 2>/dev/null"
restarted=0
for i in 1 2 3 4 5; do  # the port was ours a moment ago; retry a few times if it is slow to free
  if dd_start_server "$SY_TMP/switchyard.toml" "$old_port" --state-dir "$STATE" --log-level debug; then restarted=1; break; fi
  sleep 1
done
if [ $restarted = 1 ]; then
  sy_pass "server restarted on port $old_port with the same state dir"
else
  sy_fail "server did not restart on port $old_port"; sy_summary; exit 1
fi
sy_check "the restarted server restored leases" grep -qE 'restored [0-9]+ lease' "$SY_TMP/server.log"
set_aside_count() { local f n=0; for f in "$STATE"/*.corrupt-*; do [[ $f =~ \.corrupt-[0-9]+$ ]] && n=$((n + 1)); done; echo "$n"; }
sy_check "the state file was not set aside again" test "$(set_aside_count)" = 1
vms_ok=1
dd_vm_reconnect alice default $MAC_ALICE || vms_ok=0
dd_vm_reconnect bob default $MAC_BOB || vms_ok=0
dd_vm dave default $MAC_DAVE || vms_ok=0
if [ $vms_ok = 1 ]; then sy_pass "alice and bob reconnected (new WebSockets, same MACs), dave joined"; else
  sy_fail "could not reconnect the VMs"; sy_summary; exit 1
fi
# dave asks for alice's address, and her name, before alice is back: both
# are hers (restored).
if dd_udhcpc dave -r "$ALICE_IP" -x hostname:alice; then
  sy_pass "udhcpc in dave got a lease after the restart"
else
  sy_fail "udhcpc in dave got no lease"; tail -n 20 "$SY_TMP/dave.udhcpc.log" | sed 's/^/    | /'
fi
DAVE_IP=$(dd_env dave udhcpc ip)
sy_check "dave asked for alice's $ALICE_IP and got another address ($DAVE_IP)" \
  sh -c "[ -n '$DAVE_IP' ] && [ '$DAVE_IP' != '$ALICE_IP' ] && [ '$DAVE_IP' != '$BOB_IP' ] && [ '$DAVE_IP' != '$CAROL_IP' ]"
sy_check "dave asked for the name 'alice' and was given 'alice-2'" test "$(dd_env dave udhcpc hostname)" = alice-2
sy_check "before alice renews, alice.default.lan -> $ALICE_IP (restored)" dd_dig_is dave "$ALICE_IP" alice.default.lan A
sy_check "before bob renews, bob.default.lan -> $BOB_IP (restored)" dd_dig_is dave "$BOB_IP" bob.default.lan A
sy_check "carol.default.lan -> $CAROL_IP (restored)" dd_dig_is dave "$CAROL_IP" carol.default.lan A
sy_check "restored PTR $ALICE_IP -> alice.default.lan." dd_dig_is dave alice.default.lan. -x "$ALICE_IP"
sy_check "alice-2.default.lan -> $DAVE_IP (dave)" dd_dig_is dave "$DAVE_IP" alice-2.default.lan A
# A v86 guest keeps its configuration across a reconnect; the new TAP does
# not, so put alice's address and route back, then let her udhcpc (still in
# BOUND state since before the crash) renew: a unicast REQUEST from ciaddr.
ip -n "$(sy_ns alice)" addr add "$ALICE_IP/24" dev eth0 && ip -n "$(sy_ns alice)" route add default via 10.0.2.2
sy_check "alice's udhcpc renews (SIGUSR1) after the restart" dd_udhcpc_renew alice
sy_check "alice kept $ALICE_IP on renewal" test "$(dd_env alice udhcpc ip)" = "$ALICE_IP"
sy_check "the server logged alice's renewal on her new port" \
  sy_wait_for 5 "renewal logged" sh -c "sed -n '/restored [0-9]* lease/,\$p' '$SY_TMP/server.log' | grep -q 'renewed $ALICE_IP to $MAC_ALICE as alice'"
if dd_dhclient bob bob; then
  sy_pass "dhclient in bob got a lease after the restart (INIT-REBOOT from its lease file)"
else
  sy_fail "dhclient in bob got no lease after the restart"; tail -n 20 "$SY_TMP/bob.dhclient.log" | sed 's/^/    | /'
fi
dd_dhclient_stop bob
sy_check "bob kept $BOB_IP" test "$(dd_env bob dhclient new_ip_address)" = "$BOB_IP"
sy_check "alice.default.lan still -> $ALICE_IP" dd_dig_is dave "$ALICE_IP" alice.default.lan A
sy_check "bob.default.lan still -> $BOB_IP" dd_dig_is dave "$BOB_IP" bob.default.lan A
sy_check "alice pings bob.default.lan after the restart" \
  timeout 20 ip netns exec "$(sy_ns alice)" ping -c 2 -i 0.2 -W 2 bob.default.lan
sy_check "bob pings 'alice-2' (dave) after the restart" \
  timeout 20 ip netns exec "$(sy_ns bob)" ping -c 2 -i 0.2 -W 2 alice-2
# The restored lease is tied to alice's new port again: the guard applies.
ip -n "$(sy_ns alice)" addr add "$SPOOF_IP/24" dev eth0
sy_check_fails "after the restart alice's ping from $SPOOF_IP is dropped again" \
  timeout 20 ip netns exec "$(sy_ns alice)" ping -n -c 2 -i 0.3 -W 2 -I "$SPOOF_IP" "$BOB_IP"
ip -n "$(sy_ns alice)" addr del "$SPOOF_IP/24" dev eth0

echo "== release (dhclient -r)"
sy_check "dhclient -r in bob" dd_dhclient_release bob
sy_check "the server logged the release of $BOB_IP" \
  sy_wait_for 5 "release logged" grep -q "released $BOB_IP of $MAC_BOB" "$SY_TMP/server.log"
sy_check "bob.default.lan is NXDOMAIN after dhclient -r" dd_dig_status alice NXDOMAIN bob.default.lan A
sy_check "'bob' no longer resolves in alice" \
  sh -c "! ip netns exec $(sy_ns alice) getent hosts bob"
sy_check "alice.default.lan still resolves" dd_dig_is dave "$ALICE_IP" alice.default.lan A

sy_check "server still running at the end" sy_server_alive
echo "== done in $((SECONDS - started)) s"
sy_summary
