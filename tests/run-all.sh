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
run_start=$SECONDS
for s in "${suites[@]}"; do
	echo "=== $s"
	start=$SECONDS
	$s >"$log" 2>&1
	rc=$?
	cat "$log"
	# cmocka: "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)" / "[  SKIPPED ]"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	k=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	# shell suites: "RESULT: N passed, N failed, N skipped"
	if r=$(grep -E '^RESULT: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1) && [ -n "$r" ]; then
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
	echo "=== $s: $p passed, $f failed, $k skipped ($((SECONDS - start))s)"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
done

echo
if [ "${CI:-}" = "true" ] && [ "$skip" -gt 0 ]; then
	echo "CI=true: $skip skipped checks count as failures"
	fail=$((fail + skip))
fi
echo "$pass passed, $fail failed, $skip skipped ($((SECONDS - run_start))s${hogs:+, under XR_STRESS})"
[ "$fail" -eq 0 ]
