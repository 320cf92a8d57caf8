#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The profile corpus: runs `xdp-reflector check` on every file and checks the
# verdict. Directives are comment lines anywhere in a file:
#
#   bad/NAME.yaml   # expect: LINE:COL: SUBSTRING   (required)
#                   # expect-file: PATH             (error is in another file,
#                                                    relative to bad/)
#                   # args: --enable F ...          (toggles for check)
#   good/NAME.yaml  # args: ...
#                   # json: PYTHON-EXPRESSION       (over `check --json`: j is
#                     the object, R its rules, rule(proto, port) the rule
#                     covering a port or None, spans(proto) its (first, last))
#                   # stdout: SUBSTRING             (of the text output)
#                   # warning: LINE:COL: SUBSTRING  (stderr must hold exactly
#                                                    these warnings)
#
# A bad file must exit 2 and print one line on stderr, the error, as
# FILE:LINE:COL: error: ..., at the expected place, with the expected text,
# and nothing on stdout. A good file must exit 0 with an empty stderr
# (warnings aside). Some cases are generated here (empty and oversize files),
# and the complete example of policies/README.md is checked too.
#
# Prints "ok - NAME" / "not ok - NAME" per case and ends with
# "RESULT: N passed, N failed, N skipped"; exits 1 on any failure.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
XR_BIN=${XR_BIN:-build/xdp-reflector}
CORPUS=tests/profiles
# Built-in profiles come from this tree, whatever is installed.
export XDP_REFLECTOR_PROFILE_DIR=${XDP_REFLECTOR_PROFILE_DIR:-$ROOT/policies}

. tests/lib.sh # ok, not_ok, skip, finish
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# This suite runs ~180 checks; a fork costs milliseconds on a slow VM, so
# what surrounds each check stays in this shell: files are read with
# builtins, not with sed/head/wc/cat, and not in $(...) subshells.

# directives FILE: read FILE once; DIR[NAME] is the first value of
# "# NAME: value", and DIR_json, DIR_stdout, DIR_warning hold every value
# of theirs in order.
declare -A DIR
directives() {
	local line name
	local -a lines
	DIR=() DIR_json=() DIR_stdout=() DIR_warning=()
	mapfile -t lines <"$1"
	for line in "${lines[@]}"; do
		[[ $line == "# "*": "* ]] || continue
		name=${line#"# "}
		name=${name%%": "*}
		[[ -n $name && $name != *[!a-z-]* ]] || continue # a comment
		line=${line#"# $name: "}
		[[ -v DIR[$name] ]] || DIR[$name]=$line
		case $name in
		json) DIR_json+=("$line") ;;
		stdout) DIR_stdout+=("$line") ;;
		warning) DIR_warning+=("$line") ;;
		esac
	done
}

# run_check FILE ARGS...: stdout into $TMP/out, the exit code into RC_CHECK,
# stderr into $TMP/err and ERR (its lines), NERR its line count as wc -l
# gives it (newlines: an unterminated last line is not counted).
run_check() {
	"$XR_BIN" check "$@" >"$TMP/out" 2>"$TMP/err"
	RC_CHECK=$?
	read_err
}
read_err() {
	mapfile ERR <"$TMP/err"
	NERR=${#ERR[@]}
	[[ $NERR -gt 0 && ${ERR[-1]} != *$'\n' ]] && NERR=$((NERR - 1))
	ERR=("${ERR[@]%$'\n'}")
	ERR1=${ERR[0]-}
}

# expect_error NAME SHOWN LOC SUBSTRING: judge the last run_check of a bad case.
expect_error() {
	local name=$1 shown=$2 loc=$3 want=$4 rc=$RC_CHECK first=$ERR1 nerr=$NERR
	local why=()

	[ "$rc" = 2 ] || why+=("exit code $rc, expected 2")
	if ! [[ "$first" =~ ^[^[:space:]]+:[0-9]+:[0-9]+:\ error:\  ]]; then
		why+=("error lacks its FILE:LINE:COL location: '$first'")
	elif [[ "$first" != "$shown:$loc: error: "* ]]; then
		why+=("error at '${first%%: error:*}', expected '$shown:$loc'")
	fi
	[[ "$first" == *"$want"* ]] || why+=("error does not say '$want': '$first'")
	[ "$nerr" = 1 ] || why+=("$nerr lines on stderr, expected exactly one: the error")
	[ -s "$TMP/out" ] && why+=("stdout not empty: $(head -c 200 "$TMP/out")")
	if [ ${#why[@]} -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name" "${why[@]}"
	fi
}

if [ ! -x "$XR_BIN" ]; then
	not_ok "binary $XR_BIN exists" "build it with make, or set XR_BIN"
	finish
	exit 1
fi

# ---- bad/: each must fail where it says -------------------------------------
for f in "$CORPUS"/bad/*.yaml; do
	name=${f#"$CORPUS"/}
	directives "$f"
	expect=${DIR[expect]-}
	if [ -z "$expect" ]; then
		not_ok "$name" "no '# expect: LINE:COL: text' line"
		continue
	fi
	loc=${expect%%: *}
	want=${expect#*: }
	shown=$f
	other=${DIR[expect-file]-}
	[ -n "$other" ] && shown=${f%/*}/$other
	# shellcheck disable=SC2086 # args are words by design
	run_check "$f" ${DIR[args]-}
	expect_error "$name" "$shown" "$loc" "$want"
done

# ---- good/: each must pass, and show what it says ----------------------------
# The `# json:` expressions of every case are judged by one Python at the
# end (a Python start per case was a third of this suite's CPU), so each
# case's reasons gather in WHY[i] (separated by \x1f) and its verdict is
# printed once they are all in, in the corpus' order.
mkdir "$TMP/json"
good=() WHY=()
for f in "$CORPUS"/good/*.yaml; do
	i=${#good[@]}
	good+=("$f")
	why=()
	directives "$f"
	# shellcheck disable=SC2206 # args are words by design
	args=(${DIR[args]-})
	run_check "$f" "${args[@]}"
	rc=$RC_CHECK
	[ "$rc" = 0 ] || why+=("exit code $rc, expected 0: $ERR1")
	# Warnings: exactly the expected ones, each located.
	for w in "${DIR_warning[@]}"; do
		loc=${w%%: *}
		want=${w#*: }
		at=0 says=0
		for e in "${ERR[@]}"; do
			[[ $e == *"$f:$loc: warning: "* ]] || continue
			at=1
			[[ $e == *"$want"* ]] && says=1
		done
		[ $at = 1 ] || why+=("no warning at $f:$loc")
		[ $says = 1 ] || why+=("warning at $loc does not say '$want'")
	done
	[ "$rc" != 0 ] || [ "$NERR" = ${#DIR_warning[@]} ] ||
		why+=("stderr has $NERR lines, expected ${#DIR_warning[@]}: $ERR1")
	if [ ${#DIR_stdout[@]} -gt 0 ]; then
		text=$(<"$TMP/out")
		for s in "${DIR_stdout[@]}"; do
			[[ $text == *"$s"* ]] || why+=("stdout lacks '$s'")
		done
	fi
	if [ ${#DIR_json[@]} -gt 0 ]; then
		"$XR_BIN" check "$f" "${args[@]}" --json >"$TMP/json/$i.json" 2>/dev/null
		rc=$?
		if [ "$rc" != 0 ]; then
			why+=("--json exit code $rc")
		else
			printf '%s\n' "${DIR_json[@]}" >"$TMP/json/$i.exprs"
		fi
	fi
	WHY[i]=
	for w in "${why[@]}"; do WHY[i]+=$w$'\x1f'; done
done

# One Python judges every case's --json output: is it one JSON document, and
# is each of its expressions true? It prints "I<TAB>REASON" per failure and
# "I<TAB>judged" once case I is done; a case it never reached fails.
judged=()
if compgen -G "$TMP/json/*.exprs" >/dev/null; then
	mapfile -t judged < <(python3 - "$TMP/json" 2>"$TMP/judge.err" <<'EOF'
import glob, json, os, sys

def case(path):
    return int(os.path.basename(path)[:-len(".exprs")])

for exprs in sorted(glob.glob(os.path.join(sys.argv[1], "*.exprs")), key=case):
    i = str(case(exprs))
    try:
        j = json.load(open(exprs[:-len(".exprs")] + ".json"))
        R = j["rules"]
    except Exception:
        print(i + "\t--json output is not one JSON document")
        print(i + "\tjudged")
        continue

    def rule(proto, port, R=R):
        return next((r for r in R if r["protocol"] == proto
                     and r["first_port"] <= port <= r["last_port"]), None)

    def spans(proto, R=R):
        return [(r["first_port"], r["last_port"]) for r in R
                if r["protocol"] == proto]

    env = {"json": json, "j": j, "R": R, "rule": rule, "spans": spans}
    for expr in open(exprs, encoding="utf-8").read().splitlines():
        try:
            good = eval(expr, env)
        except Exception as e:  # a broken expression fails the case
            good = False
            expr += "  (" + repr(e) + ")"
        if not good:
            print(i + "\tjson: " + expr)
    print(i + "\tjudged")
EOF
	)
fi
declare -A done_json
for line in "${judged[@]}"; do
	i=${line%%$'\t'*}
	line=${line#*$'\t'}
	if [ "$line" = judged ]; then
		done_json[$i]=1
	else
		WHY[i]+=$line$'\x1f'
	fi
done

for i in "${!good[@]}"; do
	if [ -e "$TMP/json/$i.exprs" ] && [ -z "${done_json[$i]-}" ]; then
		mapfile -t jerr <"$TMP/judge.err"
		WHY[i]+="json: not judged, the judging Python stopped before it finished this case"
		[ ${#jerr[@]} -eq 0 ] || WHY[i]+=": ${jerr[-1]}"
		WHY[i]+=$'\x1f'
	fi
	name=${good[i]#"$CORPUS"/}
	why=()
	rest=${WHY[i]}
	while [ -n "$rest" ]; do
		why+=("${rest%%$'\x1f'*}")
		rest=${rest#*$'\x1f'}
	done
	if [ ${#why[@]} -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name" "${why[@]}"
	fi
done
# ---- generated: what cannot be a file in the corpus --------------------------
: >"$TMP/zero.yaml"
run_check "$TMP/zero.yaml"
expect_error "generated/zero-bytes" "$TMP/zero.yaml" 1:1 "the profile is empty"

# One byte over the 1 MiB limit: refused before parsing.
{
	printf 'name: huge\n'
	head -c $((1024 * 1024 - 11)) /dev/zero | tr '\0' '#'
	printf '\n'
} >"$TMP/huge.yaml"
run_check "$TMP/huge.yaml"
expect_error "generated/over-1MiB" "$TMP/huge.yaml" 1:1 "larger than 1048576 bytes"

# Exactly 1 MiB is still accepted.
head='name: big
allow: [{service: Caddy HTTPS, protocol: tcp, port: 443}]
'
{
	printf '%s' "$head"
	head -c $((1024 * 1024 - ${#head} - 1)) /dev/zero | tr '\0' '#'
	printf '\n'
} >"$TMP/big.yaml"
run_check "$TMP/big.yaml"
if [ "$(stat -c %s "$TMP/big.yaml")" = 1048576 ] && [ "$RC_CHECK" = 0 ]; then
	ok "generated/exactly-1MiB"
else
	not_ok "generated/exactly-1MiB" "size $(stat -c %s "$TMP/big.yaml"), exit $RC_CHECK: $ERR1"
fi

# 90,000 `x-` keys in 1 MiB check in under a second: the duplicate-key check
# sorts the keys (it compared every pair: 20 s). CPU time, not wall time, so
# a busy machine does not fail it; the quadratic check took 20 times more.
keys_file() { # FILE [EXTRA-LINE]: name, one entry, x-0 .. x-89999, EXTRA
	{
		printf 'name: keys\nallow: [{service: Caddy HTTPS, protocol: tcp, port: 443}]\n'
		seq -f 'x-%.0f: 1' 0 89999
		[ -n "${2:-}" ] && printf '%s\n' "$2"
	} >"$1"
}
cpu_check() { # FILE: run_check, and CPU seconds (user + system) into $CPU
	local t
	t=$( { TIMEFORMAT='%3U %3S'; time "$XR_BIN" check "$1" >"$TMP/out" 2>"$TMP/err"; } 2>&1)
	RC_CHECK=$?
	read_err
	CPU=$(awk '{ print $1 + $2 }' <<<"$t")
}
keys_file "$TMP/keys.yaml"
cpu_check "$TMP/keys.yaml"
if [ "$(stat -c %s "$TMP/keys.yaml")" -le 1048576 ] && [ "$RC_CHECK" = 0 ] &&
	awk -v c="$CPU" 'BEGIN { exit !(c < 1) }'; then
	ok "generated/90000-x-keys-under-1s (${CPU}s CPU)"
else
	not_ok "generated/90000-x-keys-under-1s" "size $(stat -c %s "$TMP/keys.yaml"), exit $RC_CHECK, ${CPU}s CPU: $ERR1"
fi
keys_file "$TMP/keys-dup.yaml" 'x-0: again'
cpu_check "$TMP/keys-dup.yaml"
expect_error "generated/90000-x-keys-duplicate-at-end" "$TMP/keys-dup.yaml" 90003:1 \
	"duplicate key 'x-0' (first at line 3)"

# A quoted value in a message is clipped, however long the profile text is.
{
	printf 'name: long\nallow:\n  - {service: x, protocol: tcp, port: "'
	head -c 5000 /dev/zero | tr '\0' '9'
	printf '"}\n'
} >"$TMP/long.yaml"
run_check "$TMP/long.yaml"
expect_error "generated/long-value-clipped" "$TMP/long.yaml" 3:39 "is above 65535"
len=$(head -n 1 "$TMP/err" | wc -c)
if [ "$len" -lt 400 ]; then
	ok "generated/long-value-clipped-length"
else
	not_ok "generated/long-value-clipped-length" "error line is $len bytes"
fi

# Unknown built-in names and missing files: usage errors (exit 2), one line.
run_check no-such-profile
if [ "$RC_CHECK" = 2 ] && grep -q "no such built-in profile" "$TMP/err" &&
	grep -q "reflector-caddy" "$TMP/err"; then
	ok "generated/unknown-builtin"
else
	not_ok "generated/unknown-builtin" "exit $RC_CHECK: $ERR1"
fi
# The searched directories are shown as paths, not as how they were reached
# (the build tree's bin/../share, a relative XDP_REFLECTOR_PROFILE_DIR part).
XDP_REFLECTOR_PROFILE_DIR=$ROOT/build/../policies/./ run_check no-such-profile
if grep -q "searched $ROOT/policies, " "$TMP/err" && ! grep -qE '/\.\.?(/|,|;)' "$TMP/err"; then
	ok "generated/search-paths-normalized"
else
	not_ok "generated/search-paths-normalized" "$ERR1"
fi
XDP_REFLECTOR_PROFILE_DIR=$TMP/gone/../nowhere//x/. run_check no-such-profile
if grep -q "searched $TMP/nowhere/x, " "$TMP/err"; then
	ok "generated/search-paths-normalized-missing-dir"
else
	not_ok "generated/search-paths-normalized-missing-dir" "$ERR1"
fi
run_check reflector-caddy.yaml
if [ "$RC_CHECK" = 2 ] && grep -q "the built-in profile is named 'reflector-caddy'" "$TMP/err"; then
	ok "generated/builtin-named-as-file"
else
	not_ok "generated/builtin-named-as-file" "exit $RC_CHECK: $ERR1"
fi
run_check "$TMP/missing.yaml"
if [ "$RC_CHECK" = 2 ] && grep -q "^$TMP/missing.yaml: error: cannot open" "$TMP/err"; then
	ok "generated/missing-file"
else
	not_ok "generated/missing-file" "exit $RC_CHECK: $ERR1"
fi
mkdir "$TMP/dir.yaml"
run_check "$TMP/dir.yaml"
if [ "$RC_CHECK" = 2 ] && grep -q "not a regular file" "$TMP/err"; then
	ok "generated/directory"
else
	not_ok "generated/directory" "exit $RC_CHECK: $ERR1"
fi

# ---- the documentation's complete example compiles, and opens what it says ---
python3 - policies/README.md >"$TMP/example.yaml" <<'EOF'
import sys
doc = open(sys.argv[1], encoding="utf-8").read()
print(doc.split("## A complete example")[1].split("```yaml\n")[1].split("```")[0], end="")
EOF
run_check "$TMP/example.yaml" --enable turn --json
if [ "$RC_CHECK" = 0 ] && python3 - "$TMP/out" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
got = sorted((r["protocol"], r["first_port"], r["last_port"]) for r in j["rules"])
want = sorted([("tcp", 443, 443), ("tcp", 7881, 7881), ("tcp", 8888, 8888),
               ("tcp", 9100, 9100), ("tcp", 22, 22), ("tcp", 3478, 3478),
               ("udp", 3478, 3478), ("udp", 44200, 44300),
               ("udp", 49160, 49200)])
assert got == want, got
EOF
then
	ok "policies/README.md: the complete example"
else
	not_ok "policies/README.md: the complete example" "exit $RC_CHECK: $ERR1"
fi

finish
