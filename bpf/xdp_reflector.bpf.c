// SPDX-License-Identifier: GPL-2.0
/*
 * xdp-reflector's packet path: parse -> look up -> decide -> count.
 *
 * Verdicts (documented for operators in README.md, "What it never drops"):
 *   non-IP (ARP, LLDP, ...)             pass
 *   more VLAN tags than two             malformed: the kernel strips VID-0
 *                                       tags and delivers what is behind
 *   ICMP/ICMPv6 the host needs          pass: errors (unreachable, packet-
 *                                       too-big, time exceeded, parameter
 *                                       problem), echo replies, neighbour and
 *                                       router discovery, MLD
 *   ICMP/ICMPv6 echo requests           pass unless the profile drops them
 *   other ICMP (informational:          drop unless the profile passes them
 *   timestamp, mask, node info, ...)
 *   TCP/UDP to an allowed port          pass (a source-restricted port only
 *                                       from its sources), unless:
 *     UDP to a guarded port             drop when not RFC 7983 traffic
 *                                       (bpf/guard.h), counted as guard
 *     over the entry's rate limit       drop (TCP: SYN without ACK; UDP:
 *                                       any datagram; bpf/rate.h), counted
 *                                       as rate
 *   DHCP to the host's client           pass: UDP 67 -> 68, 547 -> 546
 *   TCP/UDP to any other port           pass if a reply to a connection the
 *                                       host opened (reply.h), else drop
 *   later fragments                     pass, or drop if the profile drops
 *                                       fragments (see xr_verdict)
 *   other IP protocols                  the profile's default
 *   malformed                           drop, counted as malformed
 * In monitor mode (load/reload --monitor) every "drop" above passes and
 * is counted as a would-drop on the same counter; while a capture runs,
 * drops and would-drops are copied to the ring buffer (drop.h).
 *
 * Two functions decide: xr_verdict() all of the above for any packet, and
 * the program's entry a straight path for the common case that calls it
 * for everything else (see there). What every packet reads, the class
 * defaults, the port table, the source lists and the reply prefilter,
 * are globals of the object (bpf/maps.h): direct loads, no lookup. The
 * per-CPU counters are arrays whose lookup the verifier inlines
 * (tests/bpf/xlated.sh fails if a bpf_map_lookup_elem call appears); only
 * the exact reply check is a call, and only for packets to closed ports
 * with a live flow.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "xdp_reflector.h"
#include "maps.h"
#include "parse.h"
#include "reply.h"
#include "drop.h"
#include "sources.h"
#include "guard.h"
#include "rate.h"

/*
 * pass_packets/pass_bytes come first, drop_* next: the pair is chosen by
 * index rather than by a branch, so a mix of verdicts costs no mispredicts.
 */
static __always_inline void xr_count(struct xr_counters *c, int pass, __u64 len)
{
	__u64 *slot;

	if (!c)
		return;
	/* 64-bit: in 32-bit ALU ops clang cannot fold the scaling shift */
	slot = (__u64 *)((char *)&c->pass_packets +
			 (((__u64)pass << 4) ^ (2 * sizeof(__u64))));
	slot[0] += 1;
	slot[1] += len;
}

/*
 * FLAGS: the active_gen the verdict was made under; a drop with monitor
 * mode or a capture on goes to the drop end (drop.h). In xr_verdict()'s
 * enforce copy FLAGS is known to have no such bit, and the test folds away.
 */
static __always_inline int xr_class_verdict(struct xdp_md *ctx, __u32 flags,
					    __u32 cls, int pass, __u64 len)
{
	if (!pass && xr_drop_end_on(flags))
		return xr_drop_slow(ctx, cls, 1, flags, len);
	xr_count(bpf_map_lookup_elem(&xr_class_stats, &cls), pass, len);
	return XDP_DROP + pass; /* XDP_DROP 1, XDP_PASS 2 */
}

/*
 * Is the IPv4 source ADDR (host order), or the IPv6 source (HI, LO), in
 * the list of RULE of generation GEN? A probe per
 * prefix length of the rule's hash of that family where the loader made
 * one, else a binary search of the rule's ranges (bpf/sources.h): direct
 * loads from xr_tables, no map lookup. An IPv4-mapped IPv6 source falls
 * in no IPv6 range (the compiler cuts ::ffff:0:0/96 out), so it never
 * matches an IPv4 network.
 *
 * Global functions of scalars: the verifier checks each once, on its own,
 * instead of once per caller state at each call site. The unrolled search
 * forks the verifier's path at every step: walked inline at three call
 * sites it was 460k of the 645k instructions the verifier processed, 2/3
 * of the way to the 1M limit and most of every load's time
 * (tests/bpf/fixtures.c keeps the total under 300k). GEN and RULE come
 * first, in the registers where the caller has them for either family.
 */
__noinline int xr_source_allowed4(__u64 gen, __u64 rule, __u64 addr)
{
	const struct xr_source_hash *h;

	gen &= 1;
	rule &= XR_RULES_PER_GEN - 1;
	h = &xr_tables.src_hash[gen][rule];

	/* Kept in a register: else clang rebuilds it for each probe. */
	asm volatile("" : "+r"(h));
	if (h->tag4[0])
		return xr_in_hash4(xr_tables.src_h4[gen], h, addr);
	return xr_in_ranges4(xr_tables.src_v4[gen],
			     &xr_tables.src_slice[gen][rule].v4, addr);
}

__noinline int xr_source_allowed6(__u64 gen, __u64 rule, __u64 hi, __u64 lo)
{
	const struct xr_source_hash *h;

	gen &= 1;
	rule &= XR_RULES_PER_GEN - 1;
	h = &xr_tables.src_hash[gen][rule];

	/* Kept in a register: else clang rebuilds it for each probe. */
	asm volatile("" : "+r"(h));
	if (h->tag6[0])
		return xr_in_hash6(xr_tables.src_h6[gen], h, hi, lo);
	return xr_in_ranges6(xr_tables.src_v6[gen],
			     &xr_tables.src_slice[gen][rule].v6, hi, lo);
}

/*
 * The source check for the IPv4 or IPv6 header at L3, which the caller's
 * parser has proved whole.
 */
static __always_inline int xr_source_of(const void *l3, __u8 family,
					__u32 gen, __u32 rule)
{
	const __u64 *a = (const __u64 *)&((const struct ipv6hdr *)l3)->saddr;
	__u64 hi;

	if (family == 4) {
		__u64 addr = bpf_ntohl(((const struct iphdr *)l3)->saddr);

		if (!xr_src_pre(xr_tables.src_pre4[gen & 1], addr >> 8))
			return 0;
		return xr_source_allowed4(gen, rule, addr);
	}
	hi = bpf_be64_to_cpu(a[0]);
	if (!xr_src_pre(xr_tables.src_pre6[gen & 1], hi >> 16))
		return 0;
	return xr_source_allowed6(gen, rule, hi, bpf_be64_to_cpu(a[1]));
}

/*
 * The checks of a guarded or rate-limited port (FLAGS, its XR_PORT_*) on a
 * packet the port table and the source list pass: 0, or the class that
 * drops it (XR_CLASS_GUARD, XR_CLASS_RATE). L4 is its TCP or UDP header
 * (PROTO), END where its IP packet ends. The guard comes first, so that
 * garbage spends no source's tokens.
 */
static __always_inline __u32 xr_limit(__u32 flags, __u32 proto,
				      const void *l3, __u8 family,
				      const void *l4, const void *end,
				      const void *data_end, __u32 gen,
				      __u32 rule)
{
	/* The loader puts XR_PORT_GUARD on UDP ports only. */
	if (flags & XR_PORT_GUARD) {
		const struct udphdr *uh = l4;

		if ((const void *)(uh + 1) > data_end ||
		    !xr_webrtc_ok((const __u8 *)(uh + 1),
				  bpf_ntohs(uh->len) - sizeof(*uh), end,
				  data_end))
			return XR_CLASS_GUARD;
	}
	if (flags & XR_PORT_RATE) {
		/* TCP counts connection attempts: SYN without ACK. */
		if (proto == XR_PROTO_TCP) {
			if (l4 + 14 > data_end ||
			    (((const __u8 *)l4)[13] & (XR_TCP_SYN | XR_TCP_ACK)) !=
				    XR_TCP_SYN)
				return 0;
		}
		if (!xr_rate_allow(gen, rule, family, l3, data_end))
			return XR_CLASS_RATE;
	}
	return 0;
}

/*
 * A packet xr_limit() dropped (CLS), to STAT_KEY's port: counted in its
 * guard or rate slot, or with monitor mode or a capture on (FLAGS, the
 * active_gen the verdict was made under) sent to the drop end like every
 * other drop (drop.h).
 */
static __always_inline int xr_limit_drop(struct xdp_md *ctx, __u32 flags,
					 __u32 stat_key, __u32 cls, __u64 len)
{
	if (xr_drop_end_on(flags))
		return xr_drop_limit_slow(ctx, stat_key, cls, flags, len);
	xr_count_limit(bpf_map_lookup_elem(&xr_limit_stats, &stat_key), cls,
		       len);
	return XDP_DROP;
}

/* ICMP types a host needs whatever the profile (ufw's before-rules agree). */
#define XR_ICMP4_NEEDED                                                      \
	((1U << XR_ICMP_ECHOREPLY) | (1U << XR_ICMP_DEST_UNREACH) |          \
	 (1U << XR_ICMP_TIME_EXCEEDED) | (1U << XR_ICMP_PARAMETERPROB))
#define XR_ICMP6_ERRORS                                                      \
	((1U << XR_ICMPV6_DEST_UNREACH) | (1U << XR_ICMPV6_PKT_TOOBIG) |     \
	 (1U << XR_ICMPV6_TIME_EXCEED) | (1U << XR_ICMPV6_PARAMPROB))
/* Bit t - 128: echo reply, MLD (a snooping switch forgets us without it), ND. */
#define XR_ICMP6_INFO_NEEDED                                                 \
	((1U << (XR_ICMPV6_ECHO_REPLY - 128)) |                               \
	 (7U << (XR_ICMPV6_MLD_QUERY - 128)) |                                \
	 (0x1fU << (XR_ICMPV6_ND_FIRST - 128)) |                              \
	 (1U << (XR_ICMPV6_MLD2_REPORT - 128)))

/*
 * Errors, echo replies and neighbour discovery always pass; echo requests
 * as the profile says; every other type (timestamp, address mask, node
 * information, redirects: fingerprinting and worse) only if the profile
 * passes informational ICMP.
 */
static __always_inline int xr_icmp_pass(const struct xr_pkt *pkt,
					const struct xr_class_policy *cp)
{
	__u32 t = pkt->icmp_type;

	if (pkt->family == 4) {
		if (t == XR_ICMP_ECHO)
			return !cp->drop_echo;
		if (t < 32 && ((XR_ICMP4_NEEDED >> t) & 1))
			return 1;
		return !!cp->icmp_info_pass;
	}
	if (t == XR_ICMPV6_ECHO_REQUEST)
		return !cp->drop_echo;
	if (t < 32 && ((XR_ICMP6_ERRORS >> t) & 1))
		return 1;
	if (t >= 128 && t < 160 && ((XR_ICMP6_INFO_NEEDED >> (t - 128)) & 1))
		return 1;
	return !!cp->icmp_info_pass;
}

/*
 * A DHCP server's answer to the host's client. It never matches the
 * broadcast or multicast tuple the client sent (an OFFER is often unicast
 * to the address offered), so the reply tracker cannot see it; dropping it
 * takes a cloud VM's address away at its next renewal.
 */
static __always_inline int xr_is_dhcp(const struct xr_pkt *pkt)
{
	if (pkt->proto != XR_PROTO_UDP)
		return 0;
	if (pkt->family == 4)
		return pkt->dport == XR_DHCP_CLIENT_PORT &&
		       pkt->sport == bpf_htons(XR_DHCP_SERVER_PORT);
	return pkt->dport == XR_DHCPV6_CLIENT_PORT &&
	       pkt->sport == bpf_htons(XR_DHCPV6_SERVER_PORT);
}

/* The straight path's keys that xr_verdict() may still pass (xr_is_dhcp). */
static __always_inline int xr_dhcp_key(__u32 stat_key)
{
	return stat_key == xr_stat_key(XR_PROTO_UDP, XR_DHCP_CLIENT_PORT) ||
	       stat_key == xr_stat_key(XR_PROTO_UDP, XR_DHCPV6_CLIENT_PORT);
}

static __always_inline int xr_other_ip_pass(const struct xr_pkt *pkt,
					    const struct xr_class_policy *cp)
{
	__u8 p = pkt->ip_proto;

	return cp->other_ip_pass || ((cp->other_ip_allow[p >> 6] >> (p & 63)) & 1);
}

/*
 * The whole decision for any packet, as the header comment states it,
 * under FLAGS (active_gen, read once by xr_verdict()). The entry below
 * answers the common cases itself and calls this for the rest, which are
 * parsed again here in full: a few dozen instructions on rare paths, so
 * that the entry's parser hands on one number instead of a struct whose
 * every field the compiler would carry in registers or spill. The active
 * generation is read afresh, and the verdict is this one's alone: after a
 * flip between the two reads, the packet is judged wholly by the new
 * generation and its mode, never by parts of both.
 */
static __always_inline int xr_decide(struct xdp_md *ctx, __u32 flags)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	const struct xr_class_policy *cp;
	const struct xr_port_entry *port;
	struct xr_pkt pkt;
	__u32 gen, key, port_flags, limit;
	int kind, pass;

	gen = flags & XR_GEN_MASK;
	cp = &xr_config.gen[gen];

	kind = xr_parse(data, data_end, &pkt);
	if (kind == XR_KIND_NON_IP)
		return xr_class_verdict(ctx, flags, XR_CLASS_NON_IP, 1, len);

	/*
	 * The IP length may run past the first buffer of a multi-buffer frame;
	 * only then is the whole frame measured (a helper call).
	 */
	if (kind != XR_KIND_MALFORMED && xr_ip_truncated(&pkt, len)) {
		len = bpf_xdp_get_buff_len(ctx);
		if (xr_ip_truncated(&pkt, len))
			kind = XR_KIND_MALFORMED;
	}

	/* A profile that drops fragments drops first fragments of any kind. */
	if (kind != XR_KIND_MALFORMED && pkt.fragment && cp->drop_frags)
		return xr_class_verdict(ctx, flags, XR_CLASS_FRAGMENT, 0, len);

	switch (kind) {
	case XR_KIND_L4:
		break;
	case XR_KIND_ICMP:
		return xr_class_verdict(ctx, flags, XR_CLASS_ICMP, xr_icmp_pass(&pkt, cp), len);
	case XR_KIND_FRAGMENT:
		/*
		 * A later fragment carries no ports. Its first fragment did and
		 * was judged by them: when that was dropped the datagram never
		 * reassembles, so passing later fragments opens nothing. A
		 * profile may still drop every fragment.
		 */
		return xr_class_verdict(ctx, flags, XR_CLASS_FRAGMENT, !cp->drop_frags, len);
	case XR_KIND_OTHER_IP:
		return xr_class_verdict(ctx, flags, XR_CLASS_OTHER_IP,
					xr_other_ip_pass(&pkt, cp), len);
	default:
		return xr_class_verdict(ctx, flags, XR_CLASS_MALFORMED, 0, len);
	}

	port = xr_port(xr_port_key(gen, pkt.proto, pkt.dport));
	port_flags = port->flags;
	pass = (port_flags & XR_PORT_ALLOW) &&
	       (!(port_flags & XR_PORT_SOURCES) ||
		xr_source_of(pkt.l3, pkt.family, gen, port->rule));

	/* Not allowed by the profile: it may still be a reply (reply.h). */
	if (!pass && cp->replies && xr_is_reply(&pkt, cp))
		return xr_class_verdict(ctx, flags, XR_CLASS_REPLY, 1, len);
	if (!pass && xr_is_dhcp(&pkt))
		return xr_class_verdict(ctx, flags, XR_CLASS_DHCP, 1, len);

	key = xr_stat_key(pkt.proto, pkt.dport);
	if (pass && (port_flags & (XR_PORT_GUARD | XR_PORT_RATE))) {
		limit = xr_limit(port_flags, pkt.proto, pkt.l3, pkt.family,
				 pkt.l4, pkt.ip_limit,
				 (void *)(long)ctx->data_end, gen, port->rule);
		if (limit)
			return xr_limit_drop(ctx, flags, key, limit, len);
	}
	if (!pass && xr_drop_end_on(flags))
		return xr_drop_slow(ctx, key, 0, flags, len);
	xr_count(bpf_map_lookup_elem(&xr_port_stats, &key), pass, len);
	return XDP_DROP + pass;
}

/* xr_decide() with the drop end: only while monitor mode or a capture is on. */
static __noinline int xr_verdict_drop_end(struct xdp_md *ctx, __u32 flags)
{
	return xr_decide(ctx, flags);
}

/*
 * The active generation is read once, here. Enforce mode with no capture
 * (no bit above the generation) runs a copy of xr_decide() in which every
 * drop end test has folded away: the one compare below is all it pays for
 * them. Tested at each drop instead, the ctx and the flags stay live across
 * the whole parse (a malformed packet: 73 instructions instead of 70). The
 * cost of the second copy is load time: the verifier walks both.
 */
static __noinline int xr_verdict(struct xdp_md *ctx)
{
	__u32 flags = xr_config.active_gen;

	/* This order keeps the enforce copy the fall-through of one jgt. */
	if (!xr_drop_end_on(flags))
		return xr_decide(ctx, flags);
	return xr_verdict_drop_end(ctx, flags);
}

/*
 * The straight path's guarded or rate-limited port PORT (KEY: its
 * xr_port_key()), which the port table allows, for a packet whose IP
 * header xr_parse_common() accepted at L3, where xr_guarded() and
 * xr_rated() decline: guard and rate together, IPv6 extension headers
 * before the TCP or UDP header, an IP packet with fewer than 8 bytes
 * behind the UDP header. A subprogram of its own, so the entry carries no
 * L4 pointer: the TCP or UDP header is found again here, behind the IPv4
 * header's length or the IPv6 extension headers the short path follows. Returns the verdict, or -1 for anything else and
 * for a port that is source-restricted too: the caller then asks
 * xr_verdict(), which decides the packet whole. (Not called from here:
 * the verifier walks a subprogram once per call site, and xr_verdict()
 * holds two copies of the decision.)
 */
static __noinline int xr_limited(struct xdp_md *ctx, const void *l3,
				 __u32 key, const struct xr_port_entry *port)
{
	void *data_end = (void *)(long)ctx->data_end;
	/* KEY carries the whole of active_gen above the port table's index. */
	__u32 stat_key = key & (XR_STAT_KEYS - 1), flags = key >> 17;
	__u32 gen = flags & XR_GEN_MASK;
	__u32 rule = port->rule, pflags = port->flags, cls, i;
	const __u8 *l4, *end;
	__u8 family, nh;

	if (l3 + 1 > data_end)
		goto whole;
	family = *(const __u8 *)l3 >> 4;
	if (family == 4) {
		const struct iphdr *iph = l3;

		if ((const void *)(iph + 1) > data_end)
			goto whole;
		l4 = (const __u8 *)l3 + iph->ihl * 4;
		end = (const __u8 *)l3 + bpf_ntohs(iph->tot_len);
		nh = iph->protocol;
	} else {
		const struct ipv6hdr *ip6h = l3;

		if ((const void *)(ip6h + 1) > data_end)
			goto whole;
		l4 = (const __u8 *)(ip6h + 1);
		end = l4 + bpf_ntohs(ip6h->payload_len);
		nh = ip6h->nexthdr;
		for (i = 0; i < XR_COMMON_EXT; i++) {
			if (nh != XR_IPPROTO_HOPOPTS &&
			    nh != XR_IPPROTO_DSTOPTS &&
			    nh != XR_IPPROTO_ROUTING)
				break;
			if ((const void *)(l4 + 8) > data_end)
				goto whole;
			nh = l4[0];
			l4 += ((__u32)l4[1] + 1) * 8;
		}
	}
	/* Not the TCP or UDP header the port key names: decide it whole. */
	if (nh != (stat_key >> 16 ? IPPROTO_UDP : IPPROTO_TCP) ||
	    (const void *)(l4 + 8) > data_end)
		goto whole;
	/* A source-restricted one too: rare, and decided whole. */
	if (pflags & XR_PORT_SOURCES)
		goto whole;
	cls = xr_limit(pflags, stat_key >> 16, l3, family, l4, end, data_end,
		       gen, rule);
	if (cls)
		return xr_limit_drop(ctx, flags, stat_key, cls,
				     data_end - (void *)(long)ctx->data);
	xr_count(bpf_map_lookup_elem(&xr_port_stats, &stat_key), 1,
		 data_end - (void *)(long)ctx->data);
	return XDP_PASS;
whole:
	return -1;
}

/*
 * The straight path's port that has the guard and nothing else (KEY: its
 * xr_port_key() with active_gen; *STAT_KEY its counters' key), for a UDP
 * packet whose IP header xr_parse_common() accepted at L3. Decided from
 * the bytes that parser proved (xr_guard_common()): a call and a second
 * parse, as in xr_limited(), cost a guarded datagram twice the plain
 * one's instructions. Returns the verdict, or -1 where xr_guard_common()
 * declines; a drop with monitor mode or a capture on goes to xr_verdict()
 * (its drop end; the guard keeps no state, so deciding again is exact).
 */
static __always_inline long xr_guarded(struct xdp_md *ctx, const void *l3,
				       __u8 family, __u64 key, __u32 *stat_key)
{
	__u64 len;
	int ok;

	ok = xr_guard_common(l3, family, (void *)(long)ctx->data_end);
	if (ok < 0)
		return -1;
	len = (void *)(long)ctx->data_end - (void *)(long)ctx->data;
	if (ok) {
		xr_count(bpf_map_lookup_elem(&xr_port_stats, stat_key), 1, len);
		return XDP_PASS;
	}
	if (xr_drop_end_on(key >> 17))
		return xr_verdict(ctx);
	xr_count_limit(bpf_map_lookup_elem(&xr_limit_stats, stat_key),
		       XR_CLASS_GUARD, len);
	return XDP_DROP;
}

/*
 * The straight path's port that has a rate limit and nothing else (KEY:
 * its xr_port_key() with active_gen; *STAT_KEY its counters' key; RULE),
 * for a packet whose IP header xr_parse_common() accepted at L3: the TCP
 * flags of a header right behind the IP header and the source word are
 * read here, and the source's bucket taken (xr_rate_allow_src()). Returns
 * the verdict, or -1 for the long way (IPv6 extension headers, and every
 * packet while monitor mode or a capture is on).
 */
static __always_inline long xr_rated(struct xdp_md *ctx, const void *l3,
				     __u8 family, __u64 key, __u32 *stat_key,
				     __u32 rule)
{
	void *data_end = (void *)(long)ctx->data_end;
	const __u8 *th;
	int ok;

	/*
	 * With monitor mode or a capture on, the long way decides (its drop
	 * end): a drop decided here and again there would count the source's
	 * drop twice, or take a second token.
	 */
	if (xr_drop_end_on(key >> 17))
		return -1;
	if (family == 4) {
		th = l3 + sizeof(struct iphdr);
	} else {
		if (((const struct ipv6hdr *)l3)->nexthdr !=
		    (*stat_key >> 16 ? IPPROTO_UDP : IPPROTO_TCP))
			return -1;
		th = l3 + sizeof(struct ipv6hdr);
	}
	/* TCP counts connection attempts: SYN without ACK. */
	if (!(*stat_key >> 16)) {
		if ((const void *)(th + 14) > data_end)
			return -1;
		if ((th[13] & (XR_TCP_SYN | XR_TCP_ACK)) != XR_TCP_SYN)
			goto pass;
	}
	/* One call per family, so that FAMILY is no value kept for it. */
	if (family == 4)
		ok = xr_rate_allow_src_inline(((const struct iphdr *)l3)->saddr, 4,
				       key >> 17, rule);
	else
		ok = xr_rate_allow_src_inline(
			*(const __u64 *)&((const struct ipv6hdr *)l3)->saddr, 6,
			key >> 17, rule);
	if (!ok) {
		xr_count_limit(bpf_map_lookup_elem(&xr_limit_stats, stat_key),
			       XR_CLASS_RATE,
			       (void *)(long)ctx->data_end -
				       (void *)(long)ctx->data);
		return XDP_DROP;
	}
pass:
	xr_count(bpf_map_lookup_elem(&xr_port_stats, stat_key), 1,
		 (void *)(long)ctx->data_end - (void *)(long)ctx->data);
	return XDP_PASS;
}

/*
 * The straight path: an unfragmented TCP/UDP packet of the common shape
 * (xr_parse_common), whole in the first buffer, to an open port, to a
 * source-restricted one (a search of its source ranges), or to a closed one from whose
 * local port no flow is live (a flood of closed ports). It decides
 * exactly as xr_verdict() would; every other packet goes there.
 */
SEC("xdp.frags")
int xdp_reflector(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct xr_port_entry *port;
	struct xr_common c;
	__u32 stat_key, pass, flags;
	__u64 key;
	long common;

	common = xr_parse_common(data, data_end, &c);
	if (common < 0)
		return xr_verdict(ctx);
	stat_key = common; /* xr_stat_key(proto, dport) */

	/*
	 * The generation is kept in the port key, and the frame length read
	 * from ctx again at the end: fewer values to keep across the calls.
	 * The key takes the whole of active_gen: its flag bits land above the
	 * port table's index (xr_port() masks them off), where the drop test
	 * below finds them with one compare.
	 */
	key = (__u64)xr_config.active_gen << 17 | common;
	port = xr_port(key); /* xr_port_key(gen, proto, dport) */
	pass = port->flags & XR_PORT_ALLOW;
	/*
	 * One test on the common path for the three per-port checks. The
	 * source check is a call (__noinline): inlined, its registers cost
	 * the common paths a spill; "& 1" tells the compiler PASS is still
	 * 0 or 1, as xr_count() wants it.
	 */
	flags = port->flags & (XR_PORT_SOURCES | XR_PORT_GUARD | XR_PORT_RATE);
	if (pass && flags) {
		if (flags & (XR_PORT_GUARD | XR_PORT_RATE)) {
			long v;

			/* The guard alone: decided here (xr_guarded). */
			if (flags == XR_PORT_GUARD) {
				v = xr_guarded(ctx, c.l3, c.family, key,
					       &stat_key);
				if (v >= 0)
					return v;
			}
			if (flags == XR_PORT_RATE) {
				v = xr_rated(ctx, c.l3, c.family, key,
					     &stat_key, port->rule);
				if (v >= 0)
					return v;
			}
			v = xr_limited(ctx, c.l3, key, port);
			if (v >= 0)
				return v;
			return xr_verdict(ctx);
		}
		pass = xr_source_of(c.l3, c.family, key >> 17, port->rule) & 1;
	}

	/*
	 * xr_is_reply()'s prefilter: no live flow from that port, no reply.
	 * Whether the profile has replies on is left to xr_verdict(): with
	 * replies off the egress program records no flows, so only entries
	 * from before a reload that turned them off lead there. The DHCP
	 * client ports are decided there too (xr_is_dhcp), and so is every
	 * drop while monitor mode or a capture is on (its drop end, drop.h):
	 * enforce mode pays one compare on the key, only when it drops.
	 */
	if (!pass &&
	    (xr_drop_end_on(key >> 17) ||
	     *xr_flow_port(stat_key >> 16, stat_key) || xr_dhcp_key(stat_key)))
		return xr_verdict(ctx);

	xr_count(bpf_map_lookup_elem(&xr_port_stats, &stat_key), pass,
		 (void *)(long)ctx->data_end - (void *)(long)ctx->data);
	return XDP_DROP + pass;
}

/*
 * Egress half of the reply check: remember the flows the host opens
 * (reply.h). Attached on the interface's egress (tcx, or a clsact filter
 * on older kernels); never drops, and returns TC_ACT_UNSPEC (TCX_NEXT):
 * TC_ACT_OK would end the chain, and a CNI, shaper or monitor attached
 * after us would never see the packet.
 */
SEC("tc")
int xr_egress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	const struct xr_class_policy *cp;
	struct xr_pkt pkt = {};
	__u32 gen;
	__u32 linear = data_end - data;

	/* The parser reads the linear part only: make the headers linear. */
	if (linear < 128 && skb->len > linear) {
		if (bpf_skb_pull_data(skb, skb->len < 128 ? skb->len : 128))
			return TC_ACT_UNSPEC;
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	}
	gen = xr_config.active_gen & XR_GEN_MASK;
	cp = &xr_config.gen[gen];
	if (!cp->replies || xr_parse(data, data_end, &pkt) != XR_KIND_L4)
		return TC_ACT_UNSPEC;
	xr_flow_record(&pkt, cp,
		       xr_port(xr_port_key(gen, pkt.proto, bpf_ntohs(pkt.sport))));
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
