#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Safety of the loader, end to end on a namespace pair (tests/e2e/lib.sh):
#   1. every failing command leaves the host exactly as it was (link, tc,
#      pins, status), another XDP program is never replaced silently, and the
#      attach mode is the one asked for and reported;
#   2. the SSH guard refuses a policy that would cut the session (IPv4, IPv6,
#      load and reload) and stays out of the way otherwise;
#   3. --confirm rolls back a first load (detach) and a reload (previous
#      policy, proven with real TCP traffic) unless `confirm` runs in time;
#   4. detach removes the program and every pin and filter it made.
# Every wait is a bounded poll; the suite takes about 40 s.
. "$(dirname "$0")/lib.sh"

unset SSH_CONNECTION # only the checks below set it
e2e_setup

EXTRA_IF=xrd$$ # an interface whose driver has no native XDP
CONFIRM_PIDS=()

safety_cleanup() {
	local pid i
	srv ip link del "$EXTRA_IF" 2>/dev/null
	srv ip link set dev "$SRV_IF" xdp off 2>/dev/null
	e2e_cleanup
	# Rollback processes our loads started exit once their pins are gone.
	for pid in "${CONFIRM_PIDS[@]}"; do
		for ((i = 0; i < 15; i++)); do
			proc_gone "$pid" 2>/dev/null && break
			sleep 0.2
		done
		if ! proc_gone "$pid" 2>/dev/null &&
			tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$XR_BIN"; then
			kill "$pid" 2>/dev/null
		fi
	done
}
trap 'safety_cleanup' EXIT

T=$E2E_TMP # removed by e2e_cleanup

# ---- helpers ------------------------------------------------------------

# host_state plus the qdiscs of the veth (a clsact qdisc load added). Other
# suites adding and deleting namespaces meanwhile can make `ip` print the
# peer as link-netnsid N instead of its name, or an extack error: not state.
state() {
	{
		host_state
		srv tc qdisc show dev "$SRV_IF"
	} | sed -E 's/ link-netns(id)? [^ ]+//' | grep -v '^Error: Peer netns reference is invalid'
}





# Fields of one `status IFACE --json`, space-separated (empty when not loaded).
sfield() {
	local iface=$1
	shift
	xr status "$iface" --json 2>/dev/null | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin)[0]
    v = [s[k] for k in sys.argv[1:]]
except Exception:
    sys.exit(0)
print(" ".join(json.dumps(x) if isinstance(x, (bool, list)) else str(x) for x in v))' "$@"
}

# "ID NAME" of the XDP program on IFACE, empty when none.
xdp_prog() {
	srv ip -d link show "$1" 2>/dev/null | sed -n 's|.*prog/xdp id \([0-9]*\) name \([^ ]*\).*|\1 \2|p'
}

# The rollback process a --confirm load armed (from the xr_meta pin).
confirm_pid() {
	bpftool -j map lookup pinned "$PINS/$1/xr_meta" key 0 0 0 0 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["formatted"]["value"]["confirm_pid"])' 2>/dev/null
}

# Sets cpid and remembers it for the cleanup (no subshell: the list must grow).
track_confirm() {
	cpid=$(confirm_pid "$1")
	if [ -n "$cpid" ] && [ "$cpid" != 0 ]; then CONFIRM_PIDS+=("$cpid"); fi
}


now() { date +%s.%N; }

not_loaded() {
	[ -z "$(xdp_prog "$1")" ] && [ ! -e "$PINS/$1" ] &&
		[ -z "$(srv tc filter show dev "$1" egress)" ]
}
is_loaded() { [ -d "$PINS/$1" ] && [ -n "$(xdp_prog "$1")" ]; }
settled_on() { [ "$(sfield "$SRV_IF" profile confirm_pending)" == "$1 false" ]; }


# ---- fixtures -------------------------------------------------------------

cat >"$T/other_xdp.c" <<'EOF'
#include <linux/bpf.h>
__attribute__((section("xdp"), used)) int other_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
__attribute__((section("license"), used)) char _license[] = "GPL";
EOF
cat >"$T/other_tc.c" <<'EOF'
#include <linux/bpf.h>
__attribute__((section("tc"), used)) int other_tc(struct __sk_buff *skb)
{
	return 0;
}
__attribute__((section("license"), used)) char _license[] = "GPL";
EOF
BPF_INC=-I/usr/include/$(cc -print-multiarch 2>/dev/null)
for o in other_xdp other_tc; do
	clang -O2 -target bpf $BPF_INC -c "$T/$o.c" -o "$T/$o.o" 2>"$T/$o.log" ||
		not_ok "fixture: compile $o.o" "$(cat "$T/$o.log")"
done

# A profile error the parser locates: port out of range.
cat >"$T/broken.yaml" <<'EOF'
name: broken
allow:
  - {service: Broken, protocol: tcp, port: 99999}
EOF

start_server --tcp 22,443,3000 --lifetime 600 || { not_ok "fixture: listeners"; finish; exit; }
expect_eq "fixture: 443 reachable before any filter" "$(tcp 443 ok)" ok

# ---- 1. failure paths leave the host as it was ------------------------------

S0=$(state)

run xr load "$SRV_IF" "$T/broken.yaml"
expect_rc "broken profile: load exits 2" 2
expect_out "broken profile: error names file:line" "broken\.yaml:3:"
expect_same "broken profile: host state unchanged" "$S0" "$(state)"

run xr load xrnone$$ reflector-caddy
expect_rc "missing interface: load exits 1" 1
expect_out "missing interface: error names it" "xrnone$$"
expect_same "missing interface: host state unchanged" "$S0" "$(state)"

mkdir "$T/plain-dir"
run srv "$XR_BIN" load "$SRV_IF" reflector-caddy --pin-dir "$T/plain-dir"
[ "$RC" -ne 0 ] && ok "pin dir not on bpffs: load fails (exit $RC)" ||
	not_ok "pin dir not on bpffs: load fails" "exit 0" "$OUT"
expect_out "pin dir not on bpffs: error says bpffs" "bpffs"
expect_same "pin dir not on bpffs: host state unchanged" "$S0" "$(state)"
expect_eq "pin dir not on bpffs: nothing written in it" "$(ls -A "$T/plain-dir")" ""
run srv "$XR_BIN" load "$SRV_IF" reflector-caddy --pin-dir "$T/no-such-dir"
[ "$RC" -ne 0 ] && ok "absent pin dir on no bpffs: load fails (exit $RC)" ||
	not_ok "absent pin dir on no bpffs: load fails" "exit 0" "$OUT"
expect_same "absent pin dir on no bpffs: host state unchanged" "$S0" "$(state)"
if [ -e "$T/no-such-dir" ]; then
	not_ok "absent pin dir on no bpffs: not left behind" "the failed load created $T/no-such-dir"
else
	ok "absent pin dir on no bpffs: not left behind"
fi

# Native mode refused by the driver. CONFIG_DUMMY may be off: any device type
# without native XDP (ndo_bpf) shows the same path.
extra_type=""
for ty in dummy ifb bridge; do
	if srv ip link add "$EXTRA_IF" type $ty 2>/dev/null; then
		extra_type=$ty
		break
	fi
done
if [ -z "$extra_type" ]; then
	not_ok "native refused: create a dummy/ifb/bridge interface"
else
	srv ip link set "$EXTRA_IF" up
	extra_state() {
		state
		srv ip -d link show "$EXTRA_IF" | sed 's/ qlen [0-9]*//'
		srv tc qdisc show dev "$EXTRA_IF"
		srv tc filter show dev "$EXTRA_IF" egress
	}
	E0=$(extra_state)
	run xr load "$EXTRA_IF" reflector-caddy --mode native
	expect_rc "native refused ($extra_type): load exits 1" 1
	expect_out "native refused ($extra_type): suggests --mode generic" "--mode generic"
	expect_same "native refused ($extra_type): nothing left (link, tc, pins)" "$E0" "$(extra_state)"
	run xr load "$EXTRA_IF" reflector-caddy --mode generic
	expect_rc "generic ($extra_type): load exits 0" 0
	expect_eq "generic ($extra_type): status --json mode" "$(sfield "$EXTRA_IF" mode)" generic
	if srv ip -d link show "$EXTRA_IF" 2>/dev/null | grep -qw xdpgeneric; then
		ok "generic ($extra_type): kernel shows xdpgeneric"
	else
		not_ok "generic ($extra_type): kernel shows xdpgeneric" "$(srv ip -d link show "$EXTRA_IF")"
	fi
	run xr detach "$EXTRA_IF"
	expect_rc "generic ($extra_type): detach exits 0" 0
	expect_same "generic ($extra_type): detach restores the state" "$E0" "$(extra_state)"
	srv ip link del "$EXTRA_IF"
fi

run xr load "$SRV_IF" reflector-caddy
expect_rc "veth default mode: load exits 0" 0
expect_eq "veth default mode: status --json mode" "$(sfield "$SRV_IF" mode)" native
if srv ip -d link show "$SRV_IF" 2>/dev/null | grep -qE 'mtu [0-9]+ xdp '; then
	ok "veth default mode: kernel shows native xdp"
else
	not_ok "veth default mode: kernel shows native xdp" "$(srv ip -d link show "$SRV_IF")"
fi
S1=$(state)
DIGEST_A=$(sfield "$SRV_IF" digest)

run xr load "$SRV_IF" reflector-caddy
expect_rc "already loaded: load exits 1" 1
expect_out "already loaded: points to reload" "xdp-reflector reload $SRV_IF"
expect_same "already loaded: host state unchanged" "$S1" "$(state)"

run xr reload "$SRV_IF" "$T/broken.yaml"
expect_rc "reload broken profile: exits 2" 2
expect_same "reload broken profile: host state unchanged" "$S1" "$(state)"
expect_eq "reload broken profile: digest unchanged" "$(sfield "$SRV_IF" digest)" "$DIGEST_A"
expect_eq "reload broken profile: old policy still passes 443" "$(tcp 443 ok)" ok
run xr reload "$SRV_IF" reflector-caddy --enable dashboard
expect_rc "reload dashboard without --source: exits 2" 2
expect_same "reload dashboard without --source: host state unchanged" "$S1" "$(state)"

xr detach "$SRV_IF" >/dev/null

# Another XDP program on the interface.
if srv_obj ip link set dev "$SRV_IF" xdp obj "$T/other_xdp.o" sec xdp 2>"$T/ip.log"; then
	read -r other_id other_name <<<"$(xdp_prog "$SRV_IF")"
	S2=$(state)
	run xr load "$SRV_IF" reflector-caddy
	expect_rc "other XDP program: load exits 1" 1
	expect_out "other XDP program: error names its id and name" "program $other_id \($other_name"
	expect_out "other XDP program: error points to --replace" "--replace"
	expect_same "other XDP program: host state unchanged" "$S2" "$(state)"
	run xr load "$SRV_IF" reflector-caddy --replace
	expect_rc "--replace: load exits 0" 0
	read -r new_id new_name <<<"$(xdp_prog "$SRV_IF")"
	expect_eq "--replace: ours on the link" "$new_name" xdp_reflector
	expect_eq "--replace: status shows the link's program" "$(sfield "$SRV_IF" prog_id profile)" "$new_id reflector-caddy"
	run xr detach "$SRV_IF"
	expect_rc "--replace: detach exits 0" 0
	expect_eq "--replace: no XDP program after detach" "$(xdp_prog "$SRV_IF")" ""
	expect_same "--replace: detach leaves no pins, tc or status" "$S0" "$(state)"
else
	not_ok "other XDP program: attach $T/other_xdp.o" "$(cat "$T/ip.log")"
fi

# ---- 2. SSH guard ---------------------------------------------------------

# ssh_guard FAMILY CLIENT SERVER OFF_IFACE_SERVER
ssh_guard() {
	local fam=$1 on="$2 50000 $3 22" off="$2 50000 $4 22" st

	SSH_CONNECTION=$on run xr load "$SRV_IF" reflector-caddy --disable ssh
	expect_rc "ssh guard $fam: load --disable ssh refused (exit 2)" 2
	expect_out "ssh guard $fam: message says to allow 22/tcp from the client" "allow 22/tcp from $2.*--enable ssh"
	expect_same "ssh guard $fam: refused load changes nothing" "$S0" "$(state)"

	SSH_CONNECTION=$on run xr load "$SRV_IF" reflector-caddy --disable ssh --force
	expect_rc "ssh guard $fam: --force loads" 0
	expect_eq "ssh guard $fam: forced policy does drop 22 (the guard was right)" "$(tcp 22 timeout)" timeout
	xr detach "$SRV_IF" >/dev/null

	SSH_CONNECTION=$on run xr load "$SRV_IF" reflector-caddy
	expect_rc "ssh guard $fam: load with ssh enabled" 0
	expect_eq "ssh guard $fam: approved policy does pass 22" "$(tcp 22 ok)" ok
	xr detach "$SRV_IF" >/dev/null

	SSH_CONNECTION=$off run xr load "$SRV_IF" reflector-caddy --disable ssh
	expect_rc "ssh guard $fam: session to an address not on the interface: no guard" 0
	xr detach "$SRV_IF" >/dev/null

	# The same for reload, from reflector-caddy with ssh on.
	xr load "$SRV_IF" reflector-caddy >/dev/null
	st=$(state)
	SSH_CONNECTION=$on run xr reload "$SRV_IF" reflector-caddy --disable ssh
	expect_rc "ssh guard $fam: reload --disable ssh refused (exit 2)" 2
	expect_out "ssh guard $fam: reload message says what to add" "--enable ssh"
	expect_same "ssh guard $fam: refused reload changes nothing" "$st" "$(state)"
	SSH_CONNECTION=$on run xr reload "$SRV_IF" reflector-caddy --disable ssh --force
	expect_rc "ssh guard $fam: reload --force applies" 0
	expect_eq "ssh guard $fam: forced reload is in force" "$(sfield "$SRV_IF" features)" '["livekit", "livekit-tcp"]'
	SSH_CONNECTION=$on run xr reload "$SRV_IF" reflector-caddy
	expect_rc "ssh guard $fam: reload with ssh enabled" 0
	SSH_CONNECTION=$off run xr reload "$SRV_IF" reflector-caddy --disable ssh
	expect_rc "ssh guard $fam: reload, session not on the interface: no guard" 0
	xr detach "$SRV_IF" >/dev/null
}
ssh_guard IPv4 "$CLI4" "$SRV4" 198.51.100.7
ssh_guard IPv6 "$CLI6" "$SRV6" 2001:db8:9::1

# The guard checks the session's own port and source, not the feature name.
SSH_CONNECTION="$CLI4 50000 $SRV4 2222" run xr load "$SRV_IF" reflector-caddy
expect_rc "ssh guard: sshd on 2222, profile opens only 22: refused" 2
SSH_CONNECTION="::ffff:$CLI4 50000 ::ffff:$SRV4 22" run xr load "$SRV_IF" reflector-caddy --disable ssh
expect_rc "ssh guard: v4-mapped session of a dual-stack sshd: refused" 2
SSH_CONNECTION="$CLI4 50000 $SRV4 22" run xr load "$SRV_IF" reflector-caddy --source ssh=198.51.100.0/24
expect_rc "ssh guard: ssh restricted to another network: refused" 2
expect_same "ssh guard: refusals change nothing" "$S0" "$(state)"
SSH_CONNECTION="$CLI4 50000 $SRV4 22" run xr load "$SRV_IF" reflector-caddy --source ssh=$CLI4/32
expect_rc "ssh guard: ssh restricted to the client: loads" 0
xr detach "$SRV_IF" >/dev/null

# sudo and su drop SSH_CONNECTION from the environment: the login shell that
# ran them still has it, and the guard finds it there.
# (`; exit` keeps bash from exec'ing in place: it stays the parent.)
run env SSH_CONNECTION="$CLI4 50000 $SRV4 22" bash -c \
	'env -u SSH_CONNECTION nsenter --net=/run/netns/'"$SRV_NS"' "$@"; exit $?' sudo-like \
	"$XR_BIN" load "$SRV_IF" reflector-caddy --disable ssh --pin-dir "$PINS"
expect_rc "ssh guard: SSH_CONNECTION only in an ancestor (sudo): refused" 2
expect_same "ssh guard: the sudo-like refusal changes nothing" "$S0" "$(state)"

# ---- 3. --confirm ---------------------------------------------------------

# Windows: where the test confirms, 60 s (it never waits for them); where the
# rollback must fire, long enough for what is checked before it, and the
# wait for it is a poll with a deadline far beyond.
ROLLBACK_SECS=10

# (a) First load, never confirmed, from a session that then ends.
t_start=$(now)
setsid nsenter --net=/run/netns/$SRV_NS "$XR_BIN" load "$SRV_IF" reflector-caddy \
	--confirm $ROLLBACK_SECS --pin-dir "$PINS" >"$T/confirm-a.log" 2>&1 &
loader=$!
wait $loader
RC=$? OUT=$(cat "$T/confirm-a.log") t_end=$(now)
expect_rc "confirm (a): load --confirm $ROLLBACK_SECS exits 0" 0
expect_out "confirm (a): load says to run confirm" "xdp-reflector confirm"
track_confirm "$SRV_IF"
if ! kill -0 -- -"$loader" 2>/dev/null && [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null &&
	[ "$(ps -o sid= -p "$cpid" | tr -d ' ')" != "$loader" ]; then
	ok "confirm (a): loader and its session gone, rollback process $cpid in its own session"
else
	not_ok "confirm (a): loader and its session gone, rollback process in its own session" \
		"rollback pid '$cpid'" "$(ps -o pid,ppid,sid,cmd -p "${cpid:-1}" 2>&1)"
fi
# When does it go? Poll (bounded: 60 s, six times the window).
for ((i = 0; i < 600; i++)); do
	not_loaded "$SRV_IF" && break
	sleep 0.1
done
t_gone=$(now)
read -r after_start after_end < <(python3 -c 'import sys; g, s, e = map(float, sys.argv[1:]); print("%.2f %.2f" % (g - s, g - e))' "$t_gone" "$t_start" "$t_end")
# The window counts from when the rollback process recorded itself, just
# before load returned: never less than asked for from the start of the
# load, nor (up to the return path's time) from its end.
if python3 -c 'import sys; s, e, w = map(float, sys.argv[1:]); sys.exit(not (s >= w and e >= w - 0.5))' \
	"$after_start" "$after_end" "$ROLLBACK_SECS"; then
	ok "confirm (a): the $ROLLBACK_SECS s asked for are kept (gone ${after_end} s after load returned)"
else
	not_ok "confirm (a): the $ROLLBACK_SECS s asked for are kept" \
		"gone ${after_start} s after load started, ${after_end} s after it returned"
fi
check "confirm (a): not confirmed: program, pins and tc filter gone (within 60 s)" not_loaded "$SRV_IF"
expect_same "confirm (a): host state as before the load" "$S0" "$(state)"
poll 100 proc_gone "${cpid:-0}"
check "confirm (a): rollback process exited" proc_gone "${cpid:-0}"

# (b) First load confirmed in time stays; confirm ends the rollback process,
# so nothing is left that could roll it back later.
run xr load "$SRV_IF" reflector-caddy --confirm 60
expect_rc "confirm (b): load --confirm 60 exits 0" 0
track_confirm "$SRV_IF"
check "confirm (b): rollback process running" kill -0 "${cpid:-0}"
expect_eq "confirm (e): status --json confirm_pending" "$(sfield "$SRV_IF" confirm_pending)" true
run xr status
expect_out "confirm (e): status shows the pending confirm" "pending \([0-9]+s left\)"
run xr confirm "$SRV_IF"
expect_rc "confirm (b): confirm exits 0" 0
expect_eq "confirm (b): status no longer pending" "$(sfield "$SRV_IF" confirm_pending)" false
poll 100 proc_gone "${cpid:-0}"
check "confirm (b): rollback process ends after confirm" proc_gone "${cpid:-0}"
check "confirm (b): still loaded" is_loaded "$SRV_IF"
expect_eq "confirm (b): 443 still passes" "$(tcp 443 ok)" ok

# (f) Nothing pending.
run xr confirm "$SRV_IF"
expect_rc "confirm (f): confirm with nothing pending exits 1" 1
run xr confirm xrnone$$
expect_rc "confirm (f): confirm where nothing is loaded exits 1" 1

# (d) Reload A -> B confirmed in time keeps B. A = reflector-caddy (443, not
# 3000), B = reflector-direct (3000, not 443).
prog_a=$(sfield "$SRV_IF" prog_id)
run xr reload "$SRV_IF" reflector-direct --confirm 60
expect_rc "confirm (d): reload B --confirm 60 exits 0" 0
track_confirm "$SRV_IF"
expect_eq "confirm (e): reload pending in status" "$(sfield "$SRV_IF" profile confirm_pending)" "reflector-direct true"
st=$(state)
run xr reload "$SRV_IF" reflector-caddy
expect_rc "confirm (d): another reload while pending is refused (exit 1)" 1
expect_same "confirm (d): refused reload changes nothing" "$st" "$(state)"
expect_eq "confirm (d): B in force: 3000 passes" "$(tcp 3000 ok)" ok
expect_eq "confirm (d): B in force: 443 dropped" "$(tcp 443 timeout)" timeout
run xr confirm "$SRV_IF"
expect_rc "confirm (d): confirm exits 0" 0
poll 100 proc_gone "${cpid:-0}"
check "confirm (d): rollback process ended" proc_gone "${cpid:-0}"
expect_eq "confirm (d): B kept" "$(sfield "$SRV_IF" profile confirm_pending)" "reflector-direct false"
expect_eq "confirm (d): B still in force: 3000 passes" "$(tcp 3000 ok)" ok

# (c) Reload A -> B, never confirmed: A comes back.
run xr reload "$SRV_IF" reflector-caddy
expect_rc "confirm (c): back to A (plain reload) exits 0" 0
run xr reload "$SRV_IF" reflector-direct --confirm 5
expect_rc "confirm (c): reload B --confirm 5 exits 0" 0
track_confirm "$SRV_IF"
poll 600 settled_on reflector-caddy
expect_eq "confirm (c): not confirmed: status back to A" "$(sfield "$SRV_IF" profile confirm_pending)" "reflector-caddy false"
expect_eq "confirm (c): A's digest back" "$(sfield "$SRV_IF" digest)" "$DIGEST_A"
expect_eq "confirm (c): A in force again: 443 passes" "$(tcp 443 ok)" ok
expect_eq "confirm (c): A in force again: 3000 dropped" "$(tcp 3000 timeout)" timeout
expect_eq "confirm (c): same program stays attached" "$(sfield "$SRV_IF" prog_id)" "$prog_a"
poll 100 proc_gone "${cpid:-0}"
check "confirm (c): rollback process exited" proc_gone "${cpid:-0}"

# ---- 4. detach --------------------------------------------------------------

run xr detach "$SRV_IF"
expect_rc "detach: exits 0" 0
check "detach: pin dir for the interface gone" test ! -e "$PINS/$SRV_IF"
expect_eq "detach: tc egress filter gone" "$(srv tc filter show dev "$SRV_IF" egress)" ""
expect_eq "detach: no XDP program" "$(xdp_prog "$SRV_IF")" ""
expect_eq "detach: status lists nothing" "$(xr status --json)" "[]"
expect_same "detach: host state as before the first load" "$S0" "$(state)"
expect_eq "detach: traffic unfiltered again (3000)" "$(tcp 3000 ok)" ok
run xr detach "$SRV_IF"
expect_rc "detach: second detach exits 1" 1

# Someone else's clsact qdisc and egress filter survive load + detach.
if srv tc qdisc add dev "$SRV_IF" clsact &&
	srv_obj tc filter add dev "$SRV_IF" egress pref 10 bpf da obj "$T/other_tc.o" sec tc; then
	S3=$(state)
	run xr load "$SRV_IF" reflector-caddy
	expect_rc "foreign tc filter: load exits 0" 0
	run xr detach "$SRV_IF"
	expect_rc "foreign tc filter: detach exits 0" 0
	expect_same "foreign tc filter: detach keeps their qdisc and filter" "$S3" "$(state)"
	srv tc qdisc del dev "$SRV_IF" clsact
else
	not_ok "foreign tc filter: add clsact and an egress filter"
fi

# --replace with --confirm, never confirmed: the rollback should hand the
# interface back to the program it took it from.
if srv_obj ip link set dev "$SRV_IF" xdp obj "$T/other_xdp.o" sec xdp 2>"$T/ip.log"; then
	other_name=$(xdp_prog "$SRV_IF" | cut -d' ' -f2)
	run xr load "$SRV_IF" reflector-caddy --replace --confirm 2
	expect_rc "--replace --confirm: load exits 0" 0
	track_confirm "$SRV_IF"
	poll 600 test ! -e "$PINS/$SRV_IF"
	check "--replace --confirm: not confirmed: ours gone" test ! -e "$PINS/$SRV_IF"
	expect_eq "--replace --confirm: not confirmed: the replaced program is back" \
		"$(xdp_prog "$SRV_IF" | cut -d' ' -f2)" "$other_name"
	srv ip link set dev "$SRV_IF" xdp off
else
	not_ok "--replace --confirm: attach $T/other_xdp.o" "$(cat "$T/ip.log")"
fi

finish
