#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Counters that follow their rule: load A, send known numbers of datagrams,
# reload B (rules reordered, beta removed, old-name renamed new-name, a new
# rule delta on a port A dropped), send more. Every rule's totals in
# `stats --json` are exact: kept ones carry their counts and their
# counting_since, new ones start at zero, removed ones are reported once
# with their final counts. A --confirm reload that rolls back leaves B's
# rules counting on. Then `stats --reset` starts every counter again.
. "$(dirname "$0")/lib.sh"
e2e_setup

cat >"$E2E_TMP/a.yaml" <<'YAML'
name: counters-a
allow:
  - {service: alpha, protocol: udp, port: 9001}
  - {service: beta, protocol: udp, port: 9002}
  - {service: gamma, protocol: udp, ports: 9003-9004}
  - {service: old-name, protocol: udp, port: 9005}
YAML
cat >"$E2E_TMP/b.yaml" <<'YAML'
name: counters-b
allow:
  - {service: new-name, protocol: udp, port: 9005}
  - {service: delta, protocol: udp, port: 9006}
  - {service: gamma, protocol: udp, ports: 9003-9004}
  - {service: alpha, protocol: udp, port: 9001}
YAML

# send PORT N: N datagrams to PORT, then wait until the filter judged them all.
judged_total() { echo $(($(counter port udp $1 pass_packets) + $(counter port udp $1 drop_packets))); }
send() {
	local want=$(($(judged_total $1) + $2))
	cli $PEER send $SRV4 $1 --count $2 --size 32 >/dev/null
	poll 300 eval '[ "$(judged_total '$1')" -ge '$want' ]'
}
# rule SERVICE FIELD: a figure of SERVICE's row in stats --json.
stats_json() { xr stats $SRV_IF --json >"$E2E_TMP/stats.json"; }
rule() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = [r for r in d[sys.argv[2]] if r["service"] == sys.argv[3]]
if not rows:
    print("absent"); sys.exit()
r = rows[0]
print(" ".join(str(r[k]["packets"]) if isinstance(r[k], dict) else str(r[k]) for k in sys.argv[4:]))
' "$E2E_TMP/stats.json" "$@"
}

# Taken before the load: the load stamps its own second, which may be an
# earlier one than the second after it returns on a busy machine.
loaded=$(date +%s)
check "load A" xr load $SRV_IF "$E2E_TMP/a.yaml"
send 9001 10; send 9002 20; send 9003 30; send 9005 40; send 9006 15
sleep 1.1 # the reload's second differs from the load's
before=$(date +%s)
check "reload B (reordered, beta removed, old-name renamed, delta added)" xr reload $SRV_IF "$E2E_TMP/b.yaml"
reloaded=$(date +%s)
send 9001 5; send 9002 7; send 9003 9; send 9004 2; send 9005 11; send 9006 13

stats_json
expect_eq "alpha kept its counts: 10 + 5 passed" "$(rule rules alpha passed dropped)" "15 0"
expect_eq "gamma (a range) kept its counts: 30 + 9 + 2" "$(rule rules gamma passed dropped)" "41 0"
expect_eq "new-name, old-name's port renamed: starts at zero (11)" "$(rule rules new-name passed dropped)" "11 0"
expect_eq "delta, on a port A dropped 15 on: starts at zero (13, no drops)" "$(rule rules delta passed dropped)" "13 0"
expect_eq "beta is gone from the rules" "$(rule rules beta passed)" absent
expect_eq "beta reported as removed with its final counts" "$(rule removed_rules beta passed dropped)" "20 0"
expect_eq "old-name reported as removed with its final counts" "$(rule removed_rules old-name passed dropped)" "40 0"
a_since=$(rule rules alpha counting_since) d_since=$(rule rules delta counting_since)
if [ "$a_since" -ge "$loaded" ] && [ "$a_since" -lt "$before" ]; then ok "alpha counts since the load ($a_since)"; else not_ok "alpha counts since the load" "$a_since, load $loaded, reload $reloaded"; fi
if [ "$d_since" -ge "$before" ] && [ "$d_since" -le "$reloaded" ]; then ok "delta counts since the reload ($d_since)"; else not_ok "delta counts since the reload" "$d_since < $reloaded"; fi
b_gone=$(rule removed_rules beta removed_at)
if [ "$b_gone" -ge "$before" ] && [ "$b_gone" -le "$reloaded" ]; then ok "beta's removal time is the reload's"; else not_ok "beta's removal time is the reload's" "$b_gone not in $before..$reloaded"; fi
stats_json
expect_eq "removed rules are reported once" "$(rule removed_rules beta passed) $(rule removed_rules old-name passed)" "absent absent"
run xr stats $SRV_IF
expect_out "the table says since when delta counts" "delta +udp +9006 +counting since"

# A --confirm reload of A that rolls back: B's rules count on where they were.
check "reload A --confirm 2" xr reload $SRV_IF "$E2E_TMP/a.yaml" --confirm 2
send 9001 4
profile_is_b() { [ "$(xr status $SRV_IF --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["profile"])')" = counters-b ]; }
poll 600 profile_is_b
stats_json
expect_eq "after the rollback alpha counted on: 15 + 4" "$(rule rules alpha passed)" 19
expect_eq "after the rollback new-name and delta kept theirs" "$(rule rules new-name passed) $(rule rules delta passed)" "11 13"
expect_eq "after the rollback A's beta is reported removed" "$(rule removed_rules beta passed)" 0

check "stats --reset" xr stats $SRV_IF --reset
reset_at=$(date +%s)
send 9001 3
stats_json
expect_eq "after --reset alpha counts from zero (3)" "$(rule rules alpha passed)" 3
expect_eq "after --reset gamma is zero" "$(rule rules gamma passed dropped)" "0 0"
r_since=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counting_since"])' "$E2E_TMP/stats.json")
if [ "$r_since" -ge $((reset_at - 1)) ]; then ok "the counters count since the reset ($r_since)"; else not_ok "counters since the reset" "$r_since < $reset_at"; fi
finish
