#!/usr/bin/env python3
"""tests/tools/doh_server.py - a small DNS-over-HTTPS server (RFC 8484) for tests. Stdlib only.

Answers POST /dns-query (application/dns-message) and GET /dns-query?dns=<base64url>
over HTTPS (HTTP/1.1, kept alive), one thread per connection, from a zone file:

    # name         type   value                ttl (optional, default 300)
    www.doh.test   A      198.51.100.10        300
    www.doh.test   AAAA   2001:db8::10
    alias.doh.test CNAME  www.doh.test
    txt.doh.test   TXT    "hello world"  60

CNAMEs are followed inside the zone. A name with no records at all is NXDOMAIN,
a known name without the asked type is NODATA; both carry an SOA (owner: the
name's last label) in the authority section, TTL --soa-ttl, MINIMUM --soa-minimum.

Test controls: --delay-ms (sleep before each answer), --fail MODE (servfail,
refused: that rcode; http-500: an HTTP error; close: drop the connection
unanswered; garbage: a body that is not DNS; huge: a 70000-byte body). --log FILE records one line per
event, for tests to count:  "connection <peer>", "query <name.> <TYPE>",
"handshake-failed <peer> <reason>". --port 0 picks a free port; the port is
printed ("listening on ADDR PORT") and written to --port-file if given.
"""

import argparse
import base64
import ipaddress
import os
import shlex
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33, "ANY": 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
NOERROR, SERVFAIL, NXDOMAIN, REFUSED, FORMERR = 0, 2, 3, 5, 1
MAX_MESSAGE = 65535


def type_name(qtype):
    return TYPE_NAMES.get(qtype, f"TYPE{qtype}")


def canonical(name):
    name = name.strip().lower().rstrip(".")
    return name + "." if name else "."


def encode_name(name):
    out = b""
    for label in canonical(name).rstrip(".").split("."):
        if label:
            raw = label.encode("ascii")
            if len(raw) > 63:
                raise ValueError(f"label too long in {name}")
            out += bytes([len(raw)]) + raw
    return out + b"\0"


def encode_rdata(rtype, value):
    if rtype == "A":
        return ipaddress.IPv4Address(value).packed
    if rtype == "AAAA":
        return ipaddress.IPv6Address(value).packed
    if rtype in ("CNAME", "NS", "PTR"):
        return encode_name(value)
    if rtype == "TXT":
        raw = value.encode("utf-8")
        chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
        return b"".join(bytes([len(c)]) + c for c in chunks)
    raise ValueError(f"unsupported record type {rtype}")


def load_zone(path):
    """{name.: [(type, ttl, rdata, value)]}"""
    zone = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            fields = shlex.split(line, comments=True)
            if not fields:
                continue
            if len(fields) not in (3, 4) or fields[1].upper() not in TYPES:
                raise SystemExit(f"{path}:{number}: expected 'name TYPE value [ttl]'")
            name, rtype, value = canonical(fields[0]), fields[1].upper(), fields[2]
            ttl = int(fields[3]) if len(fields) == 4 else 300
            zone.setdefault(name, []).append((rtype, ttl, encode_rdata(rtype, value), value))
    return zone


def parse_question(message):
    """(id, flags, qname., qtype, qclass, end offset) of a single-question query, or None."""
    if len(message) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", message[:6])
    if flags & 0x8000 or qdcount != 1:
        return None
    labels, pos = [], 12
    while True:
        if pos >= len(message):
            return None
        length = message[pos]
        pos += 1
        if length == 0:
            break
        if length > 63 or pos + length > len(message):
            return None  # no compression in a question we accept
        labels.append(message[pos:pos + length].decode("ascii", "replace"))
        pos += length
    if pos + 4 > len(message):
        return None
    qtype, qclass = struct.unpack("!HH", message[pos:pos + 4])
    return qid, flags, canonical(".".join(labels)), qtype, qclass, pos + 4


class Answerer:
    def __init__(self, zone, soa_ttl, soa_minimum):
        self.zone, self.soa_ttl, self.soa_minimum = zone, soa_ttl, soa_minimum

    def soa_record(self, name):
        apex = canonical(name.rstrip(".").split(".")[-1]) if name != "." else "."
        mname = "ns." + apex if apex != "." else "ns."
        rname = "hostmaster." + apex if apex != "." else "hostmaster."
        rdata = encode_name(mname) + encode_name(rname) + struct.pack("!IIIII", 1, 3600, 600, 86400, self.soa_minimum)
        return (apex, TYPES["SOA"], self.soa_ttl, rdata)

    def resolve(self, qname, qtype):
        """(rcode, answers, authority) as lists of (owner, type, ttl, rdata)."""
        answers, current = [], qname
        for _ in range(8):
            records = self.zone.get(current)
            if records is None:
                # A name with names below it exists (an empty non-terminal): NODATA.
                if any(name.endswith("." + current) for name in self.zone):
                    return NOERROR, answers, [self.soa_record(current)]
                return NXDOMAIN, answers, [self.soa_record(current)]
            wanted = [r for r in records if qtype == 255 or TYPES[r[0]] == qtype]
            if wanted:
                return NOERROR, answers + [(current, TYPES[r[0]], r[1], r[2]) for r in wanted], []
            cname = next((r for r in records if r[0] == "CNAME"), None)
            if cname is None:
                return NOERROR, answers, [self.soa_record(current)]
            answers.append((current, TYPES["CNAME"], cname[1], cname[2]))
            current = canonical(cname[3])
        return SERVFAIL, [], []

    def respond(self, query, fail):
        parsed = parse_question(query)
        if parsed is None:
            return None
        qid, flags, qname, qtype, qclass, end = parsed
        if fail in ("servfail", "refused"):
            rcode, answers, authority = (SERVFAIL if fail == "servfail" else REFUSED), [], []
        elif qclass != 1:
            rcode, answers, authority = REFUSED, [], []
        else:
            rcode, answers, authority = self.resolve(qname, qtype)
        out_flags = 0x8000 | (flags & 0x0100) | 0x0080 | rcode  # QR, RD copied, RA
        header = struct.pack("!HHHHHH", qid, out_flags, 1, len(answers), len(authority), 0)
        body = header + query[12:end]  # the question exactly as asked
        for owner, rtype, ttl, rdata in answers + authority:
            body += encode_name(owner) + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata
        ttls = [r[2] for r in answers + authority] or [0]
        return body, min(ttls), qname, qtype


class Log:
    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8", buffering=1) if path else None
        self.lock = threading.Lock()

    def write(self, *fields):
        if self.file:
            with self.lock:
                self.file.write(" ".join(str(f) for f in fields) + "\n")
                self.file.flush()


class DohHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    timeout = 30  # an idle kept-alive connection is closed after this
    server_version = "doh-test"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("doh_server: " + (fmt % args) + "\n")

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/dns-query":
            return self.send_error(404)
        values = urllib.parse.parse_qs(url.query).get("dns")
        if not values:
            return self.send_error(400, "missing dns parameter")
        try:
            encoded = values[0]
            query = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError:
            return self.send_error(400, "bad base64url")
        self.answer(query)

    def do_POST(self):
        if urllib.parse.urlsplit(self.path).path != "/dns-query":
            return self.send_error(404)
        if self.headers.get("Content-Type", "").split(";")[0].strip().lower() != "application/dns-message":
            return self.send_error(415)
        length = int(self.headers.get("Content-Length", "0"))
        if length <= 0 or length > MAX_MESSAGE:
            return self.send_error(413 if length > MAX_MESSAGE else 400)
        self.answer(self.rfile.read(length))

    def answer(self, query):
        server = self.server
        if server.delay_ms:
            time.sleep(server.delay_ms / 1000)
        parsed = parse_question(query)
        if parsed:
            server.log.write("query", parsed[2], type_name(parsed[3]))
        if server.fail == "http-500":
            return self.send_error(500)
        if server.fail == "close":
            self.close_connection = True
            return
        if server.fail == "garbage":
            return self.send_body(b"\x01\x02\x03", 0)
        if server.fail == "huge":
            return self.send_body(bytes(70000), 0)
        response = server.answerer.respond(query, server.fail)
        if response is None:
            return self.send_error(400, "not a DNS query")
        self.send_body(response[0], response[1])

    def send_body(self, body, max_age):
        self.send_response(200)
        self.send_header("Content-Type", "application/dns-message")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", f"max-age={max_age}")
        self.end_headers()
        self.wfile.write(body)


class DohServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, tls, options, answerer, log):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.tls, self.answerer, self.log = tls, answerer, log
        self.delay_ms, self.fail, self.verbose = options.delay_ms, options.fail, options.verbose
        super().__init__(address, DohHandler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the connection's thread, so a client
        # that never completes it blocks nobody else.
        peer = f"{client_address[0]}:{client_address[1]}"
        request.settimeout(10)
        try:
            conn = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.log.write("handshake-failed", peer, getattr(e, "reason", None) or type(e).__name__)
            return
        self.log.write("connection", peer)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        except (ssl.SSLError, OSError):
            pass
        finally:
            conn.close()

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def main():
    p = argparse.ArgumentParser(description="DNS-over-HTTPS test server")
    p.add_argument("--listen", default="127.0.0.1")
    p.add_argument("--port", type=int, default=443)
    p.add_argument("--cert", required=True, help="PEM certificate chain")
    p.add_argument("--key", required=True, help="PEM private key")
    p.add_argument("--zone", required=True, help="zone file: 'name TYPE value [ttl]' lines")
    p.add_argument("--log", help="append one line per connection and query here")
    p.add_argument("--port-file", help="write the bound port here once listening")
    p.add_argument("--delay-ms", type=int, default=0, help="sleep this long before each answer")
    p.add_argument("--fail", choices=["servfail", "refused", "http-500", "close", "garbage", "huge"])
    p.add_argument("--soa-ttl", type=int, default=300)
    p.add_argument("--soa-minimum", type=int, default=60)
    p.add_argument("--verbose", action="store_true")
    options = p.parse_args()

    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(options.cert, options.key)
    answerer = Answerer(load_zone(options.zone), options.soa_ttl, options.soa_minimum)
    server = DohServer((options.listen, options.port), tls, options, answerer, Log(options.log))
    port = server.server_address[1]
    print(f"listening on {options.listen} {port}", flush=True)
    if options.port_file:
        with open(options.port_file + ".tmp", "w", encoding="ascii") as f:
            f.write(f"{port}\n")
        os.replace(options.port_file + ".tmp", options.port_file)  # readers never see half a file
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
