#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# guard: webrtc with real traffic. A real WebRTC session (werift: ICE, DTLS,
# SCTP data channel, SRTP; tests/e2e/webrtc_peer.js) runs through the filter
# on a guarded range, IPv4 then IPv6, while a third namespace floods that
# range with random bytes whose first byte is outside RFC 7983's ranges,
# STUN headers with a wrong cookie and STUN headers under 20 bytes. Every
# data-channel message and RTP packet of the session must arrive both ways,
# and the guard's counter must hold every flood datagram: the filter passed
# none. A plain listener on a guarded port is the attack's verdict: it must
# receive none of the flood, and still receive RTP-looking datagrams.
. "$(dirname "$0")/lib.sh"
e2e_setup

NODE_DIR=${XR_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/xdp-reflector/node}
export NODE_PATH=$NODE_DIR/node_modules
if [ ! -f "$NODE_PATH/werift/package.json" ]; then
	not_ok "werift installed in $NODE_DIR" "run scripts/install-deps"
	finish
	exit 1
fi

FIRST=40000 LAST=40100 LISTEN=40100 SIGNAL=7880 COUNT=${COUNT:-60}
cat >"$E2E_TMP/guard.yaml" <<YAML
name: guard-e2e
allow:
  - {service: Signalling, protocol: tcp, port: $SIGNAL}
  - {service: WebRTC media, protocol: udp, ports: $FIRST-$LAST, guard: webrtc}
YAML

# The flooder: a namespace of its own, routed through the client's.
FL_NS=xr-e2e-f-$$ FL_IF=xrf$$ FLH_IF=xrg$$
FL4=198.51.100.2 FL6=2001:db8:2::2
ip netns add $FL_NS &&
	ip link add $FLH_IF netns $CLI_NS type veth peer name $FL_IF netns $FL_NS &&
	ip -n $CLI_NS addr add 198.51.100.1/24 dev $FLH_IF &&
	ip -n $CLI_NS addr add 2001:db8:2::1/64 dev $FLH_IF nodad &&
	ip -n $FL_NS addr add $FL4/24 dev $FL_IF &&
	ip -n $FL_NS addr add $FL6/64 dev $FL_IF nodad &&
	ip -n $CLI_NS link set $FLH_IF up && ip -n $FL_NS link set $FL_IF up &&
	ip -n $FL_NS route add default via 198.51.100.1 &&
	ip -n $FL_NS -6 route add default via 2001:db8:2::1 &&
	cli sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 &&
	srv ip route add 198.51.100.0/24 via $CLI4 &&
	srv ip -6 route add 2001:db8:2::/64 via $CLI6 ||
	{ echo "guard: cannot set up the flood namespace" >&2; ip netns del $FL_NS 2>/dev/null; exit 1; }
trap 'ip netns del $FL_NS 2>/dev/null; e2e_cleanup' EXIT
# The flood reached the filter: judged on the first port, passed or guarded.
judged_first() {
	[ $(($(counter port udp $FIRST pass_packets) + $(counter limit udp $FIRST guard_packets))) -ge 1 ]
}

start_server --udp $LISTEN --no-echo --lifetime 900 --counts "$E2E_TMP/counts.json"
check "load the guarded profile" xr load $SRV_IF "$E2E_TMP/guard.yaml"
run "$XR_BIN" check "$E2E_TMP/guard.yaml"
expect_out "check shows the guard" "udp +$FIRST-$LAST .*guard webrtc"

ports=$(seq -s, $FIRST $LAST)
flood_sent=0
for fam in 4 6; do
	if [ $fam = 4 ]; then dst=$SRV4 sig=$SRV4:$SIGNAL; else dst=$SRV6 sig="[$SRV6]:$SIGNAL"; fi
	# Bounded floods (count and time), killed when the session is over; they
	# outlast the peers' own bound (300 s) so that they last the whole session.
	flood_pids=()
	for kind in garbage badstun shortstun; do
		nsenter --net=/run/netns/$FL_NS $PEER send $dst "$ports" --count 600000 --pps 1500 \
			--max-seconds 400 --kind $kind --size 60 >"$E2E_TMP/flood-$fam-$kind.json" &
		flood_pids+=($!)
		BG_PIDS+=($!)
	done
	poll 600 judged_first # the flood has begun

	bg_srv node "$(dirname "$0")/webrtc_peer.js" answer --family $fam --signal $SIGNAL \
		--ports $FIRST-$LAST --count "$COUNT" --seconds 300 >"$E2E_TMP/answer-$fam.json" 2>"$E2E_TMP/answer-$fam.err"
	answer_pid=${BG_PIDS[-1]}
	poll 600 grep -q ready "$E2E_TMP/answer-$fam.err"
	cli node "$(dirname "$0")/webrtc_peer.js" offer --family $fam --signal "$sig" \
		--count "$COUNT" --seconds 300 >"$E2E_TMP/offer-$fam.json" 2>"$E2E_TMP/offer-$fam.err"
	wait "$answer_pid"
	alive=0
	for p in "${flood_pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
	expect_eq "v$fam: the three floods lasted the whole session" $alive 3
	for p in "${flood_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for side in offer answer; do
		echo "# v$fam $side: $(cat "$E2E_TMP/$side-$fam.json")"
		expect_eq "v$fam: the $side's ICE and DTLS connected, and it received every data-channel message and RTP packet" \
			"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["ice"] in ("connected", "completed"), d["dtls"], d["dc"], d["rtp"])' "$E2E_TMP/$side-$fam.json" 2>&1)" \
			"True connected $COUNT $COUNT"
	done
	for kind in garbage badstun shortstun; do
		n=$(python3 -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["sent"].values()))' "$E2E_TMP/flood-$fam-$kind.json")
		echo "# v$fam flood $kind: $n datagrams"
		flood_sent=$((flood_sent + n))
	done
done

# RTP-looking datagrams to the listener: the guard lets them in.
cli $PEER send $SRV4 $LISTEN --count 20 --kind rtp >/dev/null
cli $PEER send $SRV6 $LISTEN --count 20 --kind rtp >/dev/null
# The floods were stopped seconds ago: what they sent has been judged. (A
# few tries only: each reads 101 ports.)
poll 20 at_least "$flood_sent" limit udp $FIRST-$LAST guard_packets
stop_servers
expect_eq "the guard dropped every flood datagram, and nothing else" \
	"$(counter limit udp $FIRST-$LAST guard_packets)" "$flood_sent"
if [ "$flood_sent" -ge 2000 ]; then ok "flood of $flood_sent datagrams"; else not_ok "a flood of at least 2000 datagrams" "only $flood_sent"; fi
expect_eq "the listener on $LISTEN received only the 40 RTP-looking datagrams" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["udp"]["'$LISTEN'"] + d["drops"]["'$LISTEN'"])' "$E2E_TMP/counts.json")" 40
run xr stats $SRV_IF
expect_out "stats shows the guard class" "WebRTC guard +[0-9]+ +[0-9.A-Za-z]+ +[0-9]"
xr stats $SRV_IF --json >"$E2E_TMP/stats.json"
expect_eq "stats --json: guard drops as in the map" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["classes"]["guard"]["dropped"]["packets"])' "$E2E_TMP/stats.json")" "$flood_sent"
expect_eq "stats --json: the guarded rule's row carries its guard drops, none as its drops" \
	"$(python3 -c 'import json,sys; r=[r for r in json.load(open(sys.argv[1]))["rules"] if r["protocol"]=="udp" and r["first_port"]==int(sys.argv[2])][0]; print(r["guard"]["packets"], r["dropped"]["packets"])' "$E2E_TMP/stats.json" $FIRST)" "$flood_sent 0"
expect_out "stats: the guarded rule under DROPPED BY A LIMIT" "DROPPED BY A LIMIT"
xr stats $SRV_IF --prometheus >"$E2E_TMP/stats.prom"
expect_eq "stats --prometheus: the rule's guard drops" \
	"$(grep -E '^xdp_reflector_limited_packets_total\{.*port="'$FIRST-$LAST'",reason="guard"\}' "$E2E_TMP/stats.prom" | awk '{print $NF}')" "$flood_sent"

# Monitor mode: what the guard would drop reaches the listener, counted as
# the guard's would-drops; the guard's drop counter stays where it was.
check "reload --monitor" xr reload $SRV_IF "$E2E_TMP/guard.yaml" --monitor
start_server --udp $LISTEN --no-echo --lifetime 120 --counts "$E2E_TMP/counts-mon.json"
cli $PEER send $SRV4 $LISTEN --count 30 --kind garbage --size 60 >/dev/null
poll 300 at_least 30 class guard would_drop_packets
stop_servers
expect_eq "monitor: the guard counted 30 would-drops and no more drops" \
	"$(counter class guard would_drop_packets) $(counter limit udp $FIRST-$LAST guard_packets)" "30 $flood_sent"
expect_eq "monitor: the listener received the 30 datagrams the guard would drop" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["udp"]["'$LISTEN'"] + d["drops"]["'$LISTEN'"])' "$E2E_TMP/counts-mon.json")" 30

finish
