#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The SSH guard sees a session wherever it reaches the host through the
# interface: an address on a bridge the interface is a port of, on a VLAN
# or macvlan device over it, a link-local fe80::...%IFACE address, and any
# port (2222). Each is refused (exit 2, the message says what to allow,
# nothing changes) and accepted with the port open or with --force. With no
# session, a policy that closes every port sshd (a listener named sshd)
# listens on is loaded with a warning. SSH_CONNECTION is set in the
# loader's environment as safety.sh does.
. "$(dirname "$0")/lib.sh"

unset SSH_CONNECTION # only the checks below set it
e2e_setup

T=$E2E_TMP
BR=xrb$$ VLB=xrbm$$ MV=xrm$$
CLIENT=203.0.113.50
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
HC="$(cd "$(dirname "$0")" && pwd)/holdconn.py"

cat >"$T/with2222.yaml" <<'YAML'
name: ssh-on-2222
extends: reflector-caddy
allow:
  - {service: SSH 2222, protocol: tcp, port: 2222}
YAML

state() { host_state | sed -E 's/ link-netns(id)? [^ ]+//; s/_timer +[0-9.]+/_timer/g'; }
detach() { xr detach "$SRV_IF" >/dev/null 2>&1; }

# guarded NAME "SSH_CONNECTION" PORT CLIENT REFUSED-ARGS... -- OPEN-ARGS...
guarded() {
	local name=$1 conn=$2 port=$3 client=$4 s0 bad=() good=()
	shift 4
	while [ $# -gt 0 ] && [ "$1" != -- ]; do bad+=("$1"); shift; done
	shift
	good=("$@")
	s0=$(state)
	SSH_CONNECTION=$conn run xr load "$SRV_IF" "${bad[@]}"
	expect_rc "$name: load refused (exit 2)" 2
	expect_out "$name: message says to allow $port/tcp from the client" "allow $port/tcp from $client"
	if [ "$s0" == "$(state)" ]; then ok "$name: refused load changes nothing"; else not_ok "$name: refused load changes nothing" "$(diff <(echo "$s0") <(state) | head -6)"; fi
	SSH_CONNECTION=$conn run xr load "$SRV_IF" "${good[@]}"
	expect_rc "$name: with $port/tcp open: loads" 0
	detach
	SSH_CONNECTION=$conn run xr load "$SRV_IF" "${bad[@]}" --force
	expect_rc "$name: --force loads" 0
	# and a reload to the closing policy is refused the same way
	SSH_CONNECTION=$conn run xr reload "$SRV_IF" "${good[@]}"
	expect_rc "$name: reload with $port/tcp open" 0
	s0=$(state)
	SSH_CONNECTION=$conn run xr reload "$SRV_IF" "${bad[@]}"
	expect_rc "$name: reload refused (exit 2)" 2
	if [ "$s0" == "$(state)" ]; then ok "$name: refused reload changes nothing"; else not_ok "$name: refused reload changes nothing" "$(diff <(echo "$s0") <(state) | head -6)"; fi
	detach
}

# This kernel has no 802.1Q devices (`type vlan`: unknown device type): the
# VLAN case is the same code path as macvlan (a device whose link is
# IFACE), tested with macvlan here.

# ---- a bridge the interface is a port of, and a macvlan on that bridge -----
srv ip link add $BR type bridge &&
	srv ip link set $SRV_IF master $BR &&
	srv ip addr add 198.51.100.1/24 dev $BR &&
	srv ip link add $VLB link $BR type macvlan mode bridge &&
	srv ip addr add 198.51.100.129/25 dev $VLB &&
	srv ip link set $BR up && srv ip link set $VLB up ||
	not_ok "fixture: bridge over $SRV_IF"
guarded "bridge" "$CLIENT 50000 198.51.100.1 22" 22 $CLIENT \
	reflector-caddy --disable ssh -- reflector-caddy
guarded "macvlan on the bridge" "$CLIENT 50000 198.51.100.129 22" 22 $CLIENT \
	reflector-caddy --disable ssh -- reflector-caddy
SSH_CONNECTION="$CLIENT 50000 192.0.2.222 22" run xr load "$SRV_IF" reflector-caddy --disable ssh
expect_rc "bridge: a session to an address on no device over $SRV_IF: no guard" 0
detach
srv ip link del $VLB
srv ip link set $SRV_IF nomaster
srv ip link del $BR

# ---- a macvlan device whose link is the interface --------------------------
srv ip link add $MV link $SRV_IF type macvlan mode bridge &&
	srv ip addr add 10.77.1.1/24 dev $MV &&
	srv ip link set $MV up ||
	not_ok "fixture: macvlan over $SRV_IF"
guarded "macvlan" "$CLIENT 50000 10.77.1.1 22" 22 $CLIENT \
	reflector-caddy --disable ssh -- reflector-caddy

# ---- sshd on 2222, the session to the macvlan's address -------------------
guarded "port 2222 (macvlan)" "$CLIENT 50000 10.77.1.1 2222" 2222 $CLIENT \
	reflector-caddy -- "$T/with2222.yaml"
SSH_CONNECTION="$CLIENT 50000 10.77.1.1 2222" run xr load "$SRV_IF" reflector-caddy
expect_out "port 2222: the message names the entry to add" "port: 2222"
detach

# ---- a link-local session: fe80::...%IFACE --------------------------------
ll=""
for _ in $(seq 100); do
	ll=$(srv ip -6 addr show dev $SRV_IF scope link | sed -n 's|.*inet6 \(fe80::[0-9a-f:]*\)/.*|\1|p' | head -1)
	[ -n "$ll" ] && break
	sleep 0.1
done
if [ -z "$ll" ]; then
	srv ip addr add fe80::1/64 dev $SRV_IF nodad
	ll=fe80::1
fi
guarded "link-local" "fe80::2%$SRV_IF 50000 $ll%$SRV_IF 22" 22 fe80::2 \
	reflector-caddy --disable ssh -- reflector-caddy
SSH_CONNECTION="fe80::2%$MV 50000 $ll%$MV 22" run xr load "$SRV_IF" reflector-caddy --disable ssh
expect_rc "link-local: the same address scoped to a device without it: no guard" 0
detach

# ---- no session: sshd listens only on 2222 --------------------------------
ln -s "$PY" "$T/sshd"
bg_srv "$T/sshd" "$HC" listen 2222 --listening "$T/sshd.up" --up "$T/sshd.acc" --lifetime 600
for _ in $(seq 600); do [ -e "$T/sshd.up" ] && break; sleep 0.1; done
run xr load "$SRV_IF" reflector-caddy
expect_rc "no session, sshd on 2222 closed: loads (a warning only)" 0
expect_out "no session, sshd on 2222 closed: warns, naming 2222/tcp" "warning: $SRV_IF: .*sshd.*2222/tcp"
detach
run xr load "$SRV_IF" "$T/with2222.yaml"
expect_rc "no session, sshd's 2222 open: loads" 0
if grep -q "warning" <<<"$OUT"; then not_ok "no session, sshd's 2222 open: no warning" "$OUT"; else ok "no session, sshd's 2222 open: no warning"; fi
detach

finish
