# SPDX-License-Identifier: GPL-2.0
# Network-namespace harness of the end-to-end suites. A server namespace
# (the filter on its veth) and a client namespace joined by one veth pair,
# IPv4 and IPv6, a private bpffs for the pins, and a trap that removes all
# of it - namespaces, veths, XDP, pins, processes we started - on every exit.
#
#   . "$(dirname "$0")/lib.sh"; e2e_setup
#   srv CMD...     run CMD in the server namespace (nsenter: keeps our bpffs)
#   cli CMD...     run CMD in the client namespace
#   xr ARGS...     the loader in the server namespace with our pin dir
#   bg_srv CMD...  start CMD in the background in the server namespace
#   bg_cli CMD...  the same in the client namespace (PID in BG_PID)

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
PEER="python3 $(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/peer.py"

SRV_NS=xr-e2e-s-$$
CLI_NS=xr-e2e-c-$$
SRV_IF=xrs$$
CLI_IF=xrc$$
SRV4=192.0.2.1
CLI4=192.0.2.2
CLI4_OTHER=192.0.2.3
SRV6=2001:db8:1::1
CLI6=2001:db8:1::2
PINS=""
BG_PIDS=()
E2E_TMP=$(mktemp -d)

srv() { nsenter --net=/run/netns/$SRV_NS "$@"; }
# For iproute2 commands that load a BPF object (`ip link ... xdp obj`, `tc
# ... bpf obj`): they create /sys/fs/bpf/{tc,ip,xdp}; give them a bpffs of
# their own in a private mount namespace so the host's stays untouched.
srv_obj() {
	unshare -m sh -c 'mount -t bpf bpf /sys/fs/bpf && exec nsenter --net="$0" "$@"' \
		/run/netns/$SRV_NS "$@"
}
cli() { nsenter --net=/run/netns/$CLI_NS "$@"; }
xr() { srv "$XR_BIN" "$@" --pin-dir "$PINS"; }

# nsenter execs CMD in place, so $! is CMD itself and can be signalled.
bg_srv() {
	nsenter --net=/run/netns/$SRV_NS "$@" &
	BG_PIDS+=($!)
}

# Start CMD in the client namespace in the background; its PID is BG_PID.
bg_cli() {
	nsenter --net=/run/netns/$CLI_NS "$@" &
	BG_PID=$!
	BG_PIDS+=($!)
}

e2e_cleanup() {
	local pid
	for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	if [ -n "$PINS" ]; then
		for d in "$PINS"/*/; do
			[ -d "$d" ] && srv "$XR_BIN" detach "$(basename "$d")" --pin-dir "$PINS" >/dev/null 2>&1
		done
		umount "$PINS" 2>/dev/null
		rmdir "$PINS" 2>/dev/null
	fi
	ip netns del $SRV_NS 2>/dev/null
	ip netns del $CLI_NS 2>/dev/null
	[ -n "$CTR_MADE" ] && ip netns del $CTR_NS 2>/dev/null
	rm -rf "$E2E_TMP"
}

e2e_setup() {
	need_root
	trap 'e2e_cleanup' EXIT
	trap 'exit 130' INT TERM
	ip netns add $SRV_NS && ip netns add $CLI_NS &&
		ip link add $SRV_IF netns $SRV_NS type veth peer name $CLI_IF netns $CLI_NS &&
		ip -n $SRV_NS addr add $SRV4/24 dev $SRV_IF &&
		ip -n $CLI_NS addr add $CLI4/24 dev $CLI_IF &&
		ip -n $CLI_NS addr add $CLI4_OTHER/24 dev $CLI_IF &&
		ip -n $SRV_NS addr add $SRV6/64 dev $SRV_IF nodad &&
		ip -n $CLI_NS addr add $CLI6/64 dev $CLI_IF nodad &&
		ip -n $SRV_NS link set $SRV_IF up && ip -n $CLI_NS link set $CLI_IF up &&
		ip -n $SRV_NS link set lo up && ip -n $CLI_NS link set lo up ||
		{ echo "e2e: cannot create namespaces" >&2; exit 1; }
	PINS=$(mktemp -d)
	mount -t bpf bpf "$PINS" || { echo "e2e: cannot mount bpffs" >&2; exit 1; }
}

# Start listeners in the server namespace and wait until they are bound.
start_server() {
	local ready=$E2E_TMP/ready.$RANDOM
	bg_srv $PEER serve --ready "$ready" "$@"
	# Python may take seconds to start on a busy machine: wait up to 60 s.
	for _ in $(seq 600); do [ -f "$ready" ] && return 0; sleep 0.1; done
	echo "e2e: server did not start" >&2
	return 1
}

# Stop the listeners started by start_server (they write their counts).
stop_servers() {
	local pid
	for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	BG_PIDS=()
}

# Exit status of a client action as a word: ok / timeout / refused.
verdict_of() {
	"$@" >/dev/null 2>&1
	case $? in 0) echo ok ;; 1) echo timeout ;; *) echo refused ;; esac
}

# tcp PORT WANT: the verdict (ok / timeout / refused) of a TCP connect from
# the client to the server's PORT over IPv4, where WANT (ok or timeout) is
# the verdict the check expects and sets how long the connect may take: an
# answer comes in ms, so one that must pass gets 10 s, and no stall of a
# busy machine turns it into a timeout; one that must be dropped gets 0.7 s
# (a slower machine only waits longer for the same verdict).
tcp() {
	local wait=0.7
	[ "$2" = ok ] && wait=10
	verdict_of cli $PEER tcp "$SRV4" "$1" --timeout $wait
}

# A counter read from the pins with bpftool (not through `stats`):
#   counter port tcp|udp PORT FIELD      counter class NAME FIELD
counter() {
	python3 "$(dirname "${BASH_SOURCE[0]}")/counters.py" "$PINS/$SRV_IF" "$@"
}

# Snapshot of what `ip -d link show` and the pins look like (failure paths).
# A failed attempt changes one thing by design: status' last_refused, its
# own audit record (loader/audit.c). Everything else must stay.
host_state() {
	{
		srv ip -d link show "$SRV_IF" | sed 's/ qlen [0-9]*//'
		srv tc filter show dev "$SRV_IF" egress
		find "$PINS" -mindepth 1 | sort
		xr status --json 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
for s in d:
    s.pop("last_refused", None)
print(json.dumps(d))'
	} 2>&1
}

# poll TENTHS CMD...: true as soon as CMD is, trying every 0.1 s. It gives
# up after three times TENTHS tenths of a second on the clock, and never
# before a minute: a state that comes at all comes within that even on a
# CI machine both of whose CPUs are busy, and a passing run waits no longer
# for it. The last try's stderr is shown.
poll() {
	local n=$1 end
	shift
	end=$((SECONDS + (n > 200 ? (3 * n + 9) / 10 : 60)))
	while ! "$@" 2>/dev/null; do
		[ "$SECONDS" -ge "$end" ] && { "$@"; return; }
		sleep 0.1
	done
}

# at_least N counter ARGS...: the counter has reached N.
at_least() { local n=$1; shift; [ "$(counter "$@")" -ge "$n" ]; }

# PID has exited (a zombie until init reaps it counts as exited). When it
# has not, says on stderr what it is and where it waits (a check shows it).
proc_gone() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$(sed 's/.*) //' <<<"$st" | cut -c1)" == Z ] && return 0
	{
		echo "stat: $st"
		ps -o pid=,ppid=,stat=,wchan:32=,etime=,args= -p "$1"
		sed 's/^/  kernel: /' "/proc/$1/stack"
	} >&2 2>/dev/null
	return 1
}

# The start time of PID (clock ticks since boot): with the PID, its identity.
start_time() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }

# A container behind the server namespace, routed and masqueraded by it as
# Docker does; ctr CMD... runs in it. e2e_cleanup removes it.
CTR_NS=xr-e2e-ctr-$$
CTR_IF=xrk$$
HOST_CTR_IF=xrh$$
CTR_MADE=""
ctr() { nsenter --net=/run/netns/$CTR_NS "$@"; }
e2e_container() {
	CTR_MADE=1
	ip netns add $CTR_NS &&
		ip link add $HOST_CTR_IF netns $SRV_NS type veth peer name $CTR_IF netns $CTR_NS &&
		ip -n $SRV_NS addr add 10.99.0.1/24 dev $HOST_CTR_IF &&
		ip -n $CTR_NS addr add 10.99.0.2/24 dev $CTR_IF &&
		ip -n $SRV_NS link set $HOST_CTR_IF up && ip -n $CTR_NS link set $CTR_IF up &&
		ip -n $CTR_NS link set lo up &&
		ip -n $CTR_NS route add default via 10.99.0.1 &&
		srv sysctl -qw net.ipv4.ip_forward=1 &&
		srv nft -f - <<NFT || { echo "e2e: cannot set up the container namespace" >&2; exit 1; }
table ip xr_e2e_nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "$SRV_IF" masquerade
	}
}
NFT
}
