/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `rate: {per_source: N/s, burst: M}` on an entry: a token bucket per
 * source (IPv4 address, IPv6 /64) and entry, as GCRA (include/
 * xdp_reflector.h, struct xr_rate_rule): one u64 per source, no division
 * on the packet path. TCP entries count connection attempts (SYN without
 * ACK), UDP entries datagrams; the caller decides what counts.
 *
 * The buckets live in xr_rate_src, a set-associative table sized by the
 * profile (defaults: rate_sources; struct xr_rate_set): a hash of the key
 * under the load's seed picks a set of XR_RATE_WAYS slots, compared in
 * place. A new source takes the slot whose tat is oldest. When that tat
 * has passed (an empty slot, or a source whose bucket is full again:
 * idle), forgetting it changes nothing: a forgotten source comes back with
 * a full bucket. When it has not, every source of the set is mid-use, and
 * the new one takes over the debt of the one that used least (its tat):
 * sources that rotate through a set, more of them than it holds, share
 * their limits instead of escaping them by evicting each other. The price:
 * a legitimate source that falls into a set four sources over their
 * limits hold can be dropped; with the seed drawn at each load, that takes
 * an attack with about as many busy sources as the table has slots. The
 * hash is a multiply-xorshift of the seeded key, no keyed PRF: it keeps
 * sources that do not know the seed from aiming at one set, no more.
 *
 * The clock is jiffies (bpf_jiffies64(), one load once the verifier has
 * inlined it) times the tick in ns the loader read from
 * clock_getres(CLOCK_MONOTONIC_COARSE) (xr_tables.rate_tick_ns; without
 * it, bpf_ktime_get_coarse_ns(), the same time through a call): 1/HZ
 * granular, 4 ms at HZ=250. bpf_ktime_get_ns() reads kvm-clock in a VM,
 * 30-60 ns here. GCRA keeps the long-run rate exact with a coarse clock (a
 * limited source's tat advances by one interval per packet passed, from
 * where it was, whatever the clock said); what the tick changes is when:
 * a limited source's tokens of one tick are released at the tick, so in
 * any window a source passes at most burst + rate x (window + one tick).
 * The clock stands still for a tick while packets keep coming: a tick of
 * slack above the burst (XR_RATE_SLACK) keeps a source under its rate
 * passing when the rate is more than the burst per tick.
 *
 * Reads and writes of a slot are not atomic: two CPUs racing on one source
 * may each pass a packet the other would have counted, and two new
 * sources racing for one slot may leave it to either (RSS usually keeps a
 * source on one CPU). A source's key is read again after its tat: a slot
 * another CPU gave to a new source meanwhile passes the packet rather than
 * judge it by the newcomer's tat (stores are ordered: key, then tat).
 */
#ifndef XR_RATE_H
#define XR_RATE_H

#include <linux/ip.h>
#include <linux/ipv6.h>

#include "maps.h"

#define XR_RATE_MUL 0x9e3779b97f4a7c15ULL /* 2^64 / golden ratio, odd */
/* The slack of the coarse clock's fallback (no tick from the loader). */
#define XR_RATE_SLACK_COARSE_NS 10000000ULL

/*
 * Does a packet from the source whose key is (W0: bucket | family << 32,
 * W1: the address word) fit under a limit of INTERVAL_NS per packet with
 * BURST_NS of slack? Takes its token when it does.
 */
static __always_inline int xr_rate_take(__u64 w0, __u64 w1, __u64 interval_ns,
					__u64 burst_ns)
{
	struct xr_rate_slot *sl, *old;
	struct xr_rate_set *set;
	__u64 h, now, tat, slack;
	__u32 idx;

	h = (w1 ^ xr_tables.rate_seed) * XR_RATE_MUL;
	h = ((h >> 29) ^ h ^ w0) * XR_RATE_MUL;
	idx = (__u32)(h >> 32) & xr_tables.rate_set_mask;
	set = bpf_map_lookup_elem(&xr_rate_src, &idx);
	if (!set)
		return 1;
	/* jiffies: one load (the verifier inlines it), where a call cost 2 ns. */
	slack = xr_tables.rate_tick_ns;
	now = slack ? bpf_jiffies64() * slack : bpf_ktime_get_coarse_ns();
	if (!slack)
		slack = XR_RATE_SLACK_COARSE_NS;

#define XR_RATE_WAY(i)                                                       \
	sl = &set->slot[i];                                                  \
	if (*(__u64 *)&sl->key == w0 && *((__u64 *)&sl->key + 1) == w1)     \
		goto found;
	XR_RATE_WAY(0)
	XR_RATE_WAY(1)
	XR_RATE_WAY(2)
	XR_RATE_WAY(3)
#undef XR_RATE_WAY
	_Static_assert(XR_RATE_WAYS == 4, "xr_rate_take() unrolls 4 ways");

	/*
	 * New here: the slot whose bucket is fullest (oldest tat) is taken,
	 * with its debt if it has one (see the top of this file).
	 */
	old = &set->slot[0];
	if (set->slot[1].st.tat_ns < old->st.tat_ns)
		old = &set->slot[1];
	if (set->slot[2].st.tat_ns < old->st.tat_ns)
		old = &set->slot[2];
	if (set->slot[3].st.tat_ns < old->st.tat_ns)
		old = &set->slot[3];
	tat = old->st.tat_ns > now ? old->st.tat_ns : now;
	/* Key first, then tat: the order found: below relies on. */
	*(volatile __u64 *)&old->key = w0;
	*((volatile __u64 *)&old->key + 1) = w1;
	if (tat - now > burst_ns + slack) {
		*(volatile __u64 *)&old->st.tat_ns = tat;
		old->st.dropped = 1;
		return 0;
	}
	*(volatile __u64 *)&old->st.tat_ns = tat + interval_ns;
	old->st.dropped = 0;
	return 1;

found:
	tat = *(volatile __u64 *)&sl->st.tat_ns;
	/* Given to a new source by another CPU meanwhile: not ours to judge. */
	if (*(volatile __u64 *)&sl->key != w0 ||
	    *((volatile __u64 *)&sl->key + 1) != w1)
		return 1;
	tat = tat > now ? tat : now;
	if (tat - now > burst_ns + slack) {
		sl->st.dropped++;
		return 0;
	}
	sl->st.tat_ns = tat + interval_ns;
	return 1;
}

/*
 * Does a packet from source word SRC (an IPv4 address, or the first 8
 * bytes of an IPv6 one, as loaded from the packet) of FAMILY fit under
 * RULE's limit of generation GEN? Inlined on the straight path
 * (xr_rated(): a call cost a limited packet 1 ns of 14 here); the long
 * way calls xr_rate_allow_src(), a global function of scalars that the
 * verifier checks once, not once per call site (both copies of
 * xr_decide() and xr_limited()).
 */
static __always_inline int xr_rate_allow_src_inline(__u64 src, __u64 family, __u64 gen, __u64 rule)
{
	__u32 k = (gen * XR_RULES_PER_GEN + rule) & (XR_GENS * XR_RULES_PER_GEN - 1);
	const struct xr_rate_rule *r = bpf_map_lookup_elem(&xr_rate_rules, &k);

	if (!r || !r->interval_ns)
		return 1;
	return xr_rate_take(r->bucket | (family & 0xff) << 32, src,
			    r->interval_ns, r->burst_ns);
}

__noinline int xr_rate_allow_src(__u64 src, __u64 family, __u64 gen, __u64 rule)
{
	return xr_rate_allow_src_inline(src, family, gen, rule);
}

/*
 * The same for the source of the IP header at L3 (the caller's parser
 * proved it; the verifier is shown again against DATA_END).
 */
static __always_inline int xr_rate_allow(__u32 gen, __u32 rule, __u8 family,
					 const void *l3, const void *data_end)
{
	if (family == 4) {
		if (l3 + sizeof(struct iphdr) > data_end)
			return 1;
		return xr_rate_allow_src(((const struct iphdr *)l3)->saddr, 4,
					 gen, rule);
	}
	if (l3 + 16 > data_end)
		return 1;
	return xr_rate_allow_src(*(const __u64 *)&((const struct ipv6hdr *)l3)->saddr,
				 6, gen, rule);
}

#endif /* XR_RATE_H */
