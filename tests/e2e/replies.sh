#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Replies to connections the host and its masqueraded containers opened pass
# under reflector-caddy's default deny; unsolicited packets to the same
# local ports, bare SYNs and replies after the documented timeout do not.
# The client namespace plays the internet: a DNS-like UDP responder and a
# TCP server on ports the server's profile never opens.
. "$(dirname "$0")/lib.sh"
e2e_setup

CTR_NS=xr-e2e-ctr-$$
CTR_IF=xrk$$
HOST_CTR_IF=xrh$$
DNS=5353 WEB=8080
trap 'ip netns del $CTR_NS 2>/dev/null; e2e_cleanup' EXIT

# A container behind the server: routed and masqueraded by the server namespace.
ip netns add $CTR_NS &&
	ip link add $HOST_CTR_IF netns $SRV_NS type veth peer name $CTR_IF netns $CTR_NS &&
	ip -n $SRV_NS addr add 10.99.0.1/24 dev $HOST_CTR_IF &&
	ip -n $CTR_NS addr add 10.99.0.2/24 dev $CTR_IF &&
	ip -n $SRV_NS link set $HOST_CTR_IF up && ip -n $CTR_NS link set $CTR_IF up &&
	ip -n $CTR_NS link set lo up &&
	ip -n $CTR_NS route add default via 10.99.0.1 &&
	srv sysctl -qw net.ipv4.ip_forward=1 &&
	srv nft -f - <<EOF2 || { echo "cannot set up the container namespace" >&2; exit 1; }
table ip xr_e2e_nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "$SRV_IF" masquerade
	}
}
EOF2
ctr() { nsenter --net=/run/netns/$CTR_NS "$@"; }

# The internet's servers, in the client namespace.
nsenter --net=/run/netns/$CLI_NS $PEER serve --tcp $WEB --udp $DNS --lifetime 120 --ready "$E2E_TMP/inet" &
BG_PIDS+=($!)
for _ in $(seq 50); do [ -f "$E2E_TMP/inet" ] && break; sleep 0.1; done

session() { srv $PEER session "$@" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("answered" if d["answered"] else "silent", d["others"])'; }

expect_eq "no filter: the container reaches the internet over TCP" "$(verdict_of ctr $PEER tcp $CLI4 $WEB)" ok
expect_eq "no filter: the container reaches the internet over UDP" "$(verdict_of ctr $PEER udp $CLI4 $DNS)" ok

cat >"$E2E_TMP/off.yaml" <<'YAML'
name: site-no-replies
extends: reflector-caddy
defaults:
  replies: false
YAML
cat >"$E2E_TMP/fast.yaml" <<'YAML'
name: site-fast-expiry
extends: reflector-caddy
defaults:
  replies: true
  reply_timeouts: {tcp: 3600, udp: 3, closed: 2}
YAML

# Without the reply check a default-deny allowlist breaks the host's clients.
check "load with replies: false" xr load $SRV_IF "$E2E_TMP/off.yaml"
expect_eq "replies off: the host's DNS query gets no answer" "$(session $CLI4 $DNS --sport 40601 --timeout 0.7)" "silent 0"
expect_eq "replies off: the host's TCP connect times out" "$(verdict_of srv $PEER tcp $CLI4 $WEB --timeout 0.7)" timeout
expect_eq "replies off: the container's TCP connect times out" "$(verdict_of ctr $PEER tcp $CLI4 $WEB --timeout 0.7)" timeout

check "reload with replies on (udp 3 s, closed 2 s)" xr reload $SRV_IF "$E2E_TMP/fast.yaml"
r0=$(counter class reply pass_packets)
expect_eq "v4: the host's DNS query is answered" "$(session $CLI4 $DNS --sport 40602)" "answered 0"
expect_eq "v6: the host's DNS query is answered" "$(session $CLI6 $DNS --sport 40603)" "answered 0"
expect_eq "v4: the host's TCP connect succeeds" "$(verdict_of srv $PEER tcp $CLI4 $WEB)" ok
expect_eq "v6: the host's TCP connect succeeds" "$(verdict_of srv $PEER tcp $CLI6 $WEB)" ok
expect_eq "the container's TCP connect succeeds (masquerade)" "$(verdict_of ctr $PEER tcp $CLI4 $WEB)" ok
expect_eq "the container's DNS query is answered (masquerade)" "$(verdict_of ctr $PEER udp $CLI4 $DNS)" ok
r1=$(counter class reply pass_packets)
if [ $((r1 - r0)) -ge 6 ]; then ok "replies counted in their own class ($((r1 - r0)))"; else not_ok "replies counted in their own class" "only $((r1 - r0))"; fi
expect_eq "nothing to 5353/udp or 8080/tcp counted as passed by the port table" \
	"$(counter port udp $DNS pass_packets) $(counter port tcp $WEB pass_packets)" "0 0"

# Unsolicited datagrams to the local port of a live UDP flow, from another
# remote port: dropped, and the host's socket never sees them.
srv $PEER session $CLI4 $DNS --sport 40610 --hold 2 --ready "$E2E_TMP/held" >"$E2E_TMP/held.json" &
held=$!
for _ in $(seq 50); do [ -f "$E2E_TMP/held" ] && break; sleep 0.1; done
d0=$(counter port udp 40610 drop_packets)
cli $PEER send $SRV4 40610 --count 20 --size 16 >/dev/null
wait $held
expect_eq "live UDP flow: 20 unsolicited datagrams from another port dropped" $(($(counter port udp 40610 drop_packets) - d0)) 20
expect_eq "live UDP flow: the host's socket saw only its answer" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["answered"], d["others"])' "$E2E_TMP/held.json")" "True 0"

# TCP: a flow the host opened from 40620; bare segments forged by the internet.
expect_eq "the host opens TCP from port 40620" "$(verdict_of srv $PEER session $CLI4 $WEB --tcp --sport 40620)" ok
sleep 0.3 # let the closing handshake finish before counting
t0=$(counter port tcp 40620 drop_packets) r0=$(counter class reply pass_packets)
cli $PEER rawtcp $SRV4 40620 --sport 8081 --flags A
expect_eq "an ACK from another remote port is dropped" $(($(counter port tcp 40620 drop_packets) - t0)) 1
cli $PEER rawtcp $SRV4 40620 --sport $WEB --flags S
expect_eq "a bare SYN on the flow's own tuple is dropped (never a reply)" $(($(counter port tcp 40620 drop_packets) - t0)) 2
cli $PEER rawtcp $SRV4 40620 --sport $WEB --flags A
sleep 0.2
# The server answers the stray ACK, the client's stack resets: both replies.
r=$(($(counter class reply pass_packets) - r0))
if [ $r -ge 1 ] && [ $r -le 2 ]; then ok "an ACK on the flow's tuple passes as a reply"; else not_ok "an ACK on the flow's tuple passes as a reply" "replies: $r"; fi
expect_eq "...and was not counted as dropped" $(($(counter port tcp 40620 drop_packets) - t0)) 2

# Expiry: the flow closed (FIN both ways); after the closed timeout (2 s)
# and the UDP timeout (3 s) since the host last sent, replies are dropped.
sleep 3.5
t1=$(counter port tcp 40620 drop_packets) u1=$(counter port udp 40602 drop_packets) r2=$(counter class reply pass_packets)
cli $PEER rawtcp $SRV4 40620 --sport $WEB --flags A
cli $PEER send $SRV4 40602 --count 1 --size 16 >/dev/null  # from a random port: dropped anyway
expect_eq "closed TCP flow: its late ACK is dropped after the closed timeout" $(($(counter port tcp 40620 drop_packets) - t1)) 1
expect_eq "no reply passed after expiry" $(($(counter class reply pass_packets) - r2)) 0
expect_eq "expired UDP flow: datagram dropped" $(($(counter port udp 40602 drop_packets) - u1)) 1

# The exact UDP expiry: a responder answers at once and again 4 s later,
# after the flow's 3 s; the host's socket sees only the first answer.
nsenter --net=/run/netns/$CLI_NS $PEER serve --udp 5400 --late-echo 4 --lifetime 30 --ready "$E2E_TMP/late" &
BG_PIDS+=($!)
for _ in $(seq 50); do [ -f "$E2E_TMP/late" ] && break; sleep 0.1; done
u3=$(counter port udp 40630 drop_packets) r3=$(counter class reply pass_packets)
expect_eq "UDP flow: the answer in time passes, the one 4 s later does not" \
	"$(session $CLI4 5400 --sport 40630 --hold 5.5)" "answered 0"
expect_eq "UDP flow: the late answer was dropped by the filter" $(($(counter port udp 40630 drop_packets) - u3)) 1
expect_eq "UDP flow: only the answer in time counted as a reply" $(($(counter class reply pass_packets) - r3)) 1

finish
