#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The ways past the filter of issue 12, tried as an attacker would, each next
# to its happy path: frames built by hand (tests/e2e/frames.py) from the
# client namespace to real listeners in the server namespace under
# reflector-caddy's default deny. The verdict is what the server namespace
# got: datagrams read by a listener, SYN-ACKs/RSTs its stack sent, and
# frames an AF_PACKET tap there saw (the tap sees only what XDP passed).
# Every run also sends controls that must arrive, so a silent check proves
# a drop, not a dead link. Here items 1 stacked VLAN tags, 2 the egress
# recorder (SYN-ACK/RST sweep), 3 IPv4-mapped IPv6, 4 spoofed teardown;
# attack_ip.sh has 5 IPv6 fragments, 6 ICMP and IPv4 AH, 7 DHCP replies.
. "$(dirname "$0")/lib.sh"
e2e_setup
. "$(dirname "$0")/attack-lib.bash"

check "load reflector-caddy" xr load $SRV_IF reflector-caddy

# ---- 1. stacked VLAN tags ------------------------------------------------
T3="8100:0/8100:0/8100:0"
T3AD="88a8:0/8100:0/8100:0"
T4="88a8:0/8100:0/8100:0/8100:0"
m0=$(counter class malformed drop_packets)
fr $CTL \
	name=u1_4,dport=44250,tags=8100:0,count=3 name=u1_6,fam=6,dport=44250,tags=8100:0,count=3 \
	name=u2_4,dport=44250,tags=88a8:0/8100:0,count=3 name=u2_6,fam=6,dport=44250,tags=88a8:0/8100:0,count=3 \
	name=u2q_4,dport=44250,tags=8100:0/8100:0,count=3 \
	name=v1o_4,dport=44250,tags=8100:5 name=v1c_4,dport=6379,tags=8100:5 \
	name=t1_4,l4=tcp,dport=443,tags=8100:0 name=t2_6,fam=6,l4=tcp,dport=443,tags=88a8:0/8100:0 \
	name=a3_6379,dport=6379,tags=$T3,count=3 name=a3_5432,dport=5432,tags=$T3,count=3 \
	name=a3_40000,dport=40000,tags=$T3,count=3 name=a3ad_6379,dport=6379,tags=$T3AD,count=3 \
	name=a4_6379,dport=6379,tags=$T4,count=3 name=a3_6379v6,fam=6,dport=6379,tags=$T3AD,count=3 \
	name=a4_5432v6,fam=6,dport=5432,tags=$T4,count=3 \
	name=at3_5432,l4=tcp,dport=5432,tags=$T3 name=at3_6379,l4=tcp,dport=6379,tags=$T3AD \
	name=at4_7077,l4=tcp,dport=7077,tags=$T4 name=at3_6379v6,fam=6,l4=tcp,dport=6379,tags=$T3 \
	name=a9_6379,dport=6379,tags=88a8:0/8100:0/9100:0,count=3 \
	name=a9m_6379,dport=6379,tags=8100:0/9100:0/8100:0,count=3 \
	name=a3vid_6379,dport=6379,tags=8100:5/8100:6/8100:7,count=3
controls_arrived "vlan"
for t in u1_4 u1_6 u2_4 u2_6 u2q_4; do
	expect_eq "vlan: $t (1-2 VID-0 tags) to open 44250/udp reaches the listener" "$(r $t received)" 3
done
expect_eq "vlan: 1 tag VID 5 to open 44250/udp passes XDP" "$(r v1o_4 seen)" 1
expect_eq "vlan: 1 tag VID 5 to closed 6379/udp is dropped" "$(r v1c_4 seen)" 0
expect_eq "vlan: SYN to 443 through 1 tag is answered by the listener" "$(r t1_4 synack)" 1
expect_eq "vlan: v6 SYN to 443 through 2 tags is answered by the listener" "$(r t2_6 synack)" 1
bad=0
for t in a3_6379 a3_5432 a3_40000 a3ad_6379 a4_6379 a3_6379v6 a4_5432v6; do
	expect_eq "vlan attack: $t (3-4 VID-0 tags) never reaches the listener nor the stack" \
		"$(r $t received) $(r $t seen)" "0 0"
	bad=$((bad + $(r $t sent)))
done
for t in at3_5432 at3_6379 at4_7077 at3_6379v6; do
	expect_eq "vlan attack: $t SYN through 3-4 tags gets no SYN-ACK from the listener" \
		"$(r $t synack) $(r $t seen)" "0 0"
	bad=$((bad + $(r $t sent)))
done
for t in a9_6379 a9m_6379 a3vid_6379; do
	expect_eq "vlan attack: $t (a TPID past the tags followed) dropped by XDP" "$(r $t seen)" 0
	bad=$((bad + $(r $t sent)))
done
expect_eq "vlan attack: every frame with too many tags counted malformed" \
	$(($(counter class malformed drop_packets) - m0)) $bad

# ---- 2. the egress recorder: only the host's own SYN opens TCP ----------
# The host sends what its stack sends to a scanner (SYN-ACK from a
# listener, RST from a closed port) on 20 tuples, through its egress; then
# the "scanner" sends ACK/data on them.
n0=$(flows | wc -l)
specs=() acks=()
for i in $(seq 0 4); do
	specs+=("name=sa$i,dir=out,l4=tcp,flags=SA,sport=6379,dport=$((41000 + i))"
		"name=rs$i,dir=out,l4=tcp,flags=RA,sport=$((6000 + i)),dport=$((41100 + i))"
		"name=sa6_$i,dir=out,fam=6,l4=tcp,flags=SA,sport=5432,dport=$((41200 + i))"
		"name=rs6_$i,dir=out,fam=6,l4=tcp,flags=R,sport=7077,dport=$((41300 + i))")
	acks+=("name=ka$i,l4=tcp,flags=PA,sport=$((41000 + i)),dport=6379"
		"name=kr$i,l4=tcp,flags=A,sport=$((41100 + i)),dport=$((6000 + i))"
		"name=ka6_$i,fam=6,l4=tcp,flags=PA,sport=$((41200 + i)),dport=5432"
		"name=kr6_$i,fam=6,l4=tcp,flags=PA,sport=$((41300 + i)),dport=7077")
done
# The happy paths: the host's SYN (a connection it opens) and its UDP.
fr "${specs[@]}" name=hsyn,dir=out,l4=tcp,flags=S,sport=40100,dport=8080 \
	name=hsyn6,dir=out,fam=6,l4=tcp,flags=S,sport=40101,dport=8080 \
	name=hudp,dir=out,sport=40000,dport=5353 name=hudp6,dir=out,fam=6,sport=40000,dport=5354
sleep 0.2
fr $CTL "${acks[@]}" name=rsyn,l4=tcp,flags=SA,sport=8080,dport=40100 \
	name=rsyn6,fam=6,l4=tcp,flags=SA,sport=8080,dport=40101 \
	name=rudp,sport=5353,dport=40000,count=2 name=rudp6,fam=6,sport=5354,dport=40000,count=2
controls_arrived "egress"
leak=0
for i in $(seq 0 4); do
	for t in ka$i kr$i ka6_$i kr6_$i; do
		leak=$((leak + $(r $t seen) + $(r $t rst)))
	done
done
expect_eq "egress attack: ACK/data on 20 tuples the host answered with SYN-ACK/RST never pass XDP" $leak 0
expect_eq "egress: the SYN-ACK to the host's own SYN passes (v4, v6)" "$(r rsyn seen) $(r rsyn6 seen)" "1 1"
expect_eq "egress: the answers to the host's UDP reach its socket (v4, v6)" \
	"$(r rudp received) $(r rudp6 received)" "2 2"
got=$(flows | awk '$3 == 6379 || $3 == 5432 || $3 == 7077 || ($3 >= 6000 && $3 <= 6004)' | wc -l)
if [ "$got" -eq 0 ]; then ok "egress attack: no flow entry for a SYN-ACK or RST the host sent"
else not_ok "egress attack: no flow entry for a SYN-ACK or RST the host sent" "$(dump_flows)"; fi
got=$(flows | awk '($1 == "tcp" && ($3 == 40100 || $3 == 40101)) || ($1 == "udp" && $3 == 40000)' | wc -l)
if [ "$got" -eq 4 ]; then ok "egress: the host's SYNs (v4, v6) and UDP (v4, v6) have their entries"
else not_ok "egress: the host's SYNs (v4, v6) and UDP (v4, v6) have their entries" "$(dump_flows)"; fi
expect_eq "egress: exactly those 4 entries were added" $(($(flows | wc -l) - n0)) 4

# ---- 3. address family: an IPv4-mapped IPv6 packet is no IPv4 reply ----
fr name=m_udp,dir=out,sport=40000,dport=5360 name=m_syn,dir=out,l4=tcp,flags=S,sport=40110,dport=8081
sleep 0.2
r0=$(counter class reply pass_packets)
fr $CTL name=m_v4,sport=5360,dport=40000 \
	name=m_map,fam=6,src=::ffff:$CLI4,dst=::ffff:$SRV4,sport=5360,dport=40000,count=2 \
	name=m_maptcp,fam=6,src=::ffff:$CLI4,dst=::ffff:$SRV4,l4=tcp,flags=A,sport=8081,dport=40110,count=2 \
	name=m_v4tcp,l4=tcp,flags=SA,sport=8081,dport=40110
controls_arrived "family"
expect_eq "family: the IPv4 reply to the host's UDP reaches its socket" "$(r m_v4 received)" 1
expect_eq "family: the IPv4 SYN-ACK to the host's SYN passes" "$(r m_v4tcp seen)" 1
expect_eq "family attack: IPv4-mapped IPv6 'replies' to IPv4 flows are dropped by XDP (udp, tcp)" \
	"$(r m_map seen) $(r m_maptcp seen)" "0 0"
expect_eq "family: only the two IPv4 replies counted as replies" $(($(counter class reply pass_packets) - r0)) 2

# ---- 4. spoofed teardown --------------------------------------------------
cat >"$E2E_TMP/closed3.yaml" <<'YAML'
name: site-short-closed
extends: reflector-caddy
defaults:
  reply_timeouts: {tcp: 3600, udp: 120, closed: 2}
YAML
check "reload: tcp timeout 3600 s, closed 2 s" xr reload $SRV_IF "$E2E_TMP/closed3.yaml"
# 4.5 s of silence from the host: twice the closed timeout and more, 1/800
# of the TCP one.
td=$($FRAMES teardown "${NS_ARGS[@]}" --wait 4.5 --recv-timeout 3)
eval "$("$PY" -c 'import json,sys
for k, v in json.loads(sys.argv[1]).items(): print("TD_%s=%s" % (k, v))' "$td")"
val() { local v="TD_$1"; echo "${!v:-missing}"; }
expect_eq "teardown: the host's 4 connections to the peer are up" "$(val connected)" 4
expect_eq "teardown: the 3 spoofed RST/FIN passed XDP (the host's stack judged them)" \
	"$(val spoofs_seen)" "$(val spoofs_sent)"
expect_eq "teardown attack: data after a spoofed RST and $(val quiet_seconds) s reaches the host (v4)" "$(val r4)" True
expect_eq "teardown attack: data after a spoofed RST and the wait reaches the host (v6)" "$(val r6)" True
expect_eq "teardown attack: data after a spoofed FIN and the wait reaches the host" "$(val f4)" True
expect_eq "teardown: the host's own FIN reached the peer" "$(val h4_peer_saw_fin)" True
expect_eq "teardown: after the host's own FIN the closed timeout ends the flow" "$(val h4)" False

finish
