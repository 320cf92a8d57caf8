#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The --confirm rollback process, end to end on a namespace pair:
#   1. a recorded PID that now names another process (confirm_pid in the
#      xr_meta pin pointed, with bpftool, at a `sleep` this test started; the
#      recorded start time kept) is "the rollback is gone": status says so,
#      and confirm and reload never signal that process and say so;
#   2. the systemd path, driven by a stub systemd-run first in PATH and
#      XR_TEST_SYSTEMD_PID1=1: the transient unit's name and properties, a
#      confirm, a rollback that fires from the unit's command line alone, and
#      a systemd-run that fails changes nothing. PID 1 here is not systemd:
#      the real systemd-run is not run by this suite;
#   3. the program a --replace --confirm load took over is held in a pin
#      that confirm and detach remove with the rest.
. "$(dirname "$0")/lib.sh"

unset SSH_CONNECTION
e2e_setup
export XR_TEST_SYSTEMD_PID1=0 # parts 1 and 3: the detached process

T=$E2E_TMP
STUB_LOG=$T/systemd-run.log
SLEEP_PID=""
RB_PIDS=()

rollback_cleanup() {
	local pid
	[ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
	srv ip link set dev "$SRV_IF" xdp off 2>/dev/null
	e2e_cleanup
	# Rollback processes this suite started exit once their pins are gone;
	# one still here after 3 s is ended, if it is still ours (start time).
	for pid in "${RB_PIDS[@]}"; do
		for ((i = 0; i < 15; i++)); do
			proc_gone "${pid%:*}" 2>/dev/null && break
			sleep 0.2
		done
		[ "$(start_time "${pid%:*}")" == "${pid#*:}" ] && kill "${pid%:*}" 2>/dev/null
	done
}
trap 'rollback_cleanup' EXIT

alive() { kill -0 "$1" 2>/dev/null && ! proc_gone "$1" 2>/dev/null; }
state() {
	{
		host_state
		srv tc qdisc show dev "$SRV_IF"
	} | sed -E 's/ link-netns(id)? [^ ]+//' | grep -v '^Error: Peer netns reference is invalid'
}

# Fields of the xr_meta pin, read with bpftool (not through the loader).
meta() {
	bpftool -j map lookup pinned "$PINS/$SRV_IF/xr_meta" key 0 0 0 0 2>/dev/null |
		python3 -c 'import json, sys
v = json.load(sys.stdin)["formatted"]["value"]
print(" ".join(str(v.get(k, "")) for k in sys.argv[1:]))' "$@"
}
sfield() {
	xr status "$SRV_IF" --json 2>/dev/null | python3 -c 'import json, sys
try:
    s = json.load(sys.stdin)[0]
except Exception:
    sys.exit(0)
print(" ".join(json.dumps(s[k]) for k in sys.argv[1:]))' "$@"
}
# The rollback process the last --confirm recorded; remembered for cleanup.
track() {
	read -r RB RB_START <<<"$(meta confirm_pid confirm_pid_start)"
	[ -n "$RB" ] && [ "$RB" != 0 ] && RB_PIDS+=("$RB:$(start_time "$RB")")
}

# Set a field of the xr_meta pin with bpftool, everything else as it is:
# offsets from the header the loader was built with.
cat >"$T/off.c" <<'EOF'
#include <stdio.h>
#include <stddef.h>
#include "xdp_reflector.h"
int main(void)
{
	printf("%zu %zu\n", offsetof(struct xr_meta, confirm_pid),
	       offsetof(struct xr_meta, confirm_pid_start));
	return 0;
}
EOF
ROOT_DIR=$(cd "$(dirname "$0")/../.." && pwd)
cc -I"$ROOT_DIR/include" "$T/off.c" -o "$T/off" 2>"$T/off.log" ||
	not_ok "fixture: offsets in struct xr_meta" "$(cat "$T/off.log")"
read -r PID_OFF START_OFF <<<"$("$T/off")"
# set_meta OFFSET SIZE VALUE
set_meta() {
	local pin=$PINS/$SRV_IF/xr_meta
	bpftool -j map lookup pinned "$pin" key 0 0 0 0 | python3 -c '
import json, subprocess, sys
pin, off, size, v = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
val = [int(b, 16) for b in json.load(sys.stdin)["value"]]
val[off:off + size] = list(v.to_bytes(size, "little"))
subprocess.run(["bpftool", "map", "update", "pinned", pin, "key", "0", "0", "0", "0",
                "value"] + [str(b) for b in val], check=True)' "$pin" "$1" "$2" "$3"
}
set_confirm_pid() { set_meta "$PID_OFF" 4 "$1"; }

start_server --tcp 443,3000 --lifetime 300 || { not_ok "fixture: listeners"; finish; exit; }

# ---- 1. a reused PID is not the rollback process -------------------------------

sleep 600 &
SLEEP_PID=$!

# confirm: the recorded PID now names our sleep; the real rollback process
# still runs, and ends by itself when the confirmation clears its token.
run xr load "$SRV_IF" reflector-caddy --confirm 120
expect_rc "reuse/confirm: load --confirm 120 exits 0" 0
track
check "reuse/confirm: the recorded rollback process runs" alive "${RB:-0}"
set_confirm_pid "$SLEEP_PID"
expect_eq "reuse/confirm: confirm_pid now names our sleep" "$(meta confirm_pid)" "$SLEEP_PID"
expect_eq "reuse/confirm: status: pending, rollback not alive" \
	"$(sfield confirm_pending rollback_alive)" "true false"
run xr status "$SRV_IF"
expect_out "reuse/confirm: status table says the rollback is gone" "rollback process gone"
run xr confirm "$SRV_IF"
expect_rc "reuse/confirm: confirm exits 0" 0
expect_out "reuse/confirm: confirm says the rollback process was gone" "rollback process \(pid $SLEEP_PID\) was already gone"
check "reuse/confirm: our sleep was not signalled" alive "$SLEEP_PID"
expect_eq "reuse/confirm: nothing pending" "$(sfield confirm_pending)" false
poll 100 proc_gone "${RB:-0}"
check "reuse/confirm: the real rollback process ended by itself" proc_gone "${RB:-0}"
check "reuse/confirm: still loaded" test -d "$PINS/$SRV_IF"

# reload: the rollback process died and its PID now names our sleep.
run xr reload "$SRV_IF" reflector-direct --confirm 120
expect_rc "reuse/reload: reload --confirm 120 exits 0" 0
track
if [ -n "$RB" ] && grep -qa -- "$XR_BIN" "/proc/$RB/cmdline" 2>/dev/null; then
	kill -KILL "$RB"
	poll 100 proc_gone "$RB"
	check "reuse/reload: rollback process killed" proc_gone "$RB"
else
	not_ok "reuse/reload: find the rollback process" "pid '$RB'"
fi
set_confirm_pid "$SLEEP_PID"
st=$(state)
run xr reload "$SRV_IF" reflector-caddy
expect_rc "reuse/reload: a reload goes ahead (exit 0)" 0
expect_out "reuse/reload: and says the rollback process is gone" "rollback process .* is gone"
check "reuse/reload: our sleep was not signalled" alive "$SLEEP_PID"
expect_eq "reuse/reload: the new policy in force, nothing pending" \
	"$(sfield profile confirm_pending)" '"reflector-caddy" false'
expect_eq "reuse/reload: 443 passes (reflector-caddy)" "$(tcp 443 ok)" ok

# The live rollback process is alive, and confirm ends it without calling
# it gone; but its PID with no start time recorded is never trusted.
run xr reload "$SRV_IF" reflector-direct --confirm 120
track
expect_eq "live rollback: status says alive" "$(sfield rollback_alive)" true
set_meta "$START_OFF" 8 0
expect_eq "live rollback, start time erased: not trusted" "$(sfield rollback_alive)" false
set_meta "$START_OFF" 8 "${RB_START:-0}"
expect_eq "live rollback, start time back: alive again" "$(sfield rollback_alive)" true
run xr confirm "$SRV_IF"
expect_rc "live rollback: confirm exits 0" 0
if grep -q "gone" <<<"$OUT"; then not_ok "live rollback: not called gone" "$OUT"; else ok "live rollback: not called gone"; fi
poll 100 proc_gone "${RB:-0}"
check "live rollback: confirm ends it" proc_gone "${RB:-0}"
xr detach "$SRV_IF" >/dev/null

# ---- 2. the systemd path (stub systemd-run) ---------------------------------------

mkdir "$T/stub"
cat >"$T/stub/systemd-run" <<'EOF'
#!/bin/sh
# Stands in for systemd-run: records its arguments (one per line, then
# "--end--"), then runs the command after "--" detached, as the unit would.
{ for a in "$@"; do printf '%s\n' "$a"; done; echo "--end--"; } >>"$XR_STUB_LOG"
if [ -n "$XR_STUB_FAIL" ]; then
	echo "Failed to start transient service unit: stub refuses" >&2
	exit 1
fi
while [ $# -gt 0 ] && [ "$1" != "--" ]; do shift; done
shift
setsid "$@" </dev/null >/dev/null 2>&1 &
exit 0
EOF
chmod +x "$T/stub/systemd-run"
# The loader with the stub first in PATH and "systemd is PID 1" faked.
sd() { srv env PATH="$T/stub:$PATH" XR_TEST_SYSTEMD_PID1=1 XR_STUB_LOG="$STUB_LOG" "$XR_BIN" "$@" --pin-dir "$PINS"; }
sd_fail() { XR_STUB_FAIL=1 sd "$@"; }
PINS_REAL=$(realpath "$PINS")

: >"$STUB_LOG"
run sd load "$SRV_IF" reflector-caddy --confirm 60
expect_rc "systemd: load --confirm 60 exits 0" 0
track
expect_eq "systemd: systemd-run invoked once" "$(grep -c -- '^--end--$' "$STUB_LOG")" 1
token=$(printf '%016x' "$(meta confirm_token)")
args=$(sed '/^--end--$/,$d' "$STUB_LOG")
opts=$(sed '/^--$/,$d' <<<"$args")
cmd=$(sed '1,/^--$/d' <<<"$args" | tr '\n' ' ')
expect_eq "systemd: unit name xdp-reflector-rollback-IFACE-TOKEN" \
	"$(grep -- '^--unit=' <<<"$opts")" "--unit=xdp-reflector-rollback-$SRV_IF-$token"
for p in --collect --quiet --no-ask-password --property=Type=exec; do
	if grep -qx -- "$p" <<<"$opts"; then ok "systemd: systemd-run gets $p"; else not_ok "systemd: systemd-run gets $p" "$opts"; fi
done
if grep -Eqx -- '--property=NetworkNamespacePath=/proc/[0-9]+/ns/net' <<<"$opts"; then
	ok "systemd: the unit joins the loader's network namespace"
else
	not_ok "systemd: the unit joins the loader's network namespace" "$opts"
fi
if grep -Eqx -- '--user|--scope|--pipe|--pty|--wait' <<<"$opts"; then
	not_ok "systemd: a system service, not a user unit or scope" "$opts"
else
	ok "systemd: a system service, not a user unit or scope"
fi
expect_eq "systemd: the unit runs the hidden rollback command" \
	"$cmd" "$XR_BIN __rollback $SRV_IF $PINS_REAL $token 60 0 "
if [ -n "$RB" ] && tr '\0' ' ' 2>/dev/null <"/proc/$RB/cmdline" | grep -q "__rollback $SRV_IF "; then
	ok "systemd: the unit's process recorded itself (pid $RB)"
else
	not_ok "systemd: the unit's process recorded itself" "pid '$RB'"
fi
expect_eq "systemd: status: pending, rollback alive" "$(sfield confirm_pending rollback_alive)" "true true"
run xr confirm "$SRV_IF"
expect_rc "systemd: confirm exits 0" 0
poll 100 proc_gone "${RB:-0}"
check "systemd: confirm ends the unit's process" proc_gone "${RB:-0}"
check "systemd: still loaded" test -d "$PINS/$SRV_IF"

# A rollback that fires, from the unit's command line alone.
: >"$STUB_LOG"
run sd reload "$SRV_IF" reflector-direct --confirm 5
expect_rc "systemd: reload --confirm 5 exits 0" 0
track
expect_eq "systemd: the reload went through systemd-run" "$(grep -c -- '^--end--$' "$STUB_LOG")" 1
settled() { [ "$(sfield profile confirm_pending)" == '"reflector-caddy" false' ]; }
poll 600 settled
check "systemd: not confirmed: the previous policy is back (within 60 s)" settled
expect_eq "systemd: 443 passes again" "$(tcp 443 ok)" ok
poll 100 proc_gone "${RB:-0}"
check "systemd: the unit's process exited" proc_gone "${RB:-0}"

# systemd-run fails: nothing changes, reload and load.
digest=$(sfield digest)
st=$(state)
run sd_fail reload "$SRV_IF" reflector-direct --confirm 60
expect_rc "systemd-run fails: reload --confirm exits 1" 1
expect_out "systemd-run fails: the error says what systemd-run said" "rollback unit: systemd-run exited 1: Failed to start transient service unit: stub refuses"
expect_same "systemd-run fails: reload changes nothing (link, tc, pins, status)" "$st" "$(state)"
expect_eq "systemd-run fails: the policy in force is unchanged" "$(sfield digest confirm_pending)" "$digest false"
xr detach "$SRV_IF" >/dev/null
st=$(state)
run sd_fail load "$SRV_IF" reflector-caddy --confirm 60
expect_rc "systemd-run fails: load --confirm exits 1" 1
expect_same "systemd-run fails: load leaves nothing (link, tc, pins, status)" "$st" "$(state)"

# ---- 3. the program --replace took over -----------------------------------------

[ -d "$PINS/$SRV_IF" ] && xr detach "$SRV_IF" >/dev/null

cat >"$T/other_xdp.c" <<'EOF'
#include <linux/bpf.h>
__attribute__((section("xdp"), used)) int other_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
__attribute__((section("license"), used)) char _license[] = "GPL";
EOF
clang -O2 -target bpf -I/usr/include/$(cc -print-multiarch) -c "$T/other_xdp.c" -o "$T/other_xdp.o" 2>"$T/cc.log" ||
	not_ok "fixture: compile other_xdp.o" "$(cat "$T/cc.log")"
xdp_name() { srv ip -d link show "$SRV_IF" | sed -n 's|.*prog/xdp id [0-9]* name \([^ ]*\).*|\1|p'; }
for how in confirm detach; do
	if ! srv_obj ip link set dev "$SRV_IF" xdp obj "$T/other_xdp.o" sec xdp 2>"$T/ip.log"; then
		not_ok "--replace then $how: attach other_xdp.o" "$(cat "$T/ip.log")"
		continue
	fi
	run xr load "$SRV_IF" reflector-caddy --replace --confirm 60
	expect_rc "--replace then $how: load exits 0" 0
	track
	check "--replace then $how: the replaced program is held in a pin" test -e "$PINS/$SRV_IF/xr_restore"
	run xr $how "$SRV_IF"
	expect_rc "--replace then $how: $how exits 0" 0
	check "--replace then $how: the held program's pin is gone" test ! -e "$PINS/$SRV_IF/xr_restore"
	poll 100 proc_gone "${RB:-0}"
	check "--replace then $how: the rollback process ended" proc_gone "${RB:-0}"
	if [ $how == confirm ]; then
		expect_eq "--replace then confirm: ours stays" "$(xdp_name)" xdp_reflector
		run xr detach "$SRV_IF"
	fi
	check "--replace then $how: detach leaves no pin dir" test ! -e "$PINS/$SRV_IF"
	srv ip link set dev "$SRV_IF" xdp off 2>/dev/null
done

finish
