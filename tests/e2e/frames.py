#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-built frames from the client namespace, and what the server
namespace really got: the attack tests' sender and oracle (stdlib only).

One process holds sockets in both namespaces (a socket stays in the
namespace it was created in, so the process switches with setns(2) while
it opens them): an AF_PACKET sender on the client veth, and in the server
namespace an AF_PACKET (ETH_P_ALL) tap, which sees only what XDP passed
(and what the server sends), plus real UDP/TCP listeners.

  frames.py run SPEC... [--udp-listen P,..] [--tcp-listen P,..]
      send every SPEC's frames, the controls (ctl=1) last, then wait until
      every control was seen past XDP (and received, when it goes to a UDP
      listener), then print one JSON object per spec:
        sent      frames sent
        seen      inbound frames carrying the spec's marker seen past XDP
        received  datagrams with the marker read by a UDP listener
        synack    SYN-ACKs the server sent back on the spec's tuple
        rst       RSTs the server sent back on the spec's tuple
        answered  outgoing frames about the spec: its marker quoted, or an
                  ICMP reply with its identifier
  frames.py teardown ...   spoofed RST/FIN on the host's live connections
  frames.py scan ...       every TCP/UDP port in four encapsulations
  frames.py flows PIN      the pinned xr_flows, one entry a line
  (run, teardown and scan take --srv-ns --cli-ns --srv-if --cli-if
  --srv4 --srv6 --cli4 --cli6; see each function.)

SPEC: comma-separated KEY=VALUE, e.g.
  name=udp3tags,fam=4,l4=udp,dport=6379,tags=8100:0/8100:0/8100:0,count=3
  fam       4 or 6 (default 4)
  l4        udp, tcp, icmp (default udp)
  dport     destination port; icmp=TYPE:CODE for ICMP
  sport     source port (default 31000 + the spec's index)
  flags     TCP flags, letters of FSRPAEC (default S)
  seq, ack  TCP sequence and acknowledgement numbers
  tags      VLAN tags outermost first, TPID:VID (hex TPID)
  src, dst  IP addresses (defaults: the client's and server's)
  ext       IPv6 extension chain before L4, outermost first, '/'-separated:
            frag:OFFSET:M, dst:LEN8 (8-byte units beyond the first), hop:LEN8,
            ah (12 bytes + 4 ICV); IPv4: each ah puts an AH header under IP
  frag4     IPv4 fragment: OFFSET:MF (offset in 8-byte units)
  plen      override the IPv6 payload length
  count     frames (default 1)
  ctl       1: a control that must be seen before the run ends
  dir       out: the server sends it on its interface (its tc egress sees it
            as the host's own packet); addresses and MACs reversed
"""
import argparse
import ctypes
import errno
import json
import os
import select
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SO_RCVBUFFORCE = 33
# The first byte is RTP's (RFC 7983): the built-in profiles guard the media
# ranges with guard: webrtc, and these frames test other rules there.
MARK = b"\x80XRATK"
libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"setns {path}: {os.strerror(e)}")
    finally:
        os.close(fd)


def in_ns(ns, fn):
    """Call FN in the network namespace NS (a name under /run/netns)."""
    here = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        setns(f"/run/netns/{ns}")
        return fn()
    finally:
        libc.setns(here, CLONE_NEWNET)
        os.close(here)


def mac_of(ifname):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    import fcntl
    ifr = fcntl.ioctl(s.fileno(), 0x8927, struct.pack("256s", ifname.encode()[:15]))
    s.close()
    return ifr[18:24]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def pseudo(fam, src, dst, proto, length):
    if fam == 4:
        return socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, proto, length)
    return (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
            + struct.pack("!IxxxB", length, proto))


TCP_FLAGS = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16, "E": 64, "C": 128}


def l4_segment(sp, fam, src, dst, payload):
    """(IP protocol number, L4 header + payload) with a valid checksum."""
    kind = sp.get("l4", "udp")
    if kind == "udp":
        n = 8 + len(payload)
        h = struct.pack("!HHHH", sp["sport"], sp["dport"], n, 0) + payload
        c = csum(pseudo(fam, src, dst, 17, n) + h) or 0xFFFF
        return 17, h[:6] + struct.pack("!H", c) + h[8:]
    if kind == "tcp":
        flags = sum(TCP_FLAGS[c] for c in sp.get("flags", "S"))
        h = struct.pack("!HHIIBBHHH", sp["sport"], sp["dport"], int(sp.get("seq", 1000)),
                        int(sp.get("ack", 0)), 5 << 4, flags, 65535, 0, 0) + payload
        c = csum(pseudo(fam, src, dst, 6, len(h)) + h)
        return 6, h[:16] + struct.pack("!H", c) + h[18:]
    # icmp: TYPE:CODE, identifier = the spec's id, sequence 1
    t, code = (int(x) for x in sp["icmp"].split(":"))
    body = struct.pack("!BBHHH", t, code, 0, sp["ident"], 1) + payload
    if fam == 4:
        return 1, body[:2] + struct.pack("!H", csum(body)) + body[4:]
    c = csum(pseudo(fam, src, dst, 58, len(body)) + body)
    return 58, body[:2] + struct.pack("!H", c) + body[4:]


def build(sp, idx, seq, macs, addrs):
    fam = int(sp.get("fam", 4))
    out = sp.get("dir") == "out"
    src = sp.get("src", addrs[("srv%d" if out else "cli%d") % fam])
    dst = sp.get("dst", addrs[("cli%d" if out else "srv%d") % fam])
    payload = MARK + struct.pack("!HH", idx, seq) + b"p" * 19
    proto, seg = l4_segment(sp, fam, src, dst, payload)
    ext = [e for e in sp.get("ext", "").split("/") if e]
    if fam == 4:
        inner, nh = seg, proto
        for _ in range(ext.count("ah")):  # next header, length (words - 2), SPI, sequence, ICV
            inner = struct.pack("!BBHII", nh, 2, 0, 0x100, 1) + b"\0" * 4 + inner
            nh = 51
        off, mf = (int(x) for x in sp.get("frag4", "0:0").split(":"))
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(inner), 0x1234,
                          (mf << 13) | off, 64, nh, 0,
                          socket.inet_aton(src), socket.inet_aton(dst))
        l3 = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + inner
        etype = 0x0800
    else:
        chain = b""
        nexts = ext
        # Build from the innermost outwards: each header names the next.
        nh = proto
        for e in reversed(nexts):
            parts = e.split(":")
            if parts[0] == "frag":
                chain = struct.pack("!BBHI", nh, 0, (int(parts[1]) << 3) | int(parts[2]),
                                    0xABCD) + chain
                nh = 44
            elif parts[0] in ("dst", "hop"):
                n8 = int(parts[1]) if len(parts) > 1 else 0
                size = 8 * (n8 + 1)  # one PadN option fills what follows the 2 bytes
                body = struct.pack("!BBBB", nh, n8, 1, size - 4) + b"\0" * (size - 4)
                chain = body + chain
                nh = 60 if parts[0] == "dst" else 0
            elif parts[0] == "ah":
                chain = struct.pack("!BBHII", nh, 2, 0, 0x100, 1) + b"\0" * 4 + chain
                nh = 51
        inner = chain + seg
        plen = int(sp["plen"]) if "plen" in sp else len(inner)
        l3 = (struct.pack("!IHBB", 0x60000000, plen, nh, 64)
              + socket.inet_pton(socket.AF_INET6, src)
              + socket.inet_pton(socket.AF_INET6, dst) + inner)
        etype = 0x86DD
    tags = b""
    for t in [t for t in sp.get("tags", "").split("/") if t]:
        tpid, vid = t.split(":")
        tags += struct.pack("!HH", int(tpid, 16), int(vid))
    ends = macs["cli"] + macs["srv"] if out else macs["srv"] + macs["cli"]
    return ends + tags + struct.pack("!H", etype) + l3


def parse_spec(text, idx):
    sp = dict(kv.split("=", 1) for kv in text.split(",") if kv)
    sp.setdefault("name", "spec%d" % idx)
    sp["sport"] = int(sp.get("sport", 31000 + idx))
    sp["dport"] = int(sp.get("dport", 0))
    sp["ident"] = 0x5800 + idx
    return sp


def l3_of(frame):
    """(family, L3 offset) after any VLAN tags, or (0, 0)."""
    off = 12
    for _ in range(8):
        et = struct.unpack_from("!H", frame, off)[0]
        if et in (0x8100, 0x88A8, 0x9100):
            off += 4
            continue
        if et == 0x0800:
            return 4, off + 2
        if et == 0x86DD:
            return 6, off + 2
        return 0, 0
    return 0, 0


def l4_of(frame):
    """(ip proto, l4 offset) of an unfragmented frame without IPv6 ext headers."""
    fam, off = l3_of(frame)
    if fam == 4 and len(frame) >= off + 20:
        return frame[off + 9], off + (frame[off] & 15) * 4
    if fam == 6 and len(frame) >= off + 40:
        return frame[off + 6], off + 40
    return None, 0


def sendall(sock, frames, deadline):
    """Send each frame; a full veth ring (ENOBUFS) is waited out, never skipped."""
    sent = 0
    for f in frames:
        while True:
            try:
                sock.send(f)
                sent += 1
                break
            except OSError as e:
                if e.errno not in (errno.ENOBUFS, errno.EAGAIN) or time.monotonic() > deadline:
                    raise
                time.sleep(0.0005)
    return sent


def run(a):
    specs = [parse_spec(t, i) for i, t in enumerate(a.spec)]
    udp_ports = [int(p) for p in a.udp_listen.split(",") if p]
    tcp_ports = [int(p) for p in a.tcp_listen.split(",") if p]

    def server_side():
        tap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        tap.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
        tap.bind((a.srv_if, 0))
        tap.setblocking(False)
        listeners = {}
        for p in udp_ports:
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
            s.bind(("::", p))
            s.setblocking(False)
            listeners[s] = p
        tcps = []
        for p in tcp_ports:
            s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(("::", p))
            s.listen(1024)
            tcps.append(s)
        return tap, listeners, tcps, mac_of(a.srv_if)

    def client_side():
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((a.cli_if, 0))
        return s, mac_of(a.cli_if)

    tap, listeners, tcps, srv_mac = in_ns(a.srv_ns, server_side)
    tx, cli_mac = in_ns(a.cli_ns, client_side)
    macs = {"srv": srv_mac, "cli": cli_mac}
    addrs = {"srv4": a.srv4, "srv6": a.srv6, "cli4": a.cli4, "cli6": a.cli6}
    res = [dict(name=sp["name"], sent=0, seen=0, received=0, synack=0, rst=0, answered=0)
           for sp in specs]
    by_ident = {sp["ident"]: i for i, sp in enumerate(specs)}
    by_tuple = {(sp["dport"], sp["sport"]): i for i, sp in enumerate(specs)
                if sp.get("l4", "udp") == "tcp"}

    def drain():
        while True:
            try:
                frame, addr = tap.recvfrom(65535)
            except BlockingIOError:
                break
            k = frame.find(MARK)
            if addr[2] != PACKET_OUTGOING:
                if k >= 0:
                    i = struct.unpack_from("!H", frame, k + len(MARK))[0]
                    if i < len(res):
                        res[i]["seen"] += 1
                continue
            if k >= 0:  # quoted in an ICMP error, or echoed
                i = struct.unpack_from("!H", frame, k + len(MARK))[0]
                if i < len(res):
                    res[i]["answered"] += 1
                continue
            proto, l4 = l4_of(frame)
            if proto == 6 and len(frame) >= l4 + 14:
                sport, dport = struct.unpack_from("!HH", frame, l4)
                i = by_tuple.get((sport, dport))
                if i is not None:
                    fl = frame[l4 + 13]
                    if fl & 4:
                        res[i]["rst"] += 1
                    elif fl & 0x12 == 0x12:
                        res[i]["synack"] += 1
            elif proto in (1, 58) and len(frame) >= l4 + 8:
                t = frame[l4]
                ident = struct.unpack_from("!H", frame, l4 + 4)[0]
                if ident in by_ident and t in (0, 14, 18, 129, 140):
                    res[by_ident[ident]]["answered"] += 1
        for s, p in listeners.items():
            while True:
                try:
                    data = s.recv(65535)
                except BlockingIOError:
                    break
                k = data.find(MARK)
                if k >= 0:
                    i = struct.unpack_from("!H", data, k + len(MARK))[0]
                    if i < len(res):
                        res[i]["received"] += 1

    deadline = time.monotonic() + a.timeout
    # Controls go last: the server's veth hands frames to XDP and the stack
    # in order, so once they were seen every earlier frame was judged.
    for i, sp in sorted(enumerate(specs), key=lambda x: x[1].get("ctl") == "1"):
        frames = [build(sp, i, n, macs, addrs) for n in range(int(sp.get("count", 1)))]
        res[i]["sent"] = sendall(tap if sp.get("dir") == "out" else tx, frames, deadline)
        drain()

    def controls_done():
        for sp, r in zip(specs, res):
            if sp.get("ctl") != "1":
                continue
            if r["seen"] < r["sent"]:
                return False
            if sp.get("l4", "udp") == "udp" and sp["dport"] in udp_ports and r["received"] < r["sent"]:
                return False
        return True

    while time.monotonic() < deadline:
        drain()
        if controls_done():
            break
        select.select([tap] + list(listeners), [], [], 0.05)
    # Answers (SYN-ACK, RST, ICMP) follow what arrived: a short last drain.
    end = time.monotonic() + a.settle
    while time.monotonic() < end:
        select.select([tap] + list(listeners), [], [], 0.05)
        drain()
    for r in res:
        print(json.dumps(r))
    return 0


def flows(a):
    """One line per xr_flows entry: proto family lport rport local remote."""
    import subprocess
    out = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", a.pin],
                         check=True, capture_output=True, text=True).stdout
    for e in json.loads(out):
        k = bytes(int(b, 16) for b in e["key"])
        loc, rem = k[0:16], k[16:32]
        lport, rport = struct.unpack_from("!HH", k, 32)
        proto, fam = k[36], k[37]

        def addr(b):
            if b[:12] == b"\0" * 10 + b"\xff\xff":
                return socket.inet_ntop(socket.AF_INET, b[12:])
            return socket.inet_ntop(socket.AF_INET6, b)
        print("tcp" if proto == 0 else "udp", fam, lport, rport, addr(loc), addr(rem))
    return 0


def teardown(a):
    """A blind attacker's RST/FIN on the host's live connections, then
    silence past the closed timeout, then data from the real peer.

    Connections the host (server namespace) opens to a listener in the
    client namespace: r4 and r6 get a spoofed RST, f4 a spoofed FIN (blind:
    sequence numbers out of the window), h4 is closed by the host itself
    (shutdown, its own FIN). After WAIT seconds without a packet from the
    host, each peer sends data; prints whether the host's socket got it."""
    port = 8090

    def client_side():
        ls = []
        for fam, addr in ((socket.AF_INET, a.cli4), (socket.AF_INET6, a.cli6)):
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, port))
            s.listen(16)
            ls.append(s)
        tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        tx.bind((a.cli_if, 0))
        return ls, tx, mac_of(a.cli_if)

    def server_side():
        tap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        tap.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
        tap.bind((a.srv_if, 0))
        tap.setblocking(False)
        conns = {}
        for name, fam, sport in (("r4", 4, 40200), ("f4", 4, 40202), ("h4", 4, 40201),
                                 ("r6", 6, 40203)):
            s = socket.socket(socket.AF_INET if fam == 4 else socket.AF_INET6,
                              socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a.srv4 if fam == 4 else a.srv6, sport))
            conns[name] = (s, fam, sport)
        return tap, conns, mac_of(a.srv_if)

    (l4, l6), tx, cli_mac = in_ns(a.cli_ns, client_side)
    tap, conns, srv_mac = in_ns(a.srv_ns, server_side)
    macs = {"srv": srv_mac, "cli": cli_mac}
    addrs = {"srv4": a.srv4, "srv6": a.srv6, "cli4": a.cli4, "cli6": a.cli6}
    out = {}
    peers = {}
    for name, (s, fam, sport) in conns.items():
        s.settimeout(5)
        s.connect((a.cli4 if fam == 4 else a.cli6, port))
        c, _ = (l4 if fam == 4 else l6).accept()
        c.settimeout(5)
        peers[name] = c
    out["connected"] = len(peers)
    # The spoofs: blind, from the client side, on the live tuples.
    spoofs = [("r4", "R"), ("f4", "FA"), ("r6", "R")]
    for i, (name, flags) in enumerate(spoofs):
        _, fam, sport = conns[name]
        sp = parse_spec(f"fam={fam},l4=tcp,sport={port},dport={sport},flags={flags},"
                        f"seq={0x9E3779B9 + i * 0x10000000},ack=1", 200 + i)
        tx.send(build(sp, 200 + i, 0, macs, addrs))
    # The host's own FIN on h4; the peer sees its end of stream.
    conns["h4"][0].shutdown(socket.SHUT_WR)
    out["h4_peer_saw_fin"] = peers["h4"].recv(100) == b""
    time.sleep(0.3)
    seen = 0
    while True:
        try:
            frame, addr = tap.recvfrom(65535)
        except BlockingIOError:
            break
        if addr[2] != PACKET_OUTGOING and MARK in frame:
            seen += 1
    out["spoofs_sent"] = len(spoofs)
    out["spoofs_seen"] = seen  # past XDP: the host's stack judged them
    # Silence: the host sends nothing on these connections from now on.
    quiet_from = time.monotonic()
    while time.monotonic() < quiet_from + a.wait:
        time.sleep(0.2)
    for name, c in peers.items():
        c.send(b"late data " + name.encode())
    # h4 last, and shortly: the others' data, sent at the same time, came first.
    for name in sorted(conns, key=lambda n: n == "h4"):
        s = conns[name][0]
        s.settimeout(a.recv_timeout if name != "h4" else 1.0)
        try:
            out[name] = s.recv(100).startswith(b"late data")
        except socket.timeout:
            out[name] = False
    out["quiet_seconds"] = round(time.monotonic() - quiet_from, 1)
    print(json.dumps(out))
    return 0


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class MsgHdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(IoVec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


class MMsgHdr(ctypes.Structure):
    _fields_ = [("hdr", MsgHdr), ("len", ctypes.c_uint)]


SCAN_VARIANTS = [("untagged", ""), ("1 tag", "8100:0"), ("3 tags", "88a8:0/8100:0/8100:0"),
                 ("first fragment", "")]
SCAN_SPORT = 20000  # + variant * 4 + (family == 6) * 2 + (udp): who a frame was


def ranges(ports):
    out, start, prev = [], None, None
    for p in sorted(ports) + [None]:
        if start is None:
            start = prev = p
        elif p is not None and p == prev + 1:
            prev = p
        else:
            out.append(str(start) if start == prev else "%d-%d" % (start, prev))
            start = prev = p
    return ",".join(out)


def scan(a):
    """Every TCP (SYN) and UDP port 1-65535, v4 and v6, in SCAN_VARIANTS,
    from the client namespace in batches of sendmmsg; the oracle is the
    server namespace's AF_PACKET tap: which ports got past XDP. Before it,
    the host itself opens a UDP flow and a TCP connection (the only flows
    it initiates). Prints one JSON object."""
    batch = 256
    udp_listen, tcp_listen = (44250, 40000), (443, 6379)

    def server_side():
        tap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        tap.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
        tap.bind((a.srv_if, 0))
        tap.setblocking(False)
        us = {}
        for p in udp_listen:
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
            s.bind(("::", p))
            s.setblocking(False)
            us[s] = p
        ts = []
        for p in tcp_listen:
            s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(("::", p))
            s.listen(4096)
            ts.append(s)
        hu = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        hu.bind((a.srv4, 40500))
        ht = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ht.bind((a.srv4, 40501))
        return tap, us, ts, hu, ht, mac_of(a.srv_if)

    def client_side():
        tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        tx.bind((a.cli_if, 0))
        lu = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        lu.bind((a.cli4, 5399))
        lt = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lt.bind((a.cli4, 8095))
        lt.listen(4)
        return tx, lu, lt, mac_of(a.cli_if)

    tap, us, ts, hu, ht, srv_mac = in_ns(a.srv_ns, server_side)
    tx, lu, lt, cli_mac = in_ns(a.cli_ns, client_side)
    macs = {"srv": srv_mac, "cli": cli_mac}
    addrs = {"srv4": a.srv4, "srv6": a.srv6, "cli4": a.cli4, "cli6": a.cli6}
    out = {}
    # The host's own flows: a UDP query and a TCP connection, answered.
    hu.sendto(b"q", (a.cli4, 5399))
    lu.settimeout(5)
    _, peer = lu.recvfrom(10)
    lu.sendto(b"a", peer)
    hu.settimeout(5)
    out["host_udp_answered"] = hu.recv(10) == b"a"
    ht.settimeout(5)
    ht.connect((a.cli4, 8095))
    conn, _ = lt.accept()
    out["host_tcp_connected"] = True

    seen = {}  # (variant, fam, proto) -> set of ports past XDP
    answered = {}  # (variant, fam) -> SYN-ACKs from 443 to the scanner
    rx_total = [0]
    last_seen = [False]

    def drain():
        while True:
            try:
                f, addr = tap.recvfrom(2048)
            except BlockingIOError:
                return
            fam, off = l3_of(f)
            if not fam:
                continue
            if fam == 4:
                proto, l4 = f[off + 9], off + (f[off] & 15) * 4
                if struct.unpack_from("!H", f, off + 6)[0] & 0x1FFF:
                    continue
            else:
                proto, l4 = f[off + 6], off + 40
                if proto == 44:
                    proto, l4 = f[l4], l4 + 8
            if proto not in (6, 17) or len(f) < l4 + (20 if proto == 6 else 8):
                continue
            sport, dport = struct.unpack_from("!HH", f, l4)
            if addr[2] == PACKET_OUTGOING:
                v = dport - SCAN_SPORT
                if proto == 6 and 0 <= v < 16 and sport == 443 and f[l4 + 13] & 0x12 == 0x12:
                    answered[(v >> 2, v >> 1 & 1)] = answered.get((v >> 2, v >> 1 & 1), 0) + 1
                continue
            if sport == 29999 and MARK in f:
                last_seen[0] = True
            v = sport - SCAN_SPORT
            # The scanner's kernel resets the SYN-ACKs it gets: not our frames.
            if 0 <= v < 16 and (proto == 17 or f[l4 + 13] & 2):
                rx_total[0] += 1
                seen.setdefault((v >> 2, v >> 1 & 1, v & 1), set()).add(dport)

    buf_iov = (IoVec * batch)()
    mm = (MMsgHdr * batch)()
    start = time.monotonic()
    deadline = start + a.timeout
    sent = 0
    for vi, (vname, tags) in enumerate(SCAN_VARIANTS):
        for fi, fam in enumerate((4, 6)):
            for pi, l4 in enumerate(("tcp", "udp")):
                sport = SCAN_SPORT + vi * 4 + fi * 2 + pi
                spec = f"fam={fam},l4={l4},sport={sport},dport=0,tags={tags}"
                if vname == "first fragment":
                    spec += ",frag4=0:1" if fam == 4 else ",ext=frag:0:1"
                sp = parse_spec(spec, 0)
                tmpl = build(sp, 0, 0, macs, addrs)
                _, l3off = l3_of(tmpl)
                l4off = l3off + (20 if fam == 4 else 40 + (8 if vname == "first fragment" else 0))
                coff = l4off + (16 if l4 == "tcp" else 6)
                # The checksum without the port: each frame adds its port.
                base = (~struct.unpack_from("!H", tmpl, coff)[0]) & 0xFFFF
                L = len(tmpl)
                buf = ctypes.create_string_buffer(tmpl * batch, L * batch)
                addr0 = ctypes.addressof(buf)
                for i in range(batch):
                    buf_iov[i].base = addr0 + i * L
                    buf_iov[i].len = L
                    mm[i].hdr.iov = ctypes.pointer(buf_iov[i])
                    mm[i].hdr.iovlen = 1
                mv = memoryview(buf).cast("B")
                port = 1
                while port <= 65535:
                    n = min(batch, 65536 - port)
                    for i in range(n):
                        p = port + i
                        x = base + p
                        x = (x & 0xFFFF) + (x >> 16)
                        x = (~((x & 0xFFFF) + (x >> 16))) & 0xFFFF
                        o = i * L
                        struct.pack_into("!H", mv, o + l4off + 2, p)
                        if x == 0 and l4 == "udp":
                            x = 0xFFFF  # UDP's "no checksum" value is not ours
                        struct.pack_into("!H", mv, o + coff, x)
                    done = 0
                    while done < n:
                        k = libc.sendmmsg(tx.fileno(), ctypes.byref(mm, done * ctypes.sizeof(MMsgHdr)),
                                          n - done, 0)
                        if k < 0:
                            e = ctypes.get_errno()
                            if e not in (errno.ENOBUFS, errno.EAGAIN) or time.monotonic() > deadline:
                                raise OSError(e, os.strerror(e))
                            drain()
                            time.sleep(0.0002)
                            continue
                        done += k
                    sent += n
                    port += n
                    drain()
    out["sent"] = sent
    out["send_seconds"] = round(time.monotonic() - start, 1)
    # The last frame: once the tap saw it, every earlier one was judged.
    last = parse_spec("dport=44250,sport=29999", 0)
    tx.send(build(last, 0, 0, macs, addrs))
    while time.monotonic() < deadline and not last_seen[0]:
        select.select([tap], [], [], 0.05)
        drain()
    got_last = last_seen[0]
    out["last_frame_seen"] = got_last
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        select.select([tap], [], [], 0.05)
        drain()
    received = {}
    for s, p in us.items():
        while True:
            try:
                _, peer = s.recvfrom(2048)
                if SCAN_SPORT <= peer[1] < SCAN_SPORT + 16:
                    received[p] = received.get(p, 0) + 1
            except BlockingIOError:
                break
    for vi, (vname, _) in enumerate(SCAN_VARIANTS):
        for fi, fam in enumerate((4, 6)):
            for pi, l4 in enumerate(("tcp", "udp")):
                ports = seen.get((vi, fi, pi), set())
                out["v%d %s %s" % (fam, l4, vname)] = ranges(ports)
            out["v%d synack-443 %s" % (fam, vname)] = answered.get((vi, fi), 0)
    out["seen_frames"] = rx_total[0]
    out["listener 44250/udp"] = received.get(44250, 0)
    out["listener 40000/udp"] = received.get(40000, 0)
    out["total_seconds"] = round(time.monotonic() - start, 1)
    conn.close()
    print(json.dumps(out))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run")
    p.add_argument("spec", nargs="+")
    p.add_argument("--udp-listen", default="")
    p.add_argument("--tcp-listen", default="")
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--settle", type=float, default=0.3)
    q = sub.add_parser("flows")
    q.add_argument("pin")
    t = sub.add_parser("teardown")
    t.add_argument("--wait", type=float, default=5.0)
    t.add_argument("--recv-timeout", type=float, default=3.0)
    c = sub.add_parser("scan")
    c.add_argument("--timeout", type=float, default=50.0)
    for q in (p, t, c):
        q.add_argument("--srv-ns", required=True)
        q.add_argument("--cli-ns", required=True)
        q.add_argument("--srv-if", required=True)
        q.add_argument("--cli-if", required=True)
        q.add_argument("--srv4", required=True)
        q.add_argument("--srv6", required=True)
        q.add_argument("--cli4", required=True)
        q.add_argument("--cli6", required=True)
    a = ap.parse_args()
    return {"run": run, "flows": flows, "teardown": teardown, "scan": scan}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
