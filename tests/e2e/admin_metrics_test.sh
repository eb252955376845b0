#!/usr/bin/env bash
# tests/e2e/admin_metrics_test.sh - GET /metrics on the admin listener, end to end:
# known traffic from a real Linux VM moves the counters by exactly what it sent.
#
# Topology (names carry this run's "sy<pid>" prefix):
#   netns gw   switchyard (public and admin listeners on 127.0.0.1), the relay,
#              and a DoH server on 127.0.0.1 (tests/tools/doh_server.py, a CA
#              made per run). gw has only lo: nothing can leave it.
#   netns vm1  eth0 = TAP relayed to /net/lab; busybox udhcpc, ping, dig, curl.
# Network lab: egress allowlist with one domain rule (so the name
# www.example.test is forwarded to the DoH server), everything else refused.
# Network idle: no VM, its counters must not move.
#
# Checks: the token is required; the Content-Type is 0.0.4; every scrape
# parses (each line a comment or a sample, HELP and TYPE once per family before
# its samples, histogram buckets cumulative up to +Inf == _count); counters
# never go back between scrapes; process_* are present; one DHCP lease ->
# discover/offer/request/ack +1 and leases 1; N pings to the gateway (its MAC
# pinned in the VM, so no ARP) -> frames in/out +2N, bytes +2N*98; K dig
# queries -> dns queries{udp} +K, one over TCP -> {tcp} +1; K forwarded
# queries for one name -> forwarded +K, one upstream, K-1 cache hits, the
# latency histogram +1 upstream (>= the DoH server's delay) and +K-1 cache; a
# refused egress connection -> refusals{reason="not_on_allowlist"} +1; a live
# capture limited to P packets -> captures started +1, packets written +P,
# none running after; the VM leaving -> ports 0 with the totals kept.
# Usage: admin_metrics_test.sh BIN_DIR.
# Exit 0 all pass, 1 any failure, 77 not root or a client program missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=dhcp_dns_lib.sh
source "$here/dhcp_dns_lib.sh"
tools=$(cd "$here/../tools" && pwd)

sy_require_root
for prog in busybox dig curl openssl; do
  command -v "$prog" >/dev/null || { echo "SKIP: missing program $prog"; exit 77; }
done
sy_init "${1:?usage: admin_metrics_test.sh BIN_DIR}"
dd_init

TOKEN=metrics-test-token
MAC_VM=02:53:59:00:6d:01
L='network="lab"'
PINGS=10
PING_FRAME=98  # 14 Ethernet + 20 IPv4 + 8 ICMP + 56 data (ping's default)
DIGS=4
FORWARDS=5
DOH_DELAY_MS=30

# The exposition checker: `check FILE OUT.json` validates a scrape and saves
# its samples and types; `value JSON SERIES` prints a sample (0 when absent);
# `monotonic BEFORE.json AFTER.json` fails if a counter went back or vanished.
AM_PY='
import json, math, re, sys
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*=\"(?:\\[\\\"n]|[^\"\\\n])*\""
SAMPLE = re.compile(r"(" + NAME + r")(\{" + LABEL + r"(?:," + LABEL + r")*\})? (\S+)")
COMMENT = re.compile(r"# (HELP|TYPE) (" + NAME + r") (.*)")
VALUE = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?|\+Inf|-Inf|NaN")

def check(path, out):
    text = open(path).read()
    errors, samples, types, helped, done = [], {}, {}, set(), set()
    current = None
    if text and not text.endswith("\n"):
        errors.append("no final newline")
    for n, line in enumerate(text.splitlines(), 1):
        m = COMMENT.fullmatch(line)
        if m:
            kind, name, rest = m.groups()
            if name != current:
                if name in done: errors.append(f"{n}: family {name} split")
                if current: done.add(current)
                current = name
            if kind == "HELP":
                if name in helped: errors.append(f"{n}: second HELP for {name}")
                helped.add(name)
            else:
                if name in types: errors.append(f"{n}: second TYPE for {name}")
                if rest not in ("counter", "gauge", "histogram"): errors.append(f"{n}: type {rest}")
                types[name] = rest
            continue
        m = SAMPLE.fullmatch(line)
        if not m or not VALUE.fullmatch(m.group(3)):
            errors.append(f"{n}: not a sample: {line!r}"); continue
        name, value = m.group(1), float(m.group(3))
        if current not in types or current not in helped:
            errors.append(f"{n}: sample before HELP and TYPE: {line}"); continue
        t = types[current]
        parts = (current + "_bucket", current + "_sum", current + "_count")
        ok = name in parts if t == "histogram" else name == current
        if not ok: errors.append(f"{n}: {name} is not in family {current}")
        if t == "counter" and (not name.endswith("_total") or value < 0 or math.isnan(value)):
            errors.append(f"{n}: bad counter {line}")
        key = line.rsplit(" ", 1)[0]
        if key in samples: errors.append(f"{n}: duplicate series {key}")
        samples[key] = value
    # Histograms: cumulative buckets, +Inf equal to _count, per label set.
    for name, t in types.items():
        if t != "histogram": continue
        series = {}
        for key, value in samples.items():
            if key.startswith(name + "_bucket"):
                labels = re.sub(r",?le=\"[^\"]*\"", "", key[len(name + "_bucket"):]).replace("{}", "")
                le = re.search(r"le=\"([^\"]*)\"", key).group(1)
                series.setdefault(labels, []).append((float(le), value))
        for labels, buckets in series.items():
            buckets.sort()
            counts = [c for _, c in buckets]
            if counts != sorted(counts): errors.append(f"{name}{labels}: buckets not cumulative")
            if buckets[-1][0] != math.inf: errors.append(f"{name}{labels}: no +Inf bucket")
            if samples.get(name + "_count" + labels) != counts[-1]: errors.append(f"{name}{labels}: _count != +Inf")
            if name + "_sum" + labels not in samples: errors.append(f"{name}{labels}: no _sum")
    if errors:
        print("\n".join(errors[:20])); sys.exit(1)
    json.dump({"samples": samples, "types": types}, open(out, "w"))
    print(f"{len(samples)} samples in {len(types)} families")

def value(path, key):
    v = json.load(open(path))["samples"].get(key, 0)
    print(int(v) if float(v).is_integer() else v)

def monotonic(before, after):
    b, a = json.load(open(before)), json.load(open(after))
    bad = []
    for key, v in b["samples"].items():
        family = re.match(NAME, key).group(0)
        base = re.sub(r"_(bucket|sum|count)$", "", family)
        if b["types"].get(family) == "counter" or b["types"].get(base) == "histogram":
            if key not in a["samples"]: bad.append(f"{key} vanished")
            elif a["samples"][key] < v: bad.append(f"{key}: {v} -> " + str(a["samples"][key]))
    print("\n".join(bad) if bad else "no counter went back")
    sys.exit(1 if bad else 0)

cmd = sys.argv[1]
if cmd == "check": check(sys.argv[2], sys.argv[3])
elif cmd == "value": value(sys.argv[2], sys.argv[3])
elif cmd == "monotonic": monotonic(sys.argv[2], sys.argv[3])
'

# am_curl ARGS...: curl inside gw (where the admin listener is), 10 s max.
am_curl() { timeout 15 ip netns exec "$SY_SERVER_NS" curl -sS --max-time 10 "$@"; }

# am_scrape NAME: GET /metrics (with the token) into $SY_TMP/NAME.txt, checked
# and saved as $SY_TMP/NAME.json.
am_scrape() {
  am_curl -H "Authorization: Bearer $TOKEN" -D "$SY_TMP/$1.headers" -o "$SY_TMP/$1.txt" \
    "http://127.0.0.1:$SY_ADMIN_PORT/metrics" &&
    python3 -c "$AM_PY" check "$SY_TMP/$1.txt" "$SY_TMP/$1.json"
}

# am_value NAME SERIES: the value of SERIES in scrape NAME (0 when absent).
am_value() { python3 -c "$AM_PY" value "$SY_TMP/$1.json" "$2"; }

# am_delta BEFORE AFTER SERIES EXPECTED: AFTER - BEFORE is exactly EXPECTED.
am_delta() {
  local b a
  b=$(am_value "$1" "$3") && a=$(am_value "$2" "$3") || return 1
  echo "$3: $b -> $a (expected +$4)"
  python3 -c 'import sys; sys.exit(0 if float(sys.argv[2]) - float(sys.argv[1]) == float(sys.argv[3]) else 1)' \
    "$b" "$a" "$4"
}

# am_is NAME SERIES EXPECTED: SERIES in scrape NAME is EXPECTED.
am_is() {
  local v; v=$(am_value "$1" "$2") || return 1
  echo "$2 = $v (expected $3)"
  [ "$v" = "$3" ]
}

am_monotonic() { python3 -c "$AM_PY" monotonic "$SY_TMP/$1.json" "$SY_TMP/$2.json"; }

# am_in_vm COMMAND...: runs COMMAND in vm1, 30 s max.
am_in_vm() { timeout 30 ip netns exec "$(sy_ns vm1)" "$@"; }

# --- the server's namespace, the DoH server, the server ----------------------

sy_add_ns gw || { echo "FAIL cannot create namespaces"; exit 1; }
SY_SERVER_NS=$(sy_ns gw)
dd_netns_etc "$SY_SERVER_NS" || exit 1

CA="$SY_TMP/ca"
if ! timeout 30 bash "$tools/make_test_ca.sh" "$CA" doh.test 127.0.0.1 >"$SY_TMP/make_test_ca.log" 2>&1; then
  echo "FAIL make_test_ca.sh:"; sed 's/^/    | /' "$SY_TMP/make_test_ca.log"; exit 1
fi
printf 'www.example.test A 198.51.100.10 300\n' >"$SY_TMP/zone.txt"
sy_bg gw python3 "$tools/doh_server.py" --listen 127.0.0.1 --port 0 --port-file "$SY_TMP/doh.port" \
  --cert "$CA/server.pem" --key "$CA/server.key" --zone "$SY_TMP/zone.txt" --delay-ms "$DOH_DELAY_MS" \
  --log "$SY_TMP/doh.log"
if ! sy_wait_for 10 "DoH server port" test -s "$SY_TMP/doh.port"; then
  echo "FAIL DoH server did not start:"; sed 's/^/    | /' "$SY_BG_LOG"; exit 1
fi
DOH_PORT=$(cat "$SY_TMP/doh.port")

cat >"$SY_TMP/switchyard.toml" <<EOF
[admin]
token = "$TOKEN"

[resolver]
ca_file = "$CA/ca.pem"

[[resolver.upstream]]
url = "https://doh.test:$DOH_PORT/dns-query"
address = "127.0.0.1"

[[network]]
name = "lab"
subnet = "10.0.2.0/24"
gateway = "10.0.2.2"
egress = "allowlist"

[[network.rule]]
action = "allow"
domain = "www.example.test"
ports = "443"

[[network]]
name = "idle"
subnet = "10.0.9.0/24"
EOF
if sy_start_server "$SY_TMP/switchyard.toml" --state-dir "$SY_TMP/state" && [ -n "${SY_ADMIN_PORT:-}" ]; then
  sy_pass "switchyard starts in gw, admin API on 127.0.0.1:$SY_ADMIN_PORT"
else
  sy_fail "switchyard (with its admin listener) does not start"; sy_summary; exit 1
fi

# --- the endpoint itself ------------------------------------------------------

without_token() {
  local code; code=$(am_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SY_ADMIN_PORT/metrics")
  echo "HTTP $code"
  [ "$code" = 401 ]
}
sy_check "GET /metrics without the token is 401" without_token
sy_check "the first scrape parses (HELP/TYPE once per family, samples well-formed, histograms cumulative)" am_scrape s0
sy_check "Content-Type is text/plain; version=0.0.4" \
  grep -qi '^content-type: text/plain; version=0.0.4' "$SY_TMP/s0.headers"
process_present() {
  local name
  for name in process_resident_memory_bytes process_virtual_memory_bytes process_open_fds process_max_fds \
    process_cpu_seconds_total process_start_time_seconds; do
    grep -q "^$name " "$SY_TMP/s0.txt" || { echo "missing $name"; return 1; }
  done
  local rss; rss=$(am_value s0 process_resident_memory_bytes)
  echo "rss $rss"
  [ "$rss" -gt 1000000 ]
}
sy_check "process_* metrics are present (resident memory > 1 MB)" process_present
sy_check "two networks" am_is s0 switchyard_networks 2
sy_check "lwIP pools listed (tcp_pcb: 4096 elements)" am_is s0 'switchyard_lwip_pool_size{pool="tcp_pcb"}' 4096
sy_check "no VM yet: lab has 0 ports" am_is s0 'switchyard_network_ports{network="lab"}' 0

# --- DHCP ---------------------------------------------------------------------

dd_vm vm1 lab "$MAC_VM" || { sy_fail "VM vm1 does not come up"; sy_summary; exit 1; }
sy_check "vm1 gets a DHCP lease (busybox udhcpc)" dd_udhcpc vm1
sy_check "scrape after DHCP parses" am_scrape s1
sy_check "lab: 1 port" am_is s1 'switchyard_network_ports{network="lab"}' 1
sy_check "dhcp leases: 1" am_is s1 'switchyard_dhcp_leases{network="lab"}' 1
for t in discover request; do
  sy_check "dhcp messages{type=$t} +1" am_delta s0 s1 "switchyard_dhcp_messages_total{network=\"lab\",type=\"$t\"}" 1
done
for t in offer ack; do
  sy_check "dhcp replies{type=$t} +1" am_delta s0 s1 "switchyard_dhcp_replies_total{network=\"lab\",type=\"$t\"}" 1
done
sy_check "dhcp replies{type=nak} +0" am_delta s0 s1 'switchyard_dhcp_replies_total{network="lab",type="nak"}' 0

# --- frames: N pings to the gateway -----------------------------------------

# One ping resolves the gateway's MAC; pinned, the VM sends no ARP while we count.
pin_gateway() {
  sy_ping vm1 10.0.2.2 1 || return 1
  local mac; mac=$(ip -n "$(sy_ns vm1)" neigh show 10.0.2.2 | grep -oE 'lladdr [0-9a-f:]+' | cut -d' ' -f2)
  [ -n "$mac" ] || return 1
  ip -n "$(sy_ns vm1)" neigh replace 10.0.2.2 lladdr "$mac" dev eth0 nud permanent
}
sy_check "the gateway's MAC is pinned in vm1" pin_gateway
sy_check "scrape before the pings" am_scrape s2
sy_check "$PINGS pings to the gateway all answered" sy_ping vm1 10.0.2.2 "$PINGS"
sy_check "scrape after the pings" am_scrape s3
sy_check "frames_in +$((2 * PINGS)) (requests from the VM, replies from the gateway)" \
  am_delta s2 s3 'switchyard_network_frames_in_total{network="lab"}' $((2 * PINGS))
sy_check "frames_out +$((2 * PINGS))" am_delta s2 s3 'switchyard_network_frames_out_total{network="lab"}' $((2 * PINGS))
sy_check "bytes_in +$((2 * PINGS * PING_FRAME))" \
  am_delta s2 s3 'switchyard_network_bytes_in_total{network="lab"}' $((2 * PINGS * PING_FRAME))
sy_check "bytes_out +$((2 * PINGS * PING_FRAME))" \
  am_delta s2 s3 'switchyard_network_bytes_out_total{network="lab"}' $((2 * PINGS * PING_FRAME))
sy_check "no drops" am_delta s2 s3 'switchyard_network_drops_total{network="lab",reason="queue_full"}' 0
sy_check "the idle network saw nothing" am_is s3 'switchyard_network_frames_in_total{network="idle"}' 0

# --- DNS: zone answers over UDP and TCP, then forwarded names --------------------

# dig_gateway [DIG OPTIONS...]: gateway.lab.lan from vm1 answers 10.0.2.2.
dig_gateway() { am_in_vm dig @10.0.2.2 +tries=1 +time=3 +short "$@" gateway.lab.lan A | grep -qx 10.0.2.2; }
dig_k() {
  local i
  for i in $(seq 1 "$DIGS"); do dig_gateway +notcp || { echo "query $i failed"; return 1; }; done
}
sy_check "$DIGS dig queries over UDP answered from the zone" dig_k
sy_check "one dig query over TCP answered" dig_gateway +tcp
sy_check "scrape after the zone queries" am_scrape s4
sy_check "dns queries{udp} +$DIGS" am_delta s3 s4 'switchyard_dns_queries_total{network="lab",transport="udp"}' "$DIGS"
sy_check "dns queries{tcp} +1" am_delta s3 s4 'switchyard_dns_queries_total{network="lab",transport="tcp"}' 1
sy_check "dns tcp connections +1" am_delta s3 s4 'switchyard_dns_tcp_connections_total{network="lab"}' 1
sy_check "nothing forwarded for zone names" am_delta s3 s4 'switchyard_dns_forwarded_total{network="lab"}' 0

dig_forward_k() {
  local i
  for i in $(seq 1 "$FORWARDS"); do
    am_in_vm dig @10.0.2.2 +tries=1 +time=5 +short www.example.test A | grep -qx 198.51.100.10 ||
      { echo "query $i failed"; return 1; }
  done
}
sy_check "$FORWARDS queries for www.example.test forwarded and answered (DoH on 127.0.0.1)" dig_forward_k
sy_check "scrape after the forwarded queries" am_scrape s5
sy_check "dns forwarded +$FORWARDS" am_delta s4 s5 "switchyard_dns_forwarded_total{$L}" "$FORWARDS"
sy_check "dns forward cache hits +$((FORWARDS - 1))" \
  am_delta s4 s5 "switchyard_dns_forward_cache_hits_total{$L}" $((FORWARDS - 1))
sy_check "dns forward failures +0" am_delta s4 s5 "switchyard_dns_forward_failures_total{$L}" 0
sy_check "resolver: one upstream request" am_delta s4 s5 switchyard_resolver_upstream_requests_total 1
sy_check "resolver: cache hits +$((FORWARDS - 1))" am_delta s4 s5 switchyard_resolver_cache_hits_total $((FORWARDS - 1))
sy_check "resolver: upstream errors +0" am_delta s4 s5 switchyard_resolver_upstream_errors_total 0
H=switchyard_dns_forward_duration_seconds
sy_check "latency histogram: +1 upstream" am_delta s4 s5 "${H}_count{$L,source=\"upstream\"}" 1
sy_check "latency histogram: the upstream answer took over 25 ms (the DoH server waits $DOH_DELAY_MS ms)" \
  am_delta s4 s5 "${H}_bucket{$L,source=\"upstream\",le=\"0.025\"}" 0
sy_check "latency histogram: +$((FORWARDS - 1)) from the cache" \
  am_delta s4 s5 "${H}_count{$L,source=\"cache\"}" $((FORWARDS - 1))
upstream_sum_at_least_delay() {
  local s; s=$(am_value s5 "${H}_sum{$L,source=\"upstream\"}")
  echo "upstream sum $s s"
  python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) / 1000 else 1)' "$s" "$DOH_DELAY_MS"
}
sy_check "latency histogram: the upstream sum is at least the DoH delay" upstream_sum_at_least_delay

# --- egress: a refused connection -------------------------------------------------

sy_check_fails "curl to 192.0.2.10:80 from vm1 is refused (not on the allowlist)" \
  am_in_vm curl -sS --connect-timeout 5 --max-time 8 -o /dev/null http://192.0.2.10/
sy_check "scrape after the refused connection" am_scrape s6
sy_check "egress refusals{reason=not_on_allowlist} +1" \
  am_delta s5 s6 "switchyard_egress_refusals_total{$L,reason=\"not_on_allowlist\"}" 1
sy_check "egress tcp flows opened +0" am_delta s5 s6 "switchyard_egress_flows_opened_total{$L,proto=\"tcp\"}" 0
sy_check "no egress flow left open" am_is s6 "switchyard_egress_flows{$L,proto=\"tcp\"}" 0

# --- a live capture of lab's switch, stopped by its packet limit -----------------

CAPTURED=4
timeout 30 ip netns exec "$SY_SERVER_NS" curl -sS --max-time 25 -H "Authorization: Bearer $TOKEN" \
  -o "$SY_TMP/lab.pcapng" "http://127.0.0.1:$SY_ADMIN_PORT/api/networks/lab/capture?limit=$CAPTURED" &
CAPTURE_PID=$!
SY_PIDS+=("$CAPTURE_PID")
capture_live() { am_scrape c0 >/dev/null && am_is c0 switchyard_captures 1; }
sy_check "a capture of lab is running" sy_wait_for 10 "capture running" capture_live
sy_check "3 pings (6 frames) while it runs" sy_ping vm1 10.0.2.2 3
capture_done() { wait "$CAPTURE_PID"; }
sy_check "the capture ends after $CAPTURED packets" capture_done
sy_check "the capture is pcapng (a section header block first)" \
  sh -c "[ \"\$(head -c 4 '$SY_TMP/lab.pcapng' | od -An -tx1 | tr -d ' ')\" = 0a0d0d0a ]"
sy_check "scrape after the capture" am_scrape c1
sy_check "captures started +1" am_delta s6 c1 switchyard_captures_started_total 1
sy_check "capture packets written +$CAPTURED" am_delta c0 c1 switchyard_capture_packets_written_total "$CAPTURED"
sy_check "no capture running any more" am_is c1 switchyard_captures 0

# --- the VM leaves: its port goes, the totals stay --------------------------------

kill -TERM "${SY_VM_RELAY[vm1]}" 2>/dev/null
wait "${SY_VM_RELAY[vm1]}" 2>/dev/null
ports_zero() { am_scrape s7 >/dev/null && am_is s7 "switchyard_network_ports{$L}" 0; }
sy_check "vm1's relay gone: lab has 0 ports" sy_wait_for 10 "lab ports 0" ports_zero
sy_check "scrape after vm1 left" am_scrape s7
sy_check "frames_in kept after the port detached" am_delta c1 s7 "switchyard_network_frames_in_total{$L}" 0
for pair in "s0 s1" "s1 s2" "s2 s3" "s3 s4" "s4 s5" "s5 s6" "s6 c0" "c0 c1" "c1 s7"; do
  # shellcheck disable=SC2086
  sy_check "counters never went back ($pair)" am_monotonic $pair
done

sy_check "the server is still running" sy_server_alive
sy_summary
