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
PY=$(python3 -c 'import sys; print(sys.executable)')

directive() { sed -n "s/^$2: *//p" "$1" | head -n 1; }

# summary CHECK_JSON DETECT_JSON: one Python start per variant (it is slow
# to start on some machines). Prints the ports `check --json` opens per
# protocol as "tcp P,F-L,...", the dashboard's sources, and the warnings of
# `detect --json` as "warning FILE:LINE KIND".
summary() {
	"$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
for proto in ("tcp", "udp"):
    m = []
    for a, b in sorted((x["first_port"], x["last_port"]) for x in j["rules"] if x["protocol"] == proto):
        if m and a == m[-1][1] + 1:
            m[-1][1] = b
        else:
            m.append([a, b])
    print(proto, ",".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in m))
print("dashboard", [r["sources"] for r in j["rules"] if r["first_port"] == 8888 and r["protocol"] == "tcp"])
for w in json.load(open(sys.argv[2]))["warnings"]:
    f = w["file"][2:] if w["file"].startswith("./") else w["file"]
    print("warning %s:%d %s" % (f, w["line"], w["kind"]))
' "$1" "$2"
}

for dir in tests/detect/*/; do
	v=$(basename "$dir")
	[ -f "$dir/expect" ] || continue
	exp=$dir/expect
	out=$TMP/$v.yaml
	args=$(directive "$exp" args)
	# shellcheck disable=SC2086 # args are words
	(cd "$dir" && "$XR_BIN" detect . $args -o "$out" --json) >"$TMP/$v.json" 2>"$TMP/$v.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		not_ok "$v: detect exits 0" "exit $rc" "$(head -5 "$TMP/$v.err")"
		continue
	fi
	ok "$v: detect exits 0"
	expect_eq "$v: extends $(directive "$exp" extends)" \
		"$(sed -n 's/^extends: \([^ ]*\).*/\1/p' "$out")" "$(directive "$exp" extends)"
	# Every entry and toggle line says where it came from.
	bare=$(grep -E '^ *(- \{service|default:|extends:|name:)' "$out" | grep -v ' # ')
	expect_eq "$v: every entry, default and extends line has a source comment" "$bare" ""
	src=$(directive "$exp" source)
	if [ -n "$src" ]; then
		run "$XR_BIN" check "$out"
		line=$(grep -n ADMIN-NETWORK/LEN "$out" | head -1 | cut -d: -f1)
		expect_rc "$v: check refuses the profile until the dashboard's sources are written" 2
		expect_out "$v: ...at the placeholder's line" "^$out:$line:[0-9]+: error: 'ADMIN-NETWORK/LEN'"
		sed -i "s|ADMIN-NETWORK/LEN|$src|" "$out"
	fi
	if "$XR_BIN" check "$out" --json >"$TMP/$v.check" 2>"$TMP/$v.cerr"; then
		ok "$v: check accepts the profile as written"
	else
		not_ok "$v: check accepts the profile as written" "$(cat "$TMP/$v.cerr")"
		continue
	fi
	sum=$(summary "$TMP/$v.check" "$TMP/$v.json")
	expect_eq "$v: opens exactly tcp $(directive "$exp" tcp)" "$(sed -n 's/^tcp //p' <<<"$sum")" "$(directive "$exp" tcp)"
	expect_eq "$v: opens exactly udp $(directive "$exp" udp)" "$(sed -n 's/^udp //p' <<<"$sum")" "$(directive "$exp" udp)"
	[ -n "$src" ] && expect_eq "$v: the dashboard opens to its sources only" \
		"$(sed -n 's/^dashboard //p' <<<"$sum")" "[['$src']]"
	# Warnings: exactly the expected set (file:line kind), each on stderr.
	got=$(sed -n 's/^warning //p' <<<"$sum" | sort)
	want=$(sed -n 's/^warning: \([^ ]*\) \([^ ]*\).*/\1 \2/p' "$exp" | sort)
	expect_same "$v: the warnings are exactly the expected ones" "$want" "$got"
	while read -r where kind text; do
		[ -n "$where" ] || continue
		if grep -E "^(\./)?$where:[0-9]+: warning: " "$TMP/$v.err" | grep -qF -- "$text"; then
			ok "$v: warning $where $kind on stderr${text:+ says '$text'}"
		else
			not_ok "$v: warning $where $kind on stderr${text:+ says '$text'}" "$(cat "$TMP/$v.err")"
		fi
	done < <(sed -n 's/^warning: //p' "$exp")
done

# ---- bad input -------------------------------------------------------------
# bad_case NAME DIR WHERE TEXT: exit 2, the error at WHERE (FILE:LINE:COL),
# nothing on stdout, and -o FILE neither created nor touched.
bad_case() {
	local name=$1 dir=$2 where=$3 text=$4
	echo "keep me" >"$TMP/keep.yaml"
	run "$XR_BIN" detect "$dir" -o "$TMP/keep.yaml"
	expect_rc "$name: exit 2" 2
	expect_out "$name: the error says where ($where) and what" "^$where: error: .*$text"
	expect_eq "$name: -o FILE untouched" "$(cat "$TMP/keep.yaml")" "keep me"
	rm -f "$TMP/new.yaml"
	"$XR_BIN" detect "$dir" -o "$TMP/new.yaml" >/dev/null 2>&1
	if [ -e "$TMP/new.yaml" ]; then not_ok "$name: no -o FILE created"; else ok "$name: no -o FILE created"; fi
	expect_eq "$name: no temporary file left" "$(ls "$TMP" | grep -c '^keep\.yaml\.\|^new\.yaml\.')" 0
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
expect_same "-o FILE holds what stdout shows" "$(cat "$TMP/stdout.yaml")" "$(cat "$TMP/o.yaml")"
run "$XR_BIN" help detect
expect_out "help detect lists -f, -o, --listening" "--listening"

finish
