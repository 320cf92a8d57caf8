#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seed corpus of the packet targets from the fixture table.

    build/tests/fixtures --pcap rows.pcap
    tests/fuzz/seed-packets.py rows.pcap tests/fuzz/corpus/parse

Writes each row's frame as its own file, fixture-NNN (NNN: the row's index
in tests/bpf/fixtures.c), so the fuzzer starts from every shape the table
proves a verdict for. Rerun after adding rows; stale fixture-* files go.
"""
import os
import struct
import sys

pcap, out = sys.argv[1], sys.argv[2]
data = open(pcap, "rb").read()
magic = struct.unpack_from("<I", data)[0]
assert magic == 0xA1B2C3D4, "not a little-endian microsecond pcap"
os.makedirs(out, exist_ok=True)
for name in os.listdir(out):
    if name.startswith("fixture-"):
        os.remove(os.path.join(out, name))
off, n = 24, 0
while off + 16 <= len(data):
    _, usec, caplen, _ = struct.unpack_from("<IIII", data, off)
    off += 16
    with open(os.path.join(out, "fixture-%03d" % usec), "wb") as f:
        f.write(data[off:off + caplen])
    off += caplen
    n += 1
print("%d frames into %s" % (n, out))
