#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Debian package, on this machine with cleanup: `make deb` builds it,
# lintian finds no error or warning, nothing of it lands under /usr/lib/bpf;
# installed, its files are in place, `man -w` finds the manual page, which
# names every command and option, and the bash completion loads in `bash -i`
# and completes interface names and the features of the profile on the
# line; the unit's ExecStart loads the filter on a veth of a namespace pair;
# an upgrade to a rebuilt, higher version keeps the same program attached at
# every moment `ip link` is polled (a detach and load, as a control, shows a
# gap); remove detaches it; purge leaves no /etc/xdp-reflector and no pin.
#
# The package's scripts act on the default pin root, /sys/fs/bpf/xdp-reflector:
# every dpkg and loader command runs in a private mount namespace with a
# bpffs of its own there (and in the server's network namespace), so the
# host's pins are never touched. A package installed before the test is
# never touched either: that is a failure.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
HOLDER=""
INSTALLED=0
POLL_PID=""

deb_cleanup() {
	[ -n "$POLL_PID" ] && kill "$POLL_PID" 2>/dev/null && wait "$POLL_PID" 2>/dev/null
	if [ "$INSTALLED" = 1 ]; then
		in_ns dpkg --purge xdp-reflector >/dev/null 2>&1 ||
			dpkg --purge xdp-reflector >/dev/null 2>&1
	fi
	if [ -n "$HOLDER" ]; then
		kill "$HOLDER" 2>/dev/null
		wait "$HOLDER" 2>/dev/null
	fi
	rm -rf "$WORK"
	e2e_cleanup
}

missing() { # names of the commands and files the suite needs that are absent
	local c
	for c in dpkg-buildpackage dh dh_bash-completion lintian scdoc man fakeroot; do
		command -v "$c" >/dev/null || echo -n "$c "
	done
	[ -f /usr/share/bash-completion/bash_completion ] || echo -n "bash-completion "
}

need_root
trap 'rm -rf "$WORK"' EXIT
m=$(missing)
if [ -n "$m" ]; then
	if [ "${CI:-}" = true ]; then not_ok "tools present (scripts/install-deps)" "missing: $m"; else skip "the Debian package" "missing: $m; run scripts/install-deps"; fi
	finish
	exit
fi
if dpkg-query -W -f='${Status}' xdp-reflector 2>/dev/null | grep -q 'ok installed\|config-files'; then
	not_ok "no xdp-reflector package on this machine before the test" \
		"it is $(dpkg-query -W -f='${Version} ${Status}' xdp-reflector); remove it first: the test purges what it installs"
	finish
	exit
fi

e2e_setup
trap 'deb_cleanup' EXIT

# A process holding a mount namespace whose /sys/fs/bpf is a fresh bpffs.
unshare -m --propagation private sh -c \
	'mount -t bpf bpf /sys/fs/bpf && touch "$0" && exec sleep 600' "$WORK/holder-ready" &
HOLDER=$!
for _ in $(seq 100); do [ -f "$WORK/holder-ready" ] && break; sleep 0.1; done
[ -f "$WORK/holder-ready" ] || { not_ok "private bpffs for the package's scripts"; finish; exit; }
# CMD in that mount namespace and the server's network namespace.
in_ns() { nsenter --mount="/proc/$HOLDER/ns/mnt" --net="/run/netns/$SRV_NS" "$@"; }

t0=$SECONDS

# ---- build and lintian ------------------------------------------------------

# nocheck: the unit tests run in their own suites; this one is about the package.
if out=$(DEB_BUILD_OPTIONS=nocheck make -s -C "$ROOT" deb OUT="$WORK/build" 2>&1); then
	ok "make deb"
else
	not_ok "make deb" "$(tail -20 <<<"$out")"
fi
ver=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$ROOT/debian/changelog")
arch=$(dpkg --print-architecture)
DEB1=$WORK/build/deb/xdp-reflector_${ver}_$arch.deb
check "make deb: build/deb/xdp-reflector_${ver}_$arch.deb" test -f "$DEB1"
echo "# build: $((SECONDS - t0)) s"

# lintian takes ~30 s: in the background, while the upgrade is built.
# TMPDIR: lintian leaves its mldbm-elf-* cache files behind; keep them in WORK.
TMPDIR="$WORK" lintian --fail-on error,warning "$DEB1" >"$WORK/lintian.out" 2>&1 &
LINTIAN_PID=$!

contents=$(dpkg-deb -c "$DEB1" 2>&1 | awk '{ print $6 }')
expect_eq "package: nothing under lib/bpf, no BPF object file" \
	"$(grep -E '/lib/bpf|\.bpf\.o$|\.o$' <<<"$contents")" ""

# The upgrade: the same tree, built again at a higher version. -nc keeps the
# objects of the first build, so only what the version changes is rebuilt.
ver2=$ver.1
cp -a "$WORK/build/deb/src" "$WORK/src2"
sed -i "1s/($ver)/($ver2)/" "$WORK/src2/debian/changelog"
rm -f "$WORK/src2/debian/files" # the first build's list, with its dbgsym
if out=$(cd "$WORK/src2" && DEB_BUILD_OPTIONS="nocheck noddebs" dpkg-buildpackage -b -nc -us -uc 2>&1); then
	ok "rebuilt at $ver2"
else
	not_ok "rebuilt at $ver2" "$(tail -20 <<<"$out")"
fi
DEB2=$WORK/xdp-reflector_${ver2}_$arch.deb
check "rebuilt: xdp-reflector_${ver2}_$arch.deb" test -f "$DEB2"
check "dpkg: $ver2 is higher than $ver" dpkg --compare-versions "$ver2" gt "$ver"

wait "$LINTIAN_PID"
lrc=$?
lout=$(grep -v '^running with root privileges' "$WORK/lintian.out")
echo "$lout" | sed 's/^/# lintian: /'
expect_eq "lintian: no error and no warning (exit $lrc)" "$lrc:$(grep -E '^[EW]:' <<<"$lout")" "0:"
echo "# build, rebuild and lintian: $((SECONDS - t0)) s"
t1=$SECONDS

# ---- install ---------------------------------------------------------------

if out=$(in_ns dpkg -i "$DEB1" 2>&1); then
	ok "dpkg -i $ver"
else
	not_ok "dpkg -i $ver" "$out"
fi
INSTALLED=1
files=$(dpkg -L xdp-reflector 2>/dev/null)
for f in /usr/sbin/xdp-reflector /usr/share/xdp-reflector/profiles/reflector-caddy.yaml \
	/usr/share/xdp-reflector/profiles/reflector-direct.yaml \
	/lib/systemd/system/xdp-reflector@.service \
	/lib/systemd/system/xdp-reflector-textfile@.service \
	/lib/systemd/system/xdp-reflector-textfile@.timer \
	/usr/share/man/man8/xdp-reflector.8.gz \
	/usr/share/bash-completion/completions/xdp-reflector /etc/xdp-reflector; do
	if grep -qx "$f" <<<"$files" && [ -e "$f" ]; then ok "dpkg -L: $f"; else not_ok "dpkg -L: $f"; fi
done
expect_eq "installed: xdp-reflector --version" "$(/usr/sbin/xdp-reflector --version)" "xdp-reflector $ver"
expect_eq "installed: xdp-reflector version" "$(/usr/sbin/xdp-reflector version)" "xdp-reflector $ver"
dir=$(env -u XDP_REFLECTOR_PROFILE_DIR /usr/sbin/xdp-reflector profiles --json 2>/dev/null |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["dir"])' 2>/dev/null)
expect_eq "installed: built-in profiles from /usr/share/xdp-reflector/profiles" "$dir" /usr/share/xdp-reflector/profiles
expect_eq "installed: ExecStart runs /usr/sbin/xdp-reflector" \
	"$(sed -nE 's/^ExecStart=([^ ]+) .*/\1/p' /lib/systemd/system/xdp-reflector@.service)" /usr/sbin/xdp-reflector

# ---- the manual page ---------------------------------------------------------

expect_eq "man -w xdp-reflector" "$(man -w xdp-reflector 2>&1)" /usr/share/man/man8/xdp-reflector.8.gz
page=$(MANWIDTH=200 MANPAGER=cat man 8 xdp-reflector 2>/dev/null | sed 's/.\x08//g')
cmds=$(/usr/sbin/xdp-reflector --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
absent=""
for c in $cmds; do
	grep -qE "^ +$c( |$)" <<<"$page" || absent+="$c "
	for o in $(/usr/sbin/xdp-reflector help "$c" | sed -nE 's/^    (-[a-z], )?(--[a-z-]+).*/\1 \2/p' | tr -d ','); do
		grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" <<<"$page" || absent+="$c:$o "
	done
done
expect_eq "man page: every command of --help, every option of help COMMAND" "$absent" ""
for w in "EXIT STATUS" "FILES" "PROFILES" "never_expose" "/etc/xdp-reflector/IFACE.yaml" "--version"; do
	grep -qF -- "$w" <<<"$page" || absent+="'$w' "
done
expect_eq "man page: exit status, files, profile format" "$absent" ""

# ---- bash completion ---------------------------------------------------------

# As a user's shell with bash-completion enabled (Debian's ~/.bashrc):
# the completion is loaded on demand from /usr/share/bash-completion.
cat >"$WORK/bashrc" <<'EOF'
. /usr/share/bash-completion/bash_completion
comp() { # WORDS...: what Tab offers for the last word
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn" xdp-reflector "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
EOF
comp_run() {
	PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=$WORK bash --rcfile "$WORK/bashrc" -i -c '
		__load_completion xdp-reflector
		spec=$(complete -p xdp-reflector 2>/dev/null) || { echo "no completion"; exit 1; }
		fn=$(sed -nE "s/.* -F ([^ ]+) .*/\1/p" <<<"$spec")
		'"$1" 2>/dev/null
}
expect_eq "completion: loads in bash -i" "$(comp_run 'echo $fn')" _xdp_reflector
expect_eq "completion: xdp-reflector lo<Tab> (interfaces)" \
	"$(comp_run 'comp xdp-reflector detach lo')" "lo "
expect_eq "completion: commands" \
	"$(comp_run 'comp xdp-reflector re')" "reload "
expect_eq "completion: built-in profiles" \
	"$(comp_run 'comp xdp-reflector load lo reflector-')" "reflector-caddy reflector-direct "
expect_eq "completion: --enable <Tab> offers the features of reflector-caddy" \
	"$(comp_run 'comp xdp-reflector load lo reflector-caddy --enable ""')" "dashboard http3 livekit livekit-tcp ssh "
expect_eq "completion: --disable <Tab> offers the features of reflector-direct" \
	"$(comp_run 'comp xdp-reflector check reflector-direct --disable ""')" "dashboard garage livekit livekit-tcp ssh webrtc "
expect_eq "completion: --source da<Tab>" \
	"$(comp_run 'comp xdp-reflector check reflector-caddy --source da')" "dashboard= "
cat >"$WORK/site.yaml" <<'EOF'
name: site
extends: reflector-caddy
features:
  turn:
    description: TURN
    allow:
      - {service: TURN, protocol: both, port: 3478}
EOF
expect_eq "completion: --enable <Tab> for a profile file adds its own feature" \
	"$(comp_run "comp xdp-reflector check $WORK/site.yaml --enable t")" "turn "
expect_eq "completion: load's options" \
	"$(comp_run 'comp xdp-reflector load lo reflector-caddy --r')" "--replace "

echo "# install, man page, completion: $((SECONDS - t1)) s"
t1=$SECONDS

# ---- the unit's ExecStart on a veth ------------------------------------------

UNIT=/lib/systemd/system/xdp-reflector@.service
# KEY of the installed unit for IFACE, as systemd expands it, run where the
# package's scripts run (private bpffs, server namespace).
unit_cmd() { # KEY IFACE
	local line
	line=$(sed -nE "s/^$1=//p" "$UNIT" 2>/dev/null | head -1)
	[ -n "$line" ] || { echo "no $1= in $UNIT"; return 1; }
	line=${line//%I/$2}
	line=${line//%i/$2}
	(
		set -a
		# shellcheck disable=SC1090
		[ -f "/etc/xdp-reflector/$2.env" ] && . "/etc/xdp-reflector/$2.env"
		eval "set -- $line"
		exec nsenter --mount="/proc/$HOLDER/ns/mnt" --net="/run/netns/$SRV_NS" "$@"
	)
}
# The veth's XDP program id, empty for none; fails when `ip` could not list
# the veth (other suites deleting namespaces make it print extack errors).
prog_id() {
	local l
	l=$(srv ip -o link show dev "$SRV_IF" 2>/dev/null) && [[ $l == *" $SRV_IF@"* ]] || return 1
	sed -nE 's|.*prog/xdp id ([0-9]+).*|\1|p' <<<"$l"
}

cat >"/etc/xdp-reflector/$SRV_IF.yaml" <<'EOF'
name: deb-site
extends: reflector-caddy
EOF
echo 'XDP_REFLECTOR_ARGS="--disable livekit"' >"/etc/xdp-reflector/$SRV_IF.env"
start_server --tcp 443,8888 || not_ok "fixture: listeners"
check "unit ExecStart: loads /etc/xdp-reflector/IFACE.yaml" unit_cmd ExecStart "$SRV_IF"
id1=$(prog_id)
check "unit ExecStart: an XDP program on the veth" test -n "$id1"
check "unit ExecStart: pinned under the default pin root" in_ns test -d "/sys/fs/bpf/xdp-reflector/$SRV_IF"
st=$(in_ns xdp-reflector status "$SRV_IF" --json 2>/dev/null)
check "unit ExecStart: status names the /etc profile" grep -q '"deb-site"' <<<"$st"
expect_eq "unit ExecStart: 443 passes" "$(tcp 443 ok)" ok
expect_eq "unit ExecStart: 8888 (dashboard off) is dropped" "$(tcp 8888 timeout)" timeout

# ---- upgrade: no moment without the program ------------------------------------

# Samples the veth's XDP program id (empty: none) until $WORK/stop-poll
# appears; at most 60 s.
poll_start() {
	rm -f "$WORK/stop-poll" "$WORK/poll"
	(
		end=$((SECONDS + 60))
		while [ ! -e "$WORK/stop-poll" ] && [ $SECONDS -lt $end ]; do
			id=$(prog_id) && echo "x$id" >>"$WORK/poll"
		done
	) &
	POLL_PID=$!
	# At least one sample before the change starts.
	for _ in $(seq 200); do [ -s "$WORK/poll" ] && return; sleep 0.05; done
}
# Sets SEEN to "xID:COUNT" per program id seen ("x:N": no program). Not in
# a command substitution: its subshell could not wait for the poller.
poll_stop() {
	touch "$WORK/stop-poll"
	wait "$POLL_PID"
	POLL_PID=""
	SEEN=$(sort "$WORK/poll" | uniq -c | awk '{ printf "%s:%s ", $2, $1 }' | sed 's/ $//')
}

# Control: a detach and a load (systemctl restart) leaves a moment without a
# program, and the poller sees it.
poll_start
unit_cmd ExecStop "$SRV_IF" >/dev/null 2>&1
unit_cmd ExecStart "$SRV_IF" >/dev/null 2>&1
poll_stop
check "control: the poller sees the gap of a detach and a load ($SEEN)" grep -q 'x:' <<<"$SEEN"
id1=$(prog_id)
check "control: loaded again" test -n "$id1"

poll_start
if out=$(in_ns dpkg -i "$DEB2" 2>&1); then
	ok "dpkg -i $ver2 (upgrade)"
else
	not_ok "dpkg -i $ver2 (upgrade)" "$out"
fi
poll_stop
n=$(wc -l <"$WORK/poll")
expect_eq "upgrade: program ${id1:-(none)} attached at every one of $n samples" "$SEEN" "x${id1:-(none)}:$n"
check "upgrade: more than one sample taken during the upgrade" test "$n" -gt 1
expect_eq "upgrade: xdp-reflector --version" "$(/usr/sbin/xdp-reflector --version)" "xdp-reflector $ver2"
expect_eq "upgrade: 8888 still dropped" "$(tcp 8888 timeout)" timeout
expect_eq "upgrade: 443 still passes" "$(tcp 443 ok)" ok
# systemctl reload after the upgrade: the new binary updates the policy of
# the program in place.
echo 'XDP_REFLECTOR_ARGS="--disable livekit --enable dashboard --source dashboard='"$CLI4"'/32"' \
	>"/etc/xdp-reflector/$SRV_IF.env"
check "upgrade: unit ExecReload with the new binary" unit_cmd ExecReload "$SRV_IF"
expect_eq "upgrade: ExecReload keeps program ${id1:-(none)}" "$(prog_id)" "${id1:-(none)}"
expect_eq "upgrade: ExecReload opened 8888 to the client" "$(tcp 8888 ok)" ok

echo "# ExecStart, control, upgrade, reload: $((SECONDS - t1)) s"
t1=$SECONDS

# ---- remove and purge ------------------------------------------------------------

if out=$(in_ns dpkg -r xdp-reflector 2>&1); then
	ok "dpkg -r"
else
	not_ok "dpkg -r" "$out"
fi
expect_eq "remove: no XDP program on the veth" "$(prog_id || echo "ip failed")" ""
expect_eq "remove: no egress filter on the veth" "$(srv tc filter show dev "$SRV_IF" egress)" ""
check "remove: no pin root left" in_ns test ! -e /sys/fs/bpf/xdp-reflector
expect_eq "remove: 8888 reaches the listener again" "$(tcp 8888 ok)" ok
check "remove: binary gone" test ! -e /usr/sbin/xdp-reflector
check "remove: /etc/xdp-reflector kept until purge" test -f "/etc/xdp-reflector/$SRV_IF.yaml"

# A pin directory left behind (a crash between pin and attach): purge takes it.
in_ns mkdir -p /sys/fs/bpf/xdp-reflector/stale
if out=$(in_ns dpkg --purge xdp-reflector 2>&1); then
	ok "dpkg --purge"
	INSTALLED=0
else
	not_ok "dpkg --purge" "$out"
fi
check "purge: package unknown to dpkg" sh -c '! dpkg-query -W xdp-reflector 2>/dev/null | grep -q .'
check "purge: no /etc/xdp-reflector" test ! -e /etc/xdp-reflector
check "purge: no pin left" in_ns test ! -e /sys/fs/bpf/xdp-reflector
left=""
while read -r f; do
	[ -n "$f" ] && [ ! -d "$f" ] && [ -e "$f" ] && left+="$f "
done <<<"$files"
expect_eq "purge: no file of the package left" "$left" ""

echo "# remove, purge: $((SECONDS - t1)) s"
echo "# suite time: $((SECONDS - t0)) s"
finish
