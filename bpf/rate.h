/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `rate: {per_source: N/s, burst: M}` on an entry: a token bucket per
 * source (IPv4 address, IPv6 /64) and entry, as GCRA (include/
 * xdp_reflector.h, struct xr_rate_rule): one u64 per source, no division
 * on the packet path. TCP entries count connection attempts (SYN without
 * ACK), UDP entries datagrams; the caller decides what counts.
 *
 * xr_rate_src is an LRU hash sized by the profile (defaults:
 * rate_sources). When it is full the least recently seen source is
 * forgotten; a forgotten source comes back with a full bucket, so eviction
 * can only let a source pass more, never drop one that is active and
 * within its limit. The read-modify-write of a bucket is not atomic: two
 * CPUs racing on one source may each pass a packet the other would have
 * counted (RSS usually keeps a source on one CPU).
 */
#ifndef XR_RATE_H
#define XR_RATE_H

#include <linux/ip.h>
#include <linux/ipv6.h>

#include "maps.h"

/*
 * Does a packet from the source of the IP header at L3 fit under RULE's
 * limit of generation GEN? (The caller's parser proved the header; the
 * verifier is shown again against DATA_END.)
 */
static __always_inline int xr_rate_allow(__u32 gen, __u32 rule, __u8 family,
					 const void *l3, const void *data_end)
{
	__u32 k = (gen * XR_RULES_PER_GEN + rule) & (XR_GENS * XR_RULES_PER_GEN - 1);
	const struct xr_rate_rule *r = bpf_map_lookup_elem(&xr_rate_rules, &k);
	struct xr_rate_key key = {};
	struct xr_rate_state *st;
	__u64 now, tat;

	if (!r || !r->interval_ns)
		return 1;
	key.bucket = r->bucket;
	key.family = family;
	if (family == 4) {
		if (l3 + sizeof(struct iphdr) > data_end)
			return 1;
		__builtin_memcpy(key.addr, &((const struct iphdr *)l3)->saddr, 4);
	} else {
		if (l3 + 16 > data_end)
			return 1;
		__builtin_memcpy(key.addr, &((const struct ipv6hdr *)l3)->saddr, 8);
	}
	now = bpf_ktime_get_ns();
	st = bpf_map_lookup_elem(&xr_rate_src, &key);
	if (!st) {
		struct xr_rate_state fresh = { .tat_ns = now + r->interval_ns };

		bpf_map_update_elem(&xr_rate_src, &key, &fresh, BPF_NOEXIST);
		return 1;
	}
	tat = st->tat_ns > now ? st->tat_ns : now;
	if (tat - now > r->burst_ns) {
		st->dropped++;
		return 0;
	}
	st->tat_ns = tat + r->interval_ns;
	return 1;
}

#endif /* XR_RATE_H */
