#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Connections open before `load`, and connections accepted on a port a later
# `reload` closes, keep working: the loader seeds the flow table from the
# host's sockets (sock_diag) and conntrack. The server namespace is the
# filtered host; the client namespace plays the internet. Every connection
# is opened, then left idle; after the load the client sends, and the bytes
# the receiving process got are the verdict. Two controls show the checks
# can fail: a seeded entry deleted by hand, and a profile with replies off.
. "$(dirname "$0")/lib.sh"
e2e_setup

# Debian's interpreter when there is one: a version manager's shim can take
# seconds to start on a busy machine.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
HC="$PY $HERE/holdconn.py"
drops() { $PY "$HERE/counters.py" "$PINS/$SRV_IF" port tcp "$1" drop_packets; }
T=$E2E_TMP
N=3000 # bytes each client sends

e2e_container

cat >"$T/with8080.yaml" <<'YAML'
name: seed-with-8080
allow:
  - {service: HTTPS, protocol: tcp, port: 443}
  - {service: Web, protocol: tcp, port: 8080}
defaults:
  replies: true
YAML
cat >"$T/only443.yaml" <<'YAML'
name: seed-only-443
allow:
  - {service: HTTPS, protocol: tcp, port: 443}
defaults:
  replies: true
YAML
cat >"$T/off.yaml" <<'YAML'
name: seed-no-replies
allow:
  - {service: HTTPS, protocol: tcp, port: 443}
defaults:
  replies: false
YAML

# wait_file FILE: true once FILE exists (60 s at most).
wait_file() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

bytes() { cat "$T/$1.out" 2>/dev/null || echo 0; }

# wait_bytes NAME WANT TENTHS: true once NAME's receiver counted WANT bytes.
wait_bytes() {
	local i
	for ((i = 0; i < $3; i++)); do
		[ "$(bytes "$1")" == "$2" ] && return 0
		sleep 0.1
	done
	[ "$(bytes "$1")" == "$2" ]
}

# outbound NAME NS HOST PORT SPORT [--udp]: NS connects to a listener in the
# client namespace, which sends N bytes once $T/NAME.go exists; the
# connecting side counts them in $T/NAME.out.
outbound() {
	local name=$1 ns=$2 host=$3 port=$4 sport=$5
	shift 5
	bg_cli $HC listen "$port" "$@" --listening "$T/$name.listening" --up "$T/$name.acc" --go "$T/$name.go" --send $N --lifetime 600
	wait_file "$T/$name.listening" || true
	nsenter --net=/run/netns/$ns $HC connect "$host" "$port" --sport "$sport" "$@" \
		--up "$T/$name.up" --out "$T/$name.out" --lifetime 600 &
	BG_PIDS+=($!)
	if wait_file "$T/$name.up" && wait_file "$T/$name.acc"; then
		ok "$name: connection up before the filter"
	else
		not_ok "$name: connection up before the filter"
	fi
}

# flow_key LOCAL LPORT REMOTE RPORT tcp|udp: the xr_flows key, as bpftool hex.
flow_key() {
	$PY - "$@" <<'PY'
import ipaddress, sys
l, lp, r, rp, proto = sys.argv[1:]
def a16(x):
    ip = ipaddress.ip_address(x)
    return (ip.packed if ip.version == 6 else b"\0" * 10 + b"\xff\xff" + ip.packed), ip.version
la, fam = a16(l)
ra, _ = a16(r)
key = la + ra + int(lp).to_bytes(2, "big") + int(rp).to_bytes(2, "big") + \
      bytes([0 if proto == "tcp" else 1, fam, 0, 0])
print("hex " + " ".join("%02x" % b for b in key))
PY
}
has_flow() { bpftool map lookup pinned "$PINS/$SRV_IF/xr_flows" key $(flow_key "$@") >/dev/null 2>&1; }
sfield() { xr status "$SRV_IF" --json | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][sys.argv[1]])' "$1"; }

# dropped_after PORT BEFORE: true once PORT's drop counter passed BEFORE (60 s
# at most), then a second more for retransmissions to be dropped too.
dropped_after() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(drops "$1")" -gt "$2" ] && sleep 1 && return 0
		sleep 0.2
	done
	return 1
}

# ---- connections opened before any filter ---------------------------------
outbound tcp4 $SRV_NS $CLI4 9001 40701
outbound tcp6 $SRV_NS $CLI6 9002 40702
outbound udp4 $SRV_NS $CLI4 9003 40703 --udp
outbound deleted $SRV_NS $CLI4 9004 40704
outbound off $SRV_NS $CLI4 9005 40705
outbound ctr $CTR_NS $CLI4 9006 40706

check "load a profile that opens only 443/tcp and 8080/tcp" xr load $SRV_IF "$T/with8080.yaml"
seeded=$(sfield seeded_flows)
if [ "${seeded:-0}" -ge 6 ]; then ok "status --json: seeded_flows $seeded (>= 6)"; else not_ok "status --json: seeded_flows >= 6" "got '$seeded'"; fi
run_out=$(xr status $SRV_IF)
if grep -q SEEDED <<<"$run_out"; then ok "status table has a SEEDED column"; else not_ok "status table has a SEEDED column" "$run_out"; fi
check "tcp4: the entry is keyed from the host's side, family 4" has_flow $SRV4 40701 $CLI4 9001 tcp
check "tcp6: the entry is keyed from the host's side, family 6" has_flow $SRV6 40702 $CLI6 9002 tcp
check "udp4: the connected UDP socket has its entry" has_flow $SRV4 40703 $CLI4 9003 udp
check "ctr: the masqueraded flow has its entry from conntrack" has_flow $SRV4 40706 $CLI4 9006 tcp
check "control: delete the seeded entry of 'deleted'" \
	bpftool map delete pinned "$PINS/$SRV_IF/xr_flows" key $(flow_key $SRV4 40704 $CLI4 9004 tcp)

d0=$(drops 40704)
for c in tcp4 tcp6 udp4 deleted ctr; do touch "$T/$c.go"; done
for c in tcp4 tcp6 udp4 ctr; do
	if wait_bytes $c $N 300; then ok "$c: the peer's $N bytes reach the process after the load"; else not_ok "$c: the peer's $N bytes reach the process after the load" "got $(bytes $c)"; fi
done
if dropped_after 40704 "$d0"; then ok "control: the filter saw the old connection's data and dropped it"; else not_ok "control: the filter saw the old connection's data and dropped it" "drops stay at $d0"; fi
expect_eq "control: without its entry the old connection's data never arrives" "$(bytes deleted)" 0

# ---- a connection accepted on 8080, then a reload that closes 8080 -------
bg_srv $HC listen 8080 --listening "$T/acc.listening" --up "$T/acc.acc" --out "$T/acc.out" --lifetime 600
wait_file "$T/acc.listening"
bg_cli $HC connect $SRV4 8080 --sport 40780 --up "$T/acc.up" --go "$T/acc.go" --send $N --lifetime 600
if wait_file "$T/acc.up" && wait_file "$T/acc.acc"; then ok "accepted: connection to 8080 up through the filter"; else not_ok "accepted: connection to 8080 up through the filter"; fi
check "accepted: 8080 has no entry while the profile opens it" eval '! has_flow $SRV4 8080 $CLI4 40780 tcp'
check "reload a profile that closes 8080" xr reload $SRV_IF "$T/only443.yaml"
check "accepted: seeded at the reload" has_flow $SRV4 8080 $CLI4 40780 tcp
expect_eq "accepted: a new connection to 8080 times out" "$(verdict_of cli $PEER tcp $SRV4 8080 --timeout 1)" timeout
touch "$T/acc.go"
if wait_bytes acc $N 300; then ok "accepted: the established connection still carries the client's $N bytes"; else not_ok "accepted: the established connection still carries the client's bytes" "got $(bytes acc)"; fi
seeded=$(sfield seeded_flows)
if [ "${seeded:-0}" -ge 7 ]; then ok "status --json after the reload: seeded_flows $seeded (>= 7)"; else not_ok "status --json after the reload: seeded_flows >= 7" "got '$seeded'"; fi

# ---- control: replies off, nothing seeded, the old connection is cut -------
check "reload with replies: false" xr reload $SRV_IF "$T/off.yaml"
expect_eq "replies off: seeded_flows 0" "$(sfield seeded_flows)" 0
o0=$(drops 40705)
touch "$T/off.go"
if dropped_after 40705 "$o0"; then ok "replies off: the filter saw the old connection's data and dropped it"; else not_ok "replies off: the filter saw the old connection's data and dropped it" "drops stay at $o0"; fi
expect_eq "replies off: the old connection's data never arrives" "$(bytes off)" 0

finish
