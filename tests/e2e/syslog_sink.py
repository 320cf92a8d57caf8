#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A syslog socket of the test's own: what syslog(3) sends to /dev/log.

  syslog_sink.py SOCKET OUT READY

Binds a Unix datagram socket at SOCKET (a test bind-mounts it on /dev/log
in a private mount namespace), touches READY, then appends each message
to OUT as one line, flushed at once. Runs until killed.
"""
import os
import socket
import sys


def main():
    path, out, ready = sys.argv[1:4]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    with open(out, "a", encoding="utf-8", errors="replace") as f:
        open(ready, "w").close()
        while True:
            msg = s.recv(65536).decode("utf-8", "replace")
            # One message per line: a newline inside one would show as \n.
            f.write(msg.rstrip("\n").replace("\n", "\\n") + "\n")
            f.flush()


if __name__ == "__main__":
    main()
