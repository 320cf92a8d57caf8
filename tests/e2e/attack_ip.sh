#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Issue 12's items 5-7 as attacks next to their happy paths, as in
# attack.sh (frames from the client namespace, the server namespace's
# listeners and AF_PACKET tap as the verdict, controls in every run):
# 5 IPv6 fragments (a Fragment header anywhere, two of them, a chain past
# the payload length), 6 informational ICMP dropped while what the host
# needs passes (with the real port-unreachable and packet-too-big paths),
# IPv4 AH followed to the ports under it, 7 DHCP answers pass and open
# nothing else.
. "$(dirname "$0")/lib.sh"
e2e_setup
. "$(dirname "$0")/attack-lib.bash"

check "load reflector-caddy" xr load $SRV_IF reflector-caddy

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
expect_eq "fragments drop: two Fragment headers to closed 6379 never pass" "$(r af2c seen)" 0
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

# The profile's switch, once the loader knows it (until then the default
# above is what is tested): informational ICMP passes, and is answered.
cat >"$E2E_TMP/info.yaml" <<'YAML'
name: site-icmp-info
extends: reflector-caddy
defaults:
  icmp_informational: pass
YAML
if "$XR_BIN" check "$E2E_TMP/info.yaml" >/dev/null 2>&1; then
	check "reload: icmp_informational pass" xr reload $SRV_IF "$E2E_TMP/info.yaml"
	fr $CTL name=ts,l4=icmp,icmp=13:0 name=ni,fam=6,l4=icmp,icmp=139:0 name=am,l4=icmp,icmp=17:0
	controls_arrived "icmp informational pass"
	expect_eq "icmp_informational pass: timestamp answered, node information and address mask pass" \
		"$(r ts answered) $(r ni seen) $(r am seen)" "1 1 1"
	check "reload: reflector-caddy" xr reload $SRV_IF reflector-caddy
fi

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
fr $CTL name=ah4c,dport=6379,ext=ah,count=2 name=ah4t,l4=tcp,dport=5432,ext=ah name=ah4o,dport=44250,ext=ah \
	name=ahts,l4=icmp,icmp=13:0,ext=ah name=ahni,fam=6,l4=icmp,icmp=139:0,ext=ah \
	name=ahah4,dport=6379,ext=ah/ah name=ahah6,fam=6,dport=6379,ext=ah/ah
controls_arrived "ah allowed"
expect_eq "ah attack: with AH allowed, UDP/TCP under it to closed ports still dropped" \
	"$(r ah4c seen) $(r ah4t seen)" "0 0"
expect_eq "ah attack: with AH allowed, informational ICMP under it still dropped (v4 timestamp, v6 node info)" \
	"$(r ahts seen) $(r ahni seen)" "0 0"
expect_eq "ah attack: with AH allowed, UDP under two AH headers to closed 6379 dropped (v4, v6)" \
	"$(r ahah4 seen) $(r ahah6 seen)" "0 0"
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
expect_eq "dhcp guard: source port 67/547 opens no other port (6379 v4, v6)" \
	"$(r dx4 received) $(r dx6 received) $(r dx4 seen) $(r dx6 seen)" "0 0 0 0"
expect_eq "dhcp guard: 68->5432, 546->40000, 67->546, 547->68 dropped" \
	"$(r dx4b seen) $(r dx6b seen) $(r dx4c seen) $(r dx6c seen)" "0 0 0 0"

finish
