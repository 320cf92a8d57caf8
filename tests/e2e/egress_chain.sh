#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The egress recorder keeps the egress chain whole: another party's counting
# programs (egress_counter.bpf.c), one attached before our load and one
# after, as tcx links (tcx.c) and as clsact filters (`tc ... bpf da`), each
# see every datagram the server sends, with the recorder on tcx (the default
# on this kernel) and on clsact (XDP_REFLECTOR_EGRESS=clsact, the fallback
# for kernels before 6.6). `detach` leaves their programs running. The
# datagrams are counted three ways: sent, received by the client, and by
# each counter; all must agree. About 10 s.
. "$(dirname "$0")/lib.sh"
e2e_setup

HERE=$(cd "$(dirname "$0")" && pwd)
PORT=47999 # COUNT_PORT of egress_counter.bpf.c
N=200
OTHER=$(mktemp -d) # the other party's pins: its own bpffs
trap 'rm -rf "$OTHER"/* 2>/dev/null; umount "$OTHER" 2>/dev/null; rmdir "$OTHER"; e2e_cleanup' EXIT
mount -t bpf bpf "$OTHER" || { echo "cannot mount bpffs" >&2; exit 1; }

clang -target bpf -O2 -g -I/usr/include/$(gcc -print-multiarch) \
	-c "$HERE/egress_counter.bpf.c" -o "$E2E_TMP/counter.o" &&
	cc -O2 -Wall -o "$E2E_TMP/tcx" "$HERE/tcx.c" -lbpf ||
	{ echo "cannot build the counters" >&2; exit 1; }
tcx() { srv "$E2E_TMP/tcx" "$@"; }

# The other party's counters: tcx links pinned under $OTHER/NAME, clsact
# filters found by their tc preference.
add_tcx() { mkdir "$OTHER/$1" && tcx attach "$E2E_TMP/counter.o" count_egress $SRV_IF "$OTHER/$1"; }
add_clsact() { srv_obj tc filter add dev $SRV_IF egress pref "$1" bpf da obj "$E2E_TMP/counter.o" sec tc; }

# count tcx NAME | count clsact PREF: datagrams that counter has seen (no
# Python here: it starts slowly on a busy machine, and this runs 16 times).
count() {
	local map prog out bytes=() i v=0
	if [ "$1" == tcx ]; then
		map="pinned $OTHER/$2/counted"
	else
		prog=$(srv tc filter show dev $SRV_IF egress pref "$2" | sed -n 's/.* id \([0-9]*\) name count_egress.*/\1/p')
		map="id $(bpftool prog show id "$prog" | sed -n 's/.*map_ids \([0-9]*\).*/\1/p')"
	fi
	out=$(bpftool map lookup $map key 0 0 0 0) || return 1
	# Formatted ("value": N) when bpftool has the map's BTF, else bytes.
	if [[ $out =~ \"value\":\ ([0-9]+) ]]; then
		echo "${BASH_REMATCH[1]}"
		return
	fi
	read -ra bytes <<<"${out##*value: }"
	for ((i = ${#bytes[@]} - 1; i >= 0; i--)); do v=$((v * 256 + 16#${bytes[$i]})); done
	echo $v
}

COUNTERS=("tcx before" "tcx after" "clsact 1" "clsact 49152")
snapshot() {
	local c
	for c in "${COUNTERS[@]}"; do count $c; done | tr '\n' ' '
}

# round NAME: the server sends N datagrams to the client; every counter,
# the sender and the receiver must agree on N.
round() {
	local name=$1 ready=$E2E_TMP/ready.$RANDOM got=$E2E_TMP/got.$RANDOM
	local before after sent received i c pid
	read -ra before <<<"$(snapshot)"
	bg_cli $PEER serve --udp $PORT --no-echo --lifetime 60 --counts "$got" --ready "$ready"
	pid=$BG_PID
	for ((i = 0; i < 100; i++)); do [ -f "$ready" ] && break; sleep 0.1; done
	sent=$(srv $PEER send $CLI4 $PORT --count $N --pps 2000 |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["sent"]["'$PORT'"])')
	# The receiver drains what arrived, writes its count and exits.
	kill "$pid"
	wait "$pid" 2>/dev/null
	received=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["udp"]["'$PORT'"])' "$got" 2>/dev/null)
	read -ra after <<<"$(snapshot)"
	expect_eq "$name: the server sent $N datagrams" "$sent" $N
	expect_eq "$name: the client received them all" "$received" $N
	for i in "${!COUNTERS[@]}"; do
		c=${COUNTERS[$i]}
		expect_eq "$name: the $c counter saw every datagram" \
			"$((${after[$i]:-0} - ${before[$i]:-0}))" "$sent"
	done
}

egress_of() { xr status $SRV_IF --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["egress"])'; }
tc_prefs() { srv tc filter show dev $SRV_IF egress | sed -n 's/.* pref \([0-9]*\) bpf .* name \([a-z_]*\).*/\1 \2/p' | tr '\n' ' '; }

# Resolve the client's address first, so no datagram waits for ARP.
check "the client answers ping" srv ping -c 1 -W 5 $CLI4

# ---- before our load: one counter of each kind ---------------------------
srv tc qdisc add dev $SRV_IF clsact
check "a tcx counter is attached" add_tcx before
check "a clsact counter is attached (pref 1)" add_clsact 1

# ---- the recorder on tcx ---------------------------------------------------
check "load" xr load $SRV_IF reflector-caddy
expect_eq "status says the recorder is on tcx" "$(egress_of)" tcx
check "another tcx counter is attached after our load" add_tcx after
check "another clsact counter is attached after our load (pref 49152)" add_clsact 49152
expect_eq "tcx chain: their counter, our recorder, their counter" \
	"$(tcx list $SRV_IF | tr '\n' ' ')" "count_egress xr_egress count_egress "
round "tcx"
check "detach" xr detach $SRV_IF
expect_eq "detach leaves the other tcx programs" "$(tcx list $SRV_IF | tr '\n' ' ')" "count_egress count_egress "
expect_eq "detach leaves the other clsact filters" "$(tc_prefs)" "1 count_egress 49152 count_egress "

# ---- the recorder on clsact (kernels without tcx) -------------------------
XDP_REFLECTOR_EGRESS=clsact check "load with the clsact recorder" xr load $SRV_IF reflector-caddy
expect_eq "status says the recorder is on clsact" "$(egress_of)" clsact
expect_eq "clsact chain: theirs at 1, ours, theirs at 49152" \
	"$(tc_prefs)" "1 count_egress 22610 xr_egress 49152 count_egress "
round "clsact"
check "detach" xr detach $SRV_IF
expect_eq "detach removes only our filter" "$(tc_prefs)" "1 count_egress 49152 count_egress "
expect_eq "detach keeps the qdisc it did not add" "$(srv tc qdisc show dev $SRV_IF | grep -c clsact)" 1
expect_eq "detach leaves the tcx programs" "$(tcx list $SRV_IF | tr '\n' ' ')" "count_egress count_egress "
round "after a clsact detach"

# ---- a load that fails after the recorder is attached takes it back --------
# A bridge has no native XDP: the XDP attach fails after the tcx attach.
BR=xrb$$
if srv ip link add $BR type bridge && srv ip link set $BR up; then
	xr load $BR reflector-caddy --mode native >/dev/null 2>&1
	expect_eq "native XDP refused on a bridge: load exits 1" "$?" 1
	expect_eq "...its tcx chain is empty again" "$(tcx list $BR)" ""
	expect_eq "...no clsact qdisc, no pin dir" \
		"$(srv tc qdisc show dev $BR | grep -c clsact) $(find "$PINS" -mindepth 1 -type d | wc -l)" "0 0"
	srv ip link del $BR
else
	not_ok "create a bridge"
fi

finish
