#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A source-restricted port with 1,000 networks per family (issue 20): an
# admin port (tcp 9443) on top of reflector-caddy, open to 999 networks
# spread over the address space and the client's own address last, as an
# operator lists them. SYNs built by hand (tests/e2e/frames.py) from the client
# namespace with the source address of each sampled network's first and
# last address pass XDP (the server's tap sees them); the addresses just
# outside each network, and IPv4-mapped IPv6 forms of listed IPv4
# addresses, never do. A search that loses a network, an edge or a
# family fails here.
. "$(dirname "$0")/lib.sh"
e2e_setup
. "$(dirname "$0")/attack-lib.bash"

# 999 /24s and 999 /48s spread over the address space, none touching
# another, then the client's address.
LISTS=$E2E_TMP/lists
"$PY" - "$CLI4" "$CLI6" >"$LISTS" <<'EOF'
import ipaddress, sys
cli4, cli6 = ipaddress.ip_address(sys.argv[1]), ipaddress.ip_address(sys.argv[2])
nets = []
for i in range(999):
    n4 = ipaddress.ip_network(((0x01000000 + i * 0xDF0000) & 0xFFFFFF00, 24))
    n6 = ipaddress.ip_network((((0x2400 + i * 0x10) << 112) | (i << 80), 48))
    if cli4 in n4 or cli6 in n6:
        continue
    nets += [n4, n6]
nets += [ipaddress.ip_network(f"{cli4}/32"), ipaddress.ip_network(f"{cli6}/128")]
for n in nets:
    print(n)
EOF
expect_eq "the lists hold 1000 networks per family" \
	"$(grep -c : "$LISTS") $(grep -vc : "$LISTS")" "1000 1000"
{
	echo "name: admin-1000"
	echo "extends: reflector-caddy"
	echo "allow:"
	echo "  - service: Admin panel"
	echo "    protocol: tcp"
	echo "    port: 9443"
	echo "    sources:"
	sed 's/^/      - /' "$LISTS"
} >"$E2E_TMP/admin.yaml"
check "load reflector-caddy + tcp/9443 from 2000 networks" \
	xr load $SRV_IF "$E2E_TMP/admin.yaml"

# Probes: every 71st network's first and last address (inside), and the
# addresses just below and above it (outside).
SPECS=() WANT=()
probe() { # NAME SRC WANT_SEEN
	local fam=4
	[[ $2 == *:* ]] && fam=6
	SPECS+=("name=$1,fam=$fam,l4=tcp,dport=9443,src=$2")
	WANT+=("$1:$3")
}
mapfile -t EDGES < <("$PY" - "$LISTS" <<'EOF'
import ipaddress, sys
nets = [ipaddress.ip_network(l.strip()) for l in open(sys.argv[1])]
for i, n in enumerate(nets[:-2]):
    if i % 71 in (0, 1):
        a, b = n.network_address, n.broadcast_address
        print(i, a, b, a - 1, b + 1)
EOF
)
for e in "${EDGES[@]}"; do
	read -r i first last below above <<<"$e"
	probe "n${i}_first" "$first" 1
	probe "n${i}_last" "$last" 1
	probe "n${i}_below" "$below" 0
	probe "n${i}_above" "$above" 0
	if [[ $first != *:* ]]; then
		probe "n${i}_mapped" "::ffff:$first" 0
	fi
done
probe cli4 "$CLI4" 1
probe cli6 "$CLI6" 1
probe cli4_other "$CLI4_OTHER" 0
probe cli6_mapped "::ffff:$CLI4" 0

fr $CTL "${SPECS[@]}"
controls_arrived "sources"
bad=() n=0
for w in "${WANT[@]}"; do
	name=${w%:*} want=${w##*:}
	n=$((n + 1))
	[ "$(r "$name" seen)" = "$want" ] || bad+=("$name seen $(r "$name" seen), want $want")
done
expect_eq "1000 networks: $n SYNs to tcp/9443 from each sampled network's edges pass XDP, from beside them (and IPv4-mapped) they do not" \
	"${bad[*]:-none}" none
expect_eq "the denied SYNs were counted as drops on tcp/9443" \
	"$(at_least 1 port tcp 9443 drop_packets && echo yes)" yes

check "detach" xr detach $SRV_IF
finish
