#!/usr/bin/env python3
# tests/tools/doh_query.py - one RFC 8484 A query with curl, for the e2e tests:
# prints the rcode and the addresses ("NOERROR 198.51.100.10"); exit 0 on a
# parsable answer. (dig +https insists on HTTP/2; the test servers speak 1.1.)
#
#   doh_query.py [--get] [--cacert CA] [--resolve HOST:PORT:ADDR] URL NAME
import argparse
import base64
import struct
import subprocess
import sys


def query(name):
    q = struct.pack(">HHHHHH", 0, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return q + struct.pack(">HH", 1, 1)


def summary(m):
    """The rcode and every A record of a DNS response."""
    if len(m) < 12:
        sys.exit(f"short answer ({len(m)} bytes)")
    flags, qd, an = struct.unpack(">HHH", m[2:8])

    def skip_name(off):
        while True:
            length = m[off]
            if length >= 0xC0:
                return off + 2
            off += 1 + length
            if length == 0:
                return off

    off = 12
    for _ in range(qd):
        off = skip_name(off) + 4
    addresses = []
    for _ in range(an):
        off = skip_name(off)
        rtype, _, _, rdlen = struct.unpack(">HHIH", m[off:off + 10])
        off += 10
        if rtype == 1 and rdlen == 4:
            addresses.append(".".join(map(str, m[off:off + 4])))
        off += rdlen
    rcodes = {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}
    return " ".join([rcodes.get(flags & 15, str(flags & 15)), *addresses])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--get", action="store_true", help="GET ?dns= instead of POST")
    p.add_argument("--cacert")
    p.add_argument("--resolve")
    p.add_argument("url")
    p.add_argument("name")
    a = p.parse_args()
    q = query(a.name)
    args = ["curl", "-sS", "--fail-with-body", "--max-time", "5", "-H", "accept: application/dns-message"]
    if a.cacert:
        args += ["--cacert", a.cacert]
    if a.resolve:
        args += ["--resolve", a.resolve]
    if a.get:
        args += [a.url + "?dns=" + base64.urlsafe_b64encode(q).decode().rstrip("=")]
    else:
        args += ["-H", "content-type: application/dns-message", "--data-binary", "@-", a.url]
    r = subprocess.run(args, input=q, capture_output=True)
    if r.returncode != 0:
        sys.exit("curl exit %d: %s %r" % (r.returncode, r.stderr.decode(errors="replace"), r.stdout[:200]))
    print(summary(r.stdout))


if __name__ == "__main__":
    main()
