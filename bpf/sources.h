/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source-list membership: a binary search over one rule's sorted, disjoint
 * address ranges of one family (include/xdp_reflector.h, struct
 * xr_source_list). Pure functions over the arrays they are given, so the
 * same code compiles for the host and is unit-tested against the CIDR
 * reference (tests/unit/test_policy.c).
 *
 * Contract: TAB holds XR_SOURCES_MAX ranges (one generation's) and L
 * describes a list inside it; the answer is 1 when ADDR lies in one of
 * L's ranges, else 0. Offsets are kept from TAB, so one mask bounds them.
 *
 * The search (Shar's, as in Knuth 6.2.1): probe TOP = N - 2^STEPS first,
 * then steps of 2^(STEPS-1) .. 1 from the last range that starts at or
 * before the address: STEPS + 1 probes for N ranges, no loop. A step is
 * a handful of instructions, unrolled as a ladder of "steps > s" tests
 * that the branch predictor learns; offsets are masked so that the
 * verifier sees every load in range and its paths merge.
 */
#ifndef XR_SOURCES_H
#define XR_SOURCES_H

#include <linux/types.h>

#include "xdp_reflector.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* A bounded loop unrolled (clang; gcc's native builds for tests need not). */
#ifdef __clang__
#define XR_UNROLL _Pragma("unroll")
#else
#define XR_UNROLL
#endif

/* Byte offsets into a list: below XR_SOURCES_MAX entries, entry-aligned. */
#define XR_SOURCE_OFF4 ((XR_SOURCES_MAX - 1) * sizeof(struct xr_range4))
#define XR_SOURCE_OFF6 ((XR_SOURCES_MAX - 1) * sizeof(struct xr_range6))

#define XR_STEP4(s)                                                            \
	do {                                                                   \
		if (l->steps > (s)) {                                          \
			t = (at + (8ULL << (s))) & XR_SOURCE_OFF4;             \
			if (((const struct xr_range4 *)(r + t))->first <=      \
			    addr)                                              \
				at = t;                                        \
		}                                                              \
	} while (0)

static __always_inline int xr_in_ranges4(const struct xr_range4 *tab,
					 const struct xr_source_list *l,
					 __u32 addr)
{
	const __u8 *r = (const __u8 *)tab;
	const struct xr_range4 *hit;
	__u64 at, t;

	if (!l->nonempty)
		return 0;
	at = ((__u64)l->first * 8) & XR_SOURCE_OFF4;
	t = ((__u64)(l->first + l->top) * 8) & XR_SOURCE_OFF4;
	if (((const struct xr_range4 *)(r + t))->first <= addr)
		at = t;
	XR_STEP4(13);
	XR_STEP4(12);
	XR_STEP4(11);
	XR_STEP4(10);
	XR_STEP4(9);
	XR_STEP4(8);
	XR_STEP4(7);
	XR_STEP4(6);
	XR_STEP4(5);
	XR_STEP4(4);
	XR_STEP4(3);
	XR_STEP4(2);
	XR_STEP4(1);
	XR_STEP4(0);
	hit = (const struct xr_range4 *)(r + at);
	return hit->first <= addr && addr <= hit->last;
}

/* A <= B for 128-bit values as (high, low) halves. */
static __always_inline int xr_le128(__u64 a_hi, __u64 a_lo, __u64 b_hi,
				    __u64 b_lo)
{
	return a_hi < b_hi || (a_hi == b_hi && a_lo <= b_lo);
}

#define XR_STEP6(s)                                                            \
	do {                                                                   \
		if (l->steps > (s)) {                                          \
			t = (at + (32ULL << (s))) & XR_SOURCE_OFF6;            \
			const struct xr_range6 *p =                            \
				(const struct xr_range6 *)(r + t);             \
			if (xr_le128(p->first_hi, p->first_lo, hi, lo))        \
				at = t;                                        \
		}                                                              \
	} while (0)

static __always_inline int xr_in_ranges6(const struct xr_range6 *tab,
					 const struct xr_source_list *l,
					 __u64 hi, __u64 lo)
{
	const __u8 *r = (const __u8 *)tab;
	const struct xr_range6 *p;
	__u64 at, t;

	if (!l->nonempty)
		return 0;
	at = ((__u64)l->first * 32) & XR_SOURCE_OFF6;
	t = ((__u64)(l->first + l->top) * 32) & XR_SOURCE_OFF6;
	p = (const struct xr_range6 *)(r + t);
	if (xr_le128(p->first_hi, p->first_lo, hi, lo))
		at = t;
	XR_STEP6(13);
	XR_STEP6(12);
	XR_STEP6(11);
	XR_STEP6(10);
	XR_STEP6(9);
	XR_STEP6(8);
	XR_STEP6(7);
	XR_STEP6(6);
	XR_STEP6(5);
	XR_STEP6(4);
	XR_STEP6(3);
	XR_STEP6(2);
	XR_STEP6(1);
	XR_STEP6(0);
	p = (const struct xr_range6 *)(r + at);
	return xr_le128(p->first_hi, p->first_lo, hi, lo) &&
	       xr_le128(hi, lo, p->last_hi, p->last_lo);
}

/*
 * The prefilter (include/xdp_reflector.h, XR_SRC_PRE_BITS): may a source
 * whose /24 or /48 is PREFIX be in any rule's list? 0 proves it is not.
 */
static __always_inline int xr_src_pre(const __u64 *bits, __u64 prefix)
{
	__u64 i = prefix & XR_SRC_PRE_MASK;

	return (bits[i >> 6] >> (i & 63)) & 1;
}

/*
 * Hashed lists (include/xdp_reflector.h, struct xr_source_hash): one
 * probe per prefix length of the rule, each a bucket of 4 slots compared
 * with no further indirection. H's first tag is nonzero (the caller
 * checks: zero means the rule's list of this family is searched).
 */
static __always_inline int xr_in_hash4(const struct xr_src_bucket4 *tab,
				       const struct xr_source_hash *h,
				       __u64 addr)
{
	int i;

	for (i = 0; i < XR_SRC_HASH_PLENS; i++) {
		__u64 tag = h->tag4[i], key;
		const __u64 *b;

		if (!tag)
			return 0;
		key = tag << 32 | (addr & h->mask4[i]);
		b = tab[(key * XR_SRC_HASH_MUL) >> (64 - XR_SRC_HASH_BITS4)].key;
		/*
		 * One pointer for the four slots: else clang rebuilds the
		 * table address for each (two 64-bit moves and adds).
		 */
		asm volatile("" : "+r"(b));
		if (b[0] == key || b[1] == key || b[2] == key || b[3] == key)
			return 1;
	}
	return 0;
}

static __always_inline int xr_slot6(const struct xr_src_slot6 *s, __u64 hi,
				    __u64 lo, __u32 tag)
{
	return s->hi == hi && s->lo == lo && s->tag == tag;
}

static __always_inline int xr_in_hash6(const struct xr_src_bucket6 *tab,
				       const struct xr_source_hash *h,
				       __u64 hi, __u64 lo)
{
	int i;

	/* clang keeps this one a loop otherwise, spilling hi and lo */
	XR_UNROLL
	for (i = 0; i < XR_SRC_HASH_PLENS; i++) {
		__u32 tag = h->tag6[i];
		__u64 khi, klo;
		const struct xr_src_slot6 *b;

		if (!tag)
			return 0;
		khi = hi & h->mask6_hi[i];
		klo = lo & h->mask6_lo[i];
		b = tab[(((khi ^ tag) * XR_SRC_HASH_MUL ^ klo) *
			 XR_SRC_HASH_MUL) >>
			(64 - XR_SRC_HASH_BITS6)]
			    .slot;
		asm volatile("" : "+r"(b)); /* as in xr_in_hash4() */
		if (xr_slot6(&b[0], khi, klo, tag) ||
		    xr_slot6(&b[1], khi, klo, tag) ||
		    xr_slot6(&b[2], khi, klo, tag) ||
		    xr_slot6(&b[3], khi, klo, tag))
			return 1;
	}
	return 0;
}

#endif /* XR_SOURCES_H */
