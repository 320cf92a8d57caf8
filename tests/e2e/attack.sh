#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The ways past the filter of issue 12, tried as an attacker would, each next
# to its happy path: frames built by hand (tests/e2e/frames.py) from the
# client namespace to real listeners in the server namespace under
# reflector-caddy's default deny. The verdict is what the server namespace
# got: datagrams read by a listener, SYN-ACKs/RSTs its stack sent, and
# frames an AF_PACKET tap there saw (the tap sees only what XDP passed).
# Every run also sends controls that must arrive, so a silent check proves
# a drop, not a dead link. Items: 1 stacked VLAN tags, 2 the egress recorder
# (SYN-ACK/RST sweep), 3 IPv4-mapped IPv6, 4 spoofed teardown, 5 IPv6
# fragments, 6 ICMP informational types and IPv4 AH, 7 DHCP replies.
. "$(dirname "$0")/lib.sh"
e2e_setup

HERE=$(cd "$(dirname "$0")" && pwd)
# The interpreter itself, not a version-manager shim that costs seconds a start.
PY=$(python3 -c 'import sys; print(sys.executable)')
FRAMES="$PY $HERE/frames.py"
counter() { "$PY" "$HERE/counters.py" "$PINS/$SRV_IF" "$@"; }
NS_ARGS=(--srv-ns "$SRV_NS" --cli-ns "$CLI_NS" --srv-if "$SRV_IF" --cli-if "$CLI_IF"
	--srv4 "$SRV4" --srv6 "$SRV6" --cli4 "$CLI4" --cli6 "$CLI6")
# Closed (never exposed or internal) and open listeners of the server.
UDP_LISTEN=44250,6379,5432,40000,68,546
TCP_LISTEN=443,5432,6379,7077

# fr SPEC...: one run of frames.py; r NAME KEY reads its result.
fr() {
	local out
	out=$($FRAMES run "${NS_ARGS[@]}" --udp-listen $UDP_LISTEN --tcp-listen $TCP_LISTEN "$@") ||
		{ not_ok "frames.py run" "$out"; return 1; }
	eval "$("$PY" -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    for k, v in d.items():
        if k != "name":
            print("R_%s_%s=%s" % (d["name"], k, v))
' <<<"$out")"
}
r() { local v="R_$1_$2"; echo "${!v:-missing}"; }
# The controls of every run: untagged UDP to an open port, v4 and v6.
CTL="name=ctl4,dport=44250,count=3,ctl=1 name=ctl6,fam=6,dport=44250,count=3,ctl=1"
controls_arrived() {
	expect_eq "$1: controls (v4+v6 to 44250/udp) received by the listener" \
		"$(r ctl4 received) $(r ctl6 received)" "3 3"
}
flows() { $FRAMES flows "$PINS/$SRV_IF/xr_flows"; }
dump_flows() { flows | sed 's/^/#   flow: /'; }

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
  reply_timeouts: {tcp: 3600, udp: 120, closed: 3}
YAML
check "reload: tcp timeout 3600 s, closed 3 s" xr reload $SRV_IF "$E2E_TMP/closed3.yaml"
# 6 s of silence from the host: twice the closed timeout, 1/600 of the TCP one.
td=$($FRAMES teardown "${NS_ARGS[@]}" --wait 6 --recv-timeout 3)
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

# ---- 5. IPv6 fragments ---------------------------------------------------
cat >"$E2E_TMP/nofrag.yaml" <<'YAML'
name: site-no-fragments
extends: reflector-caddy
defaults:
  fragments: drop
YAML
check "reload: fragments drop" xr reload $SRV_IF "$E2E_TMP/nofrag.yaml"
f0=$(counter class fragment drop_packets) m0=$(counter class malformed drop_packets)
fr $CTL name=af1,fam=6,dport=44250,ext=frag:0:0,count=2 \
	name=af2,fam=6,dport=44250,ext=frag:0:1/frag:0:0,count=2 \
	name=af2c,fam=6,dport=6379,ext=frag:0:0/frag:0:0,count=2 \
	name=afd,fam=6,dport=44250,ext=dst:0/frag:0:0,count=2
controls_arrived "fragments drop"
expect_eq "fragments drop: an atomic fragment (Fragment header, M=0) to 44250 is dropped" \
	"$(r af1 received) $(r af1 seen)" "0 0"
expect_eq "fragments drop: a Fragment header after a destination option is dropped" "$(r afd seen)" 0
expect_eq "fragments drop attack: two Fragment headers (first says M=1) never pass" "$(r af2 seen)" 0
expect_eq "fragments drop attack: two Fragment headers to closed 6379 never pass" "$(r af2c seen)" 0
expect_eq "fragments drop: counted as fragment or malformed" \
	$(($(counter class fragment drop_packets) - f0 + $(counter class malformed drop_packets) - m0)) 8

check "reload: reflector-caddy (fragments pass)" xr reload $SRV_IF reflector-caddy
m0=$(counter class malformed drop_packets)
fr $CTL name=pf1o,fam=6,dport=44250,ext=frag:0:1 name=pf1c,fam=6,dport=6379,ext=frag:0:1 \
	name=pfl,fam=6,dport=6379,ext=dst:0/frag:1:0 \
	name=pf2o,fam=6,dport=44250,ext=frag:0:1/frag:0:0 name=pf2c,fam=6,dport=6379,ext=frag:0:0/frag:0:1 \
	name=plen,fam=6,dport=6379,ext=dst:0/frag:1:0,plen=8 name=plen2,fam=6,dport=6379,ext=dst:1/frag:1:0,plen=16
controls_arrived "fragments pass"
expect_eq "fragments pass: a first fragment to open 44250 passes" "$(r pf1o seen)" 1
expect_eq "fragments pass: a first fragment to closed 6379 is dropped" "$(r pf1c seen)" 0
expect_eq "fragments pass: a later fragment after a destination option passes" "$(r pfl seen)" 1
expect_eq "fragments attack: two Fragment headers are malformed (open and closed port)" \
	"$(r pf2o seen) $(r pf2c seen)" "0 0"
expect_eq "fragments attack: a Fragment header past the payload length is malformed" \
	"$(r plen seen) $(r plen2 seen)" "0 0"
expect_eq "fragments attack: all four counted malformed" $(($(counter class malformed drop_packets) - m0)) 4

# ---- 6. ICMP informational types, IPv4 AH -----------------------------------
i0=$(counter class icmp drop_packets)
passed=()
for t in 0 3 11 12; do passed+=("name=ip4_$t,l4=icmp,icmp=$t:0"); done
for t in 1 2 3 4 129 130 131 132 143 133 134 135 136 137; do passed+=("name=ip6_$t,fam=6,l4=icmp,icmp=$t:0"); done
fr $CTL "${passed[@]}" name=echo4,l4=icmp,icmp=8:0 name=echo6,fam=6,l4=icmp,icmp=128:0 \
	name=ts,l4=icmp,icmp=13:0,count=2 name=tsr,l4=icmp,icmp=14:0 name=am,l4=icmp,icmp=17:0 \
	name=amr,l4=icmp,icmp=18:0 name=redir,l4=icmp,icmp=5:1 name=ni,fam=6,l4=icmp,icmp=139:0 \
	name=nir,fam=6,l4=icmp,icmp=140:0
controls_arrived "icmp"
n=0
for s in "${passed[@]}"; do
	s=${s#name=} s=${s%%,*}
	[ "$(r $s seen)" = 1 ] && n=$((n + 1)) || not_ok "icmp: $s passes XDP" "seen $(r $s seen)"
done
expect_eq "icmp: v4 types 0 3 11 12 and v6 1-4 129-132 143 133-137 pass XDP" $n ${#passed[@]}
expect_eq "icmp: echo requests are answered (v4, v6)" "$(r echo4 answered) $(r echo6 answered)" "1 1"
expect_eq "icmp attack: timestamp requests get no answer from the server" "$(r ts answered) $(r ts seen)" "0 0"
expect_eq "icmp attack: timestamp reply, address mask request/reply, redirect dropped" \
	"$(r tsr seen) $(r am seen) $(r amr seen) $(r redir seen)" "0 0 0 0"
expect_eq "icmp attack: node information query/reply dropped" "$(r ni seen) $(r nir seen)" "0 0"
expect_eq "icmp: the 8 informational frames counted as dropped ICMP" $(($(counter class icmp drop_packets) - i0)) 8

# The errors the host needs, with the real components: the peer's kernel
# answers the host's UDP with port unreachable, the socket sees the refusal.
refused() {
	srv "$PY" -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((sys.argv[1], 9))
for _ in range(3):
    s.send(b"x")
    try:
        s.recv(10)
    except ConnectionRefusedError:
        print("refused"); break
    except socket.timeout:
        pass
else:
    print("silent")' "$1"
}
expect_eq "icmp: port unreachable reaches the host's UDP socket (v4)" "$(refused $CLI4)" refused
expect_eq "icmp: port unreachable reaches the host's UDP socket (v6)" "$(refused $CLI6)" refused
cli "$PY" "$HERE/peer.py" toobig $SRV6 $SRV6 $CLI6 1380
sleep 0.2
if srv ip -6 route get $CLI6 | grep -q "mtu 1380"; then ok "icmp: packet-too-big reaches the host (pmtu 1380)"
else not_ok "icmp: packet-too-big reaches the host (pmtu 1380)" "$(srv ip -6 route get $CLI6)"; fi

# IPv4 AH is followed like IPv6's: the ports under it decide.
fr $CTL name=ah4o,dport=44250,ext=ah name=ah4c,dport=6379,ext=ah name=ah6o,fam=6,dport=44250,ext=ah \
	name=ah6c,fam=6,dport=6379,ext=ah name=ah4t,l4=tcp,dport=5432,ext=ah
controls_arrived "ah"
expect_eq "ah: UDP under AH to open 44250 passes (v4, v6)" "$(r ah4o seen) $(r ah6o seen)" "1 1"
expect_eq "ah: UDP/TCP under AH to closed ports dropped (v4 udp, v6 udp, v4 tcp)" \
	"$(r ah4c seen) $(r ah6c seen) $(r ah4t seen)" "0 0 0"
cat >"$E2E_TMP/ah.yaml" <<'YAML'
name: site-ah
extends: reflector-caddy
defaults:
  allow_protocols: [ah]
YAML
check "reload: allow_protocols [ah]" xr reload $SRV_IF "$E2E_TMP/ah.yaml"
fr $CTL name=ah4c,dport=6379,ext=ah,count=2 name=ah4t,l4=tcp,dport=5432,ext=ah name=ah4o,dport=44250,ext=ah
controls_arrived "ah allowed"
expect_eq "ah attack: with AH allowed, UDP/TCP under it to closed ports still dropped" \
	"$(r ah4c seen) $(r ah4t seen)" "0 0"
expect_eq "ah: with AH allowed, UDP under it to open 44250 passes" "$(r ah4o seen)" 1
check "reload: reflector-caddy" xr reload $SRV_IF reflector-caddy

# ---- 7. DHCP replies -------------------------------------------------------
d0=$(counter class dhcp pass_packets)
fr $CTL name=dh4,sport=67,dport=68,count=2 name=dh4b,sport=67,dport=68,dst=255.255.255.255 \
	name=dh6,fam=6,src=fe80::99,sport=547,dport=546,count=2 \
	name=dx4,sport=67,dport=6379,count=2 name=dx6,fam=6,sport=547,dport=6379,count=2 \
	name=dx4b,sport=68,dport=5432 name=dx6b,fam=6,src=fe80::99,sport=546,dport=40000 \
	name=dx4c,sport=67,dport=546 name=dx6c,fam=6,sport=547,dport=68
controls_arrived "dhcp"
expect_eq "dhcp: v4 67->68 reaches the client port (unicast, broadcast)" "$(r dh4 received) $(r dh4b received)" "2 1"
expect_eq "dhcp: v6 547->546 reaches the client port" "$(r dh6 received)" 2
expect_eq "dhcp: class dhcp counted the 5 replies" $(($(counter class dhcp pass_packets) - d0)) 5
expect_eq "dhcp attack: source port 67/547 opens no other port (6379 v4, v6)" \
	"$(r dx4 received) $(r dx6 received) $(r dx4 seen) $(r dx6 seen)" "0 0 0 0"
expect_eq "dhcp attack: 68->5432, 546->40000, 67->546, 547->68 dropped" \
	"$(r dx4b seen) $(r dx6b seen) $(r dx4c seen) $(r dx6c seen)" "0 0 0 0"

finish
