#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rate: {per_source, burst} with real traffic. One source opens TCP
# connections (then sends UDP datagrams) at ten times its entry's limit; a
# second source stays under it. The first gets its burst and then the rate
# through, never more (the bound is computed from the time it really took,
# so a slow machine cannot fail it); the second loses nothing; the filter's
# rate counter holds exactly what the first lost. The listener's accepts
# and receipts are the verdict.
. "$(dirname "$0")/lib.sh"
e2e_setup

TCP_PORT=2222 UDP_PORT=3478
TCP_RATE=5 TCP_BURST=5 UDP_RATE=20 UDP_BURST=20
# rate_sources other than the default: the table is sized by the profile,
# and every command after load still takes the pins for this build's.
cat >"$E2E_TMP/rate.yaml" <<YAML
name: rate-e2e
defaults:
  rate_sources: 2048
allow:
  - {service: SSH, protocol: tcp, port: $TCP_PORT, rate: {per_source: $TCP_RATE/s, burst: $TCP_BURST}}
  - {service: TURN, protocol: udp, port: $UDP_PORT, rate: {per_source: $UDP_RATE/s, burst: $UDP_BURST}}
  - {service: Open, protocol: tcp, port: 8080}
YAML

start_server --tcp $TCP_PORT,8080 --udp $UDP_PORT --no-echo --lifetime 900 --counts "$E2E_TMP/counts.json"
check "load the rate-limited profile" xr load $SRV_IF "$E2E_TMP/rate.yaml"
run "$XR_BIN" check "$E2E_TMP/rate.yaml"
expect_out "check shows the limit" "tcp +$TCP_PORT .*rate $TCP_RATE/s burst $TCP_BURST"

field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
# within NAME GOT SECONDS RATE BURST: BURST <= GOT <= BURST + RATE * SECONDS + 1
within() {
	local max
	max=$(python3 -c 'import math,sys; print(int(sys.argv[2]) + math.ceil(float(sys.argv[1]) * int(sys.argv[3])) + 1)' "$3" "$5" "$4")
	if [ "$2" -ge "$5" ] && [ "$2" -le "$max" ]; then ok "$1 ($2, bound $5..$max)"; else not_ok "$1" "got $2, want $5..$max"; fi
}

# ---- TCP: connection attempts (SYN without ACK), 10x the limit for 3 s.
out=$(cli $PEER tcpburst $SRV4 $TCP_PORT --count $((TCP_RATE * 10 * 3)) --pps $((TCP_RATE * 10)) --bind $CLI4)
echo "# tcp from $CLI4: $out"
a_att=$(field "$out" attempts) a_ok=$(field "$out" connected) a_secs=$(field "$out" seconds)
within "tcp: the fast source got its burst and the rate through" "$a_ok" "$a_secs" $TCP_RATE $TCP_BURST
out=$(cli $PEER tcpburst $SRV4 $TCP_PORT --count 4 --pps 2 --bind $CLI4_OTHER)
echo "# tcp from $CLI4_OTHER: $out"
expect_eq "tcp: the second source is unaffected" "$(field "$out" connected)" 4
expect_eq "tcp: the filter's rate counter holds the fast source's losses" \
	"$(counter limit tcp $TCP_PORT rate_packets)" $((a_att - a_ok))
# Entries without rate pay nothing: the same pace to 8080 all connects.
out=$(cli $PEER tcpburst $SRV4 8080 --count 30 --pps 50 --bind $CLI4)
expect_eq "tcp: a port without rate takes the same burst whole" "$(field "$out" connected)" 30

# ---- UDP: datagrams, 10x the limit for 2 s, IPv4 then IPv6.
sent_fast=0 passed_fast=0
for src in $CLI4 $CLI6; do
	if [ "$src" = "$CLI4" ]; then dst=$SRV4; else dst=$SRV6; fi
	before=$(counter limit udp $UDP_PORT rate_packets)
	out=$(cli $PEER send $dst $UDP_PORT --count $((UDP_RATE * 10 * 2)) --pps $((UDP_RATE * 10)) --bind $src --kind rtp)
	n=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["sent"]["'$UDP_PORT'"])' "$out")
	secs=$(field "$out" seconds)
	poll 50 at_least $((before + 1)) limit udp $UDP_PORT rate_packets
	dropped=$(($(counter limit udp $UDP_PORT rate_packets) - before))
	echo "# udp from $src: sent $n in ${secs}s, $dropped dropped by the limit"
	within "udp from $src: the fast source got its burst and the rate through" $((n - dropped)) "$secs" $UDP_RATE $UDP_BURST
	sent_fast=$((sent_fast + n)) passed_fast=$((passed_fast + n - dropped))
done
cli $PEER send $SRV4 $UDP_PORT --count 10 --pps 5 --bind $CLI4_OTHER --kind rtp >/dev/null
# What the filter passed is in the listener's socket by then (the stack
# takes it in the same softirq): wait for the filter to have passed them all.
poll 300 at_least $((passed_fast + 10)) port udp $UDP_PORT pass_packets
stop_servers
expect_eq "udp: the listener got what the filter passed, the second source's 10 included" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["udp"]["'$UDP_PORT'"] + d["drops"]["'$UDP_PORT'"])' "$E2E_TMP/counts.json")" \
	$((passed_fast + 10))

run xr stats $SRV_IF
expect_out "stats shows the rate class" "rate limited +[0-9]+"
expect_out "stats shows the fast source on top of the limited sources" "TOP RATE-LIMITED SOURCES"
expect_out "stats names the fast IPv4 source" "$CLI4 +tcp +$TCP_PORT"
expect_out "stats names the fast IPv6 source by its /64" "2001:db8:1::/64 +udp +$UDP_PORT"
xr stats $SRV_IF --json >"$E2E_TMP/stats.json"
xr stats $SRV_IF --prometheus >"$E2E_TMP/stats.prom"
expect_eq "stats --json: the udp rule's row carries the map's rate drops" \
	"$(python3 -c 'import json,sys; r=[r for r in json.load(open(sys.argv[1]))["rules"] if r["protocol"]=="udp" and r["first_port"]==int(sys.argv[2])][0]; print(r["rate_limited"]["packets"])' "$E2E_TMP/stats.json" $UDP_PORT)" \
	"$(counter limit udp $UDP_PORT rate_packets)"
expect_eq "stats --prometheus: the tcp rule's rate drops as in the map" \
	"$(grep -E '^xdp_reflector_limited_packets_total\{.*protocol="tcp",port="'$TCP_PORT'",reason="rate"\}' "$E2E_TMP/stats.prom" | awk '{print $NF}')" \
	"$(counter limit tcp $TCP_PORT rate_packets)"
run cat "$E2E_TMP/stats.prom"
expect_out "stats --prometheus: the fast IPv4 source among the top limited sources" \
	"xdp_reflector_top_limited_source_dropped_packets\{.*source=\"$CLI4\",protocol=\"tcp\",port=\"$TCP_PORT\"\} [1-9]"

finish
