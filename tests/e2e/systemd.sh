#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The installed tree: `make install DESTDIR=tmp PREFIX=/usr` puts the binary,
# the built-in profiles and the systemd units (placeholders substituted) in
# place; `systemd-analyze verify --root=tmp` accepts every unit (the root
# makes it resolve ExecStart= inside the install tree, so the installed
# binary must be there); the installed binary finds its profiles relative to
# itself; and the unit's ExecStart/ExecReload/ExecStop, expanded as systemd
# would, load, reload and detach on a real interface of a namespace pair.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
INST=$(mktemp -d)
CTRL=$(mktemp -d)
systemd_cleanup() {
	rm -rf "$INST" "$CTRL"
	e2e_cleanup
}
trap 'systemd_cleanup' EXIT
trap 'exit 130' INT TERM

BIN=$INST/usr/bin/xdp-reflector
SHARE=$INST/usr/share/xdp-reflector
UNITDIR=$INST/usr/lib/systemd/system

# ---- make install -----------------------------------------------------------

if out=$(make -s -C "$ROOT" install DESTDIR="$INST" PREFIX=/usr 2>&1); then
	ok "make install DESTDIR PREFIX=/usr"
else
	not_ok "make install DESTDIR PREFIX=/usr" "$(tail -5 <<<"$out")"
fi
check "installed: binary executable" test -x "$BIN"
for p in "$ROOT"/policies/*.yaml; do
	check "installed: profile $(basename "$p") identical to the source" \
		cmp "$p" "$SHARE/profiles/$(basename "$p")"
done
check "installed: profiles/reflector-caddy.yaml" test -f "$SHARE/profiles/reflector-caddy.yaml"

# Every unit of scripts/systemd, installed with the placeholders substituted.
units=()
for src in "$ROOT"/scripts/systemd/*.service "$ROOT"/scripts/systemd/*.timer; do
	[ -f "$src" ] && units+=("$(basename "$src")")
done
expect_eq "units: xdp-reflector@.service among scripts/systemd" \
	"$(printf '%s\n' "${units[@]}" | grep -cx 'xdp-reflector@.service')" 1
for u in "${units[@]}"; do
	f=$UNITDIR/$u
	if [ ! -f "$f" ]; then
		not_ok "unit $u: installed in /usr/lib/systemd/system"
		continue
	fi
	ok "unit $u: installed in /usr/lib/systemd/system"
	expect_eq "unit $u: mode 0644" "$(stat -c %a "$f")" 644
	expect_eq "unit $u: no @PLACEHOLDER@ left" "$(grep -oE '@[A-Z_]+@' "$f" | sort -u | tr '\n' ' ')" ""
	# Every absolute command of Exec*= lines exists in the install tree.
	bad=""
	while read -r cmd; do
		[ -x "$INST$cmd" ] || bad+="$cmd "
	done < <(sed -nE 's/^Exec[A-Za-z]*=[-@:+!]*([^ ]+).*/\1/p' "$f" | grep '^/')
	expect_eq "unit $u: Exec commands exist in the install tree" "$bad" ""
	while read -r doc; do
		check "unit $u: Documentation $doc installed" test -f "$INST$doc"
	done < <(sed -nE 's|^Documentation=.*file://([^ ]+).*|\1|p' "$f")
done
expect_eq "unit xdp-reflector@.service: ExecStart uses the installed binary" \
	"$(sed -nE 's/^ExecStart=([^ ]+) .*/\1/p' "$UNITDIR/xdp-reflector@.service" 2>/dev/null)" /usr/bin/xdp-reflector

# ---- systemd-analyze verify -------------------------------------------------

# A template unit is verified as an instance; any output (warnings about
# unknown keys, bad values, missing executables) counts as a failure.
instance() {
	case $1 in
	*@.*) echo "${1%%@.*}@eth0.${1##*@.}" ;;
	*) echo "$1" ;;
	esac
}
verify() { # ROOT UNIT: prints the output; fails on an error or any output
	local o rc
	o=$(SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no --root="$1" "$2" 2>&1)
	rc=$?
	echo "$o"
	[ $rc -eq 0 ] && [ -z "$o" ]
}
# A root for verify: DIR gets the host's standard units (sysinit.target,
# timers.target, ...) that default dependencies need, never over ours.
host_units() {
	mkdir -p "$1/usr/lib/systemd/system"
	cp -an /usr/lib/systemd/system/. "$1/usr/lib/systemd/system/" 2>/dev/null
}
if ! command -v systemd-analyze >/dev/null; then
	not_ok "systemd-analyze available"
else
	cp -a "$INST" "$CTRL/ok"
	host_units "$CTRL/ok"
	for u in "${units[@]}"; do
		[ -f "$UNITDIR/$u" ] || continue
		inst=$(instance "$u")
		if out=$(verify "$CTRL/ok" "$inst"); then
			ok "systemd-analyze verify $inst (install tree as root)"
		else
			not_ok "systemd-analyze verify $inst (install tree as root)" "$out"
		fi
	done
	# The same verify must catch a unit whose binary is not installed and
	# an unknown key, or the passes above prove nothing.
	if [ -f "$UNITDIR/xdp-reflector@.service" ]; then
		host_units "$CTRL/nobin"
		cp "$UNITDIR/xdp-reflector@.service" "$CTRL/nobin/usr/lib/systemd/system/"
		if out=$(verify "$CTRL/nobin" xdp-reflector@eth0.service) || ! grep -q "not executable" <<<"$out"; then
			not_ok "verify control: a missing ExecStart binary is caught" "$out"
		else
			ok "verify control: a missing ExecStart binary is caught"
		fi
		cp -a "$CTRL/ok" "$CTRL/badkey"
		sed -i 's/^Type=oneshot/Type=oneshot\nNoSuchKey=1/' "$CTRL/badkey/usr/lib/systemd/system/xdp-reflector@.service"
		if out=$(verify "$CTRL/badkey" xdp-reflector@eth0.service) || ! grep -q "NoSuchKey" <<<"$out"; then
			not_ok "verify control: an unknown key is caught" "$out"
		else
			ok "verify control: an unknown key is caught"
		fi
	else
		not_ok "verify control: no installed xdp-reflector@.service to copy"
	fi
fi

# ---- the installed binary finds its profiles --------------------------------

run_inst() { env -u XDP_REFLECTOR_PROFILE_DIR "$BIN" "$@"; }
check "installed binary: check reflector-caddy" run_inst check reflector-caddy
check "installed binary: check reflector-direct" run_inst check reflector-direct
dir=$(run_inst profiles --json 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["dir"])' 2>/dev/null)
expect_eq "installed binary: built-ins come from the install tree" "$dir" "$(realpath -m "$SHARE/profiles")"

# A site profile as the unit expects it: /etc/xdp-reflector/IFACE.yaml that
# extends a built-in, checked by the installed binary.
mkdir -p "$INST/etc/xdp-reflector"
cat >"$INST/etc/xdp-reflector/site.yaml" <<'EOF'
name: site
extends: reflector-caddy
features:
  livekit-tcp:
    default: false
EOF
check "installed binary: /etc profile extending reflector-caddy" run_inst check "$INST/etc/xdp-reflector/site.yaml"

# ---- the unit's commands on a real interface ------------------------------

# ExecX= of the installed unit for instance IFACE, as systemd expands it:
# %I/%i the instance, $VAR split into words from the EnvironmentFile. The
# pins go to the harness' private bpffs, not to the host's default.
unit_cmd() { # KEY IFACE ENVFILE
	local line
	line=$(sed -nE "s/^$1=//p" "$UNITDIR/xdp-reflector@.service" | head -1)
	line=${line//%I/$2}
	line=${line//%i/$2}
	line=${line//\/etc\/xdp-reflector\//$INST\/etc\/xdp-reflector\/}
	line=${line//\/usr\/bin\//$INST\/usr\/bin\/}
	# shellcheck disable=SC1090
	(
		set -a
		. "$3"
		eval "set -- $line"
		exec nsenter --net=/run/netns/$SRV_NS "$@" --pin-dir "$PINS"
	)
}

# Other suites adding and deleting namespaces can make `ip` name the peer
# differently or print an extack error: not state.
hs() { host_state | sed -E 's/ link-netns(id)? [^ ]+//' | grep -v '^Error: Peer netns reference is invalid'; }

sfield() {
	xr status "$SRV_IF" --json 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)[0]
print(" ".join(json.dumps(s[k]) if isinstance(s[k], (bool, list)) else str(s[k]) for k in sys.argv[1:]))' "$@" 2>/dev/null
}


unit_commands() {
	local envf=$INST/etc/xdp-reflector/$SRV_IF.env s0

	cp "$INST/etc/xdp-reflector/site.yaml" "$INST/etc/xdp-reflector/$SRV_IF.yaml"
	echo "XDP_REFLECTOR_ARGS=\"--enable dashboard --source dashboard=$CLI4/32\"" >"$envf"
	start_server --tcp 443,7881,8888 || not_ok "fixture: listeners"
	s0=$(hs)

	check "unit ExecStart: loads the /etc profile with the .env arguments" unit_cmd ExecStart "$SRV_IF" "$envf"
	expect_eq "unit ExecStart: status" "$(sfield profile features)" 'site ["livekit", "dashboard", "ssh"]'
	expect_eq "unit ExecStart: dashboard open to the .env source" "$(tcp 8888 ok)" ok
	expect_eq "unit ExecStart: site profile closes 7881" "$(tcp 7881 timeout)" timeout
	echo 'XDP_REFLECTOR_ARGS=' >"$envf"
	check "unit ExecReload: reloads with the changed .env" unit_cmd ExecReload "$SRV_IF" "$envf"
	expect_eq "unit ExecReload: status" "$(sfield profile features)" 'site ["livekit", "ssh"]'
	expect_eq "unit ExecReload: dashboard closed again" "$(tcp 8888 timeout)" timeout
	expect_eq "unit ExecReload: 443 still passes" "$(tcp 443 ok)" ok
	check "unit ExecStop: detaches" unit_cmd ExecStop "$SRV_IF" "$envf"
	expect_eq "unit ExecStop: host state as before ExecStart" "$(hs)" "$s0"
}

if [ "$(id -u)" -ne 0 ]; then
	if [ "${CI:-}" = true ]; then not_ok "unit commands: need root"; else skip "unit commands" "need root"; fi
elif [ ! -f "$UNITDIR/xdp-reflector@.service" ]; then
	not_ok "unit commands: xdp-reflector@.service was not installed"
else
	e2e_setup
	trap 'systemd_cleanup' EXIT
	unit_commands
fi

# ---- make uninstall ---------------------------------------------------------

if out=$(make -s -C "$ROOT" uninstall DESTDIR="$INST" PREFIX=/usr 2>&1); then
	ok "make uninstall DESTDIR PREFIX=/usr"
else
	not_ok "make uninstall DESTDIR PREFIX=/usr" "$(tail -5 <<<"$out")"
fi
left=$(find "$INST/usr" -type f | sed "s|^$INST||")
expect_eq "make uninstall: no installed file left under /usr" "$left" ""

finish
