#!/usr/bin/env python3
# tests/e2e/admin_api/validation.py - every endpoint of README "Admin API" against
# a running server without an admin token: the happy path, then every kind of
# refusal (400 with the field named, 404, 405 + Allow, 409, 413, 415, 403 for a
# foreign Host), and that a refused write changes nothing.
#
# The server must have exactly one network from its config file, `lab`
# (10.0.2.0/24, domain lab.lan, one record `db` A 10.0.2.50), no VM, and the
# subnet 10.9.0.0/24 free. Usage: validation.py ADMIN_PORT. Prints PASS/FAIL
# lines; exit status 0 when all pass, 1 otherwise.
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_client import api, checks  # noqa: E402

NETWORK_KEYS = {"name", "origin", "subnet", "gateway", "domain", "mtu", "token_required", "dhcp", "dns", "wisp",
                "egress", "ports", "leases", "wisp_connections", "join", "traffic"}
TRAFFIC_KEYS = {"frames_in", "bytes_in", "frames_out", "bytes_out", "drops"}


def networks_snapshot(a):
    r = a.get("/api/networks")
    return r.status, r.json


def health(a, c):
    r = a.get("/healthz")
    c.ok(r.status == 200 and r.body.strip() == b"ok", "GET /healthz -> 200 ok", repr(r))
    r = a.get("/readyz")
    c.ok(r.status == 200 and r.body.strip() == b"ready", "GET /readyz -> 200 ready", repr(r))
    r = a.call("POST", "/healthz", body={})
    c.ok(r.status == 405 and "GET" in r.headers.get("allow", ""), "POST /healthz -> 405 with Allow", repr(r))
    r = a.get("/metrics")
    c.ok(r.status == 200 and b"# TYPE" in r.body, "GET /metrics -> 200 Prometheus text", repr(r))
    r = a.call("POST", "/metrics", body={})
    c.ok(r.status == 405 and "GET" in r.headers.get("allow", ""), "POST /metrics -> 405 with Allow", repr(r))


def server_and_listing(a, c):
    r = a.get("/api/server")
    j = r.json or {}
    c.ok(r.status == 200 and isinstance(j.get("version"), str) and "listen" in j.get("public", {})
         and "listen" in j.get("admin", {}) and str(j.get("started", "")).endswith("Z"),
         "GET /api/server -> version, public.listen, admin.listen, started (RFC 3339 UTC)", repr(r))
    c.error(a.call("POST", "/api/server", body={}), 405, None, "POST /api/server -> 405")

    r = a.get("/api/networks")
    nets = (r.json or {}).get("networks", [])
    c.ok(r.status == 200 and [n.get("name") for n in nets] == ["lab"], "GET /api/networks lists the config network",
         repr(r))
    lab = nets[0] if nets else {}
    c.ok(NETWORK_KEYS <= set(lab), "NETWORK has every documented key", f"missing {NETWORK_KEYS - set(lab)}")
    c.ok(set(lab.get("traffic", {})) >= TRAFFIC_KEYS, "NETWORK.traffic has every documented counter", repr(lab))
    c.ok(lab.get("origin") == "config" and lab.get("subnet") == "10.0.2.0/24" and lab.get("gateway") == "10.0.2.2"
         and lab.get("domain") == "lab.lan" and lab.get("join") == {"net": "/net/lab", "wisp": "/wisp/lab/"},
         "NETWORK lab: origin config, subnet, gateway, domain, join paths", repr(lab))
    r = a.get("/api/networks/lab")
    c.ok(r.status == 200 and (r.json or {}).get("name") == "lab" and NETWORK_KEYS <= set(r.json or {}),
         "GET /api/networks/lab -> NETWORK", repr(r))
    c.ok(r.headers.get("content-type", "").startswith("application/json"), "JSON answers say application/json",
         r.headers.get("content-type", ""))


def unknown_things(a, c):
    for path in ("/api/networks/nope", "/api/networks/nope/ports", "/api/networks/nope/leases",
                 "/api/networks/nope/dns/records", "/api/networks/nope/wisp", "/api/networks/nope/egress",
                 "/api/networks/nope/policy", "/api/networks/nope/capture"):
        c.error(a.get(path), 404, None, f"GET {path} -> 404")
    c.error(a.call("DELETE", "/api/networks/nope"), 404, None, "DELETE /api/networks/nope -> 404")
    c.error(a.call("PUT", "/api/networks/nope/policy", body={"egress": "off"}), 404, None,
            "PUT /api/networks/nope/policy -> 404")
    c.error(a.call("POST", "/api/networks/nope/dns/records", body={"type": "A", "name": "x", "value": "10.0.2.9"}),
            404, None, "POST /api/networks/nope/dns/records -> 404")
    c.error(a.get("/api/nothing"), 404, None, "GET /api/nothing -> 404")
    c.error(a.get("/api/networks/lab/nothing"), 404, None, "GET /api/networks/lab/nothing -> 404")
    c.error(a.call("DELETE", "/api/networks/lab/ports/999"), 404, None, "DELETE an unknown port -> 404")
    c.error(a.call("DELETE", "/api/networks/lab/ports/abc"), 400, "id", "DELETE /ports/abc -> 400 field id")
    c.error(a.call("DELETE", "/api/networks/lab/leases/10.0.2.99"), 404, None, "DELETE an unknown lease -> 404")
    c.error(a.call("DELETE", "/api/networks/lab/leases/not-an-ip"), 400, "ip", "DELETE /leases/not-an-ip -> 400 field ip")
    c.error(a.call("DELETE", "/api/networks/lab/dns/records/nothing.lab.lan./A"), 404, None,
            "DELETE an unknown record -> 404")


def wrong_methods(a, c):
    cases = [("PUT", "/api/networks", "GET, POST"), ("DELETE", "/api/networks", "GET, POST"),
             ("PATCH", "/api/networks/lab", "GET, DELETE"), ("POST", "/api/networks/lab", "GET, DELETE"),
             ("POST", "/api/networks/lab/ports", "GET"), ("GET", "/api/networks/lab/ports/1", "DELETE"),
             ("POST", "/api/networks/lab/leases", "GET"), ("GET", "/api/networks/lab/leases/10.0.2.15", "DELETE"),
             ("DELETE", "/api/networks/lab/dns/records", "GET, POST"),
             ("GET", "/api/networks/lab/dns/records/db.lab.lan./A", "DELETE"),
             ("POST", "/api/networks/lab/wisp", "GET"), ("POST", "/api/networks/lab/egress", "GET"),
             ("POST", "/api/networks/lab/policy", "GET, PUT"), ("DELETE", "/api/networks/lab/policy", "GET, PUT"),
             ("POST", "/api/networks/lab/capture", "GET"), ("POST", "/api/events", "GET")]
    for method, path, allow in cases:
        r = a.call(method, path, body={} if method in ("POST", "PUT", "PATCH") else None)
        got = [x.strip() for x in r.headers.get("allow", "").split(",") if x.strip()]
        want = [x.strip() for x in allow.split(",")]
        c.ok(r.status == 405 and set(want) <= set(got), f"{method} {path} -> 405, Allow: {allow}",
             f"got {r!r}, Allow: {r.headers.get('allow')!r}")


def create_and_delete(a, c):
    spec = {"name": "vnet", "subnet": "10.9.0.0/24", "mtu": 1400, "dhcp_range": ["10.9.0.50", "10.9.0.99"],
            "host": [{"mac": "02:53:59:00:aa:01", "ip": "10.9.0.10", "name": "printer"}],
            "rule": [{"action": "allow", "domain": "example.com", "ports": "443"}], "egress": "allowlist"}
    r = a.call("POST", "/api/networks", body=spec)
    j = r.json or {}
    c.ok(r.status == 201 and j.get("name") == "vnet" and j.get("origin") == "api" and j.get("subnet") == "10.9.0.0/24"
         and j.get("gateway") == "10.9.0.2" and j.get("mtu") == 1400 and j.get("domain") == "vnet.lan"
         and j.get("egress") == "allowlist" and j.get("join", {}).get("net") == "/net/vnet",
         "POST /api/networks -> 201 + NETWORK (origin api, defaults filled in)", repr(r))
    r = a.get("/api/networks")
    c.ok([n.get("name") for n in (r.json or {}).get("networks", [])] == ["lab", "vnet"],
         "GET /api/networks lists it, sorted by name", repr(r))
    r = a.get("/api/networks/vnet/policy")
    c.ok(r.status == 200 and (r.json or {}).get("rule") == [{"action": "allow", "domain": "example.com", "ports": "443"}],
         "the new network's policy is the spec's", repr(r))
    r = a.get("/api/networks/vnet/dns/records")
    names = {(x.get("name"), x.get("type"), x.get("value")) for x in (r.json or {}).get("records", [])}
    c.ok(("printer.vnet.lan.", "A", "10.9.0.10") in names, "a host reservation's name is in the new zone", repr(r))

    before = networks_snapshot(a)
    c.error(a.call("POST", "/api/networks", body={"name": "vnet", "subnet": "10.10.0.0/24"}), 409, "name",
            "POST a taken name -> 409 field name")
    c.error(a.call("POST", "/api/networks", body={"name": "lab"}), 409, "name",
            "POST the config network's name -> 409 field name")
    c.ok(networks_snapshot(a) == before, "the refused duplicates changed nothing")

    c.status(a.call("DELETE", "/api/networks/vnet"), 204, "DELETE /api/networks/vnet -> 204")
    c.error(a.get("/api/networks/vnet"), 404, None, "GET it afterwards -> 404")
    c.error(a.call("DELETE", "/api/networks/vnet"), 404, None, "DELETE it again -> 404")
    r = a.get("/api/networks")
    c.ok([n.get("name") for n in (r.json or {}).get("networks", [])] == ["lab"], "the list is back to lab alone", repr(r))
    r = a.call("POST", "/api/networks", body={"name": "vnet", "subnet": "10.9.0.0/24"})
    c.status(r, 201, "the name can be created again after the delete")
    c.status(a.call("DELETE", "/api/networks/vnet"), 204, "... and deleted again")

    c.error(a.call("DELETE", "/api/networks/lab"), 409, None, "DELETE a config-file network -> 409")
    c.status(a.get("/api/networks/lab"), 200, "the config network is still there")


# (body, status, field, what) for POST /api/networks: each refused, each named.
BAD_SPECS = [
    ({"subnet": "10.9.0.0/24"}, 400, "name", "missing name"),
    ({"name": 5}, 400, "name", "name not a string"),
    ({"name": "Bad Name"}, 400, "name", "invalid name"),
    ({"name": "x" * 64}, 400, "name", "name longer than 63"),
    ({"name": "n1", "subnet": 10}, 400, "subnet", "subnet not a string"),
    ({"name": "n1", "subnet": "10.9.0.1/24"}, 400, "subnet", "subnet with host bits"),
    ({"name": "n1", "subnet": "10.9.0.0/31"}, 400, "subnet", "subnet /31 out of range"),
    ({"name": "n1", "subnet": "banana"}, 400, "subnet", "subnet not CIDR"),
    ({"name": "n1", "subnet": "10.9.0.0/24", "gateway": "10.8.0.1"}, 400, "gateway", "gateway outside the subnet"),
    ({"name": "n1", "subnet": "10.9.0.0/24", "gateway": "10.9.0.255"}, 400, "gateway", "gateway = broadcast"),
    ({"name": "n1", "mtu": 100}, 400, "mtu", "mtu below 576"),
    ({"name": "n1", "mtu": 70000}, 400, "mtu", "mtu above 65500"),
    ({"name": "n1", "mtu": "big"}, 400, "mtu", "mtu not an integer"),
    ({"name": "n1", "mtu": 1500.5}, 400, "mtu", "mtu a fraction"),
    ({"name": "n1", "dhcp": "yes"}, 400, "dhcp", "dhcp not a boolean"),
    ({"name": "n1", "dhcp_range": ["10.0.2.50"]}, 400, "dhcp_range", "dhcp_range of one address"),
    ({"name": "n1", "dhcp_range": ["10.0.2.99", "10.0.2.50"]}, 400, "dhcp_range", "dhcp_range backwards"),
    ({"name": "n1", "dhcp_range": ["10.1.2.50", "10.1.2.60"]}, 400, "dhcp_range", "dhcp_range outside the subnet"),
    ({"name": "n1", "lease_time": 5}, 400, "lease_time", "lease_time below 120"),
    ({"name": "n1", "token": ""}, 400, "token", "empty token"),
    ({"name": "n1", "max_macs_per_port": 0}, 400, "max_macs_per_port", "max_macs_per_port 0"),
    ({"name": "n1", "domain": "bad domain"}, 400, "domain", "domain not a DNS name"),
    ({"name": "n1", "bogus": 1}, 400, "bogus", "unknown key"),
    ({"name": "n1", "egress": "sometimes"}, 400, "egress", "egress not a mode"),
    ({"name": "n1", "rule": [{"action": "allow", "cidr": "192.0.2.0/24"}, {"action": "allow", "cidr": "192.0.2.0/24",
                                                                          "ports": "99999"}]},
     400, "rule[1].ports", "rule[1].ports out of range"),
    ({"name": "n1", "rule": [{"action": "maybe", "domain": "example.com"}]}, 400, "rule[0].action", "rule action"),
    ({"name": "n1", "rule": [{"action": "allow"}]}, 400, "rule[0]", "rule without cidr or domain"),
    ({"name": "n1", "rule": [{"action": "allow", "cidr": "192.0.2.1/24"}]}, 400, "rule[0].cidr", "rule cidr host bits"),
    ({"name": "n1", "rule": {"action": "allow"}}, 400, "rule", "rule not an array"),
    ({"name": "n1", "host": [{"mac": "ff:ff:ff:ff:ff:ff", "ip": "10.0.2.20"}]}, 400, "host[0].mac", "host group MAC"),
    ({"name": "n1", "host": [{"mac": "02:00:00:00:00:01", "ip": "10.1.0.20"}]}, 400, "host[0].ip",
     "host outside the subnet"),
    ({"name": "n1", "host": [{"mac": "02:00:00:00:00:01"}]}, 400, "host[0].ip", "host without ip"),
    ({"name": "n1", "record": [{"type": "A", "name": "x", "value": "not-an-ip"}]}, 400, "record[0].value",
     "record A value"),
    ({"name": "n1", "record": [{"type": "MX", "name": "x", "value": "y"}]}, 400, "record[0].type", "record type"),
]


def refused_creates(a, c):
    before = networks_snapshot(a)
    for body, status, field, what in BAD_SPECS:
        c.error(a.call("POST", "/api/networks", body=body), status, field,
                f"POST /api/networks, {what} -> {status} field {field}")
    c.error(a.call("POST", "/api/networks", body=b"{\"name\": ", content_type="application/json"), 400, None,
            "POST invalid JSON -> 400")
    c.error(a.call("POST", "/api/networks", body=[{"name": "n1"}]), 400, None, "POST a JSON array -> 400")
    c.error(a.call("POST", "/api/networks", body={"name": "n1"}, content_type="text/plain"), 415, checks.ABSENT,
            "POST with Content-Type text/plain -> 415")
    c.error(a.call("POST", "/api/networks", body={"name": "n1"}, content_type=None), 415, checks.ABSENT,
            "POST without Content-Type -> 415")
    r = a.call("POST", "/api/networks", body={"name": "n1"}, content_type="application/json; charset=utf-8")
    c.status(r, 201, "POST with Content-Type application/json; charset=utf-8 -> 201")
    if r.status == 201:
        a.call("DELETE", "/api/networks/n1")
    c.error(a.oversized("POST", "/api/networks", 65 * 1024), 413, checks.ABSENT, "POST a 65 KiB body -> 413")
    big = {"name": "n1", "record": [{"type": "TXT", "name": "t", "value": "x" * 1000}] * 70}
    c.error(a.call("POST", "/api/networks", body=big), 413, checks.ABSENT, "POST a 70 KB body (sent whole) -> 413")
    c.ok(networks_snapshot(a) == before, "after all refused POSTs GET /api/networks is unchanged")
    c.error(a.get("/api/networks/n1"), 404, None, "no refused network exists")


def ports_leases_wisp_egress(a, c):
    r = a.get("/api/networks/lab/ports")
    c.ok(r.status == 200 and r.json == {"ports": []}, "GET /ports -> {ports: []} without VMs", repr(r))
    r = a.get("/api/networks/lab/leases")
    c.ok(r.status == 200 and r.json == {"leases": []}, "GET /leases -> {leases: []}", repr(r))
    r = a.get("/api/networks/lab/wisp")
    c.ok(r.status == 200 and r.json == {"connections": []}, "GET /wisp -> {connections: []}", repr(r))
    r = a.get("/api/networks/lab/egress")
    j = r.json or {}
    c.ok(r.status == 200 and {"mode", "flows", "counters", "refusals"} <= set(j) and isinstance(j.get("flows"), list)
         and isinstance(j.get("counters"), dict) and isinstance(j.get("refusals"), list),
         "GET /egress -> mode, flows, counters, refusals", repr(r))


def records(a, c):
    r = a.get("/api/networks/lab/dns/records")
    recs = (r.json or {}).get("records", [])
    c.ok(r.status == 200 and {"name": "db.lab.lan.", "type": "A", "value": "10.0.2.50", "ttl": 300,
                              "source": "config"} in [dict(x) for x in recs],
         "GET /dns/records lists the config record as RECORD", repr(r))
    c.ok(any(x.get("source") == "gateway" for x in recs), "... and the gateway's name", repr(r))
    r = a.call("POST", "/api/networks/lab/dns/records", body={"type": "A", "name": "api1", "value": "10.0.2.77",
                                                              "ttl": 60})
    c.ok(r.status == 201 and r.json == {"name": "api1.lab.lan.", "type": "A", "value": "10.0.2.77", "ttl": 60,
                                        "source": "api"}, "POST /dns/records -> 201 + RECORD (source api)", repr(r))
    r = a.get("/api/networks/lab/dns/records")
    c.ok(any(x.get("name") == "api1.lab.lan." and x.get("source") == "api" for x in (r.json or {}).get("records", [])),
         "GET lists the added record", repr(r))
    before = a.get("/api/networks/lab/dns/records").json
    bad = [({"name": "x", "value": "10.0.2.1"}, "type", "missing type"),
           ({"type": "A", "value": "10.0.2.1"}, "name", "missing name"),
           ({"type": "A", "name": "x"}, "value", "missing value"),
           ({"type": "A", "name": "x", "value": "nope"}, "value", "A value not an address"),
           ({"type": "A", "name": "x", "value": 7}, "value", "value not a string"),
           ({"type": "A", "name": "x", "value": "10.0.2.1", "ttl": -1}, "ttl", "ttl negative"),
           ({"type": "A", "name": "x", "value": "10.0.2.1", "ttl": 604801}, "ttl", "ttl above a week"),
           ({"type": "A", "name": "x", "value": "10.0.2.1", "port": 80}, "port", "port on an A record"),
           ({"type": "SRV", "name": "_x._tcp", "target": "db"}, "port", "SRV without port"),
           ({"type": "NS", "name": "x", "value": "db"}, "type", "unsupported type"),
           ({"type": "A", "name": "bad name!", "value": "10.0.2.1"}, "name", "invalid owner name"),
           ({"type": "A", "name": "x", "value": "10.0.2.1", "colour": "red"}, "colour", "unknown key")]
    for body, field, what in bad:
        c.error(a.call("POST", "/api/networks/lab/dns/records", body=body), 400, field,
                f"POST /dns/records, {what} -> 400 field {field}")
    c.error(a.call("POST", "/api/networks/lab/dns/records", body={"type": "A", "name": "x", "value": "10.0.2.1"},
                   content_type="text/plain"), 415, checks.ABSENT, "POST /dns/records as text/plain -> 415")
    c.error(a.oversized("POST", "/api/networks/lab/dns/records", 100000), 413, checks.ABSENT,
            "POST /dns/records, 100 KB -> 413")
    c.error(a.call("POST", "/api/networks/lab/dns/records", body={"type": "A", "name": "x.example.org.",
                                                                  "value": "10.0.2.1"}), 409, None,
            "POST a record outside the zone -> 409")
    c.error(a.call("POST", "/api/networks/lab/dns/records", body={"type": "CNAME", "name": "api1", "value": "db"}),
            409, None, "POST a CNAME beside other data -> 409")
    c.ok(a.get("/api/networks/lab/dns/records").json == before, "the refused records changed nothing")

    c.error(a.call("DELETE", "/api/networks/lab/dns/records/db.lab.lan./A"), 404, None,
            "DELETE a config record -> 404 (only API records can go)")
    c.error(a.call("DELETE", "/api/networks/lab/dns/records/api1.lab.lan./AAAA"), 404, None,
            "DELETE the right name with the wrong type -> 404")
    c.status(a.call("DELETE", "/api/networks/lab/dns/records/api1.lab.lan./A"), 204, "DELETE the API record -> 204")
    r = a.get("/api/networks/lab/dns/records")
    c.ok(not any(x.get("name") == "api1.lab.lan." for x in (r.json or {}).get("records", [])),
         "it is gone from GET /dns/records", repr(r))
    c.error(a.call("DELETE", "/api/networks/lab/dns/records/api1.lab.lan./A"), 404, None, "DELETE it again -> 404")


def policy(a, c):
    r = a.get("/api/networks/lab/policy")
    c.ok(r.status == 200 and r.json.get("egress") == "off" and r.json.get("rule") == [],
         "GET /policy -> egress off, no rules", repr(r))
    new = {"egress": "allowlist", "rule": [{"action": "allow", "domain": "example.com", "ports": "443"},
                                           {"action": "deny", "cidr": "198.51.100.0/24", "protocol": "udp"}]}
    r = a.call("PUT", "/api/networks/lab/policy", body=new)
    c.ok(r.status == 200 and r.json.get("egress") == "allowlist" and r.json.get("rule") == new["rule"],
         "PUT /policy -> 200 + POLICY", repr(r))
    after = a.get("/api/networks/lab/policy")
    c.ok(after.json == r.json, "GET /policy shows the new policy", repr(after))
    r = a.get("/api/networks/lab")
    c.ok((r.json or {}).get("egress") == "allowlist", "NETWORK.egress follows the policy", repr(r))
    bad = [({"egress": "allowlist", "rule": [{"action": "allow", "domain": "a.example"},
                                             {"action": "allow", "domain": "b.example", "ports": "0"}]},
            "rule[1].ports", "port 0 in the second rule"),
           ({"egress": "allowlist", "rule": [{"action": "allow", "domain": "a.example", "protocol": "icmp",
                                              "ports": "80"}]}, "rule[0].ports", "ports on icmp"),
           ({"egress": "everything"}, "egress", "egress not a mode"),
           ({"egress": "allowlist", "rule": [{"action": "allow", "domain": "a.example", "cidr": "192.0.2.0/24"}]},
            "rule[0].domain", "domain and cidr in one rule"),
           ({"egress": "allowlist", "egress_tcp_per_vm": 0}, "egress_tcp_per_vm", "a limit out of range"),
           ({"egress": "allowlist", "name": "lab"}, "name", "a non-policy key")]
    for body, field, what in bad:
        c.error(a.call("PUT", "/api/networks/lab/policy", body=body), 400, field,
                f"PUT /policy, {what} -> 400 field {field}")
    c.error(a.call("PUT", "/api/networks/lab/policy", body=new, content_type="text/plain"), 415, checks.ABSENT,
            "PUT /policy as text/plain -> 415")
    c.error(a.oversized("PUT", "/api/networks/lab/policy", 70000), 413, checks.ABSENT, "PUT /policy, 70 KB -> 413")
    c.ok(a.get("/api/networks/lab/policy").json == after.json, "every refused PUT left the policy as it was")
    r = a.call("PUT", "/api/networks/lab/policy", body={"egress": "off", "rule": []})
    c.ok(r.status == 200 and r.json.get("egress") == "off" and r.json.get("rule") == [], "PUT back to off", repr(r))


def host_header(a, c):
    r = a.get("/api/networks", host_header="evil.example:8087")
    c.ok(r.status == 403, "a foreign Host header without a token -> 403 (DNS rebinding)", repr(r))
    r = a.get("/api/networks", host_header=f"localhost:{a.port}")
    c.status(r, 200, "Host localhost -> 200")
    r = a.get("/healthz", host_header="evil.example")
    c.status(r, 200, "/healthz answers whatever the Host")


def events(a, c):
    """The first `event: overview` arrives within 3 s (after the `retry:` hint)
    and carries OVERVIEW."""
    with socket.create_connection(("127.0.0.1", a.port), timeout=5) as s:
        s.sendall(f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{a.port}\r\n\r\n".encode())
        data, end = b"", time.monotonic() + 5
        while time.monotonic() < end and b"event: overview" not in data.partition(b"\r\n\r\n")[2].rpartition(b"\n\n")[0]:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    c.ok(b" 200 " in head.split(b"\r\n")[0] and b"text/event-stream" in head.lower(),
         "GET /api/events -> 200 text/event-stream", head[:200])
    blocks = [b.decode("utf-8", "replace") for b in body.split(b"\n\n")]
    event = next((b for b in blocks if b.startswith("event: overview")), "")
    fields = dict(line.split(": ", 1) for line in event.splitlines() if ": " in line)
    try:
        overview = json.loads(fields.get("data", ""))
        ok = [n["name"] for n in overview["networks"]] == ["lab"] and "port_list" in overview["networks"][0] \
            and "refusals" in overview["networks"][0] and overview["time"].endswith("Z")
    except (ValueError, KeyError, TypeError, IndexError):
        ok = False
    c.ok(ok, "an `event: overview` with OVERVIEW (networks + port_list, refusals) within 5 s", body[:300])


def capture(a, c):
    r = a.get("/api/networks/lab/capture?limit=1s")
    c.ok(r.status == 200 and r.body[:4] == b"\x0a\x0d\x0d\x0a", "GET /capture?limit=1s -> a pcapng stream that ends",
         repr(r)[:200])


def main():
    a = api(int(sys.argv[1]))
    c = checks()
    for part in (health, server_and_listing, unknown_things, wrong_methods, create_and_delete, refused_creates,
                 ports_leases_wisp_egress, records, policy, host_header, events, capture):
        print(f"-- {part.__name__}", flush=True)
        try:
            part(a, c)
        except Exception as e:  # a crash in one part is one failure, the rest still run
            c.ok(False, f"{part.__name__} ran to the end", f"{type(e).__name__}: {e}")
    print(f"validation: {c.count - c.failures} of {c.count} passed", flush=True)
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
