#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# An adversarial scan under reflector-caddy: every TCP (SYN) and UDP port
# 1-65535 of the server namespace, IPv4 and IPv6, untagged, with one VLAN
# tag, with three VID-0 tags and as first fragments, from one sender
# process (frames.py scan: sendmmsg batches, a full veth ring waited out).
# The oracle is what really got past XDP: an AF_PACKET tap in the server
# namespace, plus real listeners on an open and a closed port of each
# protocol. The ports seen must be exactly the profile's open set; every
# frame to an open port must be seen (so the oracle works); afterwards the
# flow table holds only the two flows the host itself opened.
. "$(dirname "$0")/lib.sh"
e2e_setup

HERE=$(cd "$(dirname "$0")" && pwd)
PY=$(python3 -c 'import sys; print(sys.executable)')
OPEN_TCP="22,80,443,7881" OPEN_UDP="44200-44300"
NOPEN=$((4 + 101))

check "load reflector-caddy (fragments pass)" xr load $SRV_IF reflector-caddy
rx() { srv ip -s -j link show "$SRV_IF" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'; }
txdrop() { cli ip -s -j link show "$CLI_IF" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])'; }
rx0=$(rx) td0=$(txdrop)
out=$("$PY" "$HERE/frames.py" scan --srv-ns "$SRV_NS" --cli-ns "$CLI_NS" --srv-if "$SRV_IF" \
	--cli-if "$CLI_IF" --srv4 $SRV4 --srv6 $SRV6 --cli4 $CLI4 --cli6 $CLI6 --timeout 50) ||
	not_ok "frames.py scan ran" "$out"
eval "$("$PY" -c '
import json, sys
for k, v in json.loads(sys.argv[1]).items():
    print("S_%s=%s" % ("".join(c if c.isalnum() else "_" for c in k), json.dumps(str(v))))
' "${out:-{\}}")"
echo "# scan: ${S_sent:-?} frames sent in ${S_send_seconds:-?} s, ${S_seen_frames:-?} seen past XDP, ${S_total_seconds:-?} s in all"
expect_eq "the host's own UDP query and TCP connection were answered" "${S_host_udp_answered:-} ${S_host_tcp_connected:-}" "True True"
expect_eq "every port of every variant was sent" "${S_sent:-0}" $((16 * 65535))
expect_eq "the last frame was seen: every earlier one was judged" "${S_last_frame_seen:-}" True
expect_eq "the server's interface got every frame (none lost before XDP)" \
	"$(($(rx) - rx0 >= 16 * 65535)) $(($(txdrop) - td0))" "1 0"
for v in untagged 1_tag first_fragment; do
	for fam in 4 6; do
		tcp=S_v${fam}_tcp_$v udp=S_v${fam}_udp_$v
		expect_eq "v$fam $v: TCP ports past XDP are exactly $OPEN_TCP" "${!tcp-}" "$OPEN_TCP"
		expect_eq "v$fam $v: UDP ports past XDP are exactly $OPEN_UDP" "${!udp-}" "$OPEN_UDP"
	done
done
for fam in 4 6; do
	tcp=S_v${fam}_tcp_3_tags udp=S_v${fam}_udp_3_tags
	expect_eq "v$fam 3 VID-0 tags: no TCP port past XDP" "${!tcp-x}" ""
	expect_eq "v$fam 3 VID-0 tags: no UDP port past XDP" "${!udp-x}" ""
done
expect_eq "frames seen past XDP = one per open port, per variant that passes" "${S_seen_frames:-}" $((NOPEN * 2 * 3))
# Listeners: 44250/udp (open) gets untagged and 1-tag datagrams, v4 and v6
# (first fragments wait for reassembly); 40000/udp (closed) nothing.
expect_eq "listener 44250/udp received the 4 untagged and 1-tag datagrams" "${S_listener_44250_udp:-}" 4
expect_eq "listener 40000/udp (closed) received nothing" "${S_listener_40000_udp:-}" 0
for fam in 4 6; do
	a=S_v${fam}_synack_443_untagged b=S_v${fam}_synack_443_1_tag c=S_v${fam}_synack_443_3_tags
	expect_eq "v$fam: the 443 listener answered the untagged and 1-tag SYN, not the 3-tag one" \
		"${!a-} ${!b-} ${!c-}" "1 1 0"
done
flows=$("$PY" "$HERE/frames.py" flows "$PINS/$SRV_IF/xr_flows" | sort)
want=$(printf '%s\n' "tcp 4 40501 8095 $SRV4 $CLI4" "udp 4 40500 5399 $SRV4 $CLI4" | sort)
if [ "$flows" = "$want" ]; then ok "the flow table holds only the two flows the host opened"
else not_ok "the flow table holds only the two flows the host opened" \
	"entries: $(echo "$flows" | grep -c .)" "$(echo "$flows" | head -20)"; fi

finish
