#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `export --format nft` against the XDP filter it mirrors, with real traffic.
# The same profile and toggles, the same veth, two runs: first the exported
# ruleset loaded into the server namespace's nftables (no XDP program), then
# the XDP filter (no nftables). The same TCP/UDP/ICMP probes, IPv4 and IPv6,
# to open ports, open ports without a listener, closed ports with a listener,
# the edges of a range, a source-restricted port from its source and from
# another, and replies to connections the server opens, must get the same
# verdict from both, and the verdict the profile means (a run without any
# filter first shows every closed-port listener answers). A second profile
# that drops echo requests checks the ICMP half the same way. Every export
# variant must pass `nft -c`, and loading it twice must leave one table.
. "$(dirname "$0")/lib.sh"
e2e_setup

CLI6_OTHER=2001:db8:1::3
# Deprecated, so never picked as a source unless a probe binds it: the
# echo of the server's datagram comes from the address it was sent to.
ip -n "$CLI_NS" addr add $CLI6_OTHER/64 dev "$CLI_IF" nodad preferred_lft 0 ||
	{ not_ok "fixture: a second IPv6 address on the client"; finish; exit 1; }
TOGGLES=(--enable dashboard --source "dashboard=$CLI4_OTHER/32" --source "dashboard=$CLI6_OTHER/128")
T=3 # seconds a probe waits for its answer

# ---- nft -c accepts every variant ---------------------------------------------------

cat >"$E2E_TMP/odd.yaml" <<'EOF'
name: odd
extends: reflector-caddy
defaults:
  echo_requests: drop
  icmp_informational: pass
  fragments: drop
  other_protocols: pass
  allow_protocols: [gre, 132]
  replies: false
EOF
cat >"$E2E_TMP/noecho.yaml" <<'EOF'
name: noecho
extends: reflector-caddy
defaults:
  echo_requests: drop
EOF
variants=("reflector-caddy" "reflector-caddy ${TOGGLES[*]}"
	"reflector-caddy --disable livekit --disable livekit-tcp --disable ssh"
	"reflector-direct --enable dashboard --source dashboard=10.0.0.0/8"
	"$E2E_TMP/odd.yaml")
for v in "${variants[@]}"; do
	# shellcheck disable=SC2086 # a variant is words
	if "$XR_BIN" export $v --format nft -o "$E2E_TMP/v.nft" 2>"$E2E_TMP/err"; then
		run srv nft -c -f "$E2E_TMP/v.nft"
		expect_rc "nft -c accepts the export of: ${v/$E2E_TMP\//}" 0
	else
		not_ok "export of ${v/$E2E_TMP\//}" "$(cat "$E2E_TMP/err")"
	fi
done

# ---- The probes ------------------------------------------------------------------------

start_server --tcp 443,8888,5432 --udp 44200,44300,44301,8888 ||
	{ not_ok "fixture: listeners"; finish; exit 1; }
bg_cli $PEER serve --tcp 6000 --udp 6001 --lifetime 300
for _ in $(seq 100); do cli ss -Hltn 'sport = :6000' | grep -q . && break; sleep 0.1; done

# NAME|COMMAND|VERDICT under the profile|VERDICT without a filter
PROBES="v4 tcp 443 (open)|cli $PEER tcp $SRV4 443 --timeout $T|ok|ok
v6 tcp 443 (open)|cli $PEER tcp $SRV6 443 --timeout $T|ok|ok
v4 tcp 80 (open, no listener)|cli $PEER tcp $SRV4 80 --timeout $T|refused|refused
v6 tcp 80 (open, no listener)|cli $PEER tcp $SRV6 80 --timeout $T|refused|refused
v4 tcp 5432 (closed)|cli $PEER tcp $SRV4 5432 --timeout $T|timeout|ok
v6 tcp 5432 (closed)|cli $PEER tcp $SRV6 5432 --timeout $T|timeout|ok
v4 udp 44200 (first of the range)|cli $PEER udp $SRV4 44200 --timeout $T|ok|ok
v6 udp 44300 (last of the range)|cli $PEER udp $SRV6 44300 --timeout $T|ok|ok
v4 udp 44301 (past the range)|cli $PEER udp $SRV4 44301 --timeout $T|timeout|ok
v6 udp 44301 (past the range)|cli $PEER udp $SRV6 44301 --timeout $T|timeout|ok
v4 tcp 8888 from its source|cli $PEER tcp $SRV4 8888 --timeout $T --bind $CLI4_OTHER|ok|ok
v4 tcp 8888 from another address|cli $PEER tcp $SRV4 8888 --timeout $T --bind $CLI4|timeout|ok
v6 tcp 8888 from its source|cli $PEER tcp $SRV6 8888 --timeout $T --bind $CLI6_OTHER|ok|ok
v6 tcp 8888 from another address|cli $PEER tcp $SRV6 8888 --timeout $T --bind $CLI6|timeout|ok
v4 udp 8888 (the source's port, other protocol)|cli $PEER udp $SRV4 8888 --timeout $T --bind $CLI4_OTHER|timeout|ok
v4 tcp reply to the server's connection|srv $PEER session $CLI4 6000 --tcp --sport 41@0 --timeout $T|ok|ok
v6 udp reply to the server's datagram|srv $PEER session $CLI6 6001 --sport 41@1 --timeout $T|ok|ok
v4 echo request|cli ping -c 1 -W $T $SRV4|ok|ok
v6 echo request|cli ping -c 1 -W $T $SRV6|ok|ok"

# probe_all TAG: every probe at once (a closed port costs one timeout for
# all); "NAME|VERDICT" lines in $E2E_TMP/TAG, in the table's order. An @ in
# a command is the run's number: each run opens its flows from new ports.
RUN=0
probe_all() {
	echo "# $SECONDS s: probes $1" >&2
	local tag=$1 i=0 name cmd pids=() pid
	RUN=$((RUN + 1))
	while IFS='|' read -r name cmd _ _; do
		cmd=${cmd//@/$RUN}
		# shellcheck disable=SC2086 # a probe's command is words
		(verdict_of $cmd >"$E2E_TMP/$tag.$i") &
		pids+=($!)
		i=$((i + 1))
	done <<<"$PROBES"
	for pid in "${pids[@]}"; do wait "$pid"; done
	i=0
	: >"$E2E_TMP/$tag"
	while IFS='|' read -r name _ _ _; do
		echo "$name|$(cat "$E2E_TMP/$tag.$i")" >>"$E2E_TMP/$tag"
		i=$((i + 1))
	done <<<"$PROBES"
}

# want COLUMN: the expected "NAME|VERDICT" lines (3: profile, 4: no filter).
want() { awk -F'|' -v c="$1" '{ print $1 "|" $c }' <<<"$PROBES"; }

probe_all none
expect_same "no filter: every listener answers (so a timeout below is the filter's)" \
	"$(want 4)" "$(cat "$E2E_TMP/none")"

# Run 1: the nft export, no XDP.
"$XR_BIN" export reflector-caddy "${TOGGLES[@]}" --format nft -o "$E2E_TMP/caddy.nft"
check "nft: load the export" srv nft -f "$E2E_TMP/caddy.nft"
check "nft: load it again (the table is replaced)" srv nft -f "$E2E_TMP/caddy.nft"
expect_eq "nft: one table after two loads" \
	"$(srv nft list tables | grep -c 'table inet xdp_reflector')" 1
expect_eq "nft: no XDP program on the veth" \
	"$(srv ip -d link show "$SRV_IF" | grep -c 'prog/xdp')" 0
probe_all nft
srv nft delete table inet xdp_reflector
expect_same "nft: every probe gets the profile's verdict" "$(want 3)" "$(cat "$E2E_TMP/nft")"

# Run 2: the XDP filter with the same profile and toggles, no nftables.
expect_eq "xdp: no nftables table left" "$(srv nft list tables | grep -c xdp_reflector)" 0
check "xdp: load" xr load "$SRV_IF" reflector-caddy "${TOGGLES[@]}"
probe_all xdp
check "xdp: detach" xr detach "$SRV_IF"
expect_same "xdp: every probe gets the profile's verdict" "$(want 3)" "$(cat "$E2E_TMP/xdp")"
expect_same "nft and XDP agree on every probe" "$(cat "$E2E_TMP/nft")" "$(cat "$E2E_TMP/xdp")"

# ---- echo_requests: drop, both ways ----------------------------------------------------

PROBES="v4 echo request|cli ping -c 1 -W $T $SRV4|timeout|ok
v6 echo request|cli ping -c 1 -W $T $SRV6|timeout|ok
v4 tcp 443 (open)|cli $PEER tcp $SRV4 443 --timeout $T|ok|ok
v6 tcp 5432 (closed)|cli $PEER tcp $SRV6 5432 --timeout $T|timeout|ok"
"$XR_BIN" export "$E2E_TMP/noecho.yaml" --format nft -o "$E2E_TMP/noecho.nft"
check "noecho, nft: load the export" srv nft -f "$E2E_TMP/noecho.nft"
probe_all nft2
srv nft delete table inet xdp_reflector
check "noecho, xdp: load" xr load "$SRV_IF" "$E2E_TMP/noecho.yaml"
probe_all xdp2
check "noecho, xdp: detach" xr detach "$SRV_IF"
expect_same "noecho, nft: the profile's verdicts" "$(want 3)" "$(cat "$E2E_TMP/nft2")"
expect_same "noecho: nft and XDP agree" "$(cat "$E2E_TMP/nft2")" "$(cat "$E2E_TMP/xdp2")"

finish
