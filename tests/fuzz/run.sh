#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The fuzzing suite of `make test` (about 30 s): each libFuzzer target runs
# briefly from the committed corpus (every committed input is run first:
# the regression inputs of past findings among them), the packet corpus is
# replayed through the real XDP program against the native parser, and the
# profile dictionary is checked against the schema. The long runs are
# `make fuzz` (tests/fuzz/campaign.sh). Needs root for the replay.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
need_root

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# fuzz TARGET SECONDS OPTIONS...: new inputs go to $TMP, never to the tree.
fuzz() {
	local t=$1 secs=$2 bin=build/fuzz/fuzz_$1 rc execs
	shift 2
	if [ ! -x "$bin" ]; then
		not_ok "fuzz_$t runs on its corpus" "$bin missing: make fuzz-build"
		return
	fi
	mkdir -p "$TMP/$t"
	TMPDIR=$TMP nice -n 10 "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$TMP/finding-$t-" "$@" \
		"$TMP/$t" "tests/fuzz/corpus/$t" >"$TMP/$t.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$TMP/$t.log")
	if [ "$rc" -eq 0 ] && [ -n "$execs" ]; then
		ok "fuzz_$t: $(ls "tests/fuzz/corpus/$t" | wc -l) committed inputs and ${execs} runs in ${secs}s, no finding"
	else
		not_ok "fuzz_$t: no finding in ${secs}s from the corpus" "exit $rc" \
			"$(grep -aE 'ERROR|runtime error|fuzz_[a-z]+:|Test unit written' "$TMP/$t.log" | head -n 6)" \
			"input: $(ls "$TMP"/finding-"$t"-* 2>/dev/null | head -n 1) (add it to tests/fuzz/corpus/$t once fixed)"
	fi
}

fuzz parse 8 -max_len=1514
fuzz profile 16 -max_len=8192 -dict=tests/fuzz/profile.dict

# The packet corpus through BPF_PROG_TEST_RUN and the native parser.
if [ -x build/tests/replay ]; then
	run build/tests/replay tests/fuzz/corpus/parse
	if [ "$RC" -eq 0 ]; then
		ok "$(tail -n 1 <<<"$OUT")"
	else
		not_ok "replay: the XDP program and the native parser agree" "exit $RC" "${OUT:0:1500}"
	fi
else
	not_ok "replay: the XDP program and the native parser agree" "build/tests/replay missing: make fuzz-build"
fi

# Every key of the schema is in the dictionary, so new keys get fuzzed too.
missing=()
while read -r key; do
	grep -qxF "\"$key\"" tests/fuzz/profile.dict || missing+=("$key")
done < <("$XR_BIN" help check 2>&1 | sed -nE 's/^    ([a-z][][a-zA-Z_.-]*) .*/\1/p' |
	tr '.' '\n' | sed -E 's/\[\]$//' | grep -vx NAME | sort -u)
if [ ${#missing[@]} -eq 0 ]; then
	ok "profile.dict holds every key of 'xdp-reflector help check'"
else
	not_ok "profile.dict holds every key of 'xdp-reflector help check'" "missing: ${missing[*]}"
fi

finish
