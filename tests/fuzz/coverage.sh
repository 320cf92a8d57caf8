#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make fuzz-coverage`: what the fuzz corpora reach, by llvm-cov. Each
# target's coverage build (build/fuzz-cov/, no sanitizers) runs every input
# of the committed corpus and of the work corpus `make fuzz` grew
# (build/fuzz/work/TARGET) once; then
#   parse:   bpf/parse.h, branches, lines and regions;
#   profile: the loader files a profile goes through, lines first.
# HTML reports: build/fuzz-cov/html-TARGET/index.html.
set -u
cd "$(dirname "$0")/../.." || exit 1

COV=build/fuzz-cov
PROFDATA=${LLVM_PROFDATA:-llvm-profdata}
LLVMCOV=${LLVM_COV:-llvm-cov}
# The profile path (docs/ARCHITECTURE.md, "A profile, from file to maps").
PROFILE_FILES=(loader/yaml_doc.c loader/diag.c loader/schema.c loader/profile.c
	loader/profile_find.c loader/extends.c loader/overlap.c loader/addr.c
	loader/toggles.c loader/policy.c)

for t in parse profile; do
	dirs=("tests/fuzz/corpus/$t")
	[ -d "build/fuzz/work/$t" ] && dirs+=("build/fuzz/work/$t")
	rm -f "$COV/$t".*.profraw
	LLVM_PROFILE_FILE="$COV/$t.%p.profraw" "$COV/fuzz_$t" -runs=0 \
		"${dirs[@]}" >"$COV/$t.log" 2>&1 || {
		echo "fuzz-coverage: $t failed, see $COV/$t.log"
		exit 1
	}
	"$PROFDATA" merge -sparse "$COV/$t".*.profraw -o "$COV/$t.profdata" || exit 1
	n=$(find "${dirs[@]}" -type f | wc -l)
	if [ "$t" = parse ]; then
		files=(bpf/parse.h)
	else
		files=("${PROFILE_FILES[@]}")
	fi
	echo "== fuzz_$t: ${dirs[*]} ($n entries)"
	"$LLVMCOV" report "$COV/fuzz_$t" -instr-profile="$COV/$t.profdata" \
		"${files[@]}" | sed 's/^/  /'
	"$LLVMCOV" show "$COV/fuzz_$t" -instr-profile="$COV/$t.profdata" \
		-show-branches=count -format=html -output-dir="$COV/html-$t" \
		"${files[@]}" >/dev/null
done
