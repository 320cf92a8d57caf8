# SPDX-License-Identifier: GPL-2.0
# Shared by attack.sh and attack_ip.sh (not a suite: tests/run-all.sh runs
# tests/e2e/*.sh). Source it after lib.sh's e2e_setup.
#   fr SPEC...        one frames.py run (tests/e2e/frames.py: SPEC syntax)
#   r NAME KEY        a result of the last run: sent seen received synack rst answered
#   controls_arrived  asserts the run's controls ($CTL) reached the listener
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The interpreter itself, not a version-manager shim that costs seconds a start.
PY=$(python3 -c 'import sys; print(sys.executable)')
FRAMES="$PY $HERE/frames.py"
counter() { "$PY" "$HERE/counters.py" "$PINS/$SRV_IF" "$@"; }
NS_ARGS=(--srv-ns "$SRV_NS" --cli-ns "$CLI_NS" --srv-if "$SRV_IF" --cli-if "$CLI_IF"
	--srv4 "$SRV4" --srv6 "$SRV6" --cli4 "$CLI4" --cli6 "$CLI6")
# Closed (never exposed or internal) and open listeners of the server.
UDP_LISTEN=44250,6379,5432,40000,68,546
TCP_LISTEN=443,5432,6379,7077

# fr SPEC...: one run of frames.py; r NAME KEY reads its result.
fr() {
	local out
	unset "${!R_@}" # a failed run must not leave the last run's results
	out=$($FRAMES run "${NS_ARGS[@]}" --udp-listen $UDP_LISTEN --tcp-listen $TCP_LISTEN "$@") ||
		{ not_ok "frames.py run" "$out"; return 1; }
	eval "$("$PY" -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    for k, v in d.items():
        if k != "name":
            print("R_%s_%s=%s" % (d["name"], k, v))
' <<<"$out")"
}
r() { local v="R_$1_$2"; echo "${!v:-missing}"; }
# The controls of every run: untagged UDP to an open port, v4 and v6.
CTL="name=ctl4,dport=44250,count=3,ctl=1 name=ctl6,fam=6,dport=44250,count=3,ctl=1"
controls_arrived() {
	expect_eq "$1: controls (v4+v6 to 44250/udp) received by the listener" \
		"$(r ctl4 received) $(r ctl6 received)" "3 3"
}
# Answers leave at once only when the server knows the client's address:
# resolve its neighbours now, so no answer waits for ARP/ND in a run.
srv ping -c 1 -W 5 "$CLI4" >/dev/null && srv ping -6 -c 1 -W 5 "$CLI6" >/dev/null ||
	not_ok "the server reaches the client (ping v4, v6) before any filter"

flows() { $FRAMES flows "$PINS/$SRV_IF/xr_flows"; }
dump_flows() { flows | sed 's/^/#   flow: /'; }
