#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read one counter straight from the pinned per-CPU maps with bpftool: an
oracle independent of `xdp-reflector stats`.

  counters.py PIN_DIR port tcp|udp PORT FIELD
  counters.py PIN_DIR class NAME FIELD
  counters.py PIN_DIR limit tcp|udp FIRST[-LAST] FIELD
FIELD is pass_packets, pass_bytes, drop_packets, drop_bytes,
would_drop_packets or would_drop_bytes (monitor mode); for limit
(xr_limit_stats) guard_packets, guard_bytes, rate_packets or rate_bytes,
summed over the ports FIRST..LAST. Prints the sum over CPUs.
"""
import json
import subprocess
import sys

CLASSES = ["non_ip", "icmp", "fragment", "other_ip", "malformed", "reply", "dhcp",
           "guard", "rate_limited"]
PROTOS = {"tcp": 0, "udp": 1}


def lookup(pin, key):
    raw = key.to_bytes(4, "little")
    out = subprocess.run(
        ["bpftool", "-j", "map", "lookup", "pinned", pin, "key"]
        + [str(b) for b in raw],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)["formatted"]["values"]


def main():
    pin_dir, kind = sys.argv[1], sys.argv[2]
    if kind == "limit":
        first, _, last = sys.argv[4].partition("-")
        total = 0
        # A few ports: a lookup each (a dump would print all 131072 slots).
        for port in range(int(first), int(last or first) + 1):
            key = (PROTOS[sys.argv[3]] << 16) | port
            total += sum(v["value"][sys.argv[5]]
                         for v in lookup(pin_dir + "/xr_limit_stats", key))
        print(total)
        return
    if kind == "port":
        key = (PROTOS[sys.argv[3]] << 16) | int(sys.argv[4])
        values = lookup(pin_dir + "/xr_port_stats", key)
        field = sys.argv[5]
    else:
        values = lookup(pin_dir + "/xr_class_stats", CLASSES.index(sys.argv[3]))
        field = sys.argv[4]
    print(sum(v["value"][field] for v in values))


if __name__ == "__main__":
    main()
