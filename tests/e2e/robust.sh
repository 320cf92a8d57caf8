#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Operators run commands at the same time, recreate interfaces and lose
# processes. Concurrent reloads never leave a mix of two policies in force;
# pins that outlived their interface are refused, not trusted; a pending
# --confirm whose rollback process died does not block reloads forever;
# detach leaves the tc filters others added after us.
. "$(dirname "$0")/lib.sh"
e2e_setup
unset SSH_CONNECTION

# The port table entry of PROTO(0 tcp, 1 udp)/PORT in the active generation:
# 1 when allowed. Read from the pins, independent of the loader: xr_config
# with bpftool; the port table, a global of the BPF object whose one value
# is 3 MiB (include/xdp_reflector.h, "Where the tables live"), through mmap.
allowed() {
	python3 - "$PINS/$SRV_IF" "$1" "$2" <<'PY'
import ctypes, json, mmap, os, struct, subprocess, sys
pin, proto, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def lookup(name, key):
    out = subprocess.run(["bpftool", "-j", "map", "lookup", "pinned", f"{pin}/{name}",
                          "key"] + [str(b) for b in key.to_bytes(4, "little")],
                         check=True, capture_output=True, text=True).stdout
    return bytes(int(b, 16) for b in json.loads(out)["value"])
def slot(name, index):  # 8-byte slot INDEX of a pinned mmapable map
    libc = ctypes.CDLL(None, use_errno=True)
    path = ctypes.create_string_buffer(f"{pin}/{name}".encode())
    attr = ctypes.create_string_buffer(128)  # union bpf_attr, BPF_OBJ_GET
    struct.pack_into("<Q", attr, 0, ctypes.addressof(path))
    fd = libc.syscall(321, 7, attr, 128)  # __NR_bpf on x86_64, BPF_OBJ_GET
    if fd < 0:
        sys.exit(f"bpf obj get {name}: {os.strerror(ctypes.get_errno())}")
    page = mmap.PAGESIZE
    m = mmap.mmap(fd, (index * 8 // page + 1) * page, mmap.MAP_SHARED, mmap.PROT_READ)
    return m[index * 8:index * 8 + 8]
gen = int.from_bytes(lookup("xr_config", 0)[:4], "little") & 1
entry = slot("xr_ports", (gen << 17) | (proto << 16) | port)
print(entry[2] & 1)
PY
}

# ---- concurrent reloads -----------------------------------------------
check "load reflector-caddy" xr load $SRV_IF reflector-caddy
mixed=0 rounds=40
for i in $(seq $rounds); do
	xr reload $SRV_IF reflector-caddy >/dev/null 2>&1 &
	a=$!
	xr reload $SRV_IF reflector-direct >/dev/null 2>&1 &
	b=$!
	wait $a $b
	# caddy opens 443 and not 3000; direct the other way round. Never both.
	case "$(allowed 0 443)$(allowed 0 3000)" in
	10 | 01) ;;
	*) mixed=$((mixed + 1)) ;;
	esac
done
expect_eq "$rounds pairs of concurrent reloads: never a mix of two policies" $mixed 0
prof=$(xr status $SRV_IF --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["profile"])')
case "$prof$(allowed 0 443)" in
reflector-caddy1 | reflector-direct0) ok "status names the policy in force ($prof)" ;;
*) not_ok "status names the policy in force" "$prof, 443 allowed: $(allowed 0 443)" ;;
esac

# ---- a rollback process that died ---------------------------------------
check "reload with --confirm 30" xr reload $SRV_IF reflector-caddy --confirm 30
read -r pending rb < <(xr status $SRV_IF --json | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]; print(s["confirm_pending"], s["rollback_pid"])')
expect_eq "confirm pending" "$pending" True
# The rollback process our reload started, by the PID status reports.
if [ "${rb:-0}" -gt 1 ] && grep -q xdp-reflector /proc/$rb/cmdline 2>/dev/null; then
	kill -KILL "$rb"
	rb_state() { xr status $SRV_IF --json | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]; print(s["confirm_pending"], s["rollback_alive"])'; }
	for _ in $(seq 100); do [ "$(rb_state)" = "True False" ] && break; sleep 0.1; done
	expect_eq "status says the rollback process is gone" "$(rb_state)" "True False"
	run_out=$(xr reload $SRV_IF reflector-direct 2>&1)
	rc=$?
	expect_eq "reload goes ahead (exit 0)" $rc 0
	if echo "$run_out" | grep -q "rollback process .* gone"; then ok "...and warns that the rollback is gone"; else not_ok "...and warns that the rollback is gone" "$run_out"; fi
	expect_eq "the new policy is in force" "$(allowed 0 3000)" 1
else
	not_ok "find the rollback process" "$(ps -eo pid,ppid,args | grep xdp-reflector)"
fi

# ---- stale pins: the interface was recreated -----------------------------
ip -n $SRV_NS link del $SRV_IF
ip link add $SRV_IF netns $SRV_NS type veth peer name $CLI_IF netns $CLI_NS
ip -n $SRV_NS link set $SRV_IF up && ip -n $CLI_NS link set $CLI_IF up
out=$(xr reload $SRV_IF reflector-caddy 2>&1)
rc=$?
expect_eq "reload on stale pins fails (exit 1)" $rc 1
if echo "$out" | grep -q "no longer attached.*detach"; then ok "...and says to detach"; else not_ok "...and says to detach" "$out"; fi
out=$(xr load $SRV_IF reflector-caddy 2>&1)
rc=$?
expect_eq "load on stale pins fails (exit 1)" $rc 1
if echo "$out" | grep -q "no longer attached"; then ok "...and says why"; else not_ok "...and says why" "$out"; fi
check "detach clears the stale pins" xr detach $SRV_IF
check "then load works" xr load $SRV_IF reflector-caddy

# ---- detach keeps filters others added after us ------------------------
# With the clsact recorder (kernels before 6.6; tcx adds no qdisc), our load
# creates the clsact qdisc; another tool then adds an ingress filter.
check "detach the tcx recorder" xr detach $SRV_IF
XDP_REFLECTOR_EGRESS=clsact check "load with the clsact recorder" xr load $SRV_IF reflector-caddy
cat >"$E2E_TMP/other_tc.c" <<'C'
#include <linux/bpf.h>
__attribute__((section("tc"), used)) int other_tc(struct __sk_buff *skb) { return 0; }
char _license[] __attribute__((section("license"), used)) = "GPL";
C
clang -target bpf -O2 -I/usr/include/$(gcc -print-multiarch) -c "$E2E_TMP/other_tc.c" -o "$E2E_TMP/other_tc.o"
srv_obj tc filter add dev $SRV_IF ingress pref 7 bpf da obj "$E2E_TMP/other_tc.o" sec tc
check "detach" xr detach $SRV_IF
if srv tc filter show dev $SRV_IF ingress | grep -q "name other_tc"; then
	ok "another tool's ingress filter survives our detach"
else
	not_ok "another tool's ingress filter survives our detach" "$(srv tc filter show dev $SRV_IF ingress)"
fi
expect_eq "our egress filter is gone" "$(srv tc filter show dev $SRV_IF egress | grep -c xr_egress)" 0
srv tc qdisc del dev $SRV_IF clsact
XDP_REFLECTOR_EGRESS=clsact check "load again" xr load $SRV_IF reflector-caddy
check "detach again" xr detach $SRV_IF
expect_eq "with no one else's filter, detach removes the qdisc it added" \
	"$(srv tc qdisc show dev $SRV_IF | grep -c clsact)" 0

finish
