#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: xdp-reflector's per-packet cost against the floor and the
# peers, side by side, on this machine, in one run (docs/benchmarks.md says
# what each figure is and how it is measured).
#
#   1 timing  build/bench/timing: BPF_PROG_TEST_RUN ns/packet vs the empty program
#   2 live    a flood over a veth pair between two namespaces (a sender of live
#             XDP frames): packets per second each receiver drops: nothing,
#             XDP_DROP (the floor), xdp-reflector, xdp-filter, nftables netdev
#             ingress, nftables inet input, iptables INPUT; interleaved rounds
#   3 attack  goodput of an allowed TCP flow (iperf3 to 443) alone and under a
#             paced flood, with no filter, xdp-reflector and nftables
#   4 reload  load/reload/check of a policy of all 65535 ports, the generation
#             flip and its visibility to the packet path, the stats read
#
# Output: a table on the terminal, build/bench/results.json (every figure
# with min/median/max, the ratios, the targets), build/bench/benchmarks.md;
# a full run also writes docs/benchmarks.md (and its plot when gnuplot is
# installed). Root only. Traffic never leaves the two namespaces it creates;
# everything it creates is removed on every exit path.
#
# Usage: bench/run.sh [--quick] [--steps timing,live,attack,reload]
#                     [--rounds N] [--seconds S]
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/bench
XR=$ROOT/build/xdp-reflector
SENDER=$OUT/sender
FLIP=$OUT/flip
FEATURES=$OUT/features
TIMING=$OUT/timing
DROP_OBJ=$ROOT/build/bpf/bench_drop.bpf.o

STEPS=timing,live,attack,reload
LIVE_ROUNDS=5 LIVE_SECS=2
ATTACK_ROUNDS=3 ATTACK_SECS=3
RELOAD_ROUNDS=5 FLIPS=1000
QUICK=0

usage() { sed -n '/^# Usage:/,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 LIVE_ROUNDS=1 LIVE_SECS=1 ATTACK_ROUNDS=1 ATTACK_SECS=2 RELOAD_ROUNDS=2 FLIPS=100 ;;
	--steps) STEPS=$2; shift ;;
	--rounds) LIVE_ROUNDS=$2; shift ;;
	--seconds) LIVE_SECS=$2; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
want() { [[ ",$STEPS," == *",$1,"* ]]; }

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (BPF, namespaces); run: sudo make bench" >&2
	exit 1
fi
for f in "$XR" "$SENDER" "$FLIP" "$FEATURES" "$DROP_OBJ"; do
	[ -x "$f" ] || [ -f "$f" ] || { echo "bench: $f missing; run make first" >&2; exit 1; }
done

# ---- the namespaces ------------------------------------------------------
# The receiver (R) runs the filter under test on its veth; the sender (S)
# floods it. 198.18.0.0/15 is the benchmarking range (RFC 2544).
NS_R=xb-r-$$ NS_S=xb-s-$$ IF_R=xbr$$ IF_S=xbs$$
IP_R=198.18.0.1 IP_S=198.18.0.2
FLOOD_PORT=9999 # closed in every filter's policy
NCPU=$(nproc)
SEND_CPU=$((NCPU - 1)) # the flood and the receiver's softirq share this CPU
APP_CPU=0              # this script, its tools, iperf3
PINS="" TMP="" BG_PIDS=() FLOOD_PID="" FLOOD_OUT="{}"

rcv() { nsenter --net=/run/netns/$NS_R "$@"; }
snd() { nsenter --net=/run/netns/$NS_S "$@"; }
# xdp-filter pins under /sys/fs/bpf/xdp-filter: give it our bpffs there, in a
# mount namespace of its own, so nothing of it lands on the host's bpffs.
xf() { rcv unshare -m --propagation private sh -c 'mount --bind "$0" /sys/fs/bpf && exec "$@"' "$PINS" "$@"; }

cleanup() {
	local pid
	for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	if [ -n "$PINS" ]; then
		[ -d "$PINS/$IF_R" ] && rcv "$XR" detach "$IF_R" --pin-dir "$PINS" >/dev/null 2>&1
		ip netns del $NS_R 2>/dev/null
		ip netns del $NS_S 2>/dev/null
		umount "$PINS" 2>/dev/null
		rmdir "$PINS" 2>/dev/null
	fi
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

mkdir -p "$OUT"
TMP=$(mktemp -d)
RAW=$OUT/raw.jsonl
: >"$RAW"
# No dot in the path: libbpf turns dots of map pin paths into underscores.
PINS=$(mktemp -d /tmp/xr-bench-XXXXXXXX)
mount -t bpf bpf "$PINS" || { echo "bench: cannot mount a bpffs" >&2; exit 1; }
ip netns add $NS_R && ip netns add $NS_S &&
	ip link add $IF_R netns $NS_R type veth peer name $IF_S netns $NS_S &&
	ip -n $NS_R addr add $IP_R/24 dev $IF_R && ip -n $NS_S addr add $IP_S/24 dev $IF_S &&
	ip -n $NS_R link set $IF_R up && ip -n $NS_S link set $IF_S up &&
	ip -n $NS_R link set lo up && ip -n $NS_S link set lo up &&
	rcv "$FEATURES" $IF_R gro on && snd "$FEATURES" $IF_S tso off ||
	{ echo "bench: cannot create the namespaces" >&2; exit 1; }
# Everything but the sender (and the receiver's softirq it runs) on APP_CPU.
[ "$NCPU" -gt 1 ] && taskset -cp $APP_CPU $$ >/dev/null
MAC_R=$(ip -n $NS_R link show $IF_R | awk '/link\/ether/ {print $2}')

# One JSON line per measurement; bench/report.py turns them into results.
record() { echo "$1" >>"$RAW"; }
jstr() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
now_ns() { date +%s%N; }
note() { printf '  %s\n' "$*" >&2; }

# The flood, in the background: flood_start SECONDS [--pps RATE] starts one
# long sender call (at most SECONDS) and sets FLOOD_PID; flood_stop ends it.
flood_start() {
	local secs=$1
	shift
	nsenter --net=/run/netns/$NS_S "$SENDER" --ifname $IF_S --dst-mac "$MAC_R" \
		--src-ip $IP_S --dst-ip $IP_R --dport $FLOOD_PORT --cpu $SEND_CPU \
		--seconds "$secs" "$@" >"$TMP/flood.json" 2>"$TMP/flood.err" &
	FLOOD_PID=$!
	BG_PIDS+=($FLOOD_PID)
}
flood_stop() { # sets FLOOD_OUT: the sender's JSON line, or {} if it had none
	bg_stop $FLOOD_PID
	FLOOD_PID=""
	FLOOD_OUT="{}"
	[ -s "$TMP/flood.json" ] && FLOOD_OUT=$(cat "$TMP/flood.json")
}
bg_stop() { # bg_stop PID: end a process we started and forget it
	local pid=$1 keep=() p
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for p in "${BG_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
	BG_PIDS=("${keep[@]}")
}

rx_packets() { ip -n $NS_R -s -s link show $IF_R | awk '/RX:/ {getline; print $2; exit}'; }

# A point of a measurement window: "TIME_NS DROPPED RX", the time being the
# middle of the reads (the filter's counter, then the veth's RX count).
read_point() {
	local t0 d x t1
	t0=$(now_ns) d=$(dropped $1) x=$(rx_packets) t1=$(now_ns)
	echo "$(((t0 + t1) / 2)) ${d:-0} ${x:-0}"
}

# ---- the filters -----------------------------------------------------------
# Each: filter_on NAME, filter_off NAME, dropped NAME (the filter's own count
# of dropped packets, the most direct counter each one has).
CONFIGS=(none xdp_drop xdp_reflector xdp_filter nft_netdev nft_inet iptables)

# The same policy as reflector-caddy in each peer's terms: allow tcp 22, 80,
# 443, 7881 and udp 44200-44300, drop every other TCP and UDP packet.
nft_rules() { # nft_rules FAMILY HOOK
	local dev=""
	[ "$1" = netdev ] && dev="device \"$IF_R\""
	cat <<EOF
table $1 xbench {
	chain c {
		type filter hook $2 $dev priority 0; policy accept;
		tcp dport { 22, 80, 443, 7881 } accept
		udp dport 44200-44300 accept
		meta l4proto { tcp, udp } counter drop
	}
}
EOF
}

nft_dropped() {
	rcv nft -j list table "$1" xbench | python3 -c '
import json, sys
print(sum(e["counter"]["packets"] for o in json.load(sys.stdin)["nftables"] if "rule" in o
          for e in o["rule"]["expr"] if "counter" in e))'
}

filter_on() {
	case $1 in
	none) ;;
	xdp_drop) rcv ip link set dev $IF_R xdpdrv pinned "$PINS/bench_drop" ;;
	xdp_reflector) rcv "$XR" load $IF_R reflector-caddy --pin-dir "$PINS" >/dev/null ;;
	xdp_filter)
		xf xdp-filter load $IF_R --mode native -p deny -f tcp,udp -v >"$TMP/xf.log" 2>&1 || {
			cat "$TMP/xf.log" >&2
			return 1
		}
		local p
		for p in 22 80 443 7881; do xf xdp-filter port $p -m dst -p tcp || return 1; done
		# One port per command: the range's first, middle and last stand for it
		# (its lookup is one array index whatever the list holds).
		for p in 44200 44250 44300; do xf xdp-filter port $p -m dst -p udp || return 1; done
		;;
	nft_netdev) nft_rules netdev ingress | rcv nft -f - ;;
	nft_inet) nft_rules inet input | rcv nft -f - ;;
	iptables)
		rcv iptables -A INPUT -p tcp -m multiport --dports 22,80,443,7881 -j ACCEPT &&
			rcv iptables -A INPUT -p udp --dport 44200:44300 -j ACCEPT &&
			rcv iptables -A INPUT -p tcp -j DROP &&
			rcv iptables -A INPUT -p udp -j DROP
		;;
	esac
}

filter_off() {
	case $1 in
	none) ;;
	xdp_drop) rcv ip link set dev $IF_R xdpdrv off ;;
	xdp_reflector) rcv "$XR" detach $IF_R --pin-dir "$PINS" >/dev/null ;;
	xdp_filter) xf xdp-filter unload $IF_R >/dev/null ;;
	nft_netdev) rcv nft delete table netdev xbench ;;
	nft_inet) rcv nft delete table inet xbench ;;
	# iptables-nft keeps an empty filter table whose hooks still cost: remove it.
	iptables) rcv iptables -F INPUT && rcv nft delete table ip filter ;;
	esac
}

dropped() {
	case $1 in
	none) rcv awk '/^Udp:/ && n++ {print $3}' /proc/net/snmp ;; # UDP NoPorts
	xdp_drop)
		bpftool -j map dump pinned "$PINS/bench_drop_maps/bench_drops" | python3 -c '
import json, sys
print(sum(v["value"] for v in json.load(sys.stdin)[0]["formatted"]["values"]))' ;;
	xdp_reflector)
		rcv "$XR" stats $IF_R --json --pin-dir "$PINS" | python3 -c '
import json, sys
s = json.load(sys.stdin)
parts = [r["dropped"] for r in s["rules"]] + [p["dropped"] for p in s["other_ports"].values()] \
      + [c["dropped"] for c in s["classes"].values()]
print(sum(p["packets"] for p in parts))' ;;
	xdp_filter) xf xdp-filter status | awk '$1 == "XDP_DROP" {print $2; exit}' ;;
	nft_netdev) nft_dropped netdev ;;
	nft_inet) nft_dropped inet ;;
	iptables) rcv iptables-save -c -t filter | awk '/-j DROP/ {split($1, c, /[^0-9]+/); n += c[2]} END {print n + 0}' ;;
	esac
}

counter_name() {
	case $1 in
	none) echo "Udp NoPorts (/proc/net/snmp)" ;;
	xdp_drop) echo "the program's per-CPU drop counter" ;;
	xdp_reflector) echo "xdp-reflector stats --json: dropped packets" ;;
	xdp_filter) echo "xdp-filter status: XDP_DROP packets" ;;
	nft_netdev | nft_inet) echo "nft counter on the drop rule" ;;
	iptables) echo "iptables-save -c: DROP rule packets" ;;
	esac
}

# ---- 1: timing -------------------------------------------------------------
step_timing() {
	echo "== 1/4 timing: BPF_PROG_TEST_RUN, ns per packet (build/bench/timing)"
	rm -f "$OUT/timing.json"
	if [ ! -x "$TIMING" ]; then
		record '{"step": "timing", "status": "failed", "error": "build/bench/timing is missing"}'
		return
	fi
	local args=(--json "$OUT/timing.json")
	[ $QUICK = 1 ] && args+=(--quick)
	if "$TIMING" "${args[@]}" >"$OUT/timing.log" 2>&1 && [ -s "$OUT/timing.json" ]; then
		record '{"step": "timing", "status": "ok", "json": "timing.json"}'
		# Instructions executed per packet path: deterministic, so a
		# regression shows where the timing floor is too low to see it.
		if python3 "$ROOT/bench/timing_paths.py" --json "$OUT/paths.json" \
			>"$OUT/paths.log" 2>&1; then
			record '{"step": "paths", "status": "ok", "json": "paths.json"}'
		else
			note "timing_paths.py failed: $(tail -n 1 "$OUT/paths.log")"
		fi
	else
		record "{\"step\": \"timing\", \"status\": \"failed\", \"error\": $(jstr "$(tail -n 3 "$OUT/timing.log")")}"
		note "timing failed: $(tail -n 1 "$OUT/timing.log")"
	fi
}

# ---- 2: live ---------------------------------------------------------------
# Per receiver and round: set the filter up, start one long sender call, let
# it run WARM seconds, then count what the receiver drops over a window of
# LIVE_SECS inside the call (no per-call setup in the window), tear down.
WARM=0.5

step_live() {
	echo "== 2/4 live: $LIVE_ROUNDS rounds x ${#CONFIGS[@]} receivers x ${LIVE_SECS}s of 60-byte UDP frames, as fast as one CPU sends"
	local c r i n=${#CONFIGS[@]} t0 d0 x0 t1 d1 x1 failed=" "
	if ! bpftool prog load "$DROP_OBJ" "$PINS/bench_drop" type xdp pinmaps "$PINS/bench_drop_maps" 2>"$TMP/err"; then
		note "xdp_drop: cannot load $DROP_OBJ: $(head -c 300 "$TMP/err")"
		record "{\"step\": \"live\", \"config\": \"xdp_drop\", \"status\": \"failed\", \"error\": $(jstr "$(head -c 300 "$TMP/err")")}"
		failed+="xdp_drop "
	fi
	record "{\"step\": \"live_setup\", \"rounds\": $LIVE_ROUNDS, \"seconds\": $LIVE_SECS, \"warm\": $WARM, \"send_cpu\": $SEND_CPU, \"flood_port\": $FLOOD_PORT}"
	for c in "${CONFIGS[@]}"; do
		record "{\"step\": \"live_config\", \"config\": \"$c\", \"counter\": $(jstr "$(counter_name $c)")}"
	done
	for ((r = 0; r < LIVE_ROUNDS; r++)); do
		for ((i = 0; i < n; i++)); do
			c=${CONFIGS[$(((i + r) % n))]} # rotate: no receiver always first
			[[ "$failed" == *" $c "* ]] && continue
			if ! filter_on $c 2>"$TMP/err"; then
				note "$c: cannot set up: $(head -c 300 "$TMP/err")"
				record "{\"step\": \"live\", \"config\": \"$c\", \"status\": \"failed\", \"error\": $(jstr "$(head -c 300 "$TMP/err")")}"
				filter_off $c 2>/dev/null
				failed+="$c "
				continue
			fi
			[ $c = xdp_filter ] && [ $r = 0 ] &&
				record "{\"step\": \"live_note\", \"config\": \"xdp_filter\", \"load_log\": $(jstr "$(cat "$TMP/xf.log")"), \"prog\": $(jstr "$(ip -n $NS_R link show $IF_R | awk '/prog\/xdp/ {print $5}')")}"
			flood_start $((LIVE_SECS + 10))
			sleep $WARM
			read -r t0 d0 x0 < <(read_point $c)
			sleep $LIVE_SECS
			read -r t1 d1 x1 < <(read_point $c)
			if ! kill -0 $FLOOD_PID 2>/dev/null; then
				flood_stop
				note "$c: the sender stopped early: $(head -c 300 "$TMP/flood.err")"
				record "{\"step\": \"live\", \"config\": \"$c\", \"status\": \"failed\", \"error\": $(jstr "sender: $(head -c 300 "$TMP/flood.err")")}"
				filter_off $c
				continue
			fi
			flood_stop
			filter_off $c || note "$c: cleanup failed"
			record "{\"step\": \"live\", \"config\": \"$c\", \"round\": $r, \"window_s\": $(((t1 - t0) / 1000))e-6, \"dropped\": $((d1 - d0)), \"rx\": $((x1 - x0)), \"sender\": $FLOOD_OUT}"
			printf '  round %d %-14s %6.2f Mpps dropped\n' $r $c "$(awk -v d=$((d1 - d0)) -v t=$((t1 - t0)) 'BEGIN {print d / t * 1e3}')"
		done
	done
	rm -f "$PINS/bench_drop"
	rm -rf "$PINS/bench_drop_maps"
}

# ---- 3: attack ---------------------------------------------------------------
# The paper's experiment, scaled: an allowed TCP flow (iperf3 to 443, both
# ends on APP_CPU) alone, then under a flood of the closed port at a fixed
# rate (paced in the sender's program), with no filter, xdp-reflector and
# nftables. As in the live step the receiver's NAPI runs in the sender's
# context on SEND_CPU, and the service's packets share its ring with the
# flood (TSO is off on the sender's veth, or they would bypass the ring).
ATTACK_CASES=(
	"alone none 0"
	"alone_xdp_reflector xdp_reflector 0"
	"flood2_none none 2000000"
	"flood2_xdp_reflector xdp_reflector 2000000"
	"flood2_nft_netdev nft_netdev 2000000"
	"flood4_xdp_reflector xdp_reflector 4000000"
	"flood4_nft_netdev nft_netdev 4000000"
)

wait_listen() { # wait_listen PORT: until a TCP listener is bound in R (3 s)
	local _
	for _ in $(seq 30); do
		rcv ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

attack_run() { # attack_run LABEL FILTER RATE(0: no flood | max | pps) ROUND
	local label=$1 filter=$2 rate=$3 r=$4 srv mbps out="{}" t0=0 d0=0 x0=0 t1=0 d1=0 x1=0
	if ! filter_on $filter 2>"$TMP/err"; then
		record "{\"step\": \"attack\", \"case\": \"$label\", \"status\": \"failed\", \"error\": $(jstr "$(head -c 300 "$TMP/err")")}"
		filter_off $filter 2>/dev/null
		return
	fi
	# nsenter execs its command in place: $! is iperf3 itself.
	nsenter --net=/run/netns/$NS_R iperf3 -s -B $IP_R -p 443 -1 -A $APP_CPU >/dev/null 2>&1 &
	srv=$!
	BG_PIDS+=($srv)
	wait_listen 443 || note "$label: iperf3 server did not start"
	if [ "$rate" != 0 ]; then
		if [ "$rate" = max ]; then flood_start $((ATTACK_SECS + 10)); else flood_start $((ATTACK_SECS + 10)) --pps $rate; fi
		sleep $WARM
		read -r t0 d0 x0 < <(read_point $filter)
	fi
	snd timeout $((ATTACK_SECS + 10)) iperf3 -c $IP_R -p 443 -t $ATTACK_SECS -A $APP_CPU -J \
		--connect-timeout 3000 >"$TMP/iperf.json" 2>&1
	if [ "$rate" != 0 ]; then
		read -r t1 d1 x1 < <(read_point $filter)
		flood_stop
		out=$FLOOD_OUT
	fi
	bg_stop $srv
	filter_off $filter
	# A flow that never completes is a service that was down: 0 Mbit/s, and why.
	local retr
	read -r mbps retr err < <(python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    print(0, json.dumps("iperf3 gave no result (timed out)"))
    sys.exit()
if "error" in d:
    print(0, 0, json.dumps("iperf3: " + d["error"]))
else:
    print(d["end"]["sum_received"]["bits_per_second"] / 1e6,
          d["end"]["sum_sent"].get("retransmits", 0), "null")' "$TMP/iperf.json")
	record "{\"step\": \"attack\", \"case\": \"$label\", \"filter\": \"$filter\", \"rate\": \"$rate\", \"round\": $r, \"goodput_mbps\": $mbps, \"retransmits\": ${retr:-0}, \"iperf_error\": $err, \"window_s\": $(((t1 - t0) / 1000))e-6, \"dropped\": $((d1 - d0)), \"rx\": $((x1 - x0)), \"sender\": $out}"
	printf '  round %d %-24s %8.0f Mbit/s %s\n' $r "$label" "$mbps" "$([ "$err" = null ] || echo "$err")"
}

step_attack() {
	echo "== 3/4 attack: iperf3 to tcp/443 for ${ATTACK_SECS}s, alone and under a flood, $ATTACK_ROUNDS rounds"
	if ! command -v iperf3 >/dev/null; then
		record '{"step": "attack", "status": "failed", "error": "iperf3 is not installed"}'
		return
	fi
	record "{\"step\": \"attack_setup\", \"rounds\": $ATTACK_ROUNDS, \"seconds\": $ATTACK_SECS, \"app_cpu\": $APP_CPU, \"send_cpu\": $SEND_CPU}"
	local r c
	for ((r = 0; r < ATTACK_ROUNDS; r++)); do
		for c in "${ATTACK_CASES[@]}"; do
			# shellcheck disable=SC2086
			attack_run $c $r
		done
	done
}

# ---- 4: reload -------------------------------------------------------------
# Profiles of every TCP and UDP port: "all" in two ranges; "max" in 4096
# ranges (the rule limit) of which 512 take 8 source networks each.
gen_profiles() {
	python3 - "$TMP" <<'EOF'
import sys
d = sys.argv[1]
with open(f"{d}/all.yaml", "w") as f:
    f.write("name: bench-all\nallow:\n"
            "  - {service: all tcp, protocol: tcp, ports: 1-65535}\n"
            "  - {service: all udp, protocol: udp, ports: 1-65535}\n")
for variant in ("a", "b"):
    with open(f"{d}/max-{variant}.yaml", "w") as f:
        f.write(f"name: bench-max-{variant}\nallow:\n")
        for proto in ("tcp", "udp"):
            for k in range(2048):
                first, last = 1 + 32 * k, min(32 + 32 * k, 65535)
                f.write(f"  - service: {proto} {first}-{last}\n    protocol: {proto}\n"
                        f"    ports: {first}-{last}\n")
                # Sources on every 8th range past the first 256 ports (SSH stays open).
                if k >= 8 and k % 8 == (0 if variant == "a" else 4):
                    nets = [f"10.{k % 256}.{i}.0/24" for i in range(6)] + \
                           [f"2001:db8:{k:x}:{i}::/64" for i in range(2)]
                    f.write("    sources: [" + ", ".join(nets) + "]\n")
EOF
}

timed() { # timed NAME ROUND CMD...: wall time of CMD, recorded
	local name=$1 r=$2 t0 t1 rc
	shift 2
	t0=$(now_ns)
	"$@" >"$TMP/out" 2>&1
	rc=$?
	t1=$(now_ns)
	if [ $rc != 0 ]; then
		note "$name: $(head -c 300 "$TMP/out")"
		record "{\"step\": \"reload\", \"what\": \"$name\", \"round\": $r, \"status\": \"failed\", \"error\": $(jstr "$(head -c 300 "$TMP/out")")}"
		return 1
	fi
	record "{\"step\": \"reload\", \"what\": \"$name\", \"round\": $r, \"ms\": $(((t1 - t0) / 1000))e-3}"
}

step_reload() {
	echo "== 4/4 reload: a policy of all 65535 ports, $RELOAD_ROUNDS rounds; $FLIPS generation flips"
	gen_profiles
	local r x=(--pin-dir "$PINS")
	for ((r = 0; r < RELOAD_ROUNDS; r++)); do
		timed check_max $r "$XR" check "$TMP/max-a.yaml"
		timed load_all $r rcv "$XR" load $IF_R "$TMP/all.yaml" "${x[@]}"
		timed detach $r rcv "$XR" detach $IF_R "${x[@]}"
		timed load_max $r rcv "$XR" load $IF_R "$TMP/max-a.yaml" "${x[@]}"
		timed reload_max $r rcv "$XR" reload $IF_R "$TMP/max-b.yaml" "${x[@]}"
		timed reload_all $r rcv "$XR" reload $IF_R "$TMP/all.yaml" "${x[@]}"
		timed reload_max_from_all $r rcv "$XR" reload $IF_R "$TMP/max-a.yaml" "${x[@]}"
		timed stats_json $r rcv "$XR" stats $IF_R --json "${x[@]}"
		rcv "$XR" stats $IF_R -v "${x[@]}" 2>"$TMP/stats.err" >/dev/null &&
			record "{\"step\": \"reload\", \"what\": \"stats_read\", \"round\": $r, \"ms\": $(sed -n 's/.*counters read in \([0-9.]*\) ms.*/\1/p' "$TMP/stats.err" | head -n 1)}"
		timed detach_max $r rcv "$XR" detach $IF_R "${x[@]}"
	done
	# The flip, on the deployment profile (the tool copies port tables only).
	if rcv "$XR" load $IF_R reflector-caddy "${x[@]}" >/dev/null &&
		"$FLIP" --pin-dir "$PINS" --iface $IF_R --port 44250 --flips $FLIPS \
			--cpu $SEND_CPU --poll-cpu $([ "$NCPU" -gt 1 ] && echo 0 || echo -1) \
			>"$TMP/flip.json" 2>"$TMP/err"; then
		record "{\"step\": \"flip\", \"status\": \"ok\", \"result\": $(tr -d '\n' <"$TMP/flip.json")}"
	else
		record "{\"step\": \"flip\", \"status\": \"failed\", \"error\": $(jstr "$(head -c 300 "$TMP/err")")}"
	fi
	rcv "$XR" detach $IF_R "${x[@]}" >/dev/null 2>&1
}

# ---- run -------------------------------------------------------------------
START=$(date +%s)
record "{\"step\": \"machine\", \"kernel\": $(jstr "$(uname -r)"), \"cpus\": $NCPU, \"cpu_model\": $(jstr "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"), \"date\": $(jstr "$(date -u +%Y-%m-%dT%H:%M:%SZ)"), \"commit\": $(jstr "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo -dirty)"), \"quick\": $QUICK, \"xdp_filter\": $(jstr "xdp-tools $(dpkg-query -W -f='${Version}' xdp-tools 2>/dev/null)"), \"nft\": $(jstr "$(nft --version 2>/dev/null)"), \"iptables\": $(jstr "$(iptables -V 2>/dev/null)"), \"iperf3\": $(jstr "$(iperf3 --version 2>/dev/null | head -n 1)")}"
want timing && step_timing
want live && step_live
want attack && step_attack
want reload && step_reload
record "{\"step\": \"done\", \"seconds\": $(($(date +%s) - START))}"

args=(--raw "$RAW" --out "$OUT/results.json" --markdown "$OUT/benchmarks.md" --plot-dir "$OUT")
# A full run is the one docs/benchmarks.md shows.
[ $QUICK = 0 ] && [ "$STEPS" = timing,live,attack,reload ] &&
	args+=(--docs "$ROOT/docs/benchmarks.md")
python3 "$ROOT/bench/report.py" "${args[@]}"
