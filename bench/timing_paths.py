#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Instructions executed per packet path of the XDP program, counted on the
verifier's translated program (`bpftool prog dump xlated`): the A/B tool
behind the packet path's tuning.

There are no hardware counters on these VMs and BPF_PROG_TEST_RUN reports
whole nanoseconds, so a change is judged here first: the packets of
bench/timing.c run through a small interpreter of the xlated instructions
(inlined array lookups, the per-CPU address move, direct loads of
globals, bpf-to-bpf calls, the helper calls the program may make), and
the executed instructions are counted per packet, with the jumps taken
(each may cost the front end a cycle) and the memory traffic that matters
(stack stores and loads, map loads and stores, packet loads).

Map contents are modelled only where the program reads them: the port
table gets bench/timing.c's policy (in xr_tables of .bss, or an xr_ports
array map in older builds), with its source lists of 8 and 1000 networks
per family (spread_sources() below, as bench/timing.c spreads them: in
xr_tables' sorted ranges, or for builds with the LPM trie an answer
computed from the same lists), xr_config has replies on, every other map
reads as zeroes, xr_flows misses.

Usage (root): bench/timing_paths.py [OBJECT] [--dump PACKET] [--json FILE]
  OBJECT  default build/bpf/xdp_reflector.bpf.o; the program is xdp_reflector
          or, failing that, the object's first XDP program.
  --dump  print the executed instructions of one packet (by name prefix).
  --json  also write the counts per packet to FILE (make bench: the report's
          instruction column, a regression shows where timing cannot).
"""
import ipaddress
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BPFTOOL = os.environ.get("BPFTOOL", "bpftool")
VALUE_OFF = 312  # offsetof(struct bpf_array, value) on 6.x x86_64: checked below
MASK = (1 << 64) - 1


class Ptr:
    """A pointer: a memory region and a byte offset into it."""

    __slots__ = ("reg", "off")

    def __init__(self, reg, off):
        self.reg, self.off = reg, off

    def __add__(self, n):
        return Ptr(self.reg, (self.off + n))

    def __repr__(self):
        return "%s%+d" % (self.reg, self.off)


class Stop(Exception):
    pass


def sx(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


class Machine:
    def __init__(self, insns, maps, pkt, helpers):
        self.insns, self.maps, self.helpers = insns, maps, helpers
        self.mem = {"pkt": bytearray(pkt), "stack": bytearray(4096), "ctx": None}
        self.pkt_len = len(pkt)
        self.count = 0
        self.stats = {"stack_st": 0, "stack_ld": 0, "map_ld": 0, "map_st": 0,
                      "pkt_ld": 0, "calls": 0, "taken": 0}
        self.trace = []

    def region(self, name):
        if name not in self.mem:
            self.mem[name] = {}
        return self.mem[name]

    def load(self, p, size):
        if isinstance(p, int) and p >> 63:
            # a kernel address the verifier inlined: jiffies (bpf_jiffies64)
            self.stats["map_ld"] += 1
            return 250000
        if not isinstance(p, Ptr):
            raise Stop("load from non-pointer %r" % (p,))
        if p.reg == "ctx":
            return {0: Ptr("pkt", 0), 8: Ptr("pkt", self.pkt_len)}.get(p.off, 0)
        if p.reg == "pkt":
            self.stats["pkt_ld"] += 1
            if p.off < 0 or p.off + size > self.pkt_len:
                raise Stop("packet read out of bounds at %d" % p.off)
            return int.from_bytes(self.mem["pkt"][p.off:p.off + size], "little")
        if p.reg == "stack":
            self.stats["stack_ld"] += 1
            m = self.mem["stack"]
            v = getattr(self, "_spill", {}).get(p.off)
            if v is not None and size == 8:
                return v
            return int.from_bytes(m[p.off:p.off + size], "little")
        self.stats["map_ld"] += 1
        r = self.region(p.reg)
        mp = self.maps.get(p.reg)
        if mp and mp["percpu"] and size == 8 and p.off >= VALUE_OFF:
            return Ptr("pcpu:" + p.reg, (p.off - VALUE_OFF) // 8 * mp["vsize"])
        return int.from_bytes(bytes(r.get(p.off + i, 0) for i in range(size)), "little")

    def store(self, p, size, v):
        if not isinstance(p, Ptr):
            raise Stop("store to non-pointer")
        if p.reg == "stack":
            self.stats["stack_st"] += 1
            if not hasattr(self, "_spill"):
                self._spill = {}
            for o in range(p.off - 7, p.off + size):
                self._spill.pop(o, None)
            if isinstance(v, Ptr):
                self._spill[p.off] = v
                return
            self.mem["stack"][p.off:p.off + size] = (v & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
            return
        if p.reg == "pkt":
            raise Stop("packet write")
        self.stats["map_st"] += 1
        if isinstance(v, Ptr):
            v = 0
        r = self.region(p.reg)
        for i in range(size):
            r[p.off + i] = (v >> (8 * i)) & 0xFF

    def run(self):
        regs = [0] * 11
        regs[1] = Ptr("ctx", 0)
        regs[10] = Ptr("stack", 4096)
        frames = []
        pc = 0
        while True:
            ins = self.insns[pc]
            self.count += 1
            self.trace.append(pc)
            if self.count > 100000:
                raise Stop("runaway")
            code, dst, src, off, imm = ins["code"], ins["dst"], ins["src"], ins["off"], ins["imm"]
            cls = code & 7
            if code == 0x18:  # ld_imm64
                nxt = self.insns[pc + 1]
                if src == 1:
                    regs[dst] = Ptr("map%d" % imm, 0)
                elif src == 2:
                    regs[dst] = Ptr("map%d" % imm, VALUE_OFF + nxt["imm"])
                else:
                    regs[dst] = (imm & 0xFFFFFFFF) | ((nxt["imm"] & 0xFFFFFFFF) << 32)
                pc += 2
                continue
            if cls in (4, 7):  # ALU, ALU64
                regs[dst] = self.alu(cls == 7, code, regs[dst], regs[src] if code & 8 else sx(imm, 32), off, imm, src == dst)
                pc += 1
                continue
            if cls == 1:  # LDX
                size = {0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8}[code & 0x18]
                regs[dst] = self.load(regs[src] + off, size)
                pc += 1
                continue
            if cls in (2, 3):  # ST, STX
                size = {0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8}[code & 0x18]
                if code & 0xE0 == 0xC0:
                    raise Stop("atomic op at %d" % pc)
                v = regs[src] if cls == 3 else sx(imm, 32)
                self.store(regs[dst] + off, size, v)
                pc += 1
                continue
            if cls in (5, 6):  # JMP, JMP32
                op = code & 0xF0
                if op == 0x90:  # exit
                    if frames:
                        pc, saved = frames.pop()
                        regs[6:11] = saved
                        continue
                    return regs[0]
                if op == 0x80:  # call
                    if src == 1:  # bpf-to-bpf
                        frames.append((pc + 1, regs[6:11]))
                        regs[10] = regs[10] + -512
                        # xlated keeps the relative target in off (imm is the subprog index)
                        pc = pc + 1 + off
                        continue
                    self.stats["calls"] += 1
                    regs[0] = self.call(ins["name"], regs)
                    for r in range(1, 6):
                        regs[r] = 0
                    pc += 1
                    continue
                if op == 0x00:
                    pc += 1 + (imm if cls == 6 else off)
                    self.stats["taken"] += 1
                    continue
                a = regs[dst]
                b = regs[src] if code & 8 else sx(imm, 32)
                if self.cond(op, a, b, cls == 6):
                    pc += 1 + off
                    self.stats["taken"] += 1
                else:
                    pc += 1
                continue
            raise Stop("opcode %#x at %d" % (code, pc))

    def cond(self, op, a, b, w32):
        if isinstance(a, Ptr) or isinstance(b, Ptr):
            if isinstance(a, Ptr) and isinstance(b, Ptr):
                a, b = a.off, b.off
            elif isinstance(a, Ptr) and b == 0:
                a, b = 1, 0  # a non-null pointer against 0
            else:
                raise Stop("pointer compare")
        bits = 32 if w32 else 64
        ua, ub = a & ((1 << bits) - 1), b & ((1 << bits) - 1)
        sa, sb = sx(a, bits), sx(b, bits)
        return {0x10: ua == ub, 0x50: ua != ub, 0x20: ua > ub, 0x30: ua >= ub,
                0xA0: ua < ub, 0xB0: ua <= ub, 0x40: bool(ua & ub),
                0x60: sa > sb, 0x70: sa >= sb, 0xC0: sa < sb, 0xD0: sa <= sb}[op]

    def alu(self, is64, code, a, b, off, imm, same):
        op = code & 0xF0
        if op == 0xB0:  # mov (also the per-CPU address move)
            if isinstance(b, Ptr):
                return b
            return b & (MASK if is64 else 0xFFFFFFFF)
        if op == 0xD0:  # byte swap
            a &= MASK
            if code & 8:  # to big endian: swap
                n = imm // 8
                return int.from_bytes((a & ((1 << imm) - 1)).to_bytes(n, "little"), "big")
            return a & ((1 << imm) - 1)
        if isinstance(a, Ptr):
            if op == 0x00 and not isinstance(b, Ptr):
                return a + sx(b, 64)
            if op == 0x10 and isinstance(b, Ptr):
                return a.off - b.off
            if op == 0x10:
                return a + (-sx(b, 64))
            raise Stop("pointer alu %#x" % code)
        if isinstance(b, Ptr):
            if op == 0x00:
                return b + sx(a, 64)
            raise Stop("pointer alu %#x" % code)
        bits = 64 if is64 else 32
        m = (1 << bits) - 1
        a &= m
        b &= m
        r = {0x00: lambda: a + b, 0x10: lambda: a - b, 0x20: lambda: a * b,
             0x30: lambda: a // b if b else 0, 0x40: lambda: a | b,
             0x50: lambda: a & b, 0x60: lambda: a << (b & (bits - 1)),
             0x70: lambda: a >> (b & (bits - 1)), 0x80: lambda: -a,
             0x90: lambda: a % b if b else a, 0xA0: lambda: a ^ b,
             0xC0: lambda: sx(a, bits) >> (b & (bits - 1))}[op]()
        return r & m

    def call(self, name, regs):
        h = self.helpers.get(name)
        if h is None:
            raise Stop("call %s" % name)
        return h(self, regs)


def load_program(obj, tmp):
    pin = os.path.join(tmp, "fs", "p")
    subprocess.run([BPFTOOL, "prog", "loadall", obj, pin], check=True)
    progs = sorted(os.listdir(pin))
    name = "xdp_reflector" if "xdp_reflector" in progs else None
    if name is None:
        for p in progs:
            info = json.loads(subprocess.check_output([BPFTOOL, "-j", "prog", "show", "pinned", os.path.join(pin, p)]))
            if info["type"] == "xdp":
                name = p
                break
    path = os.path.join(pin, name)
    info = json.loads(subprocess.check_output([BPFTOOL, "-j", "prog", "show", "pinned", path]))
    dump = json.loads(subprocess.check_output([BPFTOOL, "-j", "prog", "dump", "xlated", "pinned", path, "opcodes"]))
    insns = []
    for d in dump:
        o = d["opcodes"]
        imm = int.from_bytes(bytes(int(x, 16) for x in o["imm"]), "little", signed=True)
        ins = {"code": int(o["code"], 16), "dst": int(o["dst_reg"], 16),
               "src": int(o["src_reg"], 16),
               "off": int.from_bytes(bytes(int(x, 16) for x in o["off"]), "little", signed=True),
               "imm": imm, "text": d["disasm"]}
        m = re.search(r"call ([A-Za-z_0-9]+)#", d["disasm"])
        ins["name"] = m.group(1) if m else None
        insns.append(ins)
        if ins["code"] == 0x18:
            insns.append({"code": 0, "dst": 0, "src": 0, "off": 0, "imm": 0, "text": "(ld_imm64 high half)"})
            nxt = insns[-1]
            # bpftool dumps the high half inside the first entry's text only:
            # the map id / value offset are in imm and the text.
            mv = re.search(r"map\[id:(\d+)\]\[0\]\+(\d+)", d["disasm"])
            mm = re.search(r"map\[id:(\d+)\]", d["disasm"])
            if mv:
                ins["src"], ins["imm"], nxt["imm"] = 2, int(mv.group(1)), int(mv.group(2))
            elif mm:
                ins["src"], ins["imm"] = 1, int(mm.group(1))
            else:
                mi = re.search(r"= (0x[0-9a-f]+|-?\d+)", d["disasm"])
                v = int(mi.group(1), 0) & MASK if mi else 0
                ins["imm"], nxt["imm"] = v & 0xFFFFFFFF, v >> 32
    maps = {}
    for mid in info.get("map_ids", []):
        mi = json.loads(subprocess.check_output([BPFTOOL, "-j", "map", "show", "id", str(mid)]))
        maps["map%d" % mid] = {"name": mi["name"], "type": mi["type"],
                               "vsize": mi["bytes_value"],
                               "esize": (mi["bytes_value"] + 7) // 8 * 8,
                               "percpu": mi["type"].startswith("percpu")}
    return name, info, insns, maps


def by_name(maps, name):
    for k, m in maps.items():
        if m["name"] == name or m["name"].endswith("." + name):
            return k
    return None


def seed(mach, maps, policy, config):
    ports = by_name(maps, "xr_ports") or by_name(maps, "bss")
    if ports:
        r = mach.region(ports)
        for proto, first, last, flags, rule in policy:
            for port in range(first, last + 1):
                key = (proto << 16) | port
                # a global (.bss) table has 8-byte slots like the array map
                stride = 8 if maps[ports]["name"].endswith(".bss") else maps[ports]["esize"]
                o = VALUE_OFF + key * stride
                for i, b in enumerate(struct.pack("<HBB", rule, flags, 0)):
                    r[o + i] = b
    k = by_name(maps, "xr_rate_rules")
    if k:
        r = mach.region(k)
        for rule, v in RATE_RULES.items():
            for i, b in enumerate(v):
                r[VALUE_OFF + rule * maps[k]["esize"] + i] = b
    # xr_rate_src (a set-associative array, bpf/rate.h): the model's seed and
    # set mask read as 0, so every source is in set 0; its first slot holds
    # the "over" row's source with its tat far ahead (limited).
    k = by_name(maps, "xr_rate_src")
    if k and maps[k]["type"] == "array" and ports:
        # xr_tables.rate_tick_ns, its last field: the loader's 4 ms tick
        r = mach.region(ports)
        for i, b in enumerate(struct.pack("<I", 4000000)):
            r[VALUE_OFF + maps[ports]["vsize"] - 4 + i] = b
        r = mach.region(k)
        slot = struct.pack("<IB3x4s4xQQ", 2222, 4, ipaddress.ip_address("198.18.0.10").packed,
                           10**13, 0)
        for i, b in enumerate(slot):
            r[VALUE_OFF + i] = b
    for cname in ("xr_config",):
        k = by_name(maps, cname)
        if k and config:
            r = mach.region(k)
            for i, b in enumerate(config):
                r[VALUE_OFF + i] = b


# ---- packets (the rows of bench/timing.c) --------------------------------
def build(family, l4, dport, vlans=0, payload=0, src=None, ext6=(), ihl=5, data=b""):
    eth_type = 0x0800 if family == 4 else 0x86DD
    out = bytes(6 * [2]) + bytes(6 * [3])
    if vlans == 2:
        out += struct.pack("!H", 0x88A8) + struct.pack("!HH", 10, 0x8100) + struct.pack("!HH", 100, eth_type)
    elif vlans == 1:
        out += struct.pack("!H", 0x8100) + struct.pack("!HH", 100, eth_type)
    else:
        out += struct.pack("!H", eth_type)
    if l4 == 6:
        l4h = struct.pack("!HHIIBBHHH", 40000, dport, 1, 0, 5 << 4, 0x02, 64240, 0, 0)
    else:
        l4h = struct.pack("!HHHH", 40000, dport, 8 + payload, 0)
    l4h += data + bytes(payload - len(data))
    if family == 4:
        s = ipaddress.ip_address(src or "198.18.0.9").packed
        ip = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(l4h), 0, 0, 64, l4, 0, s,
                         ipaddress.ip_address("192.168.1.10").packed)
        out += ip + l4h
    else:
        exts = b""
        nh = l4
        for e in reversed(ext6):
            exts = struct.pack("!BB", nh, 0) + bytes(6) + exts
            nh = e
        s = ipaddress.ip_address(src or "2001:db8:ff::9").packed
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(exts) + len(l4h), nh, 64, s,
                         ipaddress.ip_address("2001:db8::10").packed)
        out += ip + exts + l4h
    return out


PACKETS = [
    ("v4 tcp 443 allowed", build(4, 6, 443)),
    ("v4 tcp 5432 denied", build(4, 6, 5432)),
    ("v6 udp 44250 (media range)", build(6, 17, 44250, payload=32)),
    ("v6 1 ext header, udp 44250", build(6, 17, 44250, payload=32, ext6=(0,))),
    ("v6 2 ext headers, udp 44250", build(6, 17, 44250, payload=32, ext6=(0, 60))),
    ("v4 2 vlan tags, tcp 443", build(4, 6, 443, vlans=2)),
    ("v4 tcp 8888 from its source (8)", build(4, 6, 8888, src="192.0.2.7")),
    ("v4 tcp 8888 other source (8)", build(4, 6, 8888, src="192.0.3.7")),
    ("v6 tcp 8888 from its source (8)", build(6, 6, 8888, src="2001:db8:1::7")),
    ("v6 tcp 8888 other source (8)", build(6, 6, 8888, src="2001:db8:2::7")),
    ("v4 tcp 8889 from its source (1000)", build(4, 6, 8889, src="192.0.2.7")),
    ("v4 tcp 8889 other source (1000)", build(4, 6, 8889, src="192.0.3.7")),
    ("v6 tcp 8889 from its source (1000)", build(6, 6, 8889, src="2001:db8:1::7")),
    ("v6 tcp 8889 other source (1000)", build(6, 6, 8889, src="2001:db8:2::7")),
    ("flood: a closed port, replies on", build(4, 6, 31337)),
    ("malformed: v4 IHL 4", build(4, 6, 443, ihl=4)),
    ("guarded udp 40050, RTP", build(4, 17, 40050, payload=32, data=b"\x80\x60")),
    ("guarded udp 40050, STUN", build(4, 17, 40050, payload=32,
                                      data=b"\x00\x01\x00\x0c\x21\x12\xa4\x42")),
    ("guard flood: udp 40050, byte 0xff", build(4, 17, 40050, payload=32, data=b"\xff")),
    ("rate-limited tcp 2222 SYN", build(4, 6, 2222)),
    ("rate-limited tcp 2222 SYN, over", build(4, 6, 2222, src="198.18.0.10")),
]

# tcp 443, 80, 7881, 22; udp 44200-44300; tcp 8888 and 8889 from sources;
# udp 40000-40100 with guard: webrtc; tcp 2222 with a rate limit
POLICY = [(0, 443, 443, 1, 0), (0, 80, 80, 1, 1), (0, 7881, 7881, 1, 2), (0, 22, 22, 1, 3),
          (1, 44200, 44300, 1, 4), (0, 8888, 8888, 3, 5), (0, 8889, 8889, 3, 6),
          (1, 40000, 40100, 5, 7), (0, 2222, 2222, 9, 8)]
SOURCE_RULES = {5: 8, 6: 1000}  # rule -> networks per family
# xr_rate_rules[gen 0, rule 8]: 20/s, burst 40 (the source is new: the bucket is created)
RATE_RULES = {8: struct.pack("<QQII", 50000000, 39 * 50000000, 2222, 0)}
# active_gen 0, gen 0: replies on, default reply timeouts
CONFIG = struct.pack("<II", 0, 0) + struct.pack("<BBBBIII", 0, 0, 0, 1, 120, 3600, 10) + bytes(32) + bytes(48)


def spread_sources(family, n):
    """bench/timing.c's spread_sources(): N - 1 networks spread, then the client's."""
    client = ipaddress.ip_network("192.0.2.0/24" if family == 4 else "2001:db8:1::/48")
    outside = ipaddress.ip_address("192.0.3.7" if family == 4 else "2001:db8:2::7")
    out = []
    for i in range(n - 1):
        if family == 4:
            a = 0x01000000 + (0xDF000000 * i) // n
            while True:
                net = ipaddress.ip_network((a & 0xFFFFFF00, 24))
                a += 0x100
                if client.network_address not in net and outside not in net:
                    break
        else:
            a = 0x2000000000000000 + (0x1000000000000000 // n) * i
            while True:
                net = ipaddress.ip_network(((a & 0xFFFFFFFFFFFF0000) << 64, 48))
                a += 0x10000
                if client.network_address not in net and outside not in net:
                    break
        out.append(net)
    return out + [client]


def source_member(rule, addr):
    a = ipaddress.ip_address(addr)
    if a.version == 6 and a.ipv4_mapped:
        a = a.ipv4_mapped
    n = SOURCE_RULES.get(rule)
    return bool(n) and any(a in net for net in spread_sources(a.version, n))


# struct xr_tables: ports, flow_ports, then the source lists (include/xdp_reflector.h)
SRC_SLICE = (2 * 2 * 65536 + 2 * 65536 + 1) * 8
SRC_V4 = SRC_SLICE + 2 * 4096 * 16
SRC_V6 = SRC_V4 + 2 * 16384 * 8


# xr_tables after src_v6: the hashed lists (include/xdp_reflector.h, struct xr_source_hash)
SRC_HASH = SRC_V6 + 2 * 16384 * 32
SRC_H4 = SRC_HASH + 2 * 4096 * 96
SRC_H6 = SRC_H4 + 2 * 8192 * 32
HASH_MUL = 0x9E3779B97F4A7C15
# The source prefilter (XR_SRC_PRE_BITS): a bit per /24 or /48, folded to 20 bits.
SRC_PRE4 = SRC_H6 + 2 * 4096 * 128
SRC_PRE6 = SRC_PRE4 + 2 * (1 << 14) * 8
PRE_MASK = (1 << 20) - 1


def prefilter_bits(family, nets):
    """loader/policy.c's pre_mark(): the set bits of the prefilter of FAMILY."""
    bits, shift = set(), (8 if family == 4 else 80)
    for n in nets:
        first, last = int(n.network_address) >> shift, int(n.broadcast_address) >> shift
        if last - first >= PRE_MASK:
            return set(range(PRE_MASK + 1))
        bits.update(p & PRE_MASK for p in range(first, last + 1))
    return bits


def hash_lists(rule, nets4, nets6):
    """loader/policy.c's hash_rule4/6 for lists that fit at salt 0 (the bench's):
    (descriptor bytes, [(offset, bytes)] of bucket slots), or None to search."""
    out, desc4, desc6 = [], [], []
    for family, nets in ((4, nets4), (6, nets6)):
        plens = []
        for n in nets:
            if n.prefixlen not in plens:
                plens.append(n.prefixlen)
        if len(plens) > 3:
            return None
        fill = {}
        for n in nets:
            tag = 1 << 31 | rule << 8 | n.prefixlen
            a = int(n.network_address)
            if family == 4:
                key = tag << 32 | a
                b = ((key * HASH_MUL) & MASK) >> (64 - 13)
                slot = fill.get(b, 0)
                fill[b] = slot + 1
                out.append((SRC_H4 + b * 32 + slot * 8, struct.pack("<Q", key)))
            else:
                hi, lo = a >> 64, a & MASK
                b = (((((hi ^ tag) * HASH_MUL) & MASK ^ lo) * HASH_MUL) & MASK) >> (64 - 12)
                slot = fill.get(b, 0)
                fill[b] = slot + 1
                out.append((SRC_H6 + b * 128 + slot * 32, struct.pack("<QQI", hi, lo, tag)))
            if fill[b] > 4:
                return None
        tags = [1 << 31 | rule << 8 | p for p in plens] + [0] * (3 - len(plens))
        if family == 4:
            masks = [(MASK << (32 - p)) & 0xFFFFFFFF for p in plens] + [0] * (3 - len(plens))
            desc4 = struct.pack("<3I3I", *tags, *masks)
        else:
            his = [(MASK << (64 - min(p, 64))) & MASK if p else 0 for p in plens]
            los = [(MASK << (128 - p)) & MASK if p > 64 else 0 for p in plens]
            desc6 = struct.pack("<3II3Q3Q", *tags, 0, *(his + [0] * (3 - len(his))),
                                *(los + [0] * (3 - len(los))))
    return desc4 + desc6, out


def seed_sources(mach, maps):
    """bench/timing.c's lists in xr_tables, laid out as loader/policy.c does."""
    bss = by_name(maps, "bss")
    if not bss or by_name(maps, "xr_sources"):
        return
    r = mach.region(bss)

    def put(off, data):
        for i, b in enumerate(data):
            r[VALUE_OFF + off + i] = b
    used = {4: 0, 6: 0}
    for family, base in ((4, SRC_PRE4), (6, SRC_PRE6)):
        words = {}
        for n in SOURCE_RULES.values():
            for b in prefilter_bits(family, spread_sources(family, n)):
                words[b >> 6] = words.get(b >> 6, 0) | 1 << (b & 63)
        for w, v in words.items():
            put(base + w * 8, struct.pack("<Q", v))
    for rule, n in sorted(SOURCE_RULES.items()):
        lists = b""
        for family in (4, 6):
            nets = sorted(spread_sources(family, n), key=lambda x: int(x.network_address))
            first = used[family]
            for j, net in enumerate(nets):
                lo, hi = int(net.network_address), int(net.broadcast_address)
                if family == 4:
                    put(SRC_V4 + (first + j) * 8, struct.pack("<II", lo, hi))
                else:
                    put(SRC_V6 + (first + j) * 32,
                        struct.pack("<QQQQ", lo >> 64, lo & MASK, hi >> 64, hi & MASK))
            steps = len(nets).bit_length() - 1
            lists += struct.pack("<HHBBH", first, len(nets) - (1 << steps), steps, 1, len(nets))
            used[family] += len(nets)
        put(SRC_SLICE + rule * 16, lists)
        if os.environ.get("XR_PATHS_NO_HASH"):
            continue
        hashed = hash_lists(rule, spread_sources(4, n), spread_sources(6, n))
        if hashed:
            put(SRC_HASH + rule * 96, hashed[0])
            for off, data in hashed[1]:
                put(off, data)


def trie_lookup(m, regs):
    """Builds with the xr_sources LPM trie: set (gen << 16 | rule), v4-mapped address."""
    key = regs[2]
    rule = m.load(key + 4, 4) & 0xFFFF
    addr = bytes(m.load(key + 8 + i, 1) for i in range(16))
    return Ptr("trie_value", 0) if source_member(rule, addr) else 0


HELPERS = {
    "trie_lookup_elem": trie_lookup,
    "__htab_map_lookup_elem": lambda m, r: 0,
    "bpf_ktime_get_ns": lambda m, r: 10**12,
    "bpf_ktime_get_coarse_ns": lambda m, r: 10**12,
    "htab_lru_map_update_elem": lambda m, r: 0,
    "bpf_xdp_get_buff_len": lambda m, r: m.pkt_len,
}


def main():
    args = sys.argv[1:]
    dump = json_out = None
    if "--json" in args:
        i = args.index("--json")
        json_out = args[i + 1]
        del args[i:i + 2]
    if "--dump" in args:
        i = args.index("--dump")
        dump = args[i + 1]
        del args[i:i + 2]
    obj = args[0] if args else os.path.join(ROOT, "build/bpf/xdp_reflector.bpf.o")
    tmp = tempfile.mkdtemp(prefix="xr-paths.")
    os.mkdir(os.path.join(tmp, "fs"))
    subprocess.run(["mount", "-t", "bpf", "bpf", os.path.join(tmp, "fs")], check=True)
    try:
        name, info, insns, maps = load_program(obj, tmp)
    finally:
        subprocess.run(["umount", os.path.join(tmp, "fs")])
        shutil.rmtree(tmp, ignore_errors=True)
    print("%s: %d xlated instructions (%s)" % (name, info["bytes_xlated"] // 8, os.path.relpath(obj, ROOT)))
    print("%-34s %7s %6s %6s  %s" % ("packet", "verdict", "insns", "jumps",
                                     "memory (stack st/ld, map ld/st, packet ld, calls)"))
    verdicts = {1: "DROP", 2: "PASS"}
    rows = []
    for pname, pkt in PACKETS:
        m = Machine(insns, maps, pkt, HELPERS)
        seed(m, maps, POLICY, CONFIG)
        seed_sources(m, maps)
        try:
            v = verdicts.get(m.run(), "?")
        except Stop as e:
            v = "stop: %s" % e
        s = m.stats
        print("%-34s %7s %6d %6d  st %d/ld %d, map %d/%d, pkt %d, calls %d" % (
            pname, v, m.count, s["taken"], s["stack_st"], s["stack_ld"], s["map_ld"], s["map_st"],
            s["pkt_ld"], s["calls"]))
        rows.append({"packet": pname, "verdict": v, "insns": m.count, "jumps": s["taken"],
                     "calls": s["calls"]})
        if dump and pname.startswith(dump):
            for pc in m.trace:
                print("  %5d: %s" % (pc, insns[pc]["text"]))
    if json_out:
        with open(json_out, "w") as f:
            json.dump({"program": name, "xlated": info["bytes_xlated"] // 8,
                       "note": "instructions executed per packet in the translated program "
                               "(helper calls count as one: the LPM trie's walk of older builds "
                               "is not in the count)",
                       "paths": rows}, f, indent=1)


if __name__ == "__main__":
    main()
