#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# DHCP under default deny, with the real components: dnsmasq serves DHCPv4
# and DHCPv6 in the client namespace; ISC dhclient runs on the filtered
# interface in the server namespace with reflector-caddy loaded. The v4
# lease is obtained and renewed (the server sets T1 to a few seconds) and
# the v6 lease obtained; their answers (67->68, 547->546) are counted in
# class dhcp. Private config, lease, pid and log files under the test's temp
# dir; dhclient's script only logs and sets the leased address on the test
# interface, never the host's resolv.conf.
. "$(dirname "$0")/lib.sh"
e2e_setup

HERE=$(cd "$(dirname "$0")" && pwd)
PY=$(python3 -c 'import sys; print(sys.executable)')
counter() { "$PY" "$HERE/counters.py" "$PINS/$SRV_IF" "$@"; }
T=$E2E_TMP
for tool in dnsmasq dhclient; do
	command -v $tool >/dev/null || PATH=$PATH:/usr/sbin:/sbin
done

# Wait up to $1 seconds until the command succeeds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}
linklocal_ready() { # a link-local address that finished DAD
	[ -n "$($1 ip -6 addr show dev "$2" scope link -tentative)" ]
}

check "load reflector-caddy (default deny)" xr load $SRV_IF reflector-caddy
check "server link-local ready" wait_for 20 linklocal_ready srv "$SRV_IF"
check "client link-local ready" wait_for 20 linklocal_ready cli "$CLI_IF"
d0=$(counter class dhcp pass_packets)

# dnsmasq: no DNS (port 0), DHCP only on the client veth. dnsmasq's shortest
# lease is 2 minutes; T1 (option 58) 4 s makes the client renew at once.
bg_cli dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --no-resolv --no-hosts \
	--user=root --interface="$CLI_IF" --bind-interfaces --pid-file="$T/dnsmasq.pid" \
	--dhcp-leasefile="$T/dnsmasq.leases" --log-dhcp --log-facility="$T/dnsmasq.log" \
	--dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,2m --dhcp-option=option:T1,4 \
	--dhcp-option=option:T2,100 --dhcp-range=2001:db8:1::100,2001:db8:1::1ff,64,2m
check "dnsmasq started" wait_for 20 test -s "$T/dnsmasq.pid"

# dhclient's scripts (it passes them no environment of ours): record the
# event, put the address on the test interface.
for fam in 4 6; do
	cat >"$T/script$fam" <<SH
#!/bin/sh
echo "\$reason \${new_ip_address:-} \${new_ip6_address:-}" >>"$T/events$fam"
case \$reason in
BOUND | RENEW | REBIND | REBOOT) ip addr replace "\$new_ip_address/24" dev "\$interface" ;;
BOUND6 | RENEW6 | REBIND6) ip -6 addr replace "\$new_ip6_address/128" dev "\$interface" nodad ;;
esac
exit 0
SH
	chmod +x "$T/script$fam"
done
printf 'timeout 60;\nretry 1;\ninitial-interval 1;\n' >"$T/dhclient.conf"
bg_srv dhclient -4 -d -cf "$T/dhclient.conf" -lf "$T/dhclient4.leases" \
	-pf "$T/dhclient4.pid" -sf "$T/script4" "$SRV_IF" 2>"$T/dhclient4.log"
bg_srv dhclient -6 -d -cf "$T/dhclient.conf" -lf "$T/dhclient6.leases" \
	-pf "$T/dhclient6.pid" -sf "$T/script6" "$SRV_IF" 2>"$T/dhclient6.log"

lease4() { grep -q '^BOUND 192\.0\.2\.1[0-5][0-9] ' "$T/events4" 2>/dev/null; }
renew4() { grep -q '^RENEW 192\.0\.2\.1[0-5][0-9] ' "$T/events4" 2>/dev/null; }
lease6() { grep -q '^BOUND6  2001:db8:1::1[0-9a-f][0-9a-f]$' "$T/events6" 2>/dev/null; }
show() { printf '%s\n' "events4: $(tr '\n' ';' <"$T/events4" 2>/dev/null)" \
	"events6: $(tr '\n' ';' <"$T/events6" 2>/dev/null)" \
	"dnsmasq: $(grep -E 'DHCP(OFFER|ACK|ADVERTISE|REPLY)' "$T/dnsmasq.log" 2>/dev/null | tail -4 | tr '\n' ';')"; }

if wait_for 30 lease4; then ok "dhcpv4: lease obtained through the filter ($(grep -m1 ^BOUND "$T/events4"))"
else not_ok "dhcpv4: lease obtained through the filter" "$(show)"; fi
if wait_for 30 renew4; then ok "dhcpv4: lease renewed (T1 4 s)"
else not_ok "dhcpv4: lease renewed (T1 4 s)" "$(show)"; fi
if wait_for 30 lease6; then ok "dhcpv6: lease obtained through the filter ($(grep -m1 ^BOUND6 "$T/events6"))"
else not_ok "dhcpv6: lease obtained through the filter" "$(show)"; fi
# OFFER, ACK, the renewal's ACK; ADVERTISE, REPLY.
d=$(($(counter class dhcp pass_packets) - d0))
if [ $d -ge 5 ]; then ok "class dhcp counted the server's answers ($d)"
else not_ok "class dhcp counted the server's answers" "got $d, want at least 5"; fi
expect_eq "nothing dropped as malformed" "$(counter class malformed drop_packets)" 0
finish
