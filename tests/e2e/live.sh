#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# reflector-caddy on a real veth: real TCP/UDP clients over IPv4 and IPv6,
# neighbour discovery after a flush, ping and the ICMP errors path-MTU
# discovery needs, a source-restricted dashboard, and counters equal to
# what the clients sent.
. "$(dirname "$0")/lib.sh"
e2e_setup


start_server --tcp 443,80,7881,5432,6379,3000,1250,8888 --udp 44250,5432,40000,443 \
	--counts "$E2E_TMP/counts.json"

# Without the filter every listener answers: the checks below can fail.
expect_eq "without filter: tcp 5432 answers" "$(verdict_of cli $PEER tcp $SRV4 5432)" ok
expect_eq "without filter: udp 40000 answers" "$(verdict_of cli $PEER udp $SRV4 40000)" ok
expect_eq "without filter: udp 443 (HTTP/3) answers" "$(verdict_of cli $PEER udp $SRV4 443)" ok

check "load reflector-caddy (native)" xr load $SRV_IF reflector-caddy
expect_eq "status says native" "$(xr status $SRV_IF --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["mode"])')" native

for fam in 4 6; do
	[ $fam = 4 ] && host=$SRV4 || host=$SRV6
	for port in 443 80 7881; do
		expect_eq "v$fam tcp $port connects" "$(verdict_of cli $PEER tcp $host $port)" ok
	done
	for port in 5432 6379 3000 1250; do
		# A timeout, not a refusal: the SYN never reached the stack.
		expect_eq "v$fam tcp $port times out" "$(verdict_of cli $PEER tcp $host $port --timeout 0.7)" timeout
	done
	expect_eq "v$fam udp 44250 echoes" "$(verdict_of cli $PEER udp $host 44250)" ok
	# 443/udp: HTTP/3 is a feature off by default, like the firewall page.
	for port in 5432 40000 443; do
		expect_eq "v$fam udp $port gets no echo" "$(verdict_of cli $PEER udp $host $port --timeout 0.5)" timeout
	done
done
# Each probe that got no answer was sent and dropped by the filter (v4 + v6).
for port in 5432 6379 3000 1250; do
	if at_least 2 port tcp $port drop_packets; then ok "tcp $port: the SYNs were seen and dropped"; else not_ok "tcp $port: the SYNs were seen and dropped" "$(counter port tcp $port drop_packets)"; fi
done
expect_eq "udp 5432, 40000 and 443: both probes dropped each" \
	"$(counter port udp 5432 drop_packets) $(counter port udp 40000 drop_packets) $(counter port udp 443 drop_packets)" "2 2 2"

# Neighbour discovery: the host stays reachable after its caches empty.
srv ip neigh flush all
cli ip neigh flush all
expect_eq "after neigh flush: v4 tcp 443 connects (ARP)" "$(verdict_of cli $PEER tcp $SRV4 443)" ok
expect_eq "after neigh flush: v6 tcp 443 connects (ND)" "$(verdict_of cli $PEER tcp $SRV6 443)" ok
check "ping v4 passes" cli ping -c 1 -W 5 $SRV4
check "ping v6 passes" cli ping -6 -c 1 -W 5 $SRV6

# A profile that drops echo requests: ping fails, everything else stays.
cat >"$E2E_TMP/noecho.yaml" <<'YAML'
name: site-noecho
extends: reflector-caddy
defaults:
  echo_requests: drop
YAML
check "reload: echo requests dropped" xr reload $SRV_IF "$E2E_TMP/noecho.yaml"
i0=$(counter class icmp drop_packets)
if cli ping -c 1 -W 1 $SRV4 >/dev/null 2>&1; then not_ok "ping v4 dropped by profile"; else ok "ping v4 dropped by profile"; fi
if cli ping -6 -c 1 -W 1 $SRV6 >/dev/null 2>&1; then not_ok "ping v6 dropped by profile"; else ok "ping v6 dropped by profile"; fi
expect_eq "the two pings were seen and dropped" $(($(counter class icmp drop_packets) - i0)) 2
srv ip neigh flush all
cli ip neigh flush all
expect_eq "no echo, after neigh flush: v4 tcp 443 connects" "$(verdict_of cli $PEER tcp $SRV4 443)" ok
expect_eq "no echo, after neigh flush: v6 tcp 443 connects" "$(verdict_of cli $PEER tcp $SRV6 443)" ok

# Path-MTU discovery: the ICMP errors reach the server's stack even now.
# The kernel records the smaller path MTU towards the client it names.
cli $PEER toobig $SRV4 $SRV4 $CLI4 1300
poll 100 eval 'srv ip route get $CLI4 | grep -q "mtu 1300"'
if srv ip route get $CLI4 | grep -q "mtu 1300"; then ok "fragmentation-needed reached the server (pmtu 1300)"
else not_ok "fragmentation-needed reached the server (pmtu 1300)" "$(srv ip route get $CLI4)"; fi
cli $PEER toobig $SRV6 $SRV6 $CLI6 1400
poll 100 eval 'srv ip -6 route get $CLI6 | grep -q "mtu 1400"'
if srv ip -6 route get $CLI6 | grep -q "mtu 1400"; then ok "packet-too-big reached the server (pmtu 1400)"
else not_ok "packet-too-big reached the server (pmtu 1400)" "$(srv ip -6 route get $CLI6)"; fi

# The dashboard, open only to one address of the client namespace.
check "reload: dashboard from $CLI4 and $CLI6 only" xr reload $SRV_IF reflector-caddy \
	--enable dashboard --source dashboard=$CLI4/32 --source dashboard=$CLI6/128
expect_eq "dashboard reachable from $CLI4" "$(verdict_of cli $PEER tcp $SRV4 8888 --bind $CLI4)" ok
expect_eq "dashboard not from $CLI4_OTHER" "$(verdict_of cli $PEER tcp $SRV4 8888 --bind $CLI4_OTHER --timeout 0.7)" timeout
expect_eq "dashboard reachable from $CLI6" "$(verdict_of cli $PEER tcp $SRV6 8888 --bind $CLI6)" ok
cli ip addr add 2001:db8:1::3/64 dev $CLI_IF nodad
expect_eq "dashboard not from 2001:db8:1::3" "$(verdict_of cli $PEER tcp $SRV6 8888 --bind 2001:db8:1::3 --timeout 0.7)" timeout

# Counters equal what the clients sent: K datagrams to an open port, M to a
# closed one, exact sizes (Ethernet 14 + IPv4 20 + UDP 8 + payload).
K=300 M=200 SIZE=100
p0=$(counter port udp 44250 pass_packets) b0=$(counter port udp 44250 pass_bytes)
d0=$(counter port udp 5432 drop_packets) db0=$(counter port udp 5432 drop_bytes)
cli $PEER send $SRV4 44250 --count $K --size $SIZE --pps 5000 >/dev/null
cli $PEER send $SRV4 5432 --count $M --size $SIZE --pps 5000 >/dev/null
poll 300 at_least $((p0 + K)) port udp 44250 pass_packets
poll 300 at_least $((d0 + M)) port udp 5432 drop_packets
expect_eq "udp 44250 passed packets = sent" $(($(counter port udp 44250 pass_packets) - p0)) $K
expect_eq "udp 44250 passed bytes = sent frames" $(($(counter port udp 44250 pass_bytes) - b0)) $((K * (14 + 20 + 8 + SIZE)))
expect_eq "udp 5432 dropped packets = sent" $(($(counter port udp 5432 drop_packets) - d0)) $M
expect_eq "udp 5432 dropped bytes = sent frames" $(($(counter port udp 5432 drop_bytes) - db0)) $((M * (14 + 20 + 8 + SIZE)))
expect_eq "udp 5432 never passed" "$(counter port udp 5432 pass_packets)" 0
expect_eq "tcp 6379 never passed" "$(counter port tcp 6379 pass_packets)" 0
expect_eq "nothing malformed" "$(counter class malformed drop_packets)" 0

# HTTP/3: --enable http3 opens 443/udp, and only that.
check "reload --enable http3" xr reload $SRV_IF reflector-caddy --enable http3
expect_eq "http3: v4 udp 443 echoes" "$(verdict_of cli $PEER udp $SRV4 443)" ok
expect_eq "http3: v6 udp 443 echoes" "$(verdict_of cli $PEER udp $SRV6 443)" ok
expect_eq "http3: tcp 443 still connects" "$(verdict_of cli $PEER tcp $SRV4 443)" ok
expect_eq "http3: udp 5432 still gets no echo" "$(verdict_of cli $PEER udp $SRV4 5432 --timeout 0.5)" timeout
expect_eq "http3: udp 443 passed the two probes" "$(counter port udp 443 pass_packets)" 2

stop_servers
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); u, k = d["udp"], d["drops"]; print(u["44250"] + k["44250"], u["5432"] + k["5432"], u["443"] + k["443"])' "$E2E_TMP/counts.json")
# 44250: the v4 and v6 probes plus K (received, or dropped by a full buffer
# of a starved receiver: the kernel counts those); 5432: nothing reached it;
# 443: the unfiltered probe and the two with http3 on, none of the default's.
expect_eq "receiver: 44250 got v4+v6 probes + K, 5432 got nothing, 443 got 3" "$got" "$((2 + K)) 0 3"

finish
