#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The upgrade path: pins made by another xdp-reflector build (a map this
# build added is missing, one has another value size) on an interface whose
# program is still attached. reload and status say so and change nothing;
# `load --replace` takes over without a gap: under a UDP flood to an open
# port Y and a closed port Z, not one datagram to Z reaches the receiver and
# every one to Y does, across the takeover; a TCP connection accepted before
# it, on a port the new profile closes, still carries data after it.
. "$(dirname "$0")/lib.sh"
e2e_setup

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
HC="$PY $(cd "$(dirname "$0")" && pwd)/holdconn.py"
Y=9102 Z=9103 T=8080 N=3000
cat >"$E2E_TMP/old.yaml" <<YAML
name: upgrade-old
allow:
  - {service: Y, protocol: udp, port: $Y}
  - {service: Web, protocol: tcp, port: $T}
YAML
cat >"$E2E_TMP/new.yaml" <<YAML
name: upgrade-new
allow:
  - {service: Y, protocol: udp, port: $Y}
defaults:
  replies: true
YAML

wait_file() {
	local i
	for ((i = 0; i < 600; i++)); do [ -e "$1" ] && return 0; sleep 0.1; done
	return 1
}
xdp_id() { srv ip -j link show "$SRV_IF" | $PY -c 'import json,sys; print(json.load(sys.stdin)[0].get("xdp",{}).get("prog",{}).get("id",0))'; }
# The program on the pinned egress (tcx) link.
egress_id() { bpftool link show pinned "$PINS/$SRV_IF/egress_link" -j | $PY -c 'import json,sys; print(json.load(sys.stdin)["prog_id"])'; }
prog_gone() { ! bpftool prog show id "$1" >/dev/null 2>&1; }
pin_dirs() { ls "$PINS" | grep -v '\.debug$'; }

check "load the old profile" xr load $SRV_IF "$E2E_TMP/old.yaml"
old_id=$(xdp_id) old_egress=$(egress_id)

# A TCP connection accepted while the old profile opens T.
bg_srv $HC listen $T --listening "$E2E_TMP/t.listening" --up "$E2E_TMP/t.acc" \
	--out "$E2E_TMP/t.out" --lifetime 120
wait_file "$E2E_TMP/t.listening"
bg_cli $HC connect $SRV4 $T --up "$E2E_TMP/t.up" --go "$E2E_TMP/t.go" --send $N --lifetime 120
check "TCP connection to $T accepted under the old profile" wait_file "$E2E_TMP/t.acc"

# Make the pins look like another build's: a map it did not have, and one
# whose value had another size.
rm "$PINS/$SRV_IF/xr_rule_stats"
rm "$PINS/$SRV_IF/xr_capture"
bpftool map create "$PINS/$SRV_IF/xr_capture" type array key 4 value 8 entries 1 name xr_capture
before=$(host_state)

diag="pins of $SRV_IF were made by another xdp-reflector build \(xr_capture: value size 8, this build's [0-9]+; xr_rule_stats: missing\); \`xdp-reflector load $SRV_IF PROFILE --replace\` takes over without a gap"
run xr reload $SRV_IF "$E2E_TMP/new.yaml"
expect_rc "reload over another build's pins: exit 1" 1
expect_out "reload names the other build and the takeover" "$diag"
run xr status $SRV_IF
expect_rc "status IFACE over another build's pins: exit 1" 1
expect_out "status IFACE says the same" "$diag"
run xr status
expect_rc "status (every interface): exit 1" 1
expect_out "status (every interface) says the same" "$diag"
run xr load $SRV_IF "$E2E_TMP/new.yaml"
expect_rc "load without --replace: exit 1" 1
expect_out "load without --replace says the same" "$diag"
run xr load $SRV_IF "$E2E_TMP/new.yaml" --replace --mode generic
expect_rc "a takeover in another mode is refused: exit 2" 2
expect_same "nothing changed on the host" "$before" "$(host_state)"
expect_eq "the old program is still attached" "$(xdp_id)" "$old_id"

start_server --udp $Y,$Z --no-echo --lifetime 600 --counts "$E2E_TMP/counts.json"
bg_cli $PEER send $SRV4 $Y,$Z --count 100000000 --size 64 --pps 20000 --max-seconds 300 \
	>"$E2E_TMP/sent.json"
sender=$BG_PID
# The old program judges the flood (its counters are still readable).
poll 600 at_least 200 port udp $Y pass_packets

run xr load $SRV_IF "$E2E_TMP/new.yaml" --replace
expect_rc "load --replace takes over: exit 0" 0
expect_out "load --replace says it took over" "loaded upgrade-new .*taking over"
new_id=$(xdp_id)
if [ "$new_id" != 0 ] && [ "$new_id" != "$old_id" ]; then ok "a new program is attached ($old_id -> $new_id)"; else not_ok "a new program is attached" "old $old_id, now $new_id"; fi
# The new program judges the flood.
poll 600 at_least 200 port udp $Y pass_packets
kill $sender 2>/dev/null
wait $sender

read -r sy sz < <($PY -c 'import json,sys; d=json.load(open(sys.argv[1]))["sent"]; print(d["'$Y'"], d["'$Z'"])' "$E2E_TMP/sent.json")
judged() { [ $(($(counter port udp $Z pass_packets) + $(counter port udp $Z drop_packets))) -gt 0 ]; }
poll 300 judged
sleep 1 # the last datagrams in flight reach the receiver
# The connection accepted under the old profile, on a port the new one
# closes: the client's data still arrives (the new flow table was seeded).
touch "$E2E_TMP/t.go"
ok_bytes() { [ "$(cat "$E2E_TMP/t.out" 2>/dev/null)" == "$N" ]; }
if poll 300 ok_bytes; then ok "the TCP connection opened before the takeover carries data after it"; else not_ok "TCP connection after the takeover" "server got $(cat "$E2E_TMP/t.out" 2>/dev/null || echo 0) of $N bytes"; fi
run cli $PEER tcp $SRV4 $T --timeout 1
expect_rc "a new connection to $T is dropped under the new profile" 1

stop_servers
read -r ry rz dy dz < <($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); u, k = d["udp"], d["drops"]; print(u["'$Y'"], u["'$Z'"], k["'$Y'"], k["'$Z'"])' "$E2E_TMP/counts.json")
echo "# sent Y=$sy Z=$sz; received Y=$ry Z=$rz; receiver's full buffer dropped Y=$dy Z=$dz"
if [ "$sy" -gt 1000 ]; then ok "flood of $sy datagrams per port"; else not_ok "a flood of more than 1000 datagrams per port" "only $sy"; fi
expect_eq "Z (closed): the receiver got none, before, during or after the takeover" "$rz $dz" "0 0"
expect_eq "Y (open): the receiver got every one sent across the takeover" "$((ry + dy))" "$sy"

run xr status $SRV_IF --json
expect_rc "status works again" 0
expect_eq "status shows the new program and profile" \
	"$($PY -c 'import json,sys; s=json.loads(sys.argv[1])[0]; print(s["prog_id"], s["profile"])' "$OUT")" "$new_id upgrade-new"
check "reload works again" xr reload $SRV_IF "$E2E_TMP/old.yaml"
new_egress=$(egress_id)
if [ -n "$new_egress" ] && [ "$new_egress" != "$old_egress" ]; then ok "the new egress recorder is pinned"; else not_ok "the new egress recorder is pinned" "old $old_egress, now '$new_egress'"; fi
# Freed once the last reference goes (after an RCU grace period).
if poll 300 prog_gone "$old_egress"; then ok "the old egress recorder went with its pins"; else not_ok "the old egress recorder went with its pins" "program $old_egress still exists"; fi
if poll 300 prog_gone "$old_id"; then ok "the old XDP program is gone"; else not_ok "the old XDP program is gone" "program $old_id still exists"; fi
expect_eq "only the interface's pin directory is left" "$(pin_dirs)" "$SRV_IF"

# debian/postinst on an upgrade takes over where the pins are another
# build's and leaves the others alone. It runs in a mount namespace of its
# own where /sys/fs/bpf/xdp-reflector is our pin dir, /etc holds only the
# interface's profile and arguments, and systemd is not there.
mkdir -p "$E2E_TMP/etc/xdp-reflector" "$E2E_TMP/bin"
cp "$E2E_TMP/new.yaml" "$E2E_TMP/etc/xdp-reflector/$SRV_IF.yaml"
echo 'XDP_REFLECTOR_ARGS="--mode native"' >"$E2E_TMP/etc/xdp-reflector/$SRV_IF.env"
ln -s "$XR_BIN" "$E2E_TMP/bin/xdp-reflector"
postinst() {
	srv unshare -m --propagation private sh -c '
		mount -t bpf bpf /sys/fs/bpf && mkdir /sys/fs/bpf/xdp-reflector &&
		mount --bind "$0" /sys/fs/bpf/xdp-reflector && mount --bind "$1" /etc &&
		{ [ ! -d /run/systemd ] || mount -t tmpfs none /run/systemd; } &&
		PATH="$2:$PATH" exec sh "$3" configure 0.9' \
		"$PINS" "$E2E_TMP/etc" "$E2E_TMP/bin" "$(cd "$(dirname "$0")/../.." && pwd)/debian/postinst"
}
id=$(xdp_id)
run postinst
expect_rc "postinst over this build's pins: exit 0" 0
expect_eq "postinst left this build's program alone" "$(xdp_id)" "$id"
rm "$PINS/$SRV_IF/xr_rule_stats"
# A takeover that fails (arguments load refuses) changes nothing.
echo 'XDP_REFLECTOR_ARGS="--no-such-option"' >"$E2E_TMP/etc/xdp-reflector/$SRV_IF.env"
run postinst
expect_rc "postinst whose takeover fails: exit 0 (the upgrade goes on)" 0
expect_out "postinst says the old program stays" "previous version's program stays attached"
expect_eq "the old program stays attached" "$(xdp_id)" "$id"
echo 'XDP_REFLECTOR_ARGS="--mode native"' >"$E2E_TMP/etc/xdp-reflector/$SRV_IF.env"
run postinst
expect_rc "postinst over another build's pins: exit 0" 0
expect_out "postinst took over" "loaded upgrade-new .*taking over"
if [ "$(xdp_id)" != "$id" ]; then ok "postinst attached the new program"; else not_ok "postinst attached the new program" "still $id"; fi
check "status works after postinst's takeover" xr status $SRV_IF

# The loader's own map too: an audit record of another size is another
# build's (a write would copy the wrong number of bytes).
rm "$PINS/$SRV_IF/xr_audit"
bpftool map create "$PINS/$SRV_IF/xr_audit" type array key 4 value 4096 entries 2 name xr_audit
run xr reload $SRV_IF "$E2E_TMP/new.yaml"
expect_rc "reload over another build's audit record: exit 1" 1
expect_out "reload names the audit record" "another xdp-reflector build \(xr_audit: value size 4096, this build's [0-9]+\)"
run xr load $SRV_IF "$E2E_TMP/new.yaml" --replace
expect_rc "load --replace over it: exit 0" 0
check "status works after that takeover" xr status $SRV_IF

check "detach" xr detach $SRV_IF
expect_eq "no XDP program left" "$(xdp_id)" 0
if poll 300 prog_gone "$new_egress"; then ok "no egress recorder left"; else not_ok "no egress recorder left" "program $new_egress still exists"; fi
expect_eq "no pins left" "$(pin_dirs)" ""

finish
