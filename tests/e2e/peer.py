#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Real TCP/UDP endpoints for the end-to-end tests (stdlib only).

  peer.py serve [--tcp P,..] [--udp P,..] [--lifetime S] [--counts FILE]
      listen on IPv4 and IPv6; accept TCP, echo UDP; on SIGTERM or after
      LIFETIME seconds write {"udp": {port: datagrams}, "drops": {port:
      datagrams the socket's full buffer dropped}} to FILE
  peer.py tcp HOST PORT [--timeout S] [--sport P]
      exit 0 connected, 1 timed out (SYN dropped), 2 refused/other error
  peer.py udp HOST PORT [--timeout S] [--size N] [--sport P]
      send one datagram, exit 0 when the echo comes back, 1 otherwise
  peer.py send HOST PORT,.. --count N [--size N] [--pps R] [--bind SRC]
             [--kind y|garbage|badstun|shortstun|rtp]
      send N datagrams to each port, paced; print {"sent": {port: N},
      "seconds": S}. KIND: "y" bytes; garbage (random bytes, the first
      outside RFC 7983's ranges); STUN headers with a wrong cookie, or
      with the right one but under 20 bytes; RTP-looking datagrams
  peer.py tcpburst HOST PORT --count N --pps R [--bind SRC]
      N connection attempts, paced, each given up after 0.5 s (before
      the first SYN retransmission); print {"attempts": N, "connected": K,
      "seconds": S}
  peer.py session HOST PORT --sport P [--tcp] [--hold S] [--ready FILE]
                  [--until FILE]
      the host's own client: open a flow to HOST:PORT from local port P,
      get the answer, then hold the socket S seconds (or until FILE exists)
      counting what else arrives on it; print {"answered": bool, "others": N}
  peer.py rawtcp HOST DPORT --sport P [--flags SA...]
      send one bare TCP segment with the given flags (no handshake)
  peer.py toobig HOST ORIG_SRC ORIG_DST MTU
      send HOST an ICMP fragmentation-needed (IPv4) or packet-too-big
      (IPv6) about an echo request ORIG_SRC -> ORIG_DST
Every loop is bounded by a count and a time.
"""
import argparse
import json
import os
import selectors
import signal
import socket
import sys
import time


SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)  # Linux; not in Python's module


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def ports(text):
    return [int(p) for p in text.split(",") if p] if text else []


def serve(a):
    sel = selectors.DefaultSelector()
    counts = {p: 0 for p in a.udp}
    for p in a.tcp:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", p))
        s.listen(128)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("tcp", p))
    for p in a.udp:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        # SO_RCVBUF is capped by net.core.rmem_max; as root, force it.
        try:
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
        except PermissionError:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
        s.bind(("::", p))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("udp", p))

    stop = []
    late = []  # (when, sock, data, peer): the --late-echo answers
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    if a.ready:
        open(a.ready, "w").close()
    deadline = time.monotonic() + a.lifetime
    while not stop and time.monotonic() < deadline:
        now = time.monotonic()
        for item in [x for x in late if x[0] <= now]:
            late.remove(item)
            item[1].sendto(item[2], item[3])
        for key, _ in sel.select(timeout=0.1):
            kind, port = key.data
            sock = key.fileobj
            try:
                if kind == "tcp":
                    conn, _ = sock.accept()
                    conn.close()
                    continue
                for _ in range(256):
                    data, peer = sock.recvfrom(65535)
                    counts[port] += 1
                    if not a.no_echo:
                        sock.sendto(data, peer)
                    if a.late_echo:
                        late.append((time.monotonic() + a.late_echo, sock, data, peer))
            except (BlockingIOError, InterruptedError):
                pass
    # Drain what already arrived before counting.
    for key, _ in sel.select(timeout=0.3):
        kind, port = key.data
        if kind != "udp":
            continue
        try:
            while True:
                key.fileobj.recvfrom(65535)
                counts[port] += 1
        except BlockingIOError:
            pass
    if a.counts:
        with open(a.counts, "w") as f:
            json.dump({"udp": counts, "drops": socket_drops(a.udp)}, f)
    return 0


def socket_drops(udp_ports):
    """Datagrams each UDP socket of ours dropped (buffer full): the kernel's
    count in /proc/net/udp6 (the sockets are dual-stack), so a receiver too
    slow to keep up shows as such, not as a leak or a loss."""
    drops = {p: 0 for p in udp_ports}
    try:
        with open("/proc/self/net/udp6") as f:
            next(f)
            for line in f:
                cols = line.split()
                port = int(cols[1].rsplit(":", 1)[1], 16)
                if port in drops:
                    drops[port] += int(cols[-1])
    except OSError:
        pass
    return drops


def bind_sport(s, host, sport, addr=None):
    if sport or addr:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr or ("::" if ":" in host else "0.0.0.0"), sport))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def toobig(a):
    """The ICMP error path-MTU discovery depends on, about a packet the
    host at HOST sent: an echo reply (IPv4: the kernel acts on an error
    about its own echo reply without a socket) or an echo request (IPv6)."""
    echo = bytes([128 if ":" in a.host else 0, 0, 0, 0, 0, 1, 0, 1])
    if ":" in a.host:
        inner = (bytes([0x60, 0, 0, 0]) + (len(echo)).to_bytes(2, "big")
                 + bytes([58, 64]) + socket.inet_pton(socket.AF_INET6, a.orig_src)
                 + socket.inet_pton(socket.AF_INET6, a.orig_dst) + echo)
        msg = bytes([2, 0, 0, 0]) + a.mtu.to_bytes(4, "big") + inner
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    else:
        hdr = bytearray(bytes([0x45, 0]) + (20 + len(echo)).to_bytes(2, "big")
                        + bytes([0, 1, 0, 0, 64, 1, 0, 0])
                        + socket.inet_aton(a.orig_src) + socket.inet_aton(a.orig_dst))
        hdr[10:12] = checksum(bytes(hdr)).to_bytes(2, "big")
        body = bytearray(bytes([3, 4, 0, 0, 0, 0]) + a.mtu.to_bytes(2, "big")
                         + bytes(hdr) + echo)
        body[2:4] = checksum(bytes(body)).to_bytes(2, "big")
        msg = bytes(body)
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.sendto(msg, (a.host, 0))
    s.close()
    return 0


def tcp(a):
    s = socket.socket(family_of(a.host), socket.SOCK_STREAM)
    bind_sport(s, a.host, a.sport, a.bind)
    s.settimeout(a.timeout)
    try:
        s.connect((a.host, a.port))
        return 0
    except socket.timeout:
        return 1
    except OSError:
        return 2
    finally:
        s.close()


def udp(a):
    s = socket.socket(family_of(a.host), socket.SOCK_DGRAM)
    bind_sport(s, a.host, a.sport, a.bind)
    s.settimeout(a.timeout)
    try:
        s.sendto(rtp_like(b"x", a.size), (a.host, a.port))
        s.recvfrom(65535)
        return 0
    except (socket.timeout, ConnectionRefusedError):
        return 1
    finally:
        s.close()


# First bytes RFC 7983 section 7 says to drop: not STUN, ZRTP, DTLS, TURN
# ChannelData or RTP/RTCP.
NOT_RFC7983 = [b for b in range(256)
               if not (b <= 3 or 16 <= b <= 79 or 128 <= b <= 191)]


def rtp_like(fill, size):
    """FILL bytes after an RTP first byte: the built-in profiles guard the
    media ranges (guard: webrtc), where RFC 7983 drops other first bytes."""
    return (b"\x80" + fill * (size - 1)) if size else b""


def datagram(kind, size, i):
    if kind == "garbage":
        body = bytearray(os.urandom(max(size, 1)))
        body[0] = NOT_RFC7983[body[0] % len(NOT_RFC7983)]
        return bytes(body)
    if kind == "badstun":  # binding request, a cookie off by one bit
        cookie = 0x2112A442 ^ (1 << (i % 32))
        return bytes([i % 4, 1, 0, 0]) + cookie.to_bytes(4, "big") + os.urandom(12)
    if kind == "shortstun":  # the right cookie, under the 20-byte header
        return bytes([0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42]) + bytes(i % 12)
    if kind == "rtp":
        return bytes([0x80, 96]) + (i & 0xFFFF).to_bytes(2, "big") + bytes(max(size - 4, 0))
    return rtp_like(b"y", size)


def send(a):
    s = socket.socket(family_of(a.host), socket.SOCK_DGRAM)
    if a.bind:
        s.bind((a.bind, 0))
    payload = None if a.kind != "y" else rtp_like(b"y", a.size)
    targets = ports(a.ports)
    sent = {p: 0 for p in targets}
    gap = 1.0 / a.pps if a.pps else 0
    start = time.monotonic()
    n = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    for i in range(a.count):
        if stop:
            break
        for p in targets:
            s.sendto(payload or datagram(a.kind, a.size, n), (a.host, p))
            sent[p] += 1
            n += 1
        if gap and n % 64 == 0:
            ahead = start + n * gap - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        if time.monotonic() - start > a.max_seconds:
            break
    print(json.dumps({"sent": sent, "seconds": time.monotonic() - start}), flush=True)
    return 0


def tcpburst(a):
    """Connection attempts at a pace; one that is not up in 0.5 s is given
    up before its SYN is sent again, so each attempt is one SYN."""
    fam = family_of(a.host)
    sel = selectors.DefaultSelector()
    pending = {}
    connected = attempts = 0
    start = time.monotonic()

    def reap(until):
        """Collect answers until UNTIL; give up attempts older than 0.5 s."""
        nonlocal connected
        while True:
            now = time.monotonic()
            for sk, t in list(pending.items()):
                if now - t > 0.5:
                    sel.unregister(sk)
                    pending.pop(sk)
                    sk.close()
            if now >= until:
                return
            if not pending:
                time.sleep(min(until - now, 0.05))
                continue
            for key, _ in sel.select(timeout=min(until - now, 0.05)):
                sk = key.fileobj
                sel.unregister(sk)
                pending.pop(sk, None)
                if sk.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    connected += 1
                sk.close()
    for i in range(a.count):
        sk = socket.socket(fam, socket.SOCK_STREAM)
        if a.bind:
            sk.bind((a.bind, 0))
        sk.setblocking(False)
        sk.connect_ex((a.host, a.port))
        sel.register(sk, selectors.EVENT_WRITE)
        pending[sk] = time.monotonic()
        attempts += 1
        reap(start + (i + 1) / a.pps)
        if time.monotonic() - start > a.max_seconds:
            break
    reap(time.monotonic() + 0.6)
    for sk in list(pending):
        sk.close()
    print(json.dumps({"attempts": attempts, "connected": connected,
                      "seconds": time.monotonic() - start}), flush=True)
    return 0


def session(a):
    fam = family_of(a.host)
    out = {"answered": False, "others": 0}
    if a.tcp:
        s = socket.socket(fam, socket.SOCK_STREAM)
        bind_sport(s, a.host, a.sport)
        s.settimeout(a.timeout)
        try:
            s.connect((a.host, a.port))  # the SYN-ACK is a reply
            out["answered"] = True
        except OSError:
            pass
    else:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        bind_sport(s, a.host, a.sport)
        s.settimeout(a.timeout)
        s.sendto(b"query", (a.host, a.port))
        try:
            s.recvfrom(65535)
            out["answered"] = True
        except socket.timeout:
            pass
    if a.ready:
        open(a.ready, "w").close()
    # Hold for HOLD seconds, or with --until until FILE exists (bounded by
    # HOLD): the test says when its probes are done, whatever the speed.
    deadline = time.monotonic() + a.hold
    while time.monotonic() < deadline:
        if a.until and os.path.exists(a.until):
            break
        if a.tcp:
            time.sleep(0.05)
            continue
        s.settimeout(max(0.01, min(0.05, deadline - time.monotonic())))
        try:
            s.recvfrom(65535)
            out["others"] += 1
        except socket.timeout:
            pass
    s.close()
    print(json.dumps(out), flush=True)
    return 0 if out["answered"] else 1


def rawtcp(a):
    """One TCP segment with chosen flags: what a spoofer or a late packet is."""
    flags = sum({"F": 1, "S": 2, "R": 4, "P": 8, "A": 16}[c] for c in a.flags)
    fam = family_of(a.host)
    s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.connect((a.host, 0))
    src = s.getsockname()[0]
    hdr = bytearray(a.sport.to_bytes(2, "big") + a.dport.to_bytes(2, "big")
                    + (12345).to_bytes(4, "big") + (1).to_bytes(4, "big")
                    + bytes([5 << 4, flags]) + (65535).to_bytes(2, "big")
                    + bytes(4))
    if fam == socket.AF_INET:
        pseudo = (socket.inet_aton(src) + socket.inet_aton(a.host)
                  + bytes([0, 6]) + len(hdr).to_bytes(2, "big"))
    else:
        pseudo = (socket.inet_pton(fam, src) + socket.inet_pton(fam, a.host)
                  + len(hdr).to_bytes(4, "big") + bytes([0, 0, 0, 6]))
    hdr[16:18] = checksum(pseudo + bytes(hdr)).to_bytes(2, "big")
    s.send(bytes(hdr))
    s.close()
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--tcp", type=ports, default=[])
    p.add_argument("--udp", type=ports, default=[])
    p.add_argument("--lifetime", type=float, default=900)
    p.add_argument("--counts")
    p.add_argument("--ready")
    p.add_argument("--no-echo", action="store_true")
    p.add_argument("--late-echo", type=float, default=0,
                   help="echo each datagram again after this many seconds")
    for name in ("tcp", "udp"):
        p = sub.add_parser(name)
        p.add_argument("host")
        p.add_argument("port", type=int)
        # An answer is expected in ms; a slow or busy machine must not
        # turn it into a timeout. Probes that expect a drop pass less.
        p.add_argument("--timeout", type=float, default=5.0)
        p.add_argument("--size", type=int, default=32)
        p.add_argument("--sport", type=int, default=0)
        p.add_argument("--bind", help="source address")
    p = sub.add_parser("send")
    p.add_argument("host")
    p.add_argument("ports")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--pps", type=float, default=0)
    p.add_argument("--max-seconds", type=float, default=60)
    p.add_argument("--bind", help="source address")
    p.add_argument("--kind", default="y",
                   choices=["y", "garbage", "badstun", "shortstun", "rtp"])
    p = sub.add_parser("session")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--sport", type=int, required=True)
    p.add_argument("--tcp", action="store_true")
    p.add_argument("--hold", type=float, default=0)
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--ready")
    p.add_argument("--until", help="stop holding once this file exists")
    p = sub.add_parser("rawtcp")
    p.add_argument("host")
    p.add_argument("dport", type=int)
    p.add_argument("--sport", type=int, required=True)
    p.add_argument("--flags", default="A")
    p = sub.add_parser("tcpburst")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--pps", type=float, required=True)
    p.add_argument("--max-seconds", type=float, default=60)
    p.add_argument("--bind", help="source address")
    p = sub.add_parser("toobig")
    p.add_argument("host")
    p.add_argument("orig_src")
    p.add_argument("orig_dst")
    p.add_argument("mtu", type=int)
    a = ap.parse_args()
    return {"serve": serve, "tcp": tcp, "udp": udp, "send": send,
            "session": session, "rawtcp": rawtcp, "toobig": toobig,
            "tcpburst": tcpburst}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
