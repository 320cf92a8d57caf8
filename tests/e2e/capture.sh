#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Drop capture with real traffic under reflector-caddy: while a client sends
# 50 SYNs to 5432/tcp and 20 datagrams to 40000/udp (both dropped) and
# controls to the open 44250/udp, `capture -c 70 -w F` exits by itself and
# `tcpdump -r F` lists exactly those 70 packets with their ports, none to
# the open port, with real timestamps. Also --port, --rule, -w - into a
# pipe, monitor mode (would-drops are captured), and a capture killed with
# SIGKILL: its watchdog clears the copy flag; with the watchdog killed too,
# the next status does.
. "$(dirname "$0")/lib.sh"
e2e_setup
. "$(dirname "$0")/attack-lib.bash"

check "load reflector-caddy" xr load $SRV_IF reflector-caddy
F=$E2E_TMP/drops.pcap
js() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
capture_pid() { xr status $SRV_IF --json 2>/dev/null | js 'd[0]["capture_pid"]'; }
capturing() { [ "$(capture_pid)" != 0 ]; }
# ended PID: true when PID exited by itself within 30 s with status 0; else
# it is killed (so no test waits forever) and false.
ended() {
	if poll 300 proc_gone "$1"; then wait "$1"; else kill -9 "$1"; wait "$1"; false; fi
}
# The copy flag as the packet path reads it, straight from the pinned map.
flag_set() {
	bpftool -j map lookup pinned "$PINS/$SRV_IF/xr_config" key 0 0 0 0 |
		python3 -c 'import json,sys; v=json.load(sys.stdin)["formatted"]["value"]
d=v[".data.xr_config"][0]["xr_config"] if ".data.xr_config" in v else v
sys.exit(0 if d["active_gen"] & 4 else 1)'
}
# tcpdump's lines: one per packet, "proto dport" of those to the server.
pcap_ports() {
	tcpdump -r "$1" -nn 2>/dev/null | sed -nE 's/.* > 192\.0\.2\.1\.([0-9]+): (Flags \[S\]|UDP).*/\2 \1/p' |
		sed 's/Flags \[S\]/tcp/; s/UDP/udp/' | sort | uniq -c | awk '{print $2 "/" $3 "=" $1}' | tr '\n' ' '
}

expect_eq "no capture: the copy flag is off" "$(flag_set && echo on || echo off)" off
bg_srv "$XR_BIN" capture $SRV_IF -c 70 -w "$F" --pin-dir "$PINS"
cap=${BG_PIDS[-1]}
poll 300 capturing
expect_eq "status shows the running capture" "$(capture_pid)" "$cap"
expect_eq "capture: the copy flag is on" "$(flag_set && echo on || echo off)" on
t0=$(date +%s)
fr $CTL name=syn,l4=tcp,dport=5432,flags=S,count=50 name=u40000,dport=40000,count=20 \
	name=open,dport=44250,count=5
controls_arrived "capture"
check "capture -c 70 exits by itself, status 0" ended $cap
t1=$(date +%s)
expect_eq "tcpdump -r lists exactly the 50 SYNs to 5432 and 20 datagrams to 40000" \
	"$(pcap_ports "$F")" "tcp/5432=50 udp/40000=20 "
expect_eq "70 packets in the file, none to the open 44250" \
	"$(tcpdump -r "$F" -nn 2>/dev/null | wc -l) $(tcpdump -r "$F" -nn 2>/dev/null | grep -c '\.44250:')" "70 0"
ts=$(tcpdump -r "$F" -nn -tt 2>/dev/null | awk 'NR == 1 {print int($1)}')
if [ "$ts" -ge $((t0 - 1)) ] && [ "$ts" -le $((t1 + 1)) ]; then ok "real timestamps ($ts in $t0..$t1)"; else not_ok "real timestamps" "$ts not in $t0..$t1"; fi
expect_eq "link type Ethernet" "$(tcpdump -r "$F" 2>&1 >/dev/null | grep -c 'EN10MB')" 1
expect_eq "capture done: the copy flag is off" "$(flag_set && echo on || echo off)" off

# --port: only that port's drops; --snaplen bounds the copy.
bg_srv "$XR_BIN" capture $SRV_IF -c 3 --port 40000/udp --snaplen 42 -w "$F" --pin-dir "$PINS"
cap=${BG_PIDS[-1]}
poll 300 capturing
fr $CTL name=syn,l4=tcp,dport=5432,flags=S,count=5 name=u40000,dport=40000,count=3,sport=31999
check "capture -c 3 --port exits by itself" ended $cap
expect_eq "--port 40000/udp: only those 3" "$(pcap_ports "$F")" "udp/40000=3 "
# Each record's captured and wire lengths, from the pcap headers themselves.
expect_eq "--snaplen 42: 42 bytes copied of each, the wire length kept" \
	"$(python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
off, out = 24, []
while off < len(b):
    incl, orig = struct.unpack_from("<II", b, off + 8)
    out.append("%d/%s" % (incl, "longer" if orig > incl else orig))
    off += 16 + incl
print(" ".join(out))' "$F")" "42/longer 42/longer 42/longer"
expect_eq "--snaplen 42: the file says so" "$(tcpdump -r "$F" 2>&1 >/dev/null | grep -o 'snapshot length 42')" "snapshot length 42"

# --rule: the ports of that service's rules (a source-restricted one drops).
check "reload with the dashboard for one other source" \
	xr reload $SRV_IF reflector-caddy --enable dashboard --source dashboard=192.0.2.99/32
bg_srv "$XR_BIN" capture $SRV_IF -c 3 --rule "Hatchet dashboard" -w "$F" --pin-dir "$PINS"
cap=${BG_PIDS[-1]}
poll 300 capturing
fr $CTL name=syn,l4=tcp,dport=5432,flags=S,count=4 name=dash,l4=tcp,dport=8888,flags=S,count=3
check "capture -c 3 --rule exits by itself" ended $cap
expect_eq "--rule 'Hatchet dashboard': only the 3 SYNs to 8888" "$(pcap_ports "$F")" "tcp/8888=3 "
check "reload reflector-caddy again" xr reload $SRV_IF reflector-caddy

run xr capture $SRV_IF -w "$F" --rule no-such-service
expect_rc "--rule of no rule: usage error" 2
run xr capture $SRV_IF -w "$F" --port 70000/tcp
expect_rc "--port out of range: usage error" 2
run xr capture $SRV_IF -c 1
expect_rc "no -w: usage error" 2

# -w - into tcpdump, in monitor mode: would-drops are copied too.
check "reload --monitor" xr reload $SRV_IF reflector-caddy --monitor
srv sh -c "'$XR_BIN' capture $SRV_IF -c 4 -w - --pin-dir '$PINS' | tcpdump -r - -nn >'$E2E_TMP/pipe.txt' 2>/dev/null" &
pipe=$!
BG_PIDS+=($pipe)
poll 300 capturing
fr $CTL name=u6379,dport=6379,count=4
check "capture -c 4 -w - | tcpdump -r - ends by itself" ended $pipe
expect_eq "monitor: the listener got the 4 datagrams to 6379" "$(r u6379 received)" 4
expect_eq "-w - | tcpdump -r -: the 4 would-drops to 6379" "$(grep -c '> 192\.0\.2\.1\.6379: UDP' "$E2E_TMP/pipe.txt")" 4
check "reload --enforce" xr reload $SRV_IF reflector-caddy --enforce

# SIGKILL: the watchdog (its own session) clears the flag.
bg_srv "$XR_BIN" capture $SRV_IF -w "$F" --pin-dir "$PINS"
cap=${BG_PIDS[-1]}
poll 300 capturing
dog=$(cat /proc/$cap/task/*/children 2>/dev/null | tr -s ' ' '\n' | head -1)
kill -9 $cap
wait $cap 2>/dev/null
poll 300 proc_gone "$dog"
expect_eq "SIGKILL: the watchdog cleared the copy flag" "$(flag_set && echo on || echo off)" off
# Both killed: the owner's PID is gone, so the next status clears it.
bg_srv "$XR_BIN" capture $SRV_IF -w "$F" --pin-dir "$PINS"
cap=${BG_PIDS[-1]}
poll 300 capturing
dog=$(cat /proc/$cap/task/*/children 2>/dev/null | tr -s ' ' '\n' | head -1)
kill -9 $dog $cap
wait $cap 2>/dev/null
poll 300 proc_gone "$dog"
expect_eq "both killed: the flag stays on" "$(flag_set && echo on || echo off)" on
run xr status $SRV_IF
expect_out "status clears a killed capture's flag, and says so" "capture that was killed"
expect_eq "the copy flag is off after status" "$(flag_set && echo on || echo off)" off
finish
