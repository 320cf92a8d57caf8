#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs every suite and ends with one line "N passed, N failed[, N skipped]"
# summed over all of them. With CI=true a skip fails the run.
set -u
cd "$(dirname "$0")/.."

suites=()
for t in build/tests/test_*; do [ -x "$t" ] && suites+=("$t"); done
[ -x build/tests/fixtures ] && suites+=(build/tests/fixtures)
for t in tests/bpf/*.sh tests/profiles/*.sh tests/fuzz/run.sh tests/e2e/*.sh; do
	case $t in */lib.sh) continue ;; esac # sourced by the suites
	[ -f "$t" ] && suites+=("bash $t")
done

# XR_SUITES=ERE runs only the suites whose command matches (e.g. e2e/).
if [ -n "${XR_SUITES:-}" ]; then
	only=()
	for s in "${suites[@]}"; do [[ $s =~ $XR_SUITES ]] && only+=("$s"); done
	suites=("${only[@]}")
fi

pass=0 fail=0 skip=0 broken=0
log=$(mktemp)
# XR_STRESS=1 (`make test-stress`): one busy loop per CPU, at normal
# priority, for the whole run, so that a test that depends on the machine's
# speed fails here rather than on a busy CI machine. Ended by PID.
hogs=()
stop_hogs() {
	local p
	for p in "${hogs[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${hogs[@]}"; do wait "$p" 2>/dev/null; done
	hogs=()
}
trap 'rm -f "$log"; stop_hogs' EXIT
trap 'exit 130' INT TERM
if [ -n "${XR_STRESS:-}" ] && [ "$XR_STRESS" != 0 ]; then
	for _ in $(seq "$(nproc)"); do
		(while :; do :; done) &
		hogs+=($!)
	done
	echo "XR_STRESS: ${#hogs[@]} busy loops (PIDs ${hogs[*]})"
fi
# XR_JOBS suites run at once (default 2: the suites wait for states, never
# for time, so they hold under `make test-stress` and beside each other).
# The suites that touch what the whole host shares (the installed package,
# systemd, the default pin root) run one at a time; every other suite keeps
# to a pin directory of its own and reads build/ only, so it runs beside
# them. (systemd.sh's `make install` rebuilds nothing: `make test` built
# everything first.)
jobs=${XR_JOBS:-2}
if ! [[ $jobs =~ ^[1-9][0-9]*$ ]]; then
	echo "run-all: XR_JOBS must be a number of suites, 1 or more, not '$jobs'" >&2
	exit 2
fi
if [ ${#suites[@]} -eq 0 ]; then
	echo "run-all: XR_SUITES='${XR_SUITES:-}' matches no suite" >&2
	exit 2
fi
host='e2e/(deb|systemd|netns|demo|upgrade)\.sh'
logdir=$(mktemp -d)
# An interrupted run ends the suites it started (by PID; each cleans up
# after itself on TERM: namespaces, pins, the package) and waits for that
# cleanup, up to 120 s, before it removes their logs.
stop_suites() {
	local p k kids=() alive
	for p in "${running[@]}"; do
		kids+=($(pgrep -P "$p"))
		pkill -TERM -P "$p" 2>/dev/null
		kill "$p" 2>/dev/null
	done
	for p in "${running[@]}"; do wait "$p" 2>/dev/null; done
	for _ in $(seq 1200); do
		alive=0
		for k in "${kids[@]}"; do kill -0 "$k" 2>/dev/null && alive=1; done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
}
trap 'stop_suites; rm -rf "$logdir" "$log"; stop_hogs' EXIT
declare -A started=() name_of=() queued=()
n=0

# The second line of bash's times, the children's "1m2.500s 0m3.250s"
# (user, system), as seconds of CPU.
cpu_of() {
	awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] } printf "%.0fs", s }' "$1" 2>/dev/null
}

# Prints suite I's log and adds its counts to the totals.
report() {
	local i=$1 s=${name_of[$1]} rc p f k r
	local l="$logdir/$i.log"
	rc=$(cat "$logdir/$i.rc" 2>/dev/null || echo 1)
	echo "=== $s"
	cat "$l"
	# cmocka: "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)" / "[  SKIPPED ]"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$l" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$l" | awk '{s+=$1} END {print s+0}')
	k=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$l" | awk '{s+=$1} END {print s+0}')
	# shell suites: "RESULT: N passed, N failed, N skipped"
	if r=$(grep -E '^RESULT: [0-9]+ passed, [0-9]+ failed' "$l" | tail -n 1) && [ -n "$r" ]; then
		p=$((p + $(echo "$r" | sed -E 's/.* ([0-9]+) passed.*/\1/')))
		f=$((f + $(echo "$r" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
		k=$((k + $(echo "$r" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p' | awk '{s+=$1} END {print s+0}')))
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# A suite that died without reporting a failure is one.
		echo "*** $s exited $rc without a failure count"
		f=1
		broken=$((broken + 1))
	fi
	echo "=== $s: $p passed, $f failed, $k skipped ($(($(cat "$logdir/$i.end" 2>/dev/null || echo $SECONDS) - started[$i]))s, cpu $(cpu_of "$logdir/$i.cpu"))"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
}

running=()
# Waits for one running suite to end and reports it.
reap_one() {
	local done_pid='' i keep=() pid
	wait -n -p done_pid "${running[@]}"
	# A wrapper killed by a signal outside `wait` is a job bash has already
	# forgotten: no PID comes back. It is the one that no longer runs.
	if [ -z "$done_pid" ]; then
		for pid in "${running[@]}"; do
			kill -0 "$pid" 2>/dev/null || { done_pid=$pid; break; }
		done
		[ -n "$done_pid" ] || return 0
	fi
	for pid in "${running[@]}"; do
		[ "$pid" = "$done_pid" ] || keep+=("$pid")
	done
	running=("${keep[@]}")
	report "${idx_of[$done_pid]}"
}
declare -A idx_of=()

# Is suite I free to start now? A host suite only when no other runs.
may_start() {
	local s=${name_of[$1]} pid r
	[[ $s =~ $host ]] || return 0
	for pid in "${running[@]}"; do
		r=${name_of[${idx_of[$pid]}]}
		[[ $r =~ $host ]] && return 1
	done
	return 0
}

run_start=$SECONDS
# The longest first (the end-to-end suites, the host ones first of all),
# so that the short ones fill the gaps at the end.
pending=()
for s in "${suites[@]}"; do
	n=$((n + 1))
	name_of[$n]=$s
done
for pat in "$host" 'e2e/' 'profiles/|fuzz/|bpf/' '.'; do
	for i in $(seq "$n"); do
		[ -n "${queued[$i]:-}" ] && continue
		[[ ${name_of[$i]} =~ $pat ]] || continue
		queued[$i]=1
		pending+=("$i")
	done
done
while [ ${#pending[@]} -gt 0 ]; do
	while [ ${#running[@]} -ge "$jobs" ]; do reap_one; done
	pick=-1
	for k in "${!pending[@]}"; do
		if may_start "${pending[$k]}"; then pick=$k; break; fi
	done
	if [ "$pick" -lt 0 ]; then
		reap_one
		continue
	fi
	i=${pending[$pick]}
	unset "pending[$pick]"
	pending=("${pending[@]}")
	started[$i]=$SECONDS
	(
		${name_of[$i]} >"$logdir/$i.log" 2>&1
		echo $? >"$logdir/$i.rc"
		echo $SECONDS >"$logdir/$i.end"
		# The CPU its processes used (user + system), for the report.
		times >"$logdir/$i.cpu"
	) &
	running+=($!)
	idx_of[$!]=$i
done
while [ ${#running[@]} -gt 0 ]; do reap_one; done

echo
if [ "${CI:-}" = "true" ] && [ "$skip" -gt 0 ]; then
	echo "CI=true: $skip skipped checks count as failures"
	fail=$((fail + skip))
fi
echo "$pass passed, $fail failed, $skip skipped ($((SECONDS - run_start))s${hogs:+, under XR_STRESS})"
[ "$fail" -eq 0 ]
