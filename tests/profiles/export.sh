#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `export` against Reflector's firewall page ($XR_SEED, parsed here, not
# copied): for reflector-caddy with its defaults, the ufw and doctl output
# carry exactly the ports of the page's "Ubuntu UFW" and "DigitalOcean"
# sections (plus the profile's SSH), the aws output the rows of its
# security-group table. Every output is run as the shell script it is, with
# ufw, doctl and aws replaced by stubs that record their arguments, so the
# quoting is checked too. Also: the header, what a format cannot express
# written as a comment, bad input (unknown format, profile errors exactly as
# `check` reports them) and -o FILE.
#
# The nft output is checked by `nft -c` and against real traffic in
# tests/e2e/export.sh.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
XR_BIN=${XR_BIN:-build/xdp-reflector}
XR_SEED=${XR_SEED:-tests/profiles/seed/firewall-ports.md}
export XDP_REFLECTOR_PROFILE_DIR=${XDP_REFLECTOR_PROFILE_DIR:-$ROOT/policies}

. tests/lib.sh # ok, not_ok, run, expect_rc, expect_out, finish
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [ ! -x "$XR_BIN" ]; then
	not_ok "binary $XR_BIN exists" "build it with make, or set XR_BIN"
	finish
	exit 1
fi

# Stubs: each call appends its name and arguments, NUL-separated, then a
# record separator (arguments may hold newlines: the aws JSON does).
mkdir "$TMP/bin"
for cmd in ufw doctl aws; do
	printf '#!/bin/sh\n{ printf "%%s\\0" "${0##*/}" "$@"; printf "\\036"; } >>"$STUB_LOG"\n' \
		>"$TMP/bin/$cmd"
	chmod +x "$TMP/bin/$cmd"
done

# stub_run FORMAT ARGS...: export, then run the output as a script; the
# calls land in $TMP/FORMAT.calls, the script in $TMP/FORMAT.out.
stub_run() {
	local fmt=$1
	shift
	: >"$TMP/$fmt.calls"
	"$XR_BIN" export "$@" --format "$fmt" >"$TMP/$fmt.out" 2>"$TMP/$fmt.err" &&
		STUB_LOG=$TMP/$fmt.calls DROPLET_ID=1 SG_ID=sg-1 PATH="$TMP/bin:$PATH" \
			sh -e "$TMP/$fmt.out" 2>>"$TMP/$fmt.err"
}

# judge NAME PYTHON ARGS...: the Python program (stdin) prints what is
# wrong, one line each, and exits 1 then.
judge() {
	local name=$1 res
	shift
	if res=$(python3 - "$@" 2>&1); then
		ok "$name"
	else
		local why=()
		while IFS= read -r line; do why+=("$line"); done <<<"$res"
		not_ok "$name" "${why[@]}"
	fi
}

# The Python helpers every judge uses: the page's sections, the stub calls.
cat >"$TMP/seed.py" <<'EOF'
import re

def section(page, start, end):
    return page.split(start, 1)[1].split(end, 1)[0]

def page_ufw(page):
    text = section(page, "Ubuntu UFW", "Port Ranges Explained")
    return {(p, int(a), int(b or a))
            for a, b, p in re.findall(r"ufw allow (\d+)(?::(\d+))?/(tcp|udp)", text)}

def page_doctl(page):
    text = section(page, "DigitalOcean (", "AWS Security Group")
    rules = re.search(r'--inbound-rules "([^"]*)"', text).group(1)
    return doctl_rules(rules)

def doctl_rules(text):
    out = {}
    for rule in text.split():
        kv = [f.split(":", 1) for f in rule.split(",")]
        proto = [v for k, v in kv if k == "protocol"][0]
        ports = [v for k, v in kv if k == "ports"]
        addrs = sorted(v for k, v in kv if k == "address")
        if ports and ports[0] != "all":
            a, _, b = ports[0].partition("-")
            out[(proto, int(a), int(b or a))] = addrs
        else:
            out[(proto, ports[0] if ports else None, None)] = addrs
    return out

AWS_TYPES = {"HTTPS": "tcp", "HTTP": "tcp", "SSH": "tcp",
             "Custom TCP": "tcp", "Custom UDP": "udp"}

def page_aws(page):
    text = section(page, "AWS Security Group", "Ubuntu UFW")
    rows = {}
    for m in re.finditer(r"^(HTTPS|HTTP|SSH|Custom TCP|Custom UDP) (\d+)(?:-(\d+))? "
                         r"(\S+/\d+|Your IP) (.+)$", text, re.M):
        t, a, b, src, desc = m.groups()
        rows[(AWS_TYPES[t], int(a), int(b or a))] = src
    return rows

def calls(path):
    out = []
    for rec in open(path, encoding="utf-8").read().split("\x1e"):
        if rec:
            out.append(rec.split("\0")[:-1])
    return out

def opt(argv, name):
    return argv[argv.index(name) + 1]
EOF
export PYTHONPATH=$TMP

# The profile's own SSH rules, from `check --json` (the page's "plus SSH").
"$XR_BIN" check reflector-caddy --json >"$TMP/check.json"

# ---- The page, section by section ---------------------------------------------

if stub_run ufw reflector-caddy; then ok "ufw: the output runs as a script"; else not_ok "ufw: the output runs as a script" "$(cat "$TMP/ufw.err")"; fi
judge "ufw: exactly the ports of the page's Ubuntu UFW section, plus the profile's SSH" \
	"$XR_SEED" "$TMP/ufw.calls" "$TMP/check.json" <<'EOF'
import json, sys
from seed import *
page = open(sys.argv[1], encoding="utf-8").read()
want = page_ufw(page)
want |= {(r["protocol"], r["first_port"], r["last_port"])
         for r in json.load(open(sys.argv[3]))["rules"] if r["feature"] == "ssh"}
got, bad = set(), []
for argv in calls(sys.argv[2]):
    if argv[1:3] != ["allow", argv[2]] or argv[1] != "allow":
        if argv[1:] != ["default", "deny", "incoming"]:
            bad.append("unexpected call %s" % argv)
        continue
    port, _, proto = argv[2].partition("/")
    a, _, b = port.partition(":")
    got.add((proto, int(a), int(b or a)))
    if argv[3:4] != ["comment"] or not argv[4:5] or not argv[4]:
        bad.append("%s has no service comment" % argv)
if len(want) < 5:
    bad.append("the page's UFW section parsed to %s" % sorted(want))
if got != want:
    bad.append("ports %s, page %s" % (sorted(got), sorted(want)))
print("\n".join(bad)); sys.exit(1 if bad else 0)
EOF

if stub_run doctl reflector-caddy; then ok "doctl: the output runs as a script"; else not_ok "doctl: the output runs as a script" "$(cat "$TMP/doctl.err")"; fi
judge "doctl: exactly the ports of the page's DigitalOcean --inbound-rules, plus SSH; everyone as 0.0.0.0/0 and ::/0" \
	"$XR_SEED" "$TMP/doctl.calls" "$TMP/check.json" <<'EOF'
import json, sys
from seed import *
page = open(sys.argv[1], encoding="utf-8").read()
want = page_doctl(page)
for r in json.load(open(sys.argv[3]))["rules"]:
    if r["feature"] == "ssh":
        want.setdefault((r["protocol"], r["first_port"], r["last_port"]), ["0.0.0.0/0"])
c = calls(sys.argv[2])
bad = []
if len(c) != 1 or c[0][1:4] != ["compute", "firewall", "create"]:
    bad.append("calls %s" % c)
else:
    got = doctl_rules(opt(c[0], "--inbound-rules"))
    ports = {k for k in got if k[1] is not None}
    if len(want) < 5:
        bad.append("the page's DigitalOcean section parsed to %s" % sorted(want))
    if ports != set(want):
        bad.append("ports %s, page %s" % (sorted(ports), sorted(want)))
    for k in ports & set(want):
        if got[k] != sorted(want[k] + ["::/0"]):
            bad.append("%s from %s, page %s and ::/0" % (k, got[k], want[k]))
    if ("icmp", None, None) not in got:
        bad.append("no inbound icmp rule, yet the profile passes echo requests")
    out = doctl_rules(opt(c[0], "--outbound-rules"))
    if {k[0] for k in out} != {"tcp", "udp", "icmp"}:
        bad.append("outbound rules %s" % out)
    if opt(c[0], "--name") != "reflector-caddy" or opt(c[0], "--droplet-ids") != "1":
        bad.append("name/droplets %s" % c[0])
print("\n".join(bad)); sys.exit(1 if bad else 0)
EOF

AWS_JUDGE='
import json, sys
from seed import *
page = open(sys.argv[1], encoding="utf-8").read()
want = page_aws(page)
your_ip = sys.argv[3]  # what "Your IP" stands for; "" means everyone
c = calls(sys.argv[2])
bad = []
if len(c) != 1 or c[0][1] != "ec2" or c[0][2] != "authorize-security-group-ingress":
    print("calls %s" % c); sys.exit(1)
if opt(c[0], "--group-id") != "sg-1":
    bad.append("group %s" % c[0])
perms = json.loads(opt(c[0], "--ip-permissions"))
ports = {}
for p in perms:
    for r in p.get("IpRanges", []) + p.get("Ipv6Ranges", []):
        if not r.get("Description"):
            bad.append("no Description in %s" % p)
    if p["IpProtocol"] in ("tcp", "udp"):
        ports[(p["IpProtocol"], p["FromPort"], p["ToPort"])] = p
if len(want) < 5:
    bad.append("the page table parsed to %s" % sorted(want))
if set(ports) != set(want):
    bad.append("rows %s, page %s" % (sorted(ports), sorted(want)))
for k, src in want.items():
    p = ports.get(k)
    if not p:
        continue
    v4 = [r["CidrIp"] for r in p.get("IpRanges", [])]
    v6 = [r["CidrIpv6"] for r in p.get("Ipv6Ranges", [])]
    if src == "Your IP" and your_ip:
        exp = ([your_ip], [])
    else:
        exp = (["0.0.0.0/0"], ["::/0"])
    if (v4, v6) != exp:
        bad.append("%s from %s %s, want %s" % (k, v4, v6, exp))
icmp = {(p["IpProtocol"], p["FromPort"]) for p in perms if p["IpProtocol"].startswith("icmp")}
for need in (("icmp", 3), ("icmpv6", 2), ("icmp", 8), ("icmpv6", 128)):
    if need not in icmp:
        bad.append("no %s type %d row" % need)
print("\n".join(bad)); sys.exit(1 if bad else 0)
'
if stub_run aws reflector-caddy; then ok "aws: the output runs as a script"; else not_ok "aws: the output runs as a script" "$(cat "$TMP/aws.err")"; fi
judge "aws: IpPermissions hold the rows of the page's security-group table (SSH from everyone: the profile has no source)" \
	"$XR_SEED" "$TMP/aws.calls" "" <<<"$AWS_JUDGE"
stub_run aws reflector-caddy --source ssh=203.0.113.7/32
judge "aws --source ssh=203.0.113.7/32: the page's \"Your IP\" row from that address only" \
	"$XR_SEED" "$TMP/aws.calls" 203.0.113.7/32 <<<"$AWS_JUDGE"

# ---- Where each output came from ------------------------------------------------

digest=$("$XR_BIN" check reflector-caddy | sed -n 's/^digest //p')
for fmt in nft ufw doctl aws; do
	run "$XR_BIN" export reflector-caddy --format "$fmt"
	expect_rc "$fmt: exits 0" 0
	head=$(grep -m 6 '^#' <<<"$OUT")
	if grep -q "^# profile: reflector-caddy - " <<<"$head" &&
		grep -qx "# features: livekit on, livekit-tcp on, http3 off, dashboard off, ssh on" <<<"$head" &&
		grep -q "^# policy digest: $digest " <<<"$head"; then
		ok "$fmt: the top names the profile, its features and check's digest"
	else
		not_ok "$fmt: the top names the profile, its features and check's digest" "$head" "digest $digest"
	fi
done

# ---- What a format cannot express is a comment, never dropped ---------------------

cat >"$TMP/odd.yaml" <<'EOF'
name: odd
extends: reflector-caddy
defaults:
  echo_requests: drop
  icmp_informational: pass
  fragments: drop
  other_protocols: pass
  allow_protocols: [gre, 132]
  replies: false
EOF
run "$XR_BIN" export "$TMP/odd.yaml" --format ufw
expect_rc "odd profile, ufw: exits 0" 0
for what in "echo_requests: drop" "icmp_informational: pass" "fragments: drop" \
	"replies: false" "other_protocols: pass" "allow_protocols: 132"; do
	expect_out "odd profile, ufw: '$what' is a comment" "^# not expressible: $what"
done
expect_out "odd profile, ufw: gre, which ufw names, is a rule" "^ufw allow proto gre from any to any "
run "$XR_BIN" export "$TMP/odd.yaml" --format doctl
for what in "echo_requests: drop" "fragments: drop" "replies: false" \
	"other_protocols: pass" "allow_protocols: 47" "allow_protocols: 132"; do
	expect_out "odd profile, doctl: '$what' is a comment" "^# not expressible: $what"
done
if grep -q 'protocol:icmp,address:0.0.0.0/0,address:::/0 *"' <<<"$(grep -- --inbound-rules <<<"$OUT")"; then
	not_ok "odd profile, doctl: no inbound icmp rule when echo requests drop" "$OUT"
else
	ok "odd profile, doctl: no inbound icmp rule when echo requests drop"
fi
run "$XR_BIN" export "$TMP/odd.yaml" --format aws
for what in "icmp_informational: pass" "fragments: drop" "replies: false" "other_protocols: pass"; do
	expect_out "odd profile, aws: '$what' is a comment" "^# not expressible: $what"
done
expect_out "odd profile, aws: allow_protocols 47 as an IpProtocol row" '"IpProtocol":"47",'
expect_out "odd profile, aws: allow_protocols 132 as an IpProtocol row" '"IpProtocol":"132",'
if grep -q '"FromPort":8,' <<<"$OUT"; then not_ok "odd profile, aws: no echo request row" "$OUT"; else ok "odd profile, aws: no echo request row"; fi
run "$XR_BIN" export "$TMP/odd.yaml" --format nft
expect_out "odd profile, nft: echo requests dropped by a rule" "icmp type echo-request drop"
expect_out "odd profile, nft: informational ICMP accepted by a rule" "meta l4proto \{ icmp, ipv6-icmp \} accept"
expect_out "odd profile, nft: fragments dropped before reassembly" "exthdr frag exists drop"
expect_out "odd profile, nft: allow_protocols accepted" "meta l4proto \{ 47, 132 \} accept"
expect_out "odd profile, nft: other protocols accepted" "meta l4proto != \{ tcp, udp \} accept"
if grep -q "^[[:space:]]*ct state" <<<"$OUT"; then not_ok "odd profile, nft: replies: false has no ct state rule" "$OUT"; else ok "odd profile, nft: replies: false has no ct state rule"; fi

# A service name with a quote stays one shell word, and whole.
printf 'name: q\nallow:\n  - {service: "Bob'"'"'s \\"API\\"", protocol: tcp, port: 9000}\n' >"$TMP/q.yaml"
stub_run ufw "$TMP/q.yaml"
judge "ufw: a quote in a service name stays inside its comment" "$TMP/ufw.calls" <<'EOF'
import sys
from seed import calls
c = [a for a in calls(sys.argv[1]) if a[1] == "allow"]
want = [["ufw", "allow", "9000/tcp", "comment", "Bob's \"API\""]]
print("" if c == want else "calls %s, want %s" % (c, want)); sys.exit(0 if c == want else 1)
EOF

# ---- Bad input ----------------------------------------------------------------------

run "$XR_BIN" export reflector-caddy --format iptables
expect_rc "unknown format: exit 2" 2
expect_out "unknown format: the error lists the formats" "^export: error: unknown format 'iptables'; formats: nft, ufw, doctl, aws$"
run "$XR_BIN" export reflector-caddy
expect_rc "no --format: exit 2" 2
expect_out "no --format: the error lists the formats" "formats: nft, ufw, doctl, aws$"
run "$XR_BIN" export --format nft
expect_rc "no profile: exit 2" 2

# A profile error is reported by export exactly as check reports it.
same_as_check() {
	local name=$1 crc erc
	shift
	"$XR_BIN" check "$@" >"$TMP/c.out" 2>"$TMP/c.err"
	crc=$?
	"$XR_BIN" export "$@" --format ufw >"$TMP/e.out" 2>"$TMP/e.err"
	erc=$?
	if [ "$crc" = 2 ] && [ "$erc" = 2 ] && [ ! -s "$TMP/e.out" ] && [ -s "$TMP/e.err" ] &&
		cmp -s "$TMP/c.err" "$TMP/e.err"; then
		ok "$name: exit 2, check's message, nothing on stdout"
	else
		not_ok "$name: exit 2, check's message, nothing on stdout" \
			"check $crc: $(head -n 2 "$TMP/c.err")" "export $erc: $(head -n 2 "$TMP/e.err")"
	fi
}
same_as_check "bad profile file" tests/profiles/bad/cidr-host-bits.yaml
same_as_check "--enable dashboard without --source" reflector-caddy --enable dashboard
same_as_check "unknown feature" reflector-caddy --disable livekt
same_as_check "unknown profile" no-such-profile

# ---- -o FILE ------------------------------------------------------------------------

run "$XR_BIN" export reflector-caddy --format nft -o "$TMP/out.nft"
expect_rc "-o FILE: exit 0" 0
expect_eq "-o FILE: nothing on stdout" "$OUT" ""
"$XR_BIN" export reflector-caddy --format nft >"$TMP/stdout.nft"
if cmp -s "$TMP/out.nft" "$TMP/stdout.nft"; then ok "-o FILE: the file is what stdout gets"; else not_ok "-o FILE: the file is what stdout gets"; fi
expect_eq "-o FILE: mode 0644" "$(stat -c %a "$TMP/out.nft")" 644
run "$XR_BIN" export reflector-caddy --format nft --output "$TMP/no-dir/out.nft"
expect_rc "-o in a missing directory: exit 1" 1
expect_out "-o in a missing directory: says where" "no-dir/out.nft"
echo keep >"$TMP/keep.nft"
run "$XR_BIN" export reflector-caddy --enable dashboard --format nft -o "$TMP/keep.nft"
expect_rc "-o with a profile error: exit 2" 2
expect_eq "-o with a profile error: the old file is untouched" "$(cat "$TMP/keep.nft")" keep
expect_eq "-o: no temporary file left" "$(ls "$TMP" | grep -c '\.nft\.')" 0

# ---- help ----------------------------------------------------------------------------

run "$XR_BIN" help export
expect_rc "help export: exit 0" 0
expect_out "help export: --format and its formats" "--format FORMAT +nft\|ufw\|doctl\|aws:"
expect_out "help export: the toggles" "--source FEATURE=CIDR"
run "$XR_BIN" --help
expect_out "--help: lists export" "^  export +PROFILE"

finish
