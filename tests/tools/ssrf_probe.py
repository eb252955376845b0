#!/usr/bin/env python3
"""tests/tools/ssrf_probe.py - hand-built frames from a VM to destinations it must never reach.

Runs inside a VM namespace (root: AF_PACKET). For each probe it builds an
Ethernet/IPv4 frame from the interface's own MAC and address to the gateway's
MAC (a TCP SYN, a UDP datagram or an ICMP echo request) with a destination the
VM's kernel would never route there itself (127.0.0.1, 0.0.0.0, broadcast,
multicast, class E) or that the gateway must refuse (private, link-local,
CGNAT, metadata, benchmarking, TCP 25, ...), writes it to the interface, and
watches the interface for the answer. One line per probe on stdout:

    tcp 127.0.0.1:80 rst          synack | rst | icmp-T/C | none
    udp 10.99.0.1:8080 none       reply  | icmp-T/C | none
    icmp 169.254.169.254 none     reply  | icmp-T/C | none

When a probe draws several answers the worst is printed (synack/reply, then
rst, then icmp-T/C). --verbose adds timings and sources on stderr.

Usage:
  ssrf_probe.py [--ifname eth0] [--gateway IP] [--gateway-mac MAC]
                [--timeout SECS] [--sequential] [--verbose] [--default-set] [PROBE...]
  PROBE: tcp:ADDR:PORT | udp:ADDR:PORT | icmp:ADDR
  Without PROBEs (or with --default-set) the built-in set below is sent.

Bounded: every wait has a deadline (--timeout per probe, default 1 s; 200
probes at most); nothing is sent but the probes and at most 3 ARP requests
for the gateway. Python 3 standard library only.
"""
import argparse
import fcntl
import os
import random
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
SIOCGIFADDR = 0x8915
SIOCGIFHWADDR = 0x8927
MAX_PROBES = 200

# Destinations a VM's kernel would never send to the gateway (or that policy
# must refuse), with the ports the test's canaries listen on.
DEFAULT_ADDRESSES = [
    "127.0.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.1", "240.0.0.1",
    "10.99.0.1", "172.16.5.5", "192.168.77.1", "169.254.169.254",
    "100.64.0.1", "198.18.0.1", "192.0.0.1",
]
DEFAULT_HIGH_PORT = 8080


def default_probes():
    probes = []
    for a in DEFAULT_ADDRESSES:
        probes.append(("tcp", a, 80))
        probes.append(("tcp", a, DEFAULT_HIGH_PORT))
    probes.append(("tcp", "192.0.2.25", 25))
    for a in DEFAULT_ADDRESSES:
        probes.append(("udp", a, DEFAULT_HIGH_PORT))
    for a in DEFAULT_ADDRESSES:
        probes.append(("icmp", a, 0))
    return probes


def parse_probe(text):
    parts = text.split(":")
    kind = parts[0].lower()
    try:
        if kind in ("tcp", "udp") and len(parts) == 3:
            addr, port = parts[1], int(parts[2])
            if not 0 < port < 65536:
                raise ValueError
        elif kind == "icmp" and len(parts) == 2:
            addr, port = parts[1], 0
        else:
            raise ValueError
        socket.inet_aton(addr)
    except (ValueError, OSError):
        raise argparse.ArgumentTypeError(f"bad probe {text!r} (tcp:ADDR:PORT, udp:ADDR:PORT, icmp:ADDR)")
    return (kind, addr, port)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ifreq(ifname):
    return struct.pack("256s", ifname.encode()[:15])


def interface_mac(sock, ifname):
    return fcntl.ioctl(sock.fileno(), SIOCGIFHWADDR, ifreq(ifname))[18:24]


def interface_ip(ifname):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        return fcntl.ioctl(s.fileno(), SIOCGIFADDR, ifreq(ifname))[20:24]


def default_gateway(ifname):
    with open("/proc/net/route") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[0] == ifname and fields[1] == "00000000" and int(fields[3], 16) & 2:
                return struct.pack("<I", int(fields[2], 16))
    return None


def arp_cache_mac(ifname, ip):
    want = socket.inet_ntoa(ip)
    with open("/proc/net/arp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if len(fields) >= 6 and fields[0] == want and fields[5] == ifname and fields[3] != "00:00:00:00:00:00":
                return bytes.fromhex(fields[3].replace(":", ""))
    return None


def arp_resolve(sock, ifname, my_mac, my_ip, ip, timeout):
    """Up to 3 ARP requests for ip; its MAC or None."""
    request = (b"\xff" * 6 + my_mac + struct.pack("!H", ETH_P_ARP)
               + struct.pack("!HHBBH", 1, ETH_P_IP, 6, 4, 1) + my_mac + my_ip + b"\0" * 6 + ip)
    for _ in range(3):
        sock.send(request)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([sock], [], [], left)
            if not r:
                break
            data, addr = sock.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING or len(data) < 42:
                continue
            if struct.unpack("!H", data[12:14])[0] != ETH_P_ARP:
                continue
            if struct.unpack("!H", data[20:22])[0] == 2 and data[28:32] == ip:
                return data[22:28]
    return None


class Probe:
    def __init__(self, kind, addr, port, sport, ident):
        self.kind, self.addr, self.port = kind, addr, port
        self.dst = socket.inet_aton(addr)
        self.sport = sport     # TCP/UDP source port
        self.ident = ident     # ICMP echo id
        self.seq = random.getrandbits(32)
        self.sent_at = None
        self.answers = []      # (result, seconds after sending, source address)

    def label(self):
        return f"{self.kind} {self.addr}" + (f":{self.port}" if self.kind != "icmp" else "")

    def result(self):
        if not self.answers:
            return "none"
        rank = {"synack": 0, "reply": 0, "rst": 1}
        return min(self.answers, key=lambda a: rank.get(a[0], 2))[0]


def ip_header(src, dst, proto, payload_len):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, random.getrandbits(16), 0x4000, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:]


def build_frame(p, my_mac, gw_mac, my_ip):
    if p.kind == "tcp":
        # SYN with an MSS option, as a real stack sends it.
        opts = struct.pack("!BBH", 2, 4, 1460)
        tcp = struct.pack("!HHIIBBHHH", p.sport, p.port, p.seq, 0, (5 + len(opts) // 4) << 4, 0x02, 64240, 0, 0) + opts
        pseudo = my_ip + p.dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
        l4, proto = tcp, 6
    elif p.kind == "udp":
        payload = b"switchyard ssrf probe\n"
        udp = struct.pack("!HHHH", p.sport, p.port, 8 + len(payload), 0) + payload
        pseudo = my_ip + p.dst + struct.pack("!BBH", 0, 17, len(udp))
        c = checksum(pseudo + udp) or 0xFFFF
        l4, proto = udp[:6] + struct.pack("!H", c) + udp[8:], 17
    else:
        payload = b"switchyard ssrf probe..."
        icmp = struct.pack("!BBHHH", 8, 0, 0, p.ident, 1) + payload
        l4, proto = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:], 1
    return gw_mac + my_mac + struct.pack("!H", ETH_P_IP) + ip_header(my_ip, p.dst, proto, len(l4)) + l4


def classify(data, my_ip, by_tcp, by_udp, by_icmp):
    """(probe, result, source) for a frame answering one of our probes, else None."""
    if len(data) < 34 or struct.unpack("!H", data[12:14])[0] != ETH_P_IP:
        return None
    ip = data[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[0] >> 4 != 4 or ihl < 20 or len(ip) < ihl + 8 or ip[16:20] != my_ip:
        return None
    proto, src, l4 = ip[9], socket.inet_ntoa(ip[12:16]), ip[ihl:]
    if proto == 6 and len(l4) >= 14:
        sport, dport = struct.unpack("!HH", l4[:4])
        p = by_tcp.get(dport)
        if p is None or sport != p.port:
            return None
        flags = l4[13]
        if flags & 0x12 == 0x12:
            return p, "synack", src
        if flags & 0x04:
            return p, "rst", src
        return p, f"tcp-flags-{flags:#04x}", src
    if proto == 17:
        sport, dport = struct.unpack("!HH", l4[:4])
        p = by_udp.get(dport)
        if p is not None and sport == p.port:
            return p, "reply", src
        return None
    if proto == 1:
        itype, icode = l4[0], l4[1]
        if itype == 0:
            p = by_icmp.get(struct.unpack("!H", l4[4:6])[0])
            return (p, "reply", src) if p is not None else None
        if itype in (3, 5, 11, 12) and len(l4) >= 8 + 20 + 8:
            inner = l4[8:]
            iihl = (inner[0] & 0x0F) * 4
            if len(inner) < iihl + 8 or inner[12:16] != my_ip:
                return None
            iproto, il4 = inner[9], inner[iihl:]
            if iproto == 6:
                p = by_tcp.get(struct.unpack("!H", il4[:2])[0])
            elif iproto == 17:
                p = by_udp.get(struct.unpack("!H", il4[:2])[0])
            elif iproto == 1 and il4[0] == 8:
                p = by_icmp.get(struct.unpack("!H", il4[4:6])[0])
            else:
                p = None
            if p is not None and inner[16:20] == p.dst:
                return p, f"icmp-{itype}/{icode}", src
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ifname", default="eth0")
    ap.add_argument("--gateway", help="gateway IPv4 (default: the interface's default route)")
    ap.add_argument("--gateway-mac", help="gateway MAC (default: ARP cache, else ARP)")
    ap.add_argument("--timeout", type=float, default=1.0, help="seconds to wait for answers (per probe with --sequential)")
    ap.add_argument("--sequential", action="store_true", help="one probe at a time (default: all sent 5 ms apart)")
    ap.add_argument("--default-set", action="store_true", help="send the built-in probes too")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("probes", nargs="*", type=parse_probe)
    o = ap.parse_args()
    if not 0 < o.timeout <= 10:
        ap.error("--timeout must be in (0, 10]")
    specs = list(o.probes)
    if o.default_set or not specs:
        specs = default_probes() + specs
    if len(specs) > MAX_PROBES:
        ap.error(f"at most {MAX_PROBES} probes")

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((o.ifname, 0))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    my_mac = interface_mac(sock, o.ifname)
    my_ip = interface_ip(o.ifname)
    gw_ip = socket.inet_aton(o.gateway) if o.gateway else default_gateway(o.ifname)
    if o.gateway_mac:
        gw_mac = bytes.fromhex(o.gateway_mac.replace(":", "").replace("-", ""))
    else:
        if gw_ip is None:
            sys.exit("ssrf_probe: no default route on %s; pass --gateway or --gateway-mac" % o.ifname)
        gw_mac = arp_cache_mac(o.ifname, gw_ip) or arp_resolve(sock, o.ifname, my_mac, my_ip, gw_ip, 0.5)
        if gw_mac is None:
            sys.exit(f"ssrf_probe: gateway {socket.inet_ntoa(gw_ip)} did not answer ARP")
    if o.verbose:
        print(f"# {o.ifname} {my_mac.hex(':')} {socket.inet_ntoa(my_ip)} -> gateway {gw_mac.hex(':')}",
              file=sys.stderr)

    base_port = random.randrange(20000, 60000 - 2 * MAX_PROBES)
    base_id = random.randrange(1, 65535 - MAX_PROBES)
    probes = [Probe(k, a, p, base_port + i, base_id + i) for i, (k, a, p) in enumerate(specs)]
    by_tcp = {p.sport: p for p in probes if p.kind == "tcp"}
    by_udp = {p.sport: p for p in probes if p.kind == "udp"}
    by_icmp = {p.ident: p for p in probes if p.kind == "icmp"}

    def receive_until(deadline, waiting):
        """Reads answers until the deadline, or 0.2 s after every probe in waiting is answered."""
        settle = None
        while True:
            now = time.monotonic()
            if settle is None and all(p.answers for p in waiting):
                settle = min(deadline, now + 0.2)
            end = settle if settle is not None else deadline
            if now >= end:
                return
            r, _, _ = select.select([sock], [], [], end - now)
            if not r:
                continue
            data, addr = sock.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            hit = classify(data, my_ip, by_tcp, by_udp, by_icmp)
            if hit is not None:
                p, result, src = hit
                p.answers.append((result, time.monotonic() - p.sent_at, src))

    if o.sequential:
        for p in probes:
            p.sent_at = time.monotonic()
            sock.send(build_frame(p, my_mac, gw_mac, my_ip))
            receive_until(p.sent_at + o.timeout, [p])
    else:
        for p in probes:
            p.sent_at = time.monotonic()
            sock.send(build_frame(p, my_mac, gw_mac, my_ip))
            receive_until(p.sent_at + 0.005, [])
        receive_until(time.monotonic() + o.timeout, probes)

    for p in probes:
        print(f"{p.label()} {p.result()}")
        if o.verbose:
            for result, secs, src in p.answers:
                print(f"#   {p.label()}: {result} from {src} after {secs * 1000:.1f} ms", file=sys.stderr)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
