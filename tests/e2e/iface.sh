#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# IFACE arguments, end to end on a namespace pair (tests/e2e/lib.sh):
#   1. a name that is not a valid interface name (path tricks: "..",
#      "../IFACE", "IFACE/..", '/', ':', whitespace, too long) is refused
#      with exit 2 by every command before it reaches a pin path, so a
#      filter managed under one pin root cannot be detached, reloaded or read
#      through another, and nothing in the bpffs changes;
#   2. load refuses a device that is not Ethernet (a tun device, ARPHRD_NONE)
#      in native and generic mode with exit 2, says why and what to filter
#      instead, and leaves the device and the pins untouched; the veth loads.
. "$(dirname "$0")/lib.sh"

unset SSH_CONNECTION
e2e_setup

A=$PINS/a # the pin root the live filter is managed under
B=$PINS/b # another pin root, beside it
TUN_IF=xrt$$

iface_cleanup() {
	local d
	for d in "$A"/*/ "$B"/*/; do
		[ -d "$d" ] && srv "$XR_BIN" detach "$(basename "$d")" --pin-dir "$(dirname "$d")" >/dev/null 2>&1
	done
	e2e_cleanup
}
trap 'iface_cleanup' EXIT

x() { srv "$XR_BIN" "$@"; }

# The live filter as the kernel and the pins show it, and the whole bpffs.
state() {
	{
		srv ip -d link show "$SRV_IF" | sed -E 's/ qlen [0-9]*//; s/ link-netns(id)? [^ ]+//'
		srv tc filter show dev "$SRV_IF" egress
		find "$PINS" -mindepth 1 | sort
		x status "$SRV_IF" --pin-dir "$A" --json 2>&1
	} 2>&1 | grep -v '^Error: Peer netns reference is invalid'
}

# ---- 1. interface names ------------------------------------------------------

# The fixture: the live filter on SRV_IF under A, B empty, and a pinned
# object at the top of the bpffs (`detach ..` once unlinked the pins it found
# one level up, as it would in /sys/fs/bpf itself). Set up again after a
# check that broke it, so that each check is judged on its own.
fixture() {
	local d
	for d in "$A"/*/ "$B"/*/; do
		[ -d "$d" ] && x detach "$(basename "$d")" --pin-dir "$(dirname "$d")" >/dev/null 2>&1
	done
	mkdir -p "$A" "$B" && { [ -e "$PINS/xr_meta" ] ||
		bpftool map create "$PINS/xr_meta" type array key 4 value 4 entries 1 name xr_decoy; } &&
		x load "$SRV_IF" reflector-caddy --pin-dir "$A" >/dev/null &&
		S0=$(state) &&
		grep -q '"profile":"reflector-caddy"' <<<"$S0" &&
		grep -q "$A/$SRV_IF/link" <<<"$S0" &&
		grep -q "$PINS/xr_meta" <<<"$S0"
}
if fixture; then
	ok "fixture: filter loaded on $SRV_IF under pin root A, decoy pin at the bpffs top"
else
	not_ok "fixture: filter loaded on $SRV_IF under pin root A, decoy pin at the bpffs top" "$(state)"
fi

# refused NAME RULE_ERE CMD...: exit 2, one line naming the argument and the
# rule, nothing changed.
refused() {
	local name=$1 rule=$2
	shift 2
	run "$@"
	expect_rc "$name: exit 2" 2
	if [ "$(wc -l <<<"$OUT")" -eq 1 ] && grep -Eq -- "IFACE '.*': .*$rule" <<<"$OUT"; then
		ok "$name: one line naming IFACE and the rule"
	else
		not_ok "$name: one line naming IFACE and the rule" "${OUT:0:600}"
	fi
	expect_same "$name: live filter, its pins and the bpffs unchanged" "$S0" "$(state)"
	[ "$S0" == "$(state)" ] || fixture || not_ok "$name: fixture set up again" "$(state)"
}

refused "detach ../a/IFACE under root B" "no '/'" x detach "../a/$SRV_IF" --pin-dir "$B"
refused "detach . under root A/IFACE" "not '\.' or '\.\.'" x detach . --pin-dir "$A/$SRV_IF"
refused "detach .. under root A" "not '\.' or '\.\.'" x detach .. --pin-dir "$A"
refused "detach IFACE/.. under root A" "no '/'" x detach "$SRV_IF/.." --pin-dir "$A"
refused "detach a/IFACE under A's parent" "no '/'" x detach "a/$SRV_IF" --pin-dir "$PINS"
refused "reload a/IFACE under A's parent" "no '/'" x reload "a/$SRV_IF" reflector-direct --pin-dir "$PINS"
refused "reload ../a/IFACE under root B" "no '/'" x reload "../a/$SRV_IF" reflector-direct --pin-dir "$B"
refused "status ../a/IFACE under root B" "no '/'" x status "../a/$SRV_IF" --pin-dir "$B"
refused "stats ../a/IFACE under root B" "no '/'" x stats "../a/$SRV_IF" --pin-dir "$B"
refused "confirm ../a/IFACE under root B" "no '/'" x confirm "../a/$SRV_IF" --pin-dir "$B"
refused "load ../a/IFACE under root B" "no '/'" x load "../a/$SRV_IF" reflector-caddy --pin-dir "$B"
refused "detach IFACE:0" "no ':'" x detach "$SRV_IF:0" --pin-dir "$A"
refused "detach 'IFACE ' (whitespace)" "whitespace" x detach "$SRV_IF " --pin-dir "$A"
refused "detach a 16-byte name" "at most 15 bytes" x detach 1234567890123456 --pin-dir "$A"
refused "detach an empty name" "not empty" x detach "" --pin-dir "$A"
refused "rollback entry point with ../a/IFACE" "no '/'" x __rollback "../a/$SRV_IF" "$B" 1 60 0

# The filter is still in force and managed under A.
run x status "$SRV_IF" --pin-dir "$A" --json
expect_out "after the refusals: status under A still shows the filter" '"mode":"native"'
run x detach "$SRV_IF" --pin-dir "$A"
expect_rc "after the refusals: detach IFACE under A works" 0

# ---- 2. devices without Ethernet ----------------------------------------------

if ! srv ip tuntap add dev "$TUN_IF" mode tun || ! srv ip link set "$TUN_IF" up; then
	not_ok "fixture: a tun device in the server namespace"
else
	tun_state() {
		srv ip -d link show "$TUN_IF" | sed 's/ qlen [0-9]*//'
		srv tc qdisc show dev "$TUN_IF"
		srv tc filter show dev "$TUN_IF" egress
		find "$PINS" -mindepth 1 | sort
	}
	if srv ip -d link show "$TUN_IF" | grep -q 'link/none'; then
		ok "fixture: the tun device is ARPHRD_NONE (not Ethernet)"
	else
		not_ok "fixture: the tun device is ARPHRD_NONE (not Ethernet)" "$(srv ip -d link show "$TUN_IF")"
	fi
	T0=$(tun_state)
	for mode in native generic; do
		run x load "$TUN_IF" reflector-caddy --mode $mode --pin-dir "$A"
		expect_rc "tun, --mode $mode: load exits 2" 2
		expect_out "tun, --mode $mode: the error names the device" "^error: $TUN_IF: "
		expect_out "tun, --mode $mode: says why (frames are not Ethernet)" "not Ethernet.*IP header"
		expect_out "tun, --mode $mode: says what to filter instead" "Ethernet NIC that carries $TUN_IF's traffic"
		if [ "$(wc -l <<<"$OUT")" -eq 1 ]; then ok "tun, --mode $mode: one line"; else not_ok "tun, --mode $mode: one line" "$OUT"; fi
		expect_same "tun, --mode $mode: device, tc and pins unchanged" "$T0" "$(tun_state)"
	done
fi

# The positive control: the veth (Ethernet) still loads, in both modes.
for mode in native generic; do
	run x load "$SRV_IF" reflector-caddy --mode $mode --pin-dir "$A"
	expect_rc "veth, --mode $mode: load exits 0" 0
	run x status "$SRV_IF" --pin-dir "$A" --json
	expect_out "veth, --mode $mode: status shows the mode" "\"mode\":\"$mode\""
	run x detach "$SRV_IF" --pin-dir "$A"
	expect_rc "veth, --mode $mode: detach exits 0" 0
done

rm -f "$PINS/xr_meta"
finish
