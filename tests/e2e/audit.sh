#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The audit trail (loader/audit.c), read back from a syslog socket this test
# owns: every loader command runs in a private mount namespace whose
# /dev/log is that socket (a tmpfs over /dev holding it and the few device
# nodes the loader opens), so nothing depends on the host's journald or
# rsyslog. Checks one line per load, reload, confirm, rollback, detach and
# refused attempt, with who (uid, login uid, SUDO_USER), what (profile,
# digest, features), where and the result, and that `status` shows the last
# change and a later refused attempt from the xr_audit pin.
. "$(dirname "$0")/lib.sh"

unset SSH_CONNECTION SSH_CLIENT
e2e_setup
export XR_TEST_SYSTEMD_PID1=0 # the --confirm rollback as a detached process

SOCK=$E2E_TMP/log.sock
LOG=$E2E_TMP/syslog.txt
DEVDIR=$E2E_TMP/dev
mkdir "$DEVDIR"
: >"$LOG"
python3 "$(dirname "$0")/syslog_sink.py" "$SOCK" "$LOG" "$E2E_TMP/sink.ready" &
BG_PIDS+=($!)
for _ in $(seq 600); do [ -f "$E2E_TMP/sink.ready" ] && break; sleep 0.1; done
[ -f "$E2E_TMP/sink.ready" ] || { not_ok "syslog sink started"; finish; exit 1; }

# logged ARGS...: the loader in the server namespace with our pin dir, and
# /dev/log our socket. The tmpfs lives in the private mount namespace only.
logged() {
	unshare -m --propagation private sh -ec '
		sock=$1 dev=$2 ns=$3
		shift 3
		mount -t tmpfs -o mode=0755 xr-audit-dev "$dev"
		for n in null zero full random urandom; do
			: >"$dev/$n"
			mount --bind "/dev/$n" "$dev/$n"
		done
		: >"$dev/log"
		mount --bind "$sock" "$dev/log"
		mount --rbind "$dev" /dev
		exec nsenter --net="$ns" "$@"' sh "$SOCK" "$DEVDIR" "/run/netns/$SRV_NS" \
		"$XR_BIN" "$@" --pin-dir "$PINS"
}

# lines: how many messages the sink holds.
lines() { wc -l <"$LOG"; }

# run_logged ARGS...: run `logged ARGS...` (OUT, RC) and wait until the
# sink holds one more message than before; NEW is that message.
run_logged() {
	local before
	before=$(lines)
	run logged "$@"
	poll 100 eval '[ "$(lines)" -gt "$before" ]' 2>/dev/null
	sleep 0.2 # a second line would be a failure: give it the chance to show
	NEW=$(tail -n +$((before + 1)) "$LOG")
	NLINES=$(($(lines) - before))
}

# expect_line NAME ERE...: exactly one new message, matching every ERE.
expect_line() {
	local name=$1 why=() re
	shift
	[ "$NLINES" = 1 ] || why+=("$NLINES messages, want 1")
	for re in "$@"; do
		grep -Eq -- "$re" <<<"$NEW" || why+=("lacks /$re/")
	done
	if [ ${#why[@]} -eq 0 ]; then ok "$name"; else not_ok "$name" "${why[@]}" "$NEW"; fi
}

sfield() { # sfield KEY...: fields of `status --json` of our interface
	srv "$XR_BIN" status "$SRV_IF" --json --pin-dir "$PINS" |
		python3 -c 'import json,sys; s=json.load(sys.stdin)[0]
v = s
for k in sys.argv[1:]: v = v.get(k, "") if isinstance(v, dict) else ""
print(v)' "$@"
}
digest() { sfield digest; }

# What the kernel says this process's login uid is: the line must agree.
AUID=$(cat /proc/self/loginuid 2>/dev/null || echo 4294967295)
if [ "$AUID" = 4294967295 ]; then AUID_RE=' uid=0 (sudo_user|profile)='; else AUID_RE=" uid=0 auid=$AUID "; fi

# Syslog priority: authpriv (10 << 3) + notice (5) for a change, + warning
# (4) for a refusal. The message starts <PRI>.
OK_PRI='^<85>'
NO_PRI='^<84>'

# ---- a refused first load: a line, and no pins made for it -----------------
cat >"$E2E_TMP/ufw.yaml" <<'YAML'
name: ufw-site
extends: reflector-caddy
allow:
  - {service: TURN relay, protocol: udp, ports: "49160:49200"}
YAML
SUDO_USER=alice run_logged load "$SRV_IF" "$E2E_TMP/ufw.yaml"
expect_rc "refused load: exit 2" 2
expect_line "refused load: one line with who, what, where and why" "$NO_PRI" \
	"xdp-reflector\[[0-9]+\]: action=load iface=$SRV_IF result=refused exit=2 " \
	"$AUID_RE" ' sudo_user=alice ' "profile=$E2E_TMP/ufw.yaml digest=- features=- " \
	"reason=\"$E2E_TMP/ufw.yaml:4:49: error: '49160:49200' is ufw's range syntax; write '49160-49200'\"$"
expect_eq "refused load: no pin directory made" "$(ls "$PINS/$SRV_IF" 2>&1 >/dev/null | grep -c 'No such')" 1

# ---- load ----------------------------------------------------------------
SUDO_USER=alice run_logged load "$SRV_IF" reflector-caddy
expect_rc "load: exit 0" 0
D1=$(digest)
expect_line "load: one line, the digest status shows, the features" "$OK_PRI" \
	"action=load iface=$SRV_IF result=ok uid=0 " "$AUID_RE" ' sudo_user=alice ' \
	"profile=reflector-caddy digest=$D1 features=livekit,livekit-tcp,ssh$"
expect_eq "status --json: last change is that load" \
	"$(sfield last_change action) $(sfield last_change result) $(sfield last_change sudo_user) $(sfield last_change digest)" \
	"load ok alice $D1"
run srv "$XR_BIN" status "$SRV_IF" --pin-dir "$PINS"
expect_out "status (table): last change, who and what" \
	"^  last change: [0-9T:-]+Z load ok by uid 0 .*sudo alice\): reflector-caddy $D1 \[livekit,livekit-tcp,ssh\]$"

# ---- reload, then a refused reload: status shows both -----------------------
SUDO_USER=bob run_logged reload "$SRV_IF" reflector-caddy --enable http3
D2=$(digest)
expect_line "reload: one line, new digest, http3 among the features" "$OK_PRI" \
	"action=reload iface=$SRV_IF result=ok uid=0 " ' sudo_user=bob ' \
	"profile=reflector-caddy digest=$D2 features=livekit,livekit-tcp,http3,ssh$"
if [ "$D1" != "$D2" ]; then ok "reload: the digest changed"; else not_ok "reload: the digest changed" "$D1"; fi

SUDO_USER=carol run_logged reload "$SRV_IF" "$E2E_TMP/ufw.yaml"
expect_rc "refused reload: exit 2" 2
expect_line "refused reload: one line, what was refused, the error" "$NO_PRI" \
	"action=reload iface=$SRV_IF result=refused exit=2 " ' sudo_user=carol ' \
	"profile=$E2E_TMP/ufw.yaml digest=- features=- " \
	"reason=\".*ufw's range syntax"
expect_eq "refused reload: the policy in force is unchanged" "$(digest)" "$D2"
expect_eq "status --json: last change still bob's reload" \
	"$(sfield last_change action) $(sfield last_change sudo_user) $(sfield last_change digest)" "reload bob $D2"
expect_eq "status --json: last refused is carol's" \
	"$(sfield last_refused action) $(sfield last_refused result) $(sfield last_refused exit_code) $(sfield last_refused sudo_user)" \
	"reload refused 2 carol"
run srv "$XR_BIN" status "$SRV_IF" --pin-dir "$PINS"
expect_out "status (table): the refused attempt and its error" \
	"^  last refused: .* reload refused by uid 0 .*sudo carol\): $E2E_TMP/ufw.yaml: .*ufw's range syntax"

# A refusal found after compiling (already loaded): the compiled digest.
run_logged load "$SRV_IF" reflector-caddy --enable http3
expect_rc "second load: exit 1" 1
expect_line "second load: failed, with the compiled digest and the reason" "$NO_PRI" \
	"action=load iface=$SRV_IF result=failed exit=1 " "profile=reflector-caddy digest=$D2 " \
	'reason="error: .*already loaded'

# A forged SUDO_USER cannot add a field or a line.
SUDO_USER=$'eve\naction=detach result=ok' run_logged reload "$SRV_IF" reflector-caddy --enable http3
expect_line "a SUDO_USER with a newline stays one quoted value" \
	' sudo_user="eve\?action=detach result=ok" profile='

# ---- confirm, and a confirm with nothing pending -----------------------------
SUDO_USER=dave run_logged reload "$SRV_IF" reflector-caddy --confirm 60
expect_line "reload --confirm: one line" "action=reload iface=$SRV_IF result=ok " ' sudo_user=dave '
RB_PID=$(sfield rollback_pid)
SUDO_USER=dave run_logged confirm "$SRV_IF"
expect_rc "confirm: exit 0" 0
expect_line "confirm: one line, what it kept" "$OK_PRI" \
	"action=confirm iface=$SRV_IF result=ok " ' sudo_user=dave ' "profile=reflector-caddy digest=$(digest) "
poll 100 proc_gone "$RB_PID"
run_logged confirm "$SRV_IF"
expect_line "confirm with nothing pending: failed, and why" "$NO_PRI" \
	"action=confirm iface=$SRV_IF result=failed exit=1 " 'reason="error: .*nothing is waiting for confirmation"'

# ---- a rollback: the rollback process's own line names who made the change ---
BEFORE=$(digest)
n0=$(lines)
SUDO_USER=erin run logged reload "$SRV_IF" reflector-direct --confirm 1
# The reload's line, then the rollback's a second later.
poll 150 eval '[ "$(lines)" -ge "$((n0 + 2))" ]'
sleep 0.2
NEW=$(sed -n "$((n0 + 1))p" "$LOG")
NLINES=1
NEWD=$(grep -o 'digest=[0-9a-f]*' <<<"$NEW" | cut -d= -f2)
expect_line "reload --confirm 1: its line" "action=reload iface=$SRV_IF result=ok " \
	"profile=reflector-direct digest=[0-9a-f]{16} "
[ "$NEWD" != "$BEFORE" ] || not_ok "reload --confirm 1: another digest" "$NEWD"
NEW=$(tail -n +$((n0 + 2)) "$LOG")
NLINES=$(($(lines) - n0 - 1))
expect_line "rollback: one line from the rollback process" "$OK_PRI" \
	"action=rollback iface=$SRV_IF result=ok " "profile=reflector-direct digest=$NEWD " \
	'reason="not confirmed in time: previous policy reflector-caddy restored"' \
	'change_by="uid 0 .*sudo erin\)"$'
expect_eq "rollback: the previous policy is in force" "$(digest)" "$BEFORE"
expect_eq "status --json: last change is the rollback" \
	"$(sfield last_change action) $(sfield last_change result)" "rollback ok"

# ---- detach ------------------------------------------------------------------
SUDO_USER=alice run_logged detach "$SRV_IF"
expect_rc "detach: exit 0" 0
expect_line "detach: one line naming what was detached" "$OK_PRI" \
	"action=detach iface=$SRV_IF result=ok " ' sudo_user=alice ' "profile=reflector-caddy digest=$BEFORE "
expect_eq "detach: the audit pin goes with the rest" "$(ls "$PINS/$SRV_IF" 2>&1 >/dev/null | grep -c 'No such')" 1
run_logged detach "$SRV_IF"
expect_line "detach when not loaded: failed, and why" "$NO_PRI" \
	"action=detach iface=$SRV_IF result=failed exit=1 " 'reason="error: .*not loaded here"'

# ---- what is not a change writes nothing ---------------------------------------
n0=$(lines)
logged status >/dev/null 2>&1
logged stats >/dev/null 2>&1
sleep 0.3
expect_eq "status and stats write no line" "$(lines)" "$n0"

finish
