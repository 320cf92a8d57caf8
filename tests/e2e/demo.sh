#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `xdp-reflector demo`: it shows open ports answering and internal ones
# dropped, and leaves nothing behind, also when interrupted with Ctrl-C.
. "$(dirname "$0")/../lib.sh"
need_root
TMPDIR_DEMO=$(mktemp -d)
trap 'rm -rf "$TMPDIR_DEMO"' EXIT

# What the demo of PID left: its names carry its PID, so demos that other
# runs on the same machine start meanwhile do not count.
leftovers() {
	{
		ip netns list | grep -Eo "xr-demo-[a-z]*-$1( |\$)"
		ls /sys/fs/bpf/xdp-reflector 2>/dev/null | grep -x "xrds$1"
	} | sort
}

# The demo ends by itself in seconds; bounded at 120 s whatever happens.
"$XR_BIN" demo >"$TMPDIR_DEMO/out" 2>&1 &
pid=$!
for _ in $(seq 1200); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill $pid 2>/dev/null
wait $pid
rc=$?
out=$(cat "$TMPDIR_DEMO/out")
expect_eq "demo exits 0" $rc 0
row() { echo "$out" | awk -v p="$1" -v port="$2" '$1 == p && $2 == port'; }
for p in "tcp 443" "tcp 80" "tcp 7881" "udp 44250"; do
	if row $p | grep -q answered; then ok "demo: $p answered"; else not_ok "demo: $p answered" "$out"; fi
done
for p in "tcp 5432" "tcp 6379" "tcp 3000" "udp 40000"; do
	r=$(row $p)
	# no answer, nothing passed, something dropped
	if echo "$r" | grep -q "no answer" && [ "$(echo "$r" | awk '{print $(NF-1)}')" = 0 ] &&
		[ "$(echo "$r" | awk '{print $NF}')" -gt 0 ]; then
		ok "demo: $p dropped"
	else
		not_ok "demo: $p dropped" "$r"
	fi
done
expect_eq "demo leaves nothing behind" "$(leftovers $pid)" ""

# Ctrl-C in the middle of the probes: everything is still removed.
"$XR_BIN" demo >/dev/null 2>&1 &  # bounded: the demo ends by itself in ~5 s
pid=$!
for _ in $(seq 300); do
	ls /sys/fs/bpf/xdp-reflector 2>/dev/null | grep -q "^xrds$pid\$" && break
	sleep 0.1
done
sleep 0.5
kill -INT $pid
wait $pid
rc=$?
if [ $rc -ne 0 ]; then ok "interrupted demo exits non-zero ($rc)"; else not_ok "interrupted demo exits non-zero"; fi
expect_eq "interrupted demo leaves nothing behind" "$(leftovers $pid)" ""

finish
