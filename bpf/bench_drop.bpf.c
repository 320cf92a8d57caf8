// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of the live benchmark: drop every frame and count it, the least
 * a filter that reports what it drops can do. The count is per CPU so the
 * packet path needs no atomics, as in xdp_reflector.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_drops SEC(".maps");

SEC("xdp")
int bench_drop(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&bench_drops, &zero);

	(void)ctx;
	if (n)
		(*n)++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
