#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Atomic reload under load (the model is nftables' atomic_replace.sh): a
# bounded UDP flood from the client while the policy flips 1000 times
# between A (allows X and Y) and B (allows Y only). Z is in neither. Not one
# packet to Z may pass and not one to Y may be dropped, counted by the
# filter and by the receiver alike.
. "$(dirname "$0")/lib.sh"
e2e_setup

X=9001 Y=9002 Z=9003 RELOADS=${RELOADS:-1000}
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

start_server --udp $X,$Y,$Z --no-echo --lifetime 200 --counts "$E2E_TMP/counts.json"
check "load A" xr load $SRV_IF "$E2E_TMP/a.yaml"

bg_cli $PEER send $SRV4 $X,$Y,$Z --count 2000000 --size 64 --pps 30000 --max-seconds 150 \
	>"$E2E_TMP/sent.json"
sender=$BG_PID
sleep 0.5

failed=0 start=$SECONDS
for i in $(seq 1 "$RELOADS"); do
	if [ $((i % 2)) = 1 ]; then p=b; else p=a; fi
	xr reload $SRV_IF "$E2E_TMP/$p.yaml" >/dev/null 2>&1 || failed=$((failed + 1))
done
took=$((SECONDS - start))
if kill -0 $sender 2>/dev/null; then ok "the flood lasted through every reload"; else not_ok "the flood lasted through every reload"; fi
sleep 0.5
kill $sender 2>/dev/null
wait $sender
echo "# $RELOADS reloads in ${took}s"
expect_eq "all $RELOADS reloads succeeded" $failed 0
expect_eq "last policy in force is A" "$(xr status $SRV_IF --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["profile"])')" reload-a

stop_servers
read -r sx sy sz < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["sent"]; print(d["'$X'"], d["'$Y'"], d["'$Z'"])' "$E2E_TMP/sent.json")
read -r rx ry rz < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["udp"]; print(d["'$X'"], d["'$Y'"], d["'$Z'"])' "$E2E_TMP/counts.json")
echo "# sent X=$sx Y=$sy Z=$sz; received X=$rx Y=$ry Z=$rz"
if [ "$sy" -gt $((RELOADS * 5)) ]; then ok "flood of $sy datagrams per port"; else not_ok "flood of at least $((RELOADS * 5)) datagrams per port" "only $sy"; fi

expect_eq "Z: filter passed none" "$(counter port udp $Z pass_packets)" 0
expect_eq "Z: receiver got none" "$rz" 0
expect_eq "Z: filter dropped every one sent" "$(counter port udp $Z drop_packets)" "$sz"
expect_eq "Y: filter dropped none" "$(counter port udp $Y drop_packets)" 0
expect_eq "Y: filter passed every one sent" "$(counter port udp $Y pass_packets)" "$sy"
expect_eq "Y: receiver count = filter's pass count" "$ry" "$(counter port udp $Y pass_packets)"
# X flipped with the policy: some passed (A), some dropped (B), all counted.
xp=$(counter port udp $X pass_packets) xd=$(counter port udp $X drop_packets)
if [ "$xp" -gt 0 ] && [ "$xd" -gt 0 ]; then ok "X both passed and dropped as the policy flipped"; else not_ok "X both passed and dropped" "pass=$xp drop=$xd"; fi
expect_eq "X: passed + dropped = sent" $((xp + xd)) "$sx"
expect_eq "X: receiver count = filter's pass count" "$rx" "$xp"

finish
