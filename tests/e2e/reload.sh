#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Atomic reload under load (the model is nftables' atomic_replace.sh): a
# bounded UDP flood from the client while the policy flips 1000 times (or
# as many as fit in 10 s, at least 50) between A (allows X and Y) and B
# (allows Y only). Z is in neither. Not one
# packet to Z may pass and not one to Y may be dropped, counted by the
# filter and by the receiver alike.
. "$(dirname "$0")/lib.sh"
e2e_setup

X=9001 Y=9002 Z=9003 RELOADS=${RELOADS:-1000}
RELOAD_SECONDS=${RELOAD_SECONDS:-10} MIN_RELOADS=${MIN_RELOADS:-50}
# However slow the machine, the loop goes on to MIN_RELOADS; this only
# bounds it should every reload hang.
RELOAD_DEADLINE=${RELOAD_DEADLINE:-600}
cat >"$E2E_TMP/a.yaml" <<YAML
name: reload-a
allow:
  - {service: X, protocol: udp, port: $X}
  - {service: Y, protocol: udp, port: $Y}
YAML
cat >"$E2E_TMP/b.yaml" <<YAML
name: reload-b
allow:
  - {service: Y, protocol: udp, port: $Y}
YAML

start_server --udp $X,$Y,$Z --no-echo --lifetime 900 --counts "$E2E_TMP/counts.json"
check "load A" xr load $SRV_IF "$E2E_TMP/a.yaml"


# The flood ends when the reloads are done (SIGTERM); its own bounds, in
# count and time, are far beyond what the slowest machine needs.
bg_cli $PEER send $SRV4 $X,$Y,$Z --count 100000000 --size 64 --pps 20000 --max-seconds 800 \
	>"$E2E_TMP/sent.json"
sender=$BG_PID
poll 600 at_least 1 port udp $Y pass_packets # the flood has begun

# RELOADS flips, or as many as fit in RELOAD_SECONDS on a slow machine but
# never fewer than MIN_RELOADS (short of RELOAD_DEADLINE).
failed=0 start=$SECONDS nrel=0
for i in $(seq 1 "$RELOADS"); do
	if [ $((i % 2)) = 1 ]; then p=b; else p=a; fi
	xr reload $SRV_IF "$E2E_TMP/$p.yaml" >/dev/null 2>&1 || failed=$((failed + 1))
	nrel=$i
	[ $((i % 2)) = 0 ] || continue
	[ $((SECONDS - start)) -ge "$RELOAD_SECONDS" ] && [ "$i" -ge "$MIN_RELOADS" ] && break
	[ $((SECONDS - start)) -ge "$RELOAD_DEADLINE" ] && break
done
took=$((SECONDS - start))
echo "# $nrel reloads in ${took}s"
if [ "$nrel" -ge "$MIN_RELOADS" ]; then ok "at least $MIN_RELOADS reloads under the flood ($nrel)"; else not_ok "at least $MIN_RELOADS reloads under the flood" "only $nrel in ${took}s"; fi
if kill -0 $sender 2>/dev/null; then ok "the flood lasted through every reload"; else not_ok "the flood lasted through every reload"; fi
# Traffic still flows under the last policy before the flood stops.
y=$(counter port udp $Y pass_packets)
poll 600 at_least $((y + 100)) port udp $Y pass_packets
kill $sender 2>/dev/null
wait $sender
expect_eq "all $nrel reloads succeeded" $failed 0
expect_eq "last policy in force is A" "$(xr status $SRV_IF --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["profile"])')" reload-a

read -r sx sy sz < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["sent"]; print(d["'$X'"], d["'$Y'"], d["'$Z'"])' "$E2E_TMP/sent.json")
# Every datagram sent has been judged by the filter before we count.
judged() { [ $(($(counter port udp $Z pass_packets) + $(counter port udp $Z drop_packets))) -ge "$sz" ]; }
poll 300 judged
stop_servers
read -r rx ry rz dx dy dz < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); u, k = d["udp"], d["drops"]; print(u["'$X'"], u["'$Y'"], u["'$Z'"], k["'$X'"], k["'$Y'"], k["'$Z'"])' "$E2E_TMP/counts.json")
echo "# sent X=$sx Y=$sy Z=$sz; received X=$rx Y=$ry Z=$rz; receiver's full buffer dropped X=$dx Y=$dy Z=$dz"
if [ "$sy" -gt $((nrel * 5)) ]; then ok "flood of $sy datagrams per port"; else not_ok "flood of at least $((nrel * 5)) datagrams per port" "only $sy"; fi

expect_eq "Z: filter passed none" "$(counter port udp $Z pass_packets)" 0
expect_eq "Z: receiver got none" "$rz $dz" "0 0"
expect_eq "Z: filter dropped every one sent" "$(counter port udp $Z drop_packets)" "$sz"
expect_eq "Y: filter dropped none" "$(counter port udp $Y drop_packets)" 0
expect_eq "Y: filter passed every one sent" "$(counter port udp $Y pass_packets)" "$sy"
# A receiver starved of CPU drops from its full buffer: the kernel counts
# those, so received + buffer drops is what the filter let through.
expect_eq "Y: receiver count + its buffer drops = filter's pass count" "$((ry + dy))" "$(counter port udp $Y pass_packets)"
# X flipped with the policy: some passed (A), some dropped (B), all counted.
xp=$(counter port udp $X pass_packets) xd=$(counter port udp $X drop_packets)
if [ "$xp" -gt 0 ] && [ "$xd" -gt 0 ]; then ok "X both passed and dropped as the policy flipped"; else not_ok "X both passed and dropped" "pass=$xp drop=$xd"; fi
expect_eq "X: passed + dropped = sent" $((xp + xd)) "$sx"
expect_eq "X: receiver count + its buffer drops = filter's pass count" "$((rx + dx))" "$xp"

finish
