#!/usr/bin/env bash
# tests/e2e/egress_test.sh - internet egress under policy, end to end: real VMs, a real server, a fake internet.
#
# Topology (egress_lib.sh): switchyard and the TAP relays run in netns gw,
# whose only way out is a veth to netns inet, the "internet" (HTTP, iperf3,
# UDP echo, DoH on TEST-NET addresses). Canary listeners on gw's loopback,
# private, link-local, CGNAT and metadata addresses (and inet's TCP 25) must
# never see a connection. VMs (namespaces, DHCP from Switchyard):
#   open1    network "open"   egress = "internet"
#   closed1  network "closed" egress = "off"
#   allow1   network "allow"  egress = "allowlist": 198.51.100.10 tcp 80, domain allowed.test
# Checks, each on its own:
#   topology   the internet works from gw without Switchyard (curl, iperf3,
#              UDP echo, dig over DoH, ping), canaries listen, nothing routes
#              beyond inet
#   open       curl a 64 MiB file by address and by a DoH-resolved name
#              (sha256), iperf3 both ways, UDP echo, dig A / AAAA / NXDOMAIN,
#              ping out, no ping to a private address, a closed port refused
#              at once
#   closed     connection refused at once, DNS REFUSED, no ping, no UDP
#   allow      the allowed address and port work, others are refused, a
#              domain rule admits its name's address, other names REFUSED
#   ssrf       tests/tools/ssrf_probe.py: hand-built SYN/UDP/ICMP frames to
#              reserved and impossible destinations; names that resolve to
#              127.0.0.1 / 169.254.169.254 / 10.99.0.1 do not connect
#   DoH outage a cached name still resolves, an uncached one is SERVFAIL in < 5 s
#   canaries   silent at the end
# Usage: egress_test.sh BIN_DIR. Exit 0 all pass, 1 any failure, 77 not root
# or a program missing. EGRESS_TOPOLOGY_ONLY=1: only the topology checks
# (no server). EG_DOH_SERVER / EG_MAKE_CA: other DoH server / CA scripts.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=dhcp_dns_lib.sh
source "$here/dhcp_dns_lib.sh"
# shellcheck source=egress_lib.sh
source "$here/egress_lib.sh"

sy_require_root
sy_init "${1:?usage: egress_test.sh BIN_DIR}"
eg_init
started=$SECONDS

MAC_OPEN=02:53:59:00:e0:01
MAC_CLOSED=02:53:59:00:e0:02
MAC_ALLOW=02:53:59:00:e0:03

echo "== topology (no Switchyard yet)"
if ! eg_require_doh_tools; then
  sy_fail "the DoH test server and CA script are missing"; sy_summary; exit 1
fi
EG_ZONE="$SY_TMP/zone.txt"
eg_zone_add \
  "example.test A $EG_HTTP 300" \
  "files.example.test A $EG_HTTP 300" \
  "other.example.test A $EG_HTTP 300" \
  "uncached.example.test A $EG_HTTP 300" \
  "allowed.test A $EG_HTTP2 300" \
  "rebind.example.test A 127.0.0.1 300" \
  "rebind-meta.example.test A 169.254.169.254 300" \
  "rebind-private.example.test A 10.99.0.1 300"
if eg_topology && eg_gw_canaries && eg_inet_services; then
  sy_pass "namespaces gw and inet, veth, internet services and canaries are up"
else
  sy_fail "could not build the topology"; sy_summary; exit 1
fi
eg_check_topology
if [ "${EGRESS_TOPOLOGY_ONLY:-0}" = 1 ]; then
  echo "== done (topology only) in $((SECONDS - started)) s"
  sy_summary; exit $?
fi

echo "== server in gw"
{
  cat <<EOF
[server]
listen = "127.0.0.1:0"

EOF
  eg_resolver_toml
  cat <<EOF

[[network]]
name = "open"
subnet = "10.0.2.0/24"
gateway = "10.0.2.2"
mtu = 1500
egress = "internet"
egress_tcp_per_vm = 8

[[network]]
name = "closed"
subnet = "10.0.3.0/24"
gateway = "10.0.3.2"
mtu = 1500
egress = "off"

[[network]]
name = "allow"
subnet = "10.0.4.0/24"
gateway = "10.0.4.2"
mtu = 1500
egress = "allowlist"

[[network.rule]]
action = "allow"
cidr = "$EG_HTTP/32"
protocol = "tcp"
ports = "80"

[[network.rule]]
action = "allow"
domain = "allowed.test"
EOF
} >"$SY_TMP/switchyard.toml"
if sy_start_server "$SY_TMP/switchyard.toml" --state-dir "$SY_TMP/state" --log-level debug; then
  sy_pass "switchyard starts in gw with networks open, closed, allow and a DoH resolver"
else
  sy_fail "switchyard does not start with the egress configuration"; sy_summary; exit 1
fi

vms_ok=1
eg_vm open1 open $MAC_OPEN || vms_ok=0
eg_vm closed1 closed $MAC_CLOSED || vms_ok=0
eg_vm allow1 allow $MAC_ALLOW || vms_ok=0
if [ $vms_ok = 1 ]; then
  sy_pass "three VMs (relays in gw) got DHCP leases: open1 ${EG_VM_IP[open1]}, closed1 ${EG_VM_IP[closed1]}, allow1 ${EG_VM_IP[allow1]}"
else
  sy_fail "could not bring the VMs up"; sy_summary; exit 1
fi
sy_check "open1's default route and DNS server are its gateway ${EG_VM_GW[open1]}" \
  sh -c "ip -n $(sy_ns open1) route show default | grep -q 'via ${EG_VM_GW[open1]}' && grep -q 'nameserver ${EG_VM_GW[open1]}' /etc/netns/$(sy_ns open1)/resolv.conf"
for vm in open1 closed1 allow1; do
  sy_check "$vm pings its gateway" sy_ping $vm "${EG_VM_GW[$vm]}" 2
done

echo "== open (egress internet)"
sy_check "open: the big file from http://$EG_HTTP/big.bin, sha256 matches" \
  eg_in_curl_sha open1 "http://$EG_HTTP/big.bin"
sy_check "open: dig example.test through the gateway -> $EG_HTTP (DoH zone)" eg_dig_is open1 "$EG_HTTP" example.test A
sy_check "open: the big file from http://files.example.test/big.bin (name via the gateway's DNS), sha256 matches" \
  eg_in_curl_sha open1 "http://files.example.test/big.bin"
sy_check "open: iperf3 -t 3 VM -> $EG_IPERF" eg_iperf open1 -t 3
sy_check "open: iperf3 -t 3 -R $EG_IPERF -> VM" eg_iperf open1 -t 3 -R
sy_check "open: UDP echo round trip with $EG_UDP_ECHO:$EG_UDP_ECHO_PORT" eg_udp_echo open1 "$EG_UDP_ECHO" "$EG_UDP_ECHO_PORT"
sy_check "open: a second UDP round trip (the NAT flow is reused)" eg_udp_echo open1 "$EG_UDP_ECHO" "$EG_UDP_ECHO_PORT"
EG_DIG_ANSWERS=0 sy_check "open: dig AAAA example.test -> NOERROR, no answers, in < 2 s" \
  eg_dig_status open1 NOERROR 2 example.test AAAA
sy_check "open: a name the zone lacks (nope.example.test) -> NXDOMAIN" eg_dig_status open1 NXDOMAIN 5 nope.example.test A
sy_check "open: ping -c1 $EG_HTTP" timeout 10 ip netns exec "$(sy_ns open1)" ping -n -c 1 -W 3 "$EG_HTTP"
sy_check_fails "open: ping 10.99.0.1 (private, gw's lo) fails" \
  timeout 10 ip netns exec "$(sy_ns open1)" ping -n -c 2 -i 0.3 -W 2 10.99.0.1
sy_check "open: a closed port ($EG_HTTP:81): curl says 'Connection refused' in < 1 s" \
  eg_curl_refused open1 "http://$EG_HTTP:81/"
sy_check "open: TCP connect to $EG_SINK:$EG_SINK_PORT" eg_connect open1 "$EG_SINK" "$EG_SINK_PORT"
# Quota: egress_tcp_per_vm = 8. Eight idle connections to the HTTP server are
# held open; a ninth is refused at once (RST); once they close, connecting works.
quota_py='
import socket, sys, time
host = sys.argv[1]
held = [socket.create_connection((host, 80), timeout=5) for _ in range(8)]
extra = socket.socket(); extra.settimeout(5)
t = time.monotonic()
try:
    extra.connect((host, 80)); print("ninth connected: quota not enforced"); sys.exit(1)
except ConnectionRefusedError:
    print(f"ninth refused in {time.monotonic() - t:.3f} s")
for s in held: s.close()
time.sleep(1)
socket.create_connection((host, 80), timeout=5).close()
print("after closing, a new connection works")
'
sy_check "open: the per-VM TCP quota (8) refuses the ninth connection at once and frees on close" \
  timeout 30 ip netns exec "$(sy_ns open1)" python3 -c "$quota_py" "$EG_HTTP"

echo "== closed (egress off)"
sy_check "closed: curl http://$EG_HTTP/ is refused (RST) in < 1 s" eg_curl_refused closed1 "http://$EG_HTTP/index.html"
sy_check "closed: dig example.test -> REFUSED in < 2 s" eg_dig_status closed1 REFUSED 2 example.test A
sy_check_fails "closed: ping $EG_HTTP fails" timeout 10 ip netns exec "$(sy_ns closed1)" ping -n -c 2 -i 0.3 -W 2 "$EG_HTTP"
sy_check_fails "closed: no UDP echo from $EG_UDP_ECHO" eg_udp_echo closed1 "$EG_UDP_ECHO" "$EG_UDP_ECHO_PORT"

echo "== allow (allowlist: $EG_HTTP tcp 80, domain allowed.test)"
sy_check "allow: http://$EG_HTTP/index.html works" \
  sh -c "ip netns exec $(sy_ns allow1) curl -sS --connect-timeout 5 --max-time 10 http://$EG_HTTP/index.html | tee /dev/stderr | grep -q 'hello from the internet'"
sy_check "allow: $EG_IPERF:$EG_IPERF_PORT (not listed) is refused in < 1 s" eg_refused_within allow1 "$EG_IPERF" "$EG_IPERF_PORT" 1
sy_check "allow: $EG_HTTP2:80 by address, before anyone resolved allowed.test, is refused in < 1 s" \
  eg_refused_within allow1 "$EG_HTTP2" 80 1
sy_check_fails "allow: no UDP echo from $EG_UDP_ECHO (not listed)" eg_udp_echo allow1 "$EG_UDP_ECHO" "$EG_UDP_ECHO_PORT"
sy_check "allow: dig allowed.test -> $EG_HTTP2" eg_dig_is allow1 "$EG_HTTP2" allowed.test A
sy_check "allow: http://allowed.test/index.html connects (domain rule admits $EG_HTTP2)" \
  sh -c "ip netns exec $(sy_ns allow1) curl -sS --connect-timeout 5 --max-time 10 http://allowed.test/index.html | tee /dev/stderr | grep -q 'hello from the internet'"
sy_check "allow: dig other.example.test -> REFUSED" eg_dig_status allow1 REFUSED 2 other.example.test A
sy_check "allow: dig example.test -> REFUSED" eg_dig_status allow1 REFUSED 2 example.test A

echo "== ssrf (open1 sends frames its kernel never would)"
probe_out="$SY_TMP/ssrf_probe.out"
if timeout 60 ip netns exec "$(sy_ns open1)" python3 "$EG_SSRF_PROBE" --ifname eth0 --verbose --default-set \
  "tcp:127.0.0.1:$SY_PORT" "tcp:$EG_GW_OUT:80" "tcp:$EG_GW_OUT:8080" "udp:$EG_GW_OUT:8080" \
  >"$probe_out" 2>"$SY_TMP/ssrf_probe.err"; then
  sy_pass "ssrf_probe.py ran ($(wc -l <"$probe_out") probes)"
else
  sy_fail "ssrf_probe.py failed"; sed 's/^/    | /' "$SY_TMP/ssrf_probe.err" | tail -n 20
fi
# Broadcast, multicast, 0.0.0.0 and class E are not destinations at all: a
# silent drop is as good as a RST there. Everything else must be reset.
martian() { case $1 in 0.0.0.0 | 255.255.255.255 | 224.* | 240.*) return 0 ;; esac; return 1; }
probe_ok() {  # probe_ok KIND ADDR RESULT
  case $1 in
    tcp) if martian "$2"; then [[ $3 == rst || $3 == none || $3 == icmp-3/* ]]; else [ "$3" = rst ]; fi ;;
    udp | icmp) [[ $3 == none || $3 == icmp-3/* ]] ;;
    *) return 1 ;;
  esac
}
while read -r kind dest result; do
  addr=${dest%:*}
  case $kind in
    tcp) want=$(martian "$addr" && echo "rst or none" || echo rst) ;;
    *) want="none or ICMP unreachable" ;;
  esac
  what="ssrf: $kind to $dest -> $want (got $result)"
  [ "$addr" = "$EG_GW_OUT" ] && what="$what [gw's own address]"
  [ "$dest" = "127.0.0.1:$SY_PORT" ] && what="$what [the server's own listener]"
  if probe_ok "$kind" "$addr" "$result"; then sy_pass "$what"; else sy_fail "$what"; fi
done <"$probe_out"
grep '^#' "$SY_TMP/ssrf_probe.err" | grep -v 'rst from\|: none' | head -n 20 | sed 's/^/    /'
for name in rebind.example.test rebind-meta.example.test rebind-private.example.test; do
  sy_check "ssrf: curl http://$name/ (the zone points it at a reserved address) fails" \
    eg_curl_fails_within open1 6 "http://$name/"
  sy_check "ssrf: curl http://$name:8080/ fails" eg_curl_fails_within open1 6 "http://$name:8080/"
done
sy_check "ssrf: the canaries saw nothing" eg_canary_silent

echo "== DoH outage"
sy_check "the DoH server is stopped" eg_stop_doh
sy_check "outage: cached example.test still resolves -> $EG_HTTP" eg_dig_is open1 "$EG_HTTP" example.test A
sy_check "outage: uncached.example.test -> SERVFAIL in < 5 s" eg_dig_status open1 SERVFAIL 5 uncached.example.test A
sy_check "outage: LAN names still answer (gateway.open.lan)" eg_dig_is open1 10.0.2.2 gateway.open.lan A
sy_check "outage: connections by address still work (http://$EG_HTTP/index.html)" \
  timeout 20 ip netns exec "$(sy_ns open1)" curl -sS --connect-timeout 5 --max-time 10 -o /dev/null "http://$EG_HTTP/index.html"

echo "== end"
sy_check "the canaries stayed silent for the whole test" eg_canary_silent
sy_check "server still running at the end" sy_server_alive
echo "== done in $((SECONDS - started)) s"
sy_summary
