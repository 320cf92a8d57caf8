#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The built-in profiles against Reflector's firewall page (the source of truth:
# docsv2/firewall-ports.md in GreyhavenHQ/reflector; tests/profiles/seed/ holds
# the copy this project started from). The page's rows are written out below
# by hand, and checked against the page itself ($XR_SEED), so a typo here
# cannot hide a wrong profile. When the shared seed of the workspace exists,
# the copy must still be identical to it.
#
# Prints "ok - NAME" / "not ok - NAME" per check and ends with
# "RESULT: N passed, N failed, N skipped"; exits 1 on any failure.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
XR_BIN=${XR_BIN:-build/xdp-reflector}
XR_SEED=${XR_SEED:-tests/profiles/seed/firewall-ports.md}
SHARED_SEED=/work/shared/seed/firewall-ports.md
export XDP_REFLECTOR_PROFILE_DIR=${XDP_REFLECTOR_PROFILE_DIR:-$ROOT/policies}

. tests/lib.sh # ok, not_ok, skip, finish
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ---- The page, by hand ----------------------------------------------------
# One row per port range: PROTO FIRST LAST FEATURE ("-": always open) SERVICE.
# "With Caddy (--caddy or --ip or --domain)":
CADDY_ROWS='tcp 443 443 - Caddy HTTPS
tcp 80 80 - Caddy HTTP
udp 44200 44300 livekit LiveKit WebRTC media
tcp 7881 7881 livekit-tcp LiveKit TCP media fallback
tcp 8888 8888 dashboard Hatchet dashboard
tcp 22 22 ssh SSH
udp 443 443 http3 Caddy HTTP/3'
# "Without Caddy (direct access)":
DIRECT_ROWS='tcp 3000 3000 - Frontend (Next.js)
tcp 1250 1250 - Backend API (FastAPI)
tcp 7880 7880 livekit LiveKit signaling (WebSocket)
tcp 7881 7881 livekit-tcp LiveKit TCP media fallback
udp 44200 44300 livekit LiveKit WebRTC media
udp 40000 40100 webrtc Reflector WebRTC (browser recording)
tcp 3900 3900 garage Garage S3
tcp 8888 8888 dashboard Hatchet dashboard
tcp 22 22 ssh SSH'
# Feature defaults: on unless the page calls the port optional.
# http3 is not on the page (443/tcp only): off by default, like the page.
CADDY_DEFAULTS='livekit=true livekit-tcp=true http3=false dashboard=false ssh=true'
DIRECT_DEFAULTS='livekit=true livekit-tcp=true webrtc=true garage=true dashboard=false ssh=true'
# The page's "Required?" column, per feature.
CADDY_REQUIRED='livekit=Yes (if LiveKit enabled)
livekit-tcp=Recommended
dashboard=Optional (admin only)'
DIRECT_REQUIRED='livekit=Yes (if LiveKit enabled)
livekit-tcp=Recommended
webrtc=Yes (if using browser WebRTC)
garage=Yes (if using Garage)
dashboard=Optional'
# "Internal-Only Ports (never expose)", and the ports Caddy proxies.
NEVER_PORTS='5432 6379 7077'
CADDY_PROXIED='1250 3000 7880 3900'

cat >"$TMP/judge.py" <<'EOF'
import json, sys

# argv: check --json output, expected rows, expected features ("a=true ..."),
#       SOURCE ("" or a CIDR every dashboard rule must have, others none)
j = json.load(open(sys.argv[1]))
rows = [l.split(" ", 4) for l in sys.argv[2].splitlines() if l.strip()]
want = {(p, int(a), int(b), f if f != "-" else "", s) for p, a, b, f, s in rows}
got = {(r["protocol"], r["first_port"], r["last_port"], r["feature"],
        r["service"]) for r in j["rules"]}
bad = []
for r in sorted(want - got):
    bad.append("missing rule %s" % (r,))
for r in sorted(got - want):
    bad.append("unexpected rule %s" % (r,))
if len(j["rules"]) != len(got):
    bad.append("repeated rules")
feats = dict(kv.split("=") for kv in sys.argv[3].split())
gotf = {k: ("true" if v else "false") for k, v in j["features"].items()}
if gotf != feats:
    bad.append("features %s, expected %s" % (gotf, feats))
src = sys.argv[4]
for r in j["rules"]:
    expect = [src] if (src and r["feature"] == "dashboard") else []
    if r["sources"] != expect:
        bad.append("rule %s/%s sources %s, expected %s" % (
            r["first_port"], r["protocol"], r["sources"], expect))
# guard: webrtc exactly on the WebRTC media ranges (RFC 7983 holds there),
# never on 443/udp (QUIC) or a TCP port such as 7881.
GUARDED = {("udp", 44200, 44300), ("udp", 40000, 40100)}
for r in j["rules"]:
    key = (r["protocol"], r["first_port"], r["last_port"])
    if (r.get("guard") == "webrtc") != (key in GUARDED):
        bad.append("rule %s/%s guard %r" % (r["first_port"], r["protocol"],
                                            r.get("guard")))
ports = [r for r in j["rules"]]
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF

# rows_for ROWS FEATURES...: the rows that are always open or of FEATURES.
rows_for() {
	local rows=$1 line feat keep f
	shift
	while IFS= read -r line; do
		feat=$(cut -d' ' -f4 <<<"$line")
		keep=0
		[ "$feat" = - ] && keep=1
		for f in "$@"; do [ "$f" = "$feat" ] && keep=1; done
		[ "$keep" = 1 ] && echo "$line"
	done <<<"$rows"
}

# states DEFAULTS ON...: "a=true b=false" with exactly ON turned on.
states() {
	local defaults=$1 kv out=""
	shift
	for kv in $defaults; do
		local name=${kv%%=*} on=false f
		for f in "$@"; do [ "$f" = "$name" ] && on=true; done
		out+="$name=$on "
	done
	echo "$out"
}

# expect_compile NAME PROFILE "ROWS" "FEATURES" "SOURCE" ARGS...
expect_compile() {
	local name=$1 profile=$2 rows=$3 feats=$4 src=$5 res
	shift 5
	if ! "$XR_BIN" check "$profile" --json "$@" >"$TMP/out" 2>"$TMP/err"; then
		not_ok "$name" "check failed: $(head -n 1 "$TMP/err")"
		return
	fi
	if res=$(python3 "$TMP/judge.py" "$TMP/out" "$rows" "$feats" "$src" 2>&1); then
		ok "$name"
	else
		local why=()
		while IFS= read -r line; do why+=("$line"); done <<<"$res"
		not_ok "$name" "${why[@]}"
	fi
	# Whatever the state: never the internal-only ports, and in Caddy mode
	# never the proxied ones.
	cat "$TMP/out" >>"$TMP/all-$profile.json"
}

if [ ! -x "$XR_BIN" ]; then
	not_ok "binary $XR_BIN exists" "build it with make, or set XR_BIN"
	finish
	exit 1
fi

# ---- The hand-written rows against the page itself --------------------------
if [ -r "$SHARED_SEED" ] && [ "$XR_SEED" = tests/profiles/seed/firewall-ports.md ]; then
	if cmp -s "$SHARED_SEED" "$XR_SEED"; then
		ok "tests/profiles/seed is the workspace's firewall page"
	else
		not_ok "tests/profiles/seed is the workspace's firewall page" \
			"$SHARED_SEED changed: copy it and re-check the profiles"
	fi
fi
if [ -r "$XR_SEED" ]; then
	if res=$(python3 - "$XR_SEED" "$CADDY_ROWS" "$DIRECT_ROWS" \
		"$CADDY_REQUIRED" "$DIRECT_REQUIRED" "$NEVER_PORTS" \
		"$CADDY_PROXIED" <<'EOF'
import re, sys

page = open(sys.argv[1], encoding="utf-8").read()
caddy = page.split("With Caddy (")[1].split("Ports that do NOT")[0]
direct = page.split("Without Caddy (direct access)")[1].split("Internal-Only")[0]
proxied = page.split("Ports that do NOT")[1].split("Without Caddy")[0]
never = page.split("Internal-Only Ports")[1].split("Cloud Provider")[0]
row = re.compile(r"^(\d+)(?:-(\d+))? (TCP|UDP) Inbound (.*)$", re.M)
bad = []

def table(text):
    return {(p.lower(), int(a), int(b or a)): rest
            for a, b, p, rest in row.findall(text)}

for name, text, rows, req in (("caddy", caddy, sys.argv[2], sys.argv[4]),
                              ("direct", direct, sys.argv[3], sys.argv[5])):
    t = table(text)
    mine = {}
    for l in rows.splitlines():
        p, a, b, feat, svc = l.split(" ", 4)
        mine[(p, int(a), int(b))] = (feat, svc)
    # SSH (22) is not in the tables: it comes from the page's cloud examples.
    ssh = ("tcp", 22, 22)
    if ssh not in mine or "ports:22" not in page.replace("ports: 22", "ports:22"):
        bad.append("%s: 22/tcp should come from the cloud examples" % name)
    mine.pop(ssh, None)
    # 443/udp (HTTP/3, off by default) is not on the page either: the page
    # opens 443 for TCP only, which is why the feature is off.
    h3 = ("udp", 443, 443)
    if name == "caddy":
        if h3 not in mine or ("udp", 443, 443) in t:
            bad.append("caddy: 443/udp should be the http3 feature, off the page")
        mine.pop(h3, None)
    if set(t) != set(mine):
        bad.append("%s: page rows %s, script rows %s" % (name, sorted(t), sorted(mine)))
    for k, (feat, svc) in mine.items():
        if k in t and not t[k].startswith(svc):
            bad.append("%s: %s service '%s' is not the page's '%s'" % (name, k, svc, t[k]))
    for kv in req.splitlines():
        feat, text = kv.split("=", 1)
        rows_of = [k for k, v in mine.items() if v[0] == feat]
        for k in rows_of:
            if not t.get(k, "").endswith(text):
                bad.append("%s: %s Required? '%s' is not the page's '%s'" % (name, k, text, t.get(k)))
for p in sys.argv[6].split():
    if not re.search(r"^%s \S" % p, never, re.M):
        bad.append("never-expose port %s is not on the page" % p)
for p in sys.argv[7].split():
    if not re.search(r"^[^\w\n]*%s \(" % p, proxied, re.M):
        bad.append("proxied port %s is not on the page" % p)
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
	); then
		ok "the rows in this script are the page's"
	else
		why=()
		while IFS= read -r line; do why+=("$line"); done <<<"$res"
		not_ok "the rows in this script are the page's" "${why[@]}"
	fi
else
	skip "the rows in this script are the page's" "no $XR_SEED"
fi

# ---- reflector-caddy --------------------------------------------------------
expect_compile "caddy: defaults" reflector-caddy \
	"$(rows_for "$CADDY_ROWS" livekit livekit-tcp ssh)" "$CADDY_DEFAULTS" ""
expect_compile "caddy: every feature off" reflector-caddy \
	"$(rows_for "$CADDY_ROWS")" "$(states "$CADDY_DEFAULTS")" "" \
	--disable livekit --disable livekit-tcp --disable ssh
expect_compile "caddy: every feature on" reflector-caddy \
	"$CADDY_ROWS" "$(states "$CADDY_DEFAULTS" livekit livekit-tcp http3 dashboard ssh)" \
	192.0.2.0/24 --enable http3 --enable dashboard --source dashboard=192.0.2.0/24
expect_compile "caddy: --enable http3 adds 443/udp" reflector-caddy \
	"$(rows_for "$CADDY_ROWS" livekit livekit-tcp ssh http3)" \
	"$(states "$CADDY_DEFAULTS" livekit livekit-tcp ssh http3)" "" --enable http3
for f in livekit livekit-tcp ssh; do
	args=()
	for g in livekit livekit-tcp ssh; do [ "$g" = "$f" ] || args+=(--disable "$g"); done
	expect_compile "caddy: only $f" reflector-caddy \
		"$(rows_for "$CADDY_ROWS" "$f")" "$(states "$CADDY_DEFAULTS" "$f")" "" \
		"${args[@]}"
done

# ---- reflector-direct -------------------------------------------------------
DIRECT_ON='livekit livekit-tcp webrtc garage ssh'
expect_compile "direct: defaults" reflector-direct \
	"$(rows_for "$DIRECT_ROWS" $DIRECT_ON)" "$DIRECT_DEFAULTS" ""
args=()
for g in $DIRECT_ON; do args+=(--disable "$g"); done
expect_compile "direct: every feature off" reflector-direct \
	"$(rows_for "$DIRECT_ROWS")" "$(states "$DIRECT_DEFAULTS")" "" "${args[@]}"
expect_compile "direct: every feature on" reflector-direct \
	"$DIRECT_ROWS" "$(states "$DIRECT_DEFAULTS" $DIRECT_ON dashboard)" \
	192.0.2.0/24 --enable dashboard --source dashboard=192.0.2.0/24
for f in $DIRECT_ON; do
	args=()
	for g in $DIRECT_ON; do [ "$g" = "$f" ] || args+=(--disable "$g"); done
	expect_compile "direct: only $f" reflector-direct \
		"$(rows_for "$DIRECT_ROWS" "$f")" "$(states "$DIRECT_DEFAULTS" "$f")" "" \
		"${args[@]}"
done

# ---- What must never be open ------------------------------------------------
for profile in reflector-caddy reflector-direct; do
	forbidden=$NEVER_PORTS
	[ "$profile" = reflector-caddy ] && forbidden+=" $CADDY_PROXIED"
	if res=$(python3 - "$TMP/all-$profile.json" "$forbidden" <<'EOF'
import json, sys

docs = open(sys.argv[1]).read().splitlines()
bad = set()
for d in docs:
    for r in json.loads(d)["rules"]:
        for p in map(int, sys.argv[2].split()):
            if r["first_port"] <= p <= r["last_port"]:
                bad.add("%d/%s open (%s)" % (p, r["protocol"], r["service"]))
print("\n".join(sorted(bad)) if bad else "%d states checked" % len(docs))
sys.exit(1 if bad else 0)
EOF
	); then
		ok "$profile: never opens $forbidden ($res)"
	else
		not_ok "$profile: never opens $forbidden" "$res"
	fi
	# never_expose guards a site profile built on this one.
	printf 'name: site\nextends: %s\nallow:\n  - {service: Cache, protocol: tcp, port: 6379}\n' \
		"$profile" >"$TMP/site.yaml"
	"$XR_BIN" check "$TMP/site.yaml" >/dev/null 2>"$TMP/err"
	rc=$?
	if [ "$rc" = 2 ] && grep -q "^$TMP/site.yaml:4:5: error: .*never_expose entry 'Redis'" "$TMP/err"; then
		ok "$profile: a site profile cannot open 6379"
	else
		not_ok "$profile: a site profile cannot open 6379" "exit $rc: $(head -n 1 "$TMP/err")"
	fi
done

# ---- The dashboard is never open to everyone ---------------------------------
for profile in reflector-caddy reflector-direct; do
	"$XR_BIN" check "$profile" --enable dashboard >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" = 2 ] && grep -qF -- "--source dashboard=" "$TMP/err" &&
		grep -qE '^[^ ]+\.yaml:[0-9]+:[0-9]+: error: ' "$TMP/err" && [ ! -s "$TMP/out" ]; then
		ok "$profile: --enable dashboard without --source is refused"
	else
		not_ok "$profile: --enable dashboard without --source is refused" \
			"exit $rc: $(head -n 1 "$TMP/err")"
	fi
	: >"$TMP/py"
	"$XR_BIN" check "$profile" --json --enable dashboard \
		--source dashboard=192.0.2.0/24 >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" = 0 ] && python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
d = [r for r in j["rules"] if r["first_port"] <= 8888 <= r["last_port"]]
assert d == [{"service": "Hatchet dashboard", "protocol": "tcp",
              "first_port": 8888, "last_port": 8888,
              "sources": ["192.0.2.0/24"], "feature": "dashboard"}], d
' "$TMP/out" 2>"$TMP/py"; then
		ok "$profile: --source dashboard=192.0.2.0/24 opens 8888 to it only"
	else
		not_ok "$profile: --source dashboard=192.0.2.0/24 opens 8888 to it only" \
			"exit $rc: $(head -n 1 "$TMP/err") $(tail -n 1 "$TMP/py" 2>/dev/null)"
	fi
done

# ---- `profiles` lists both, with the page's Required? text -------------------
"$XR_BIN" profiles --json >"$TMP/profiles" 2>"$TMP/err"
rc=$?
if [ "$rc" = 0 ] && res=$(python3 - "$TMP/profiles" "$CADDY_DEFAULTS" "$DIRECT_DEFAULTS" \
	"$CADDY_REQUIRED" "$DIRECT_REQUIRED" <<'EOF'
import json, sys

j = json.load(open(sys.argv[1]))
by = {p["name"]: p for p in j["profiles"]}
bad = []
for name, defaults, req in (("reflector-caddy", sys.argv[2], sys.argv[4]),
                            ("reflector-direct", sys.argv[3], sys.argv[5])):
    p = by.get(name)
    if not p:
        bad.append("%s not listed" % name)
        continue
    got = {f["name"]: ("true" if f["default"] else "false") for f in p["features"]}
    want = dict(kv.split("=") for kv in defaults.split())
    if got != want:
        bad.append("%s defaults %s, expected %s" % (name, got, want))
    reqs = {f["name"]: f["required"] for f in p["features"]}
    for kv in req.splitlines():
        f, text = kv.split("=", 1)
        if reqs.get(f) != text:
            bad.append("%s %s required '%s', expected '%s'" % (name, f, reqs.get(f), text))
    srcs = {f["name"]: f["sources"] for f in p["features"]}
    if srcs.get("dashboard") != "required":
        bad.append("%s dashboard sources %s" % (name, srcs.get("dashboard")))
    # http3 is off by default; its description says why (the page).
    h3 = [f for f in p["features"] if f["name"] == "http3"]
    if name == "reflector-caddy" and (
            not h3 or "firewall page opens 443/tcp only" not in h3[0]["description"]):
        bad.append("%s: http3 missing or its description lacks the reason: %s" % (name, h3))
    if not p["description"]:
        bad.append("%s has no description" % name)
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
); then
	ok "profiles --json: both built-ins, page defaults and Required? text"
else
	why=()
	while IFS= read -r line; do why+=("$line"); done <<<"${res:-exit $rc: $(head -n 1 "$TMP/err")}"
	not_ok "profiles --json: both built-ins, page defaults and Required? text" "${why[@]}"
fi
"$XR_BIN" profiles >"$TMP/text" 2>"$TMP/err"
if [ $? = 0 ] && grep -q '^reflector-caddy: ' "$TMP/text" && grep -q '^reflector-direct: ' "$TMP/text" &&
	grep -qE '^  dashboard +off ' "$TMP/text"; then
	ok "profiles: text listing"
else
	not_ok "profiles: text listing" "$(head -n 3 "$TMP/text") $(head -n 1 "$TMP/err")"
fi

finish
