#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `detect` over the test deployments of tests/detect/: one directory per
# variant a real deployment produces, each with an `expect` file:
#
#   extends: NAME           the built-in the profile extends ("" for none)
#   tcp: P,FIRST-LAST,...   exactly the ports `check --json` opens, per
#   udp: ...                protocol, once the placeholder is filled in
#   source: CIDR            fill the dashboard's sources placeholder with it
#                           (before that, `check` must refuse the profile at
#                           the placeholder's line)
#   warning: FILE:LINE KIND [TEXT]   exactly these warnings, each on stderr
#                           as FILE:LINE:COL: warning: ... (holding TEXT)
#   args: ...               more arguments for detect
#
# detect runs in the variant's directory as `detect . -o OUT --json`. Then
# the bad inputs: an empty directory, a YAML error, ports that are not
# ports (exit 2 with FILE:LINE:COL, nothing written to -o FILE).
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
export XDP_REFLECTOR_PROFILE_DIR=$ROOT/policies
. tests/lib.sh
XR_BIN=$ROOT/build/xdp-reflector
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# This suite's own work is small beside the processes it ran for it (a fork
# costs milliseconds on a slow VM): files are read with builtins, not with
# sed/grep/head/cat, and not in $(...) subshells.

# expects FILE: read a variant's expect file once. EXP[NAME] is the first
# value of "NAME: value" (spaces after the colon skipped), EXP_warning every
# "warning: " value in order.
declare -A EXP
expects() {
	local line name value
	local -a lines
	EXP=() EXP_warning=()
	mapfile -t lines <"$1"
	for line in "${lines[@]}"; do
		[[ $line == *:* ]] || continue
		name=${line%%:*}
		[[ -n $name && $name != *[!a-z-]* ]] || continue # a comment
		value=${line#*:}
		[[ -v EXP[$name] ]] || EXP[$name]=${value#"${value%%[! ]*}"}
		[[ $line == "warning: "* ]] && EXP_warning+=("${line#"warning: "}")
	done
}

# lines_of VAR ARGS...: VAR is ARGS one a line, as $(printf '%s\n' ARGS)
# gives it (trailing newlines dropped), without the subshell.
lines_of() {
	local -n _to=$1
	shift
	printf -v _to '%s\n' "$@"
	while [[ $_to == *$'\n' ]]; do _to=${_to%$'\n'}; done
}

# The regular expressions of the checks below (in variables: [[ =~ ]] takes
# spaces in them only so).
extends_re='^extends: ([^ ]*)'
entry_re='^ *(- \{service|default:|extends:|name:)'
warning_re='^([^ ]*) ([^ ]*)'

# Each variant runs detect and check first, and what they give is judged
# once one Python has summarised every variant's JSON (a Python start per
# variant was a third of this suite's CPU). Per variant V: DRC[V] detect's
# exit code; EXTENDS[V], BARE[V], PLACE[V] the profile's extends values,
# its entry and toggle lines without a source comment, the placeholder's
# line; REF_RC[V], REF_OUT[V] the check before the sources are written;
# CRC[V] the check's exit code once they are.
declare -A DRC EXTENDS BARE PLACE REF_RC REF_OUT CRC
variants=() summarise=()
for dir in tests/detect/*/; do
	v=${dir%/}
	v=${v##*/}
	[ -f "$dir/expect" ] || continue
	variants+=("$v")
	expects "$dir/expect"
	out=$TMP/$v.yaml
	args=${EXP[args]-}
	# shellcheck disable=SC2086 # args are words
	(cd "$dir" && exec "$XR_BIN" detect . $args -o "$out" --json) >"$TMP/$v.json" 2>"$TMP/$v.err"
	DRC[$v]=$?
	[ "${DRC[$v]}" -eq 0 ] || continue
	mapfile -t lines <"$out"
	ext_vals=() bare_lines=() line=
	for n in "${!lines[@]}"; do
		l=${lines[n]}
		[[ $l =~ $extends_re ]] && ext_vals+=("${BASH_REMATCH[1]}")
		[[ $l =~ $entry_re && $l != *" # "* ]] && bare_lines+=("$l")
		[[ -z $line && $l == *ADMIN-NETWORK/LEN* ]] && line=$((n + 1))
	done
	lines_of "EXTENDS[$v]" "${ext_vals[@]}"
	lines_of "BARE[$v]" "${bare_lines[@]}"
	PLACE[$v]=$line
	src=${EXP[source]-}
	if [ -n "$src" ]; then
		run "$XR_BIN" check "$out"
		REF_RC[$v]=$RC REF_OUT[$v]=$OUT
		sed -i "s|ADMIN-NETWORK/LEN|$src|" "$out"
	fi
	"$XR_BIN" check "$out" --json >"$TMP/$v.check" 2>"$TMP/$v.cerr"
	CRC[$v]=$?
	[ "${CRC[$v]}" -eq 0 ] || continue
	# The expected warnings as "FILE:LINE KIND", for the Python to sort.
	want=()
	for w in "${EXP_warning[@]}"; do
		[[ $w =~ $warning_re ]] && want+=("${BASH_REMATCH[1]} ${BASH_REMATCH[2]}")
	done
	printf '%s\n' "${want[@]}" >"$TMP/$v.want"
	summarise+=("$v")
done

# For each variant V given, $TMP/V.sum holds "tcp P,F-L,..." and "udp ..."
# (the ports `check --json` opens per protocol), "dashboard SOURCES", and
# the warnings of `detect --json` as "warning FILE:LINE KIND" and the
# expected ones as "want FILE:LINE KIND", both sorted alike. An exception
# leaves one variant's summary short (its checks fail) and the others whole.
[ ${#summarise[@]} -eq 0 ] || python3 - "$TMP" "${summarise[@]}" <<'EOF'
import json, sys, traceback

for v in sys.argv[2:]:
    base = sys.argv[1] + "/" + v
    with open(base + ".sum", "w") as out:
        try:
            j = json.load(open(base + ".check"))
            for proto in ("tcp", "udp"):
                m = []
                for a, b in sorted((x["first_port"], x["last_port"]) for x in j["rules"] if x["protocol"] == proto):
                    if m and a == m[-1][1] + 1:
                        m[-1][1] = b
                    else:
                        m.append([a, b])
                print(proto, ",".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in m), file=out)
            print("dashboard", [r["sources"] for r in j["rules"] if r["first_port"] == 8888 and r["protocol"] == "tcp"], file=out)
            got = []
            for w in json.load(open(base + ".json"))["warnings"]:
                f = w["file"][2:] if w["file"].startswith("./") else w["file"]
                got.append("%s:%d %s" % (f, w["line"], w["kind"]))
            for g in sorted(got):
                print("warning", g, file=out)
            for w in sorted(open(base + ".want").read().splitlines()):
                if w:
                    print("want", w, file=out)
        except Exception:
            print("summary of " + v + ":", file=sys.stderr)
            traceback.print_exc()
EOF

# summary V: SUM[tcp], SUM[udp], SUM[dashboard], and SUM[warning],
# SUM[want] as lines, from $TMP/V.sum.
declare -A SUM
summary() {
	local line
	local -a lines
	SUM=()
	[ -e "$TMP/$1.sum" ] && mapfile -t lines <"$TMP/$1.sum"
	for line in "${lines[@]}"; do
		case $line in
		warning\ * | want\ *) SUM[${line%% *}]+=${line#* }$'\n' ;;
		*) SUM[${line%% *}]=${line#* } ;;
		esac
	done
	SUM[warning]=${SUM[warning]-} SUM[want]=${SUM[want]-}
	SUM[warning]=${SUM[warning]%$'\n'} SUM[want]=${SUM[want]%$'\n'}
}

for v in "${variants[@]}"; do
	expects "tests/detect/$v/expect"
	out=$TMP/$v.yaml
	rc=${DRC[$v]}
	if [ "$rc" -ne 0 ]; then
		mapfile -t -n 5 err <"$TMP/$v.err"
		not_ok "$v: detect exits 0" "exit $rc" "$(printf '%s\n' "${err[@]}")"
		continue
	fi
	ok "$v: detect exits 0"
	expect_eq "$v: extends ${EXP[extends]-}" "${EXTENDS[$v]}" "${EXP[extends]-}"
	# Every entry and toggle line says where it came from.
	expect_eq "$v: every entry, default and extends line has a source comment" "${BARE[$v]}" ""
	src=${EXP[source]-}
	if [ -n "$src" ]; then
		RC=${REF_RC[$v]} OUT=${REF_OUT[$v]}
		expect_rc "$v: check refuses the profile until the dashboard's sources are written" 2
		expect_out "$v: ...at the placeholder's line" "^$out:${PLACE[$v]}:[0-9]+: error: 'ADMIN-NETWORK/LEN'"
	fi
	if [ "${CRC[$v]}" -eq 0 ]; then
		ok "$v: check accepts the profile as written"
	else
		not_ok "$v: check accepts the profile as written" "$(<"$TMP/$v.cerr")"
		continue
	fi
	summary "$v"
	expect_eq "$v: opens exactly tcp ${EXP[tcp]-}" "${SUM[tcp]-}" "${EXP[tcp]-}"
	expect_eq "$v: opens exactly udp ${EXP[udp]-}" "${SUM[udp]-}" "${EXP[udp]-}"
	[ -n "$src" ] && expect_eq "$v: the dashboard opens to its sources only" \
		"${SUM[dashboard]-}" "[['$src']]"
	# Warnings: exactly the expected set (file:line kind), each on stderr.
	expect_same "$v: the warnings are exactly the expected ones" "${SUM[want]}" "${SUM[warning]}"
	mapfile -t err <"$TMP/$v.err"
	for w in "${EXP_warning[@]}"; do
		read -r where kind text <<<"$w"
		[ -n "$where" ] || continue
		re="^(\./)?$where:[0-9]+: warning: "
		said=0
		for e in "${err[@]}"; do
			[[ $e =~ $re && $e == *"$text"* ]] && said=1 && break
		done
		if [ $said = 1 ]; then
			ok "$v: warning $where $kind on stderr${text:+ says '$text'}"
		else
			not_ok "$v: warning $where $kind on stderr${text:+ says '$text'}" "$(<"$TMP/$v.err")"
		fi
	done
done

# ---- bad input -------------------------------------------------------------
# bad_case NAME DIR WHERE TEXT: exit 2, the error at WHERE (FILE:LINE:COL),
# nothing on stdout, and -o FILE neither created nor touched.
bad_case() {
	local name=$1 dir=$2 where=$3 text=$4 left f
	echo "keep me" >"$TMP/keep.yaml"
	run "$XR_BIN" detect "$dir" -o "$TMP/keep.yaml"
	expect_rc "$name: exit 2" 2
	expect_out "$name: the error says where ($where) and what" "^$where: error: .*$text"
	expect_eq "$name: -o FILE untouched" "$(<"$TMP/keep.yaml")" "keep me"
	rm -f "$TMP/new.yaml"
	"$XR_BIN" detect "$dir" -o "$TMP/new.yaml" >/dev/null 2>&1
	if [ -e "$TMP/new.yaml" ]; then not_ok "$name: no -o FILE created"; else ok "$name: no -o FILE created"; fi
	left=0
	for f in "$TMP"/keep.yaml.* "$TMP"/new.yaml.*; do [ -e "$f" ] && left=$((left + 1)); done
	expect_eq "$name: no temporary file left" "$left" 0
}
mkdir "$TMP/empty"
bad_case "empty directory" "$TMP/empty" "$TMP/empty" "no compose file found"
bad_case "YAML error" tests/detect/bad/yaml-error \
	"tests/detect/bad/yaml-error/docker-compose.yml:6:6" "YAML syntax"
bad_case "a short-syntax port that is not a port" tests/detect/bad/not-a-port \
	"tests/detect/bad/not-a-port/compose.yaml:5:9" "'80:http' is not a port"
bad_case "a long-syntax published port that is not a port" tests/detect/bad/not-a-port-long \
	"tests/detect/bad/not-a-port-long/compose.yaml:6:20" "published 'eighty' is not a port"
bad_case "a LiveKit range that ends before it starts" tests/detect/bad/livekit-range-inverted \
	"tests/detect/bad/livekit-range-inverted/livekit.yaml:5:19" "the range 44300-44200 ends before it starts"
run "$XR_BIN" detect -f "$TMP/missing.yml"
expect_rc "-f naming a missing file: exit 2" 2
expect_out "-f naming a missing file: says so" "missing.yml: error: cannot read the compose file"

# The environment wins over .env, as in Compose.
run env API_PORT=8009 "$XR_BIN" detect tests/detect/anchors
expect_out "the environment overrides .env" "port: 8009"
run env MEDIA_LAST=41005 "$XR_BIN" detect tests/detect/anchors
expect_rc "host and container ranges of different lengths: exit 2" 2
expect_out "...at the port's line" "docker-compose.yml:8:7: error: '0.0.0.0:41000-41005:41000-41020/udp' is not a port"

# -o writes the same profile stdout shows, and leaves no temporary file.
"$XR_BIN" detect tests/detect/caddy >"$TMP/stdout.yaml" 2>/dev/null
"$XR_BIN" detect tests/detect/caddy -o "$TMP/o.yaml" 2>/dev/null
expect_same "-o FILE holds what stdout shows" "$(<"$TMP/stdout.yaml")" "$(<"$TMP/o.yaml")"
run "$XR_BIN" help detect
expect_out "help detect lists -f, -o, --listening" "--listening"

finish
