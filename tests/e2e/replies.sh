#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Replies to connections the host and its masqueraded containers opened pass
# under reflector-caddy's default deny; unsolicited packets to the same
# local ports, bare SYNs and replies after the documented timeout do not.
# The client namespace plays the internet: a DNS-like UDP responder and a
# TCP server on ports the server's profile never opens.
. "$(dirname "$0")/lib.sh"
e2e_setup

DNS=5353 WEB=8080

e2e_container

# The internet's servers, in the client namespace.
nsenter --net=/run/netns/$CLI_NS $PEER serve --tcp $WEB --udp $DNS --lifetime 900 --ready "$E2E_TMP/inet" &
BG_PIDS+=($!)
for _ in $(seq 300); do [ -f "$E2E_TMP/inet" ] && break; sleep 0.1; done

session() { srv $PEER session "$@" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("answered" if d["answered"] else "silent", d["others"])'; }

expect_eq "no filter: the container reaches the internet over TCP" "$(verdict_of ctr $PEER tcp $CLI4 $WEB)" ok
expect_eq "no filter: the container reaches the internet over UDP" "$(verdict_of ctr $PEER udp $CLI4 $DNS)" ok

cat >"$E2E_TMP/off.yaml" <<'YAML'
name: site-no-replies
extends: reflector-caddy
defaults:
  replies: false
YAML
# Flows must outlive the slowest setup between opening and probing them
# (each probe starts a Python): timeouts far above what the test needs.
cat >"$E2E_TMP/long.yaml" <<'YAML'
name: site-long-expiry
extends: reflector-caddy
defaults:
  replies: true
  reply_timeouts: {tcp: 3600, udp: 600, closed: 600}
YAML
# Expiry is then checked with short ones: waiting past a timeout is a lower
# bound that a slow machine only overshoots.
cat >"$E2E_TMP/fast.yaml" <<'YAML'
name: site-fast-expiry
extends: reflector-caddy
defaults:
  replies: true
  reply_timeouts: {tcp: 3600, udp: 3, closed: 2}
YAML

# No socket of TCP port P in either namespace is between states: the
# closing handshake is over (TIME-WAIT or gone).
tcp_settled() {
	[ -z "$(srv ss -Htan "( sport = :$1 or dport = :$1 )" | grep -v TIME-WAIT)" ] &&
		[ -z "$(cli ss -Htan "( sport = :$1 or dport = :$1 )" | grep -v TIME-WAIT)" ]
}

# Without the reply check a default-deny allowlist breaks the host's clients.
# Each answer the host does not get must be one the filter dropped.
check "load with replies: false" xr load $SRV_IF "$E2E_TMP/off.yaml"
d0=$(counter port udp 40601 drop_packets)
expect_eq "replies off: the host's DNS query gets no answer" "$(session $CLI4 $DNS --sport 40601 --timeout 1)" "silent 0"
expect_eq "replies off: ...its answer was dropped by the filter" $(($(counter port udp 40601 drop_packets) - d0)) 1
d0=$(counter port tcp 40604 drop_packets)
expect_eq "replies off: the host's TCP connect times out" "$(verdict_of srv $PEER tcp $CLI4 $WEB --sport 40604 --timeout 1)" timeout
if [ $(($(counter port tcp 40604 drop_packets) - d0)) -ge 1 ]; then ok "replies off: ...its SYN-ACK was dropped by the filter"; else not_ok "replies off: ...its SYN-ACK was dropped by the filter"; fi
d0=$(counter class reply pass_packets)
expect_eq "replies off: the container's TCP connect times out" "$(verdict_of ctr $PEER tcp $CLI4 $WEB --timeout 1)" timeout
expect_eq "replies off: nothing passed as a reply" $(($(counter class reply pass_packets) - d0)) 0

check "reload with replies on (long timeouts)" xr reload $SRV_IF "$E2E_TMP/long.yaml"
r0=$(counter class reply pass_packets)
expect_eq "v4: the host's DNS query is answered" "$(session $CLI4 $DNS --sport 40602)" "answered 0"
expect_eq "v6: the host's DNS query is answered" "$(session $CLI6 $DNS --sport 40603)" "answered 0"
# WebRTC (README, "What replies means for WebRTC"): a full ICE agent's check
# from a port outside every range is answered; the same kind of port probed
# first from outside (all an ICE-lite server would ever see) is dropped.
expect_eq "full ICE agent: its check from 50000/udp is answered" "$(session $CLI4 $DNS --sport 50000)" "answered 0"
d0=$(counter port udp 50001 drop_packets)
cli $PEER udp $SRV4 50001 --timeout 0.3 >/dev/null 2>&1
expect_eq "ICE-lite: a client's first check to 50001/udp is dropped" $(($(counter port udp 50001 drop_packets) - d0)) 1
expect_eq "v4: the host's TCP connect succeeds" "$(verdict_of srv $PEER tcp $CLI4 $WEB)" ok
expect_eq "v6: the host's TCP connect succeeds" "$(verdict_of srv $PEER tcp $CLI6 $WEB)" ok
expect_eq "the container's TCP connect succeeds (masquerade)" "$(verdict_of ctr $PEER tcp $CLI4 $WEB)" ok
expect_eq "the container's DNS query is answered (masquerade)" "$(verdict_of ctr $PEER udp $CLI4 $DNS)" ok
r1=$(counter class reply pass_packets)
if [ $((r1 - r0)) -ge 6 ]; then ok "replies counted in their own class ($((r1 - r0)))"; else not_ok "replies counted in their own class" "only $((r1 - r0))"; fi
expect_eq "nothing to 5353/udp or 8080/tcp counted as passed by the port table" \
	"$(counter port udp $DNS pass_packets) $(counter port tcp $WEB pass_packets)" "0 0"

# Unsolicited datagrams to the local port of a live UDP flow, from another
# remote port: dropped, and the host's socket never sees them. The socket
# stays open until the filter has counted all of them.
nsenter --net=/run/netns/$SRV_NS $PEER session $CLI4 $DNS --sport 40610 --hold 120 --ready "$E2E_TMP/held" \
	--until "$E2E_TMP/held.done" >"$E2E_TMP/held.json" &
held=$!
BG_PIDS+=($held)
poll 300 test -f "$E2E_TMP/held"
d0=$(counter port udp 40610 drop_packets)
sent=$(cli $PEER send $SRV4 40610 --count 20 --size 16 | python3 -c 'import json,sys; print(json.load(sys.stdin)["sent"]["40610"])')
expect_eq "live UDP flow: 20 unsolicited datagrams sent" "$sent" 20
poll 300 at_least $((d0 + 20)) port udp 40610 drop_packets
touch "$E2E_TMP/held.done"
wait $held
expect_eq "live UDP flow: 20 unsolicited datagrams from another port dropped" $(($(counter port udp 40610 drop_packets) - d0)) 20
expect_eq "live UDP flow: the host's socket, open all along, saw only its answer" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["answered"], d["others"])' "$E2E_TMP/held.json" 2>&1)" "True 0"

# TCP: a flow the host opened from 40620; bare segments forged by the internet.
expect_eq "the host opens TCP from port 40620" "$(verdict_of srv $PEER session $CLI4 $WEB --tcp --sport 40620)" ok
poll 300 tcp_settled 40620 # the closing handshake is over before counting
t0=$(counter port tcp 40620 drop_packets) r0=$(counter class reply pass_packets)
cli $PEER rawtcp $SRV4 40620 --sport 8081 --flags A
poll 300 at_least $((t0 + 1)) port tcp 40620 drop_packets
expect_eq "an ACK from another remote port is dropped" $(($(counter port tcp 40620 drop_packets) - t0)) 1
cli $PEER rawtcp $SRV4 40620 --sport $WEB --flags S
poll 300 at_least $((t0 + 2)) port tcp 40620 drop_packets
expect_eq "a bare SYN on the flow's own tuple is dropped (never a reply)" $(($(counter port tcp 40620 drop_packets) - t0)) 2
cli $PEER rawtcp $SRV4 40620 --sport $WEB --flags A
# The host answers the stray ACK, the client's stack resets: both replies.
poll 300 at_least $((r0 + 1)) class reply pass_packets
r=$(($(counter class reply pass_packets) - r0))
if [ $r -ge 1 ] && [ $r -le 2 ]; then ok "an ACK on the flow's tuple passes as a reply"; else not_ok "an ACK on the flow's tuple passes as a reply" "replies: $r"; fi
expect_eq "...and was not counted as dropped" $(($(counter port tcp 40620 drop_packets) - t0)) 2

# Expiry: with the short timeouts in force, once the closed timeout (2 s)
# and the UDP timeout (3 s) have passed since the host last sent, replies
# are dropped. The flows themselves are those opened above.
check "reload with short timeouts (udp 3 s, closed 2 s)" xr reload $SRV_IF "$E2E_TMP/fast.yaml"
sleep 3.5 # a lower bound: a slower machine waits longer, never shorter
t1=$(counter port tcp 40620 drop_packets) u1=$(counter port udp 40602 drop_packets) r2=$(counter class reply pass_packets)
cli $PEER rawtcp $SRV4 40620 --sport $WEB --flags A
cli $PEER send $SRV4 40602 --count 1 --size 16 >/dev/null # from a random port: dropped anyway
poll 300 at_least $((t1 + 1)) port tcp 40620 drop_packets
poll 300 at_least $((u1 + 1)) port udp 40602 drop_packets
expect_eq "closed TCP flow: its late ACK is dropped after the closed timeout" $(($(counter port tcp 40620 drop_packets) - t1)) 1
expect_eq "no reply passed after expiry" $(($(counter class reply pass_packets) - r2)) 0
expect_eq "expired UDP flow: datagram dropped" $(($(counter port udp 40602 drop_packets) - u1)) 1

# The exact UDP expiry: a responder answers at once and again 4 s later,
# after the flow's 3 s; the host's socket, held open until the filter has
# counted the late answer, sees only the first.
nsenter --net=/run/netns/$CLI_NS $PEER serve --udp 5400 --late-echo 4 --lifetime 900 --ready "$E2E_TMP/late" &
BG_PIDS+=($!)
poll 300 test -f "$E2E_TMP/late"
u3=$(counter port udp 40630 drop_packets) r3=$(counter class reply pass_packets)
nsenter --net=/run/netns/$SRV_NS $PEER session $CLI4 5400 --sport 40630 --hold 120 --until "$E2E_TMP/late.done" >"$E2E_TMP/late.json" &
lsess=$!
BG_PIDS+=($lsess)
poll 300 at_least $((u3 + 1)) port udp 40630 drop_packets
touch "$E2E_TMP/late.done"
wait $lsess
expect_eq "UDP flow: the answer in time passes, the one 4 s later does not" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("answered" if d["answered"] else "silent", d["others"])' "$E2E_TMP/late.json" 2>&1)" "answered 0"
expect_eq "UDP flow: the late answer was dropped by the filter" $(($(counter port udp 40630 drop_packets) - u3)) 1
expect_eq "UDP flow: only the answer in time counted as a reply" $(($(counter class reply pass_packets) - r3)) 1

finish
