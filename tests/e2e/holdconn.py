#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One long-lived connection end for the seeding tests (stdlib only).

  holdconn.py listen PORT [--udp] --up FILE ...
      accept one TCP connection (or take the first datagram's sender as
      the peer), then touch FILE; --listening FILE is touched once bound
  holdconn.py connect HOST PORT [--udp] [--sport P] --up FILE ...
      connect (UDP: connect and send one datagram), then touch FILE
Both then keep the connection idle, send --send N bytes once --go FILE
exists (UDP: in datagrams of 100 bytes), and write the number of bytes
received so far to --out FILE after each read, until --lifetime S.
"""
import argparse
import os
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=("listen", "connect"))
    ap.add_argument("args", nargs="+")
    ap.add_argument("--udp", action="store_true")
    ap.add_argument("--sport", type=int, default=0)
    ap.add_argument("--up", required=True)
    ap.add_argument("--listening", help="touched once bound (listen)")
    ap.add_argument("--go")
    ap.add_argument("--send", type=int, default=0)
    ap.add_argument("--out")
    ap.add_argument("--lifetime", type=float, default=60)
    a = ap.parse_args()
    end = time.monotonic() + a.lifetime
    kind = socket.SOCK_DGRAM if a.udp else socket.SOCK_STREAM
    peer = None
    if a.role == "listen":
        ls = socket.socket(socket.AF_INET6, kind)
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("::", int(a.args[0])))
        ls.settimeout(a.lifetime)
        if not a.udp:
            ls.listen(4)
        if a.listening:
            open(a.listening, "w").close()
        if a.udp:
            _, peer = ls.recvfrom(65535)
            s = ls
        else:
            s, _ = ls.accept()
    else:
        host, port = a.args[0], int(a.args[1])
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, kind)
        if a.sport:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", a.sport))
        s.settimeout(5)
        s.connect((host, port))
        if a.udp:
            s.send(b"hello")
    open(a.up, "w").close()
    got, sent = 0, False
    s.settimeout(0.05)
    while time.monotonic() < end:
        if a.go and not sent and os.path.exists(a.go):
            sent = True
            if a.udp:
                for i in range(0, a.send, 100):
                    data = b"d" * min(100, a.send - i)
                    s.sendto(data, peer) if peer else s.send(data)
            else:
                s.sendall(b"d" * a.send)
        try:
            data = s.recv(65535)
        except socket.timeout:
            continue
        except OSError:
            break
        if not a.udp and not data:
            break
        got += len(data)
        if a.out:
            tmp = a.out + ".tmp"
            with open(tmp, "w") as f:
                f.write(str(got))
            os.replace(tmp, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
