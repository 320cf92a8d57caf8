#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet path must not call the generic map lookup: every array lookup
# is inlined by the verifier, and the only calls left in the translated
# program are bpf_xdp_get_buff_len (source lists are searched with direct loads).
# A map chosen at run time (`c ? &a : &b`) or a hash map would show up here
# as `call bpf_map_lookup_elem` / `call __htab_map_lookup_elem` (about 20 ns
# each under retpolines, FIELD-NOTES.md).
#
# Loads the object on a private bpffs mounted on a temp dir (removed on every
# exit path), dumps `bpftool prog dump xlated`, and checks the calls. A
# negative control loads a small program with a run-time-chosen map and a
# hash map and expects the same check to flag it, so the test can fail.
#
# Usage (root): tests/bpf/xlated.sh [OBJECT]   default build/bpf/xdp_reflector.bpf.o
#   XR_XLATED_ALLOW="name ..." allows more calls (generic lookups never pass).
# Output: ok / not ok lines, then RESULT: N passed, N failed, N skipped.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
obj=${1:-$root/build/bpf/xdp_reflector.bpf.o}
prog=xdp_reflector
# The calls the packet path may make. XR_XLATED_ALLOW adds names (space-
# separated) for an experiment; a permanent change belongs here, with why.
# The drop capture's copy (bpf/drop.h) runs only while a capture does.
# bpf_ktime_get_coarse_ns: the clock of the rate limits' buckets (bpf/rate.h);
# only ports with XR_PORT_RATE get there.
allowed_default="bpf_xdp_get_buff_len bpf_ktime_get_ns bpf_ktime_get_coarse_ns
	bpf_ringbuf_reserve bpf_ringbuf_submit bpf_ringbuf_discard bpf_xdp_load_bytes"
# A hash lookup is a call by nature: allowed only into the maps named here,
# the flow table of the reply check (reached only by packets the port table
# drops whose local port has a live flow, bpf/reply.h). The rate limits'
# buckets are an array (bpf/rate.h): their lookup is inlined.
hash_maps_allowed="xr_flows"
allowed="$allowed_default ${XR_XLATED_ALLOW:-}"
bpftool=${BPFTOOL:-bpftool}
clang=${CLANG:-clang}

passed=0 failed=0 skipped=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }
skip() { echo "ok - $1 # SKIP $2"; skipped=$((skipped + 1)); }
note() { echo "# $*"; }
finish() {
	echo "RESULT: $passed passed, $failed failed, $skipped skipped"
	exit $((failed > 0))
}

tmp=
cleanup() {
	if [ -n "$tmp" ]; then
		rm -rf "$tmp/fs/"* 2>/dev/null # pins first, then the mount
		mountpoint -q "$tmp/fs" && umount "$tmp/fs"
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Calls in an xlated dump: one name per line (helper, kfunc or map op),
# "pc+N" for bpf-to-bpf calls.
calls() {
	grep -oE '\(85\) call [^ ]+' "$1" | sed -E 's/^\(85\) call //; s/#.*$//'
}

# Calls that break the rule: any *lookup_elem but the trie's, and anything
# not in the allow list. Prints them; empty output means clean.
bad_calls() {
	local c a ok_call
	calls "$1" | sort -u | while read -r c; do
		case $c in
		pc+* | pc-*) continue ;; # a subprogram: not a helper call
		__htab_map_lookup_elem) continue ;; # judged by map in generic_lookups
		esac
		ok_call=0
		for a in $allowed; do
			[ "$c" = "$a" ] && ok_call=1
		done
		[ $ok_call -eq 1 ] || echo "$c"
	done
}

# Map lookups left as calls. The generic helper and array lookups are never
# acceptable (an array lookup that is a call was not inlined); other map
# types' lookups only when allowed.
# The name of the map whose pointer was loaded last before each hash lookup.
hash_lookup_maps() {
	awk '/map\[id:[0-9]+\]/ { match($0, /map\[id:[0-9]+\]/); id = substr($0, RSTART + 7, RLENGTH - 8) }
	     /call __htab_map_lookup_elem/ { print id }' "$1" | sort -u | while read -r id; do
		"$bpftool" -j map show id "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])'
	done
}

generic_lookups() {
	local c a m
	calls "$1" | grep -E 'lookup_elem$' | sort -u | while read -r c; do
		case $c in
		bpf_map_lookup_elem | *array_map_lookup_elem) echo "$c" && continue ;;
		__htab_map_lookup_elem)
			for m in $(hash_lookup_maps "$1"); do
				case " $hash_maps_allowed " in *" $m "*) ;; *) echo "$c($m)" ;; esac
			done
			continue
			;;
		esac
		for a in $allowed; do
			[ "$c" = "$a" ] && continue 2
		done
		echo "$c"
	done
}

if [ "$(id -u)" -ne 0 ]; then
	skip "xlated checks" "needs root (BPF, mount)"
	finish
fi
if ! command -v "$bpftool" >/dev/null; then
	skip "xlated checks" "bpftool not found"
	finish
fi
if [ ! -f "$obj" ]; then
	# make deletes the object as an intermediate of the skeleton: ask for it.
	make -s -C "$root" "${obj#"$root"/}" >/dev/null 2>&1
fi
if [ ! -f "$obj" ]; then
	not_ok "object $obj exists (make build/bpf/xdp_reflector.bpf.o)"
	finish
fi

tmp=$(mktemp -d /tmp/xr-xlated.XXXXXX) || exit 1
mkdir "$tmp/fs"
if ! mount -t bpf bpf "$tmp/fs"; then
	not_ok "mount a private bpffs on $tmp/fs"
	finish
fi

# --- the program ----------------------------------------------------------
if "$bpftool" prog loadall "$obj" "$tmp/fs/prog" >"$tmp/load.log" 2>&1 &&
	[ -e "$tmp/fs/prog/$prog" ]; then
	ok "$prog loads and passes the verifier"
else
	sed 's/^/# /' "$tmp/load.log" | tail -20
	not_ok "$prog loads and passes the verifier"
	finish
fi

"$bpftool" prog dump xlated pinned "$tmp/fs/prog/$prog" >"$tmp/xlated.txt"
bytes=$("$bpftool" prog show pinned "$tmp/fs/prog/$prog" |
	sed -nE 's/.*xlated ([0-9]+)B.*/\1/p')
insns=$((bytes / 8))
lines=$(grep -cE '^ *[0-9]+: ' "$tmp/xlated.txt")
note "$prog: $insns xlated instructions ($bytes bytes; $lines lines of dump," \
	"ld_imm64 counts twice; $(wc -l <"$tmp/xlated.txt") lines with source annotations)"
note "calls: $(calls "$tmp/xlated.txt" | sort | uniq -c |
	awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')"
[ "$insns" -gt 0 ] && ok "xlated instruction count is $insns" ||
	not_ok "xlated instruction count could be read"

gl=$(generic_lookups "$tmp/xlated.txt")
if [ -z "$gl" ]; then
	ok "no map lookup call but the LPM trie's in $prog (arrays inlined)"
else
	note "found: $(echo $gl)"
	grep -nE "call ($(echo $gl | tr ' ' '|'))#" "$tmp/xlated.txt" | sed 's/^/#   /'
	not_ok "no map lookup call but the LPM trie's in $prog (arrays inlined)"
fi

bc=$(bad_calls "$tmp/xlated.txt")
if [ -z "$bc" ]; then
	ok "only allowed calls in $prog ($(echo $allowed))"
else
	note "not allowed: $(echo $bc)"
	not_ok "only allowed calls in $prog ($(echo $allowed))"
fi

# Other programs of the object: listed, not judged.
for p in "$tmp/fs/prog/"*; do
	[ "$(basename "$p")" = "$prog" ] && continue
	b=$("$bpftool" prog show pinned "$p" | sed -nE 's/.*xlated ([0-9]+)B.*/\1/p')
	"$bpftool" prog dump xlated pinned "$p" >"$tmp/other.txt"
	note "also in the object: $(basename "$p"): $((b / 8)) insns, calls:" \
		"$(calls "$tmp/other.txt" | sort -u | tr '\n' ' ')"
done

# --- negative control: the check must flag a non-inlined lookup ------------
if ! command -v "$clang" >/dev/null; then
	skip "negative control flags non-inlined lookups" "clang not found"
	finish
fi
multiarch=$(cc -print-multiarch 2>/dev/null)
cat >"$tmp/neg.bpf.c" <<'EOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct amap {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
};
struct amap a SEC(".maps"), b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} h SEC(".maps");

SEC("xdp")
int neg(struct xdp_md *ctx)
{
	__u32 k = 0;
	/* The map is known only at run time: the verifier cannot inline. */
	void *m = ctx->rx_queue_index ? (void *)&a : (void *)&b;
	__u64 *v = bpf_map_lookup_elem(m, &k);
	__u64 *w = bpf_map_lookup_elem(&h, &k);

	return (v && *v) || w ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
EOF
if ! "$clang" -target bpf -O2 -g ${multiarch:+-I/usr/include/$multiarch} \
	-c "$tmp/neg.bpf.c" -o "$tmp/neg.bpf.o" 2>"$tmp/neg.log" ||
	! "$bpftool" prog loadall "$tmp/neg.bpf.o" "$tmp/fs/neg" >>"$tmp/neg.log" 2>&1; then
	sed 's/^/# /' "$tmp/neg.log" | tail -10
	skip "negative control flags non-inlined lookups" "control did not build or load"
	finish
fi
"$bpftool" prog dump xlated pinned "$tmp/fs/neg/neg" >"$tmp/neg.txt"
allowed=$allowed_default # the control is judged by the rule as written
gl=$(generic_lookups "$tmp/neg.txt")
note "negative control calls: $(calls "$tmp/neg.txt" | sort -u | tr '\n' ' ')"
case " $(echo $gl) " in
*" bpf_map_lookup_elem "*) ok "negative control: a run-time-chosen map is flagged (bpf_map_lookup_elem)" ;;
*) not_ok "negative control: a run-time-chosen map is flagged (bpf_map_lookup_elem)" ;;
esac
case " $(echo $gl) " in
*"htab_map_lookup_elem("*) ok "negative control: a hash map lookup is flagged" ;;
*) not_ok "negative control: a hash map lookup is flagged" ;;
esac
[ -n "$(bad_calls "$tmp/neg.txt")" ] && ok "negative control: the allow-list check fails on it" ||
	not_ok "negative control: the allow-list check fails on it"

finish
