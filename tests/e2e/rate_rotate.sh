#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rate: a source that rotates its address. An attacker sends one datagram
# from each of 4096 IPv6 /64s (one rate bucket each) to a port limited to
# one datagram a minute per source, through a table of 1024 slots: four
# times more sources than it holds. A newcomer to a full set of mid-use
# sources takes over the debt of the one that used least (bpf/rate.h), so
# the rotation buys at most one datagram per slot and minute, 1024, not
# 4096; a table that forgot a source's debt when it evicted it would
# pass all 4096. The listener's receipts are the verdict; the filter's rate
# counter holds the rest, exactly; a port without a limit, sent the same
# 4096 sources, takes them all (the control that it is the limit at work).
. "$(dirname "$0")/lib.sh"
e2e_setup
. "$(dirname "$0")/attack-lib.bash"

PORT=3478 OPEN=44250 SLOTS=1024 N=4096
cat >"$E2E_TMP/rotate.yaml" <<YAML
name: rate-rotate-e2e
defaults:
  rate_sources: $SLOTS
allow:
  - {service: TURN, protocol: udp, port: $PORT, rate: {per_source: 1/min, burst: 1}}
  - {service: Media, protocol: udp, port: $OPEN}
YAML
check "load: udp $PORT limited to 1/min per source, $SLOTS slots" \
	xr load $SRV_IF "$E2E_TMP/rotate.yaml"

# One datagram from each /64 2001:db8:8000+i::1, to PORT; the same to OPEN.
specs() { # PORT
	local i
	for i in $(seq 0 $((N - 1))); do
		printf 'name=s%d,fam=6,src=2001:db8:%x::1,dport=%d ' $i $((0x8000 + i)) "$1"
	done
}
t0=$(date +%s.%N)
out=$($FRAMES run "${NS_ARGS[@]}" --udp-listen $PORT,$OPEN --timeout 120 \
	$(specs $PORT) $CTL) || not_ok "frames.py run" "$out"
t1=$(date +%s.%N)
sum() { "$PY" -c 'import json,sys; print(sum(json.loads(l)[sys.argv[1]] for l in sys.stdin if json.loads(l)["name"].startswith("s")))' "$1" <<<"$out"; }
controls() { # the controls (v4+v6 to OPEN) the listener received
	"$PY" -c 'import json,sys; d={json.loads(l)["name"]: json.loads(l)["received"] for l in sys.stdin}; print(d.get("ctl4"), d.get("ctl6"))' <<<"$out"
}
sent=$(sum sent) got=$(sum received)
expect_eq "rotation: the controls reached the listener" "$(controls)" "3 3"
expect_eq "rotation: every one of the $N sources sent its datagram" "$sent" $N
# A slot passes one datagram, then the next one a minute later (less the
# clock's tick of slack): at most 1 + (the run's seconds + 1) / 60 each.
max=$("$PY" -c 'import sys; print(int(sys.argv[1]) * (1 + int((float(sys.argv[3]) - float(sys.argv[2]) + 1) // 60)))' $SLOTS "$t0" "$t1")
echo "# rotation: $got of $sent passed in $("$PY" -c "print(round($t1 - $t0, 1))") s; bound $max"
# And no fewer than half the slots: a set that drew fewer than four of the
# sources has slots left empty, never that many.
if [ "$got" -ge $((SLOTS / 2)) ] && [ "$got" -le "$max" ]; then
	ok "rotation: $got of $N rotating sources passed, at most one per slot and minute ($max)"
else
	not_ok "rotation: at most one datagram per slot and minute passed, and about one per slot" \
		"got $got of $N, bound $((SLOTS / 2))..$max"
fi
expect_eq "rotation: the filter's rate counter holds every other datagram" \
	"$(counter limit udp $PORT rate_packets)" $((N - got))

out=$($FRAMES run "${NS_ARGS[@]}" --udp-listen $PORT,$OPEN --timeout 120 \
	$(specs $OPEN) $CTL) || not_ok "frames.py run" "$out"
expect_eq "control: the same $N sources to a port without a limit all arrive" \
	"$(sum sent) $(sum received) $(controls)" "$N $N 3 3"

finish
