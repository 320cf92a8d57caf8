#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Where the pins are:
#   1. --pin-dir naming a bpffs root (maps.debug, progs.debug, iproute2's
#      tc/ ip/ xdp/): status and stats list only our interfaces, exit 0;
#   2. under `ip netns exec NS` (a /sys of its own, so /sys/fs/bpf there is
#      no bpffs) every command finds the pins of the host, whichever of
#      `ip netns exec` and `nsenter` loaded; when the host's mount namespace
#      is out of reach, the error says what to run;
#   3. the README's "In a network namespace" block, run line by line as
#      written (NS, IFACE and xdp-reflector on PATH set to ours).
# The suite runs in a private mount namespace with a bpffs of its own on
# /sys/fs/bpf: the "host" of these checks. The real /sys/fs/bpf is never
# touched, and that bpffs and every pin in it end with the suite.
if [ -z "${XR_NETNS_PRIVATE:-}" ] && [ "$(id -u)" -eq 0 ]; then
	XR_NETNS_PRIVATE=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
e2e_setup
mount -t bpf bpf /sys/fs/bpf || { not_ok "mount a private bpffs on /sys/fs/bpf"; finish; exit 1; }

HOST_PINS=/sys/fs/bpf/xdp-reflector
netns_cleanup() {
	nsenter --net=/run/netns/$SRV_NS "$XR_BIN" detach "$SRV_IF" >/dev/null 2>&1
	e2e_cleanup
}
trap 'netns_cleanup' EXIT

# "interface mode profile" of each object of a status --json array.
ifaces() {
	python3 -c '
import json, sys
try:
    d = json.loads(sys.argv[1])
except ValueError:
    sys.exit("not JSON: " + sys.argv[1][:200])
print(" ".join("%s/%s/%s" % (s["interface"], s["mode"], s["profile"]) for s in d))' "$1"
}
xdp_prog_name() {
	srv ip -d link show "$SRV_IF" 2>/dev/null | sed -n 's|.*prog/xdp id [0-9]* name \([^ ]*\).*|\1|p'
}

# The two ways into the server namespace, without our --pin-dir.
via_ipexec() { ip netns exec "$SRV_NS" "$XR_BIN" "$@"; }
via_nsenter() { nsenter --net=/run/netns/$SRV_NS "$XR_BIN" "$@"; }

start_server --tcp 443,5432 || { not_ok "fixture: listeners"; finish; exit 1; }
expect_eq "fixture: 5432 reachable before any filter" "$(tcp 5432 ok)" ok

# ---- 1. a bpffs root as the pin dir ------------------------------------------

expect_eq "fixture: the pin dir is a bpffs root (maps.debug, progs.debug)" \
	"$(ls "$PINS" | tr '\n' ' ')" "maps.debug progs.debug "
run xr status --json
expect_rc "bpffs root, nothing loaded: status --json exits 0" 0
expect_eq "bpffs root, nothing loaded: an empty list" "$OUT" "[]"
mkdir "$PINS/tc" "$PINS/ip" "$PINS/xdp" "$PINS/tc/globals" # what iproute2 makes
check "bpffs root: load" xr load "$SRV_IF" reflector-caddy
run xr status --json
expect_rc "bpffs root: status --json exits 0" 0
expect_eq "bpffs root: status lists only our interface" "$(ifaces "$OUT")" "$SRV_IF/native/reflector-caddy"
run xr status
expect_rc "bpffs root: status (table) exits 0" 0
# (indented lines under a row are its last change: see audit.sh)
expect_eq "bpffs root: the table has a header and one row" "$(grep -vc '^  ' <<<"$OUT") $(grep -c "^$SRV_IF " <<<"$OUT")" "2 1"
run xr status "$SRV_IF" --json
expect_rc "bpffs root: status IFACE exits 0" 0
run xr stats --json
expect_rc "bpffs root: stats --json exits 0" 0
expect_eq "bpffs root: stats covers only our interface" \
	"$(python3 -c 'import json, sys; print([o["interface"] for o in json.loads(sys.argv[1])])' "$OUT" 2>&1)" "['$SRV_IF']"
run xr status maps.debug
expect_rc "bpffs root: status of a name that is a file there exits 1" 1
expect_out "...and says it is not loaded there" "maps.debug: xdp-reflector is not loaded"
check "bpffs root: detach" xr detach "$SRV_IF"
expect_eq "bpffs root: detach leaves the root as it was" "$(ls "$PINS" | tr '\n' ' ')" "ip maps.debug progs.debug tc xdp "
rmdir "$PINS/tc/globals" "$PINS/tc" "$PINS/ip" "$PINS/xdp"

# ---- 2. ip netns exec --------------------------------------------------------

fixture=$(ip netns exec "$SRV_NS" stat -f -c %T /sys/fs/bpf 2>&1)
if [ "$fixture" = bpf_fs ]; then
	not_ok "fixture: /sys/fs/bpf under ip netns exec is another filesystem" "$fixture"
else
	ok "fixture: /sys/fs/bpf under ip netns exec is not our bpffs ($fixture)"
fi

# (a) load with ip netns exec; the others with nsenter.
run via_ipexec load "$SRV_IF" reflector-caddy
expect_rc "ip netns exec load: exits 0" 0
check "ip netns exec load: pins on the host's bpffs" test -e "$HOST_PINS/$SRV_IF/link"
expect_eq "ip netns exec load: still attached after the loader exited" "$(xdp_prog_name)" xdp_reflector
expect_eq "ip netns exec load: in force (5432 dropped)" "$(tcp 5432 timeout)" timeout
expect_eq "ip netns exec load: in force (443 passes)" "$(tcp 443 ok)" ok
run via_nsenter status --json
expect_rc "then nsenter status: exits 0" 0
expect_eq "then nsenter status: native, reflector-caddy" "$(ifaces "$OUT")" "$SRV_IF/native/reflector-caddy"
run via_ipexec status --json
expect_rc "ip netns exec status: exits 0" 0
expect_eq "ip netns exec status: native, not detached" "$(ifaces "$OUT")" "$SRV_IF/native/reflector-caddy"
run via_ipexec load "$SRV_IF" reflector-caddy
expect_rc "ip netns exec load again: exits 1" 1
expect_out "ip netns exec load again: says it is loaded, points to reload" "already loaded.*reload $SRV_IF"
if grep -q -- --replace <<<"$OUT"; then not_ok "ip netns exec load again: no --replace of our own program" "$OUT"; else ok "ip netns exec load again: no --replace of our own program"; fi
run via_nsenter reload "$SRV_IF" reflector-direct
expect_rc "then nsenter reload: exits 0" 0
expect_eq "then nsenter reload: in force (5432 still dropped, 443 dropped)" "$(tcp 5432 timeout) $(tcp 443 timeout)" "timeout timeout"
run via_nsenter stats "$SRV_IF" --json
expect_rc "then nsenter stats: exits 0" 0
expect_eq "then nsenter stats: counted the dropped SYNs to 5432" \
	"$(python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d["profile"], d["other_ports"]["tcp"]["dropped"]["packets"] >= 2)' "$OUT" 2>&1)" "reflector-direct True"
run via_nsenter detach "$SRV_IF"
expect_rc "then nsenter detach: exits 0" 0
expect_eq "then nsenter detach: no XDP program left" "$(xdp_prog_name)" ""
expect_eq "then nsenter detach: no pins left" "$(ls -A "$HOST_PINS")" ""
expect_eq "then nsenter detach: no tc filter left" "$(srv tc filter show dev "$SRV_IF" egress)" ""
expect_eq "then nsenter detach: traffic unfiltered (5432)" "$(tcp 5432 ok)" ok

# (b) load with nsenter; the others with ip netns exec.
run via_nsenter load "$SRV_IF" reflector-caddy
expect_rc "nsenter load: exits 0" 0
run via_ipexec status --json
expect_rc "then ip netns exec status --json: exits 0" 0
expect_eq "then ip netns exec status: native, reflector-caddy" "$(ifaces "$OUT")" "$SRV_IF/native/reflector-caddy"
run via_ipexec status
expect_out "then ip netns exec status (table): native" "^$SRV_IF +native "
run via_ipexec stats "$SRV_IF" --json
expect_rc "then ip netns exec stats: exits 0" 0
run via_ipexec reload "$SRV_IF" reflector-direct --confirm 30
expect_rc "then ip netns exec reload --confirm 30: exits 0" 0
run via_ipexec confirm "$SRV_IF"
expect_rc "then ip netns exec confirm: exits 0" 0
run via_nsenter status "$SRV_IF" --json
expect_eq "then nsenter status: reflector-direct, nothing pending" \
	"$(python3 -c 'import json, sys; s = json.loads(sys.argv[1])[0]; print(s["profile"], s["confirm_pending"])' "$OUT" 2>&1)" "reflector-direct False"
expect_eq "then: reflector-direct in force (443 dropped)" "$(tcp 443 timeout)" timeout
run ip netns exec "$SRV_NS" sh -c '"$0" detach "$1"; echo "rc=$?"' "$XR_BIN" "$SRV_IF"
expect_out "ip netns exec sh -c detach (two levels down): exits 0" "rc=0"
expect_eq "then: no XDP program left" "$(xdp_prog_name)" ""
expect_eq "then: no pins left" "$(ls -A "$HOST_PINS")" ""
expect_eq "then: no tc filter left" "$(srv tc filter show dev "$SRV_IF" egress)" ""
run via_ipexec status --json
expect_eq "then ip netns exec status: an empty list" "$RC $OUT" "0 []"

# (c) The host's mount namespace out of reach (no CAP_SYS_CHROOT to enter
# it): an error that names the command to run, exit 1, nothing done.
run via_nsenter load "$SRV_IF" reflector-caddy
expect_rc "fixture: nsenter load" 0
run ip netns exec "$SRV_NS" setpriv --inh-caps=-sys_chroot --bounding-set=-sys_chroot \
	"$XR_BIN" detach "$SRV_IF"
expect_rc "no way to the host's pins: exits 1" 1
expect_out "no way to the host's pins: says to use nsenter with the namespace" \
	"nsenter --net=/run/netns/$SRV_NS xdp-reflector"
expect_eq "no way to the host's pins: nothing detached" "$(xdp_prog_name)" xdp_reflector
check "fixture: nsenter detach" via_nsenter detach "$SRV_IF"
expect_eq "nothing left on the host's bpffs" "$(ls -A "$HOST_PINS")" ""

# ---- 3. the README's block, as written ------------------------------------------

mkdir "$E2E_TMP/bin" && ln -s "$XR_BIN" "$E2E_TMP/bin/xdp-reflector"
python3 - "$(dirname "$0")/../../README.md" >"$E2E_TMP/block.sh" <<'EOF'
import sys
doc = open(sys.argv[1], encoding="utf-8").read()
print(doc.split("### In a network namespace")[1].split("```sh\n")[1].split("```")[0], end="")
EOF
n=0
while IFS= read -r line; do
	case $line in "ip netns exec "* | "nsenter "*) ;; *) continue ;; esac
	n=$((n + 1))
	run env PATH="$E2E_TMP/bin:$PATH" NS="$SRV_NS" IFACE="$SRV_IF" bash -c "$line"
	expect_rc "README: ${line%%#*}" 0
	case $line in
	*" load "*)
		expect_eq "README: after load, in force (5432 dropped, 443 passes)" "$(tcp 5432 timeout) $(tcp 443 ok)" "timeout ok" ;;
	*" status "*)
		expect_out "README: status shows the interface" "^$SRV_IF +native +.* reflector-caddy " ;;
	*" detach "*)
		expect_eq "README: after detach, no program, no pins" "$(xdp_prog_name)|$(ls -A "$HOST_PINS")" "|" ;;
	esac
done <"$E2E_TMP/block.sh"
expect_eq "README: the block has its 8 commands" "$n" 8

finish
