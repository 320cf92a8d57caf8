#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Monitor mode with real traffic: under `load reflector-caddy --monitor` a
# client reaches 5432 and 6379 (the listeners answer), and those packets
# are counted as would-drop on their ports, not as drops; status and
# stats (table, JSON, Prometheus) say "monitor". Then `reload --enforce`
# during a UDP flood to a closed port: every datagram is either a
# would-drop that the listener received or a drop it never saw, none
# passed as allowed, and after the switch 5432 no longer answers.
. "$(dirname "$0")/lib.sh"
e2e_setup

Z=6379 Y=443 # Z closed in reflector-caddy (UDP), Y not a UDP port either
start_server --tcp 443,5432,6379 --udp $Z --no-echo --lifetime 900 --counts "$E2E_TMP/counts.json"
check "load reflector-caddy --monitor" xr load $SRV_IF reflector-caddy --monitor

js() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
expect_eq "status --json: policy_mode monitor" \
	"$(xr status $SRV_IF --json | js 'd[0]["policy_mode"]')" monitor
run xr status $SRV_IF
expect_out "status table says monitor" monitor

expect_eq "monitor: a client reaches 5432/tcp" "$(verdict_of cli $PEER tcp $SRV4 5432 --timeout 5)" ok
expect_eq "monitor: a client reaches 6379/tcp" "$(verdict_of cli $PEER tcp $SRV4 6379 --timeout 5)" ok
for p in 5432 6379; do
	if at_least 1 port tcp $p would_drop_packets; then ok "$p/tcp counted as would-drop"; else not_ok "$p/tcp counted as would-drop" "$(counter port tcp $p would_drop_packets)"; fi
	expect_eq "$p/tcp: no real drop in monitor mode" "$(counter port tcp $p drop_packets)" 0
done
wd=$(counter port tcp 5432 would_drop_packets)
expect_eq "stats --json: mode monitor, 5432's would-drop as the maps count it" \
	"$(xr stats $SRV_IF --json --ports | js 'd["mode"], [p["would_drop"]["packets"] for p in d["ports"] if p["protocol"] == "tcp" and p["port"] == 5432][0]')" \
	"monitor $wd"
run xr stats $SRV_IF
expect_out "stats table: mode monitor" "mode monitor"
run xr stats $SRV_IF --prometheus
expect_out "stats --prometheus: policy_info has the mode label" '^xdp_reflector_policy_info\{.*mode="monitor"\} 1'
expect_out "stats --prometheus: would_drop verdict of the TCP ports no rule covers" \
	'^xdp_reflector_packets_total\{interface="'$SRV_IF'",service="",protocol="tcp",port="other",verdict="would_drop"\} [1-9]' 

# The switch under a flood to Z/udp: bounded in count and time, ended by SIGTERM.
bg_cli $PEER send $SRV4 $Z --count 100000000 --size 64 --pps 5000 --max-seconds 600 >"$E2E_TMP/sent.json"
sender=$BG_PID
poll 600 at_least 200 port udp $Z would_drop_packets
check "reload --enforce during the flood" xr reload $SRV_IF reflector-caddy --enforce
expect_eq "status --json: policy_mode enforce" \
	"$(xr status $SRV_IF --json | js 'd[0]["policy_mode"]')" enforce
d0=$(counter port udp $Z drop_packets)
poll 600 at_least $((d0 + 200)) port udp $Z drop_packets
kill $sender 2>/dev/null
wait $sender
expect_eq "enforce: 5432/tcp no longer answers" "$(verdict_of cli $PEER tcp $SRV4 5432 --timeout 2)" timeout
expect_eq "enforce: 443/tcp still answers" "$(verdict_of cli $PEER tcp $SRV4 443 --timeout 5)" ok
sz=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"]["'$Z'"])' "$E2E_TMP/sent.json")
judged() { [ $(($(counter port udp $Z would_drop_packets) + $(counter port udp $Z drop_packets))) -ge "$sz" ]; }
poll 300 judged
stop_servers
read -r rz bz < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["udp"]["'$Z'"], d["drops"]["'$Z'"])' "$E2E_TMP/counts.json")
wdz=$(counter port udp $Z would_drop_packets) dz=$(counter port udp $Z drop_packets)
echo "# sent $sz to $Z/udp: would-drop $wdz, drop $dz; listener got $rz (+$bz buffer drops)"
expect_eq "Z: none passed as allowed" "$(counter port udp $Z pass_packets)" 0
expect_eq "Z: would-drop + drop = sent" $((wdz + dz)) "$sz"
expect_eq "Z: the listener got exactly the would-drops (none leaked after the switch)" $((rz + bz)) "$wdz"
# reload without --monitor/--enforce keeps the mode in force.
check "reload --monitor" xr reload $SRV_IF reflector-caddy --monitor
check "plain reload" xr reload $SRV_IF reflector-caddy
expect_eq "a plain reload keeps monitor mode" \
	"$(xr status $SRV_IF --json | js 'd[0]["policy_mode"]')" monitor
run xr reload $SRV_IF reflector-caddy --monitor --enforce
expect_rc "--monitor and --enforce together: usage error" 2
run xr load $SRV_IF reflector-caddy --enforce
expect_rc "load takes no --enforce" 2
finish
