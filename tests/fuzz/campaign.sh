#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="parse profile"]`: each libFuzzer
# target in turn for N seconds (default 180), at nice 19, from the committed
# corpus (tests/fuzz/corpus/TARGET, read only) and a work corpus that grows
# across runs (build/fuzz/work/TARGET). A finding (crash, sanitizer report,
# model disagreement, timeout, leak) is kept as build/fuzz/findings/TARGET-*;
# add it to tests/fuzz/corpus/TARGET once fixed. Exits 1 on any finding.
# Per target it prints the executions and libFuzzer's coverage (edges, features);
# after the packet target, its corpus is replayed through the real XDP program
# (build/tests/replay, as root): a disagreement is a finding too.
set -u
cd "$(dirname "$0")/../.." || exit 1

secs=${FUZZ_SECONDS:-180}
targets=${FUZZ_TARGETS:-parse profile}
found=0
mkdir -p build/fuzz/findings

for t in $targets; do
	bin=build/fuzz/fuzz_$t
	work=build/fuzz/work/$t
	log=build/fuzz/$t.log
	[ -x "$bin" ] || { echo "fuzz: $bin missing (make fuzz-build)"; exit 1; }
	mkdir -p "$work"
	opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="build/fuzz/findings/$t-")
	case $t in
	parse) opts+=(-max_len=1514) ;; # one Ethernet frame
	profile) opts+=(-max_len=8192 -dict=tests/fuzz/profile.dict) ;;
	esac
	echo "fuzz: $t for ${secs}s (log $log)"
	nice -n 19 "$bin" "${opts[@]}" "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
	cov=$(sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/\1 edges, \2 features, corpus \3/p' <<<"$last")
	echo "fuzz: $t: ${execs:-?} executions in ${secs}s, coverage ${cov:-?}, exit $rc"
	if [ "$rc" -ne 0 ]; then
		found=1
		grep -aE 'ERROR|runtime error|fuzz_(parse|profile):|Test unit written' "$log" | head -n 8 | sed 's/^/  /'
	fi
	# The frames the run found, through the real program too (root).
	if [ "$t" = parse ] && [ "$(id -u)" = 0 ] && [ -x build/tests/replay ]; then
		build/tests/replay "$work" "tests/fuzz/corpus/$t" >"build/fuzz/replay.log" 2>&1 || found=1
		echo "fuzz: $(tail -n 1 build/fuzz/replay.log)"
	fi
done
[ "$found" -eq 0 ] || echo "fuzz: FINDINGS in build/fuzz/findings/"
exit "$found"
