/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packet parsers of the XDP program: pure functions over [data, data_end)
 * that touch no map and call no helper, so the same code also compiles for
 * the host and is unit-tested there (tests/unit/test_parse.c).
 *
 * Contract: xr_parse() reads only bytes inside [data, data_end) and returns
 * one of enum xr_kind, filling *pkt with what the verdict needs. Headers are
 * read from the first buffer only (for an xdp.frags program data_end ends
 * the first buffer): a header that does not fit there is XR_KIND_MALFORMED.
 * xr_parse_common() (at the end) is the short path for the usual packet:
 * it returns the port key or declines, and agrees with xr_parse() on every
 * packet it does not decline.
 */
#ifndef XR_PARSE_H
#define XR_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define XR_VLAN_MAX 2 /* 802.1ad outer + 802.1Q inner */
#define XR_IPV6_EXT_MAX 6 /* longer extension chains are malformed */

#define XR_ETH_P_8021Q 0x8100
#define XR_ETH_P_8021AD 0x88A8
#define XR_ETH_P_QINQ1 0x9100 /* pre-standard QinQ: never followed */

#define XR_IPPROTO_ICMPV6 58
#define XR_IPPROTO_HOPOPTS 0
#define XR_IPPROTO_ROUTING 43
#define XR_IPPROTO_FRAGMENT 44
#define XR_IPPROTO_AH 51
#define XR_IPPROTO_DSTOPTS 60

#define XR_ICMP_ECHOREPLY 0
#define XR_ICMP_DEST_UNREACH 3 /* includes fragmentation-needed (code 4) */
#define XR_ICMP_ECHO 8
#define XR_ICMP_TIME_EXCEEDED 11
#define XR_ICMP_PARAMETERPROB 12
#define XR_ICMPV6_DEST_UNREACH 1
#define XR_ICMPV6_PKT_TOOBIG 2
#define XR_ICMPV6_TIME_EXCEED 3
#define XR_ICMPV6_PARAMPROB 4
#define XR_ICMPV6_ECHO_REQUEST 128
#define XR_ICMPV6_ECHO_REPLY 129
#define XR_ICMPV6_MLD_QUERY 130 /* .. 132: MLDv1 query, report, done */
#define XR_ICMPV6_ND_FIRST 133 /* router solicitation .. */
#define XR_ICMPV6_ND_LAST 137 /* .. redirect */
#define XR_ICMPV6_MLD2_REPORT 143
#define XR_DHCP_SERVER_PORT 67
#define XR_DHCP_CLIENT_PORT 68
#define XR_DHCPV6_CLIENT_PORT 546
#define XR_DHCPV6_SERVER_PORT 547

enum xr_kind {
	XR_KIND_NON_IP = 0, /* neither IP nor VLAN after at most two VLAN tags */
	XR_KIND_L4, /* TCP or UDP: pkt->proto, pkt->dport, ... */
	XR_KIND_ICMP, /* ICMPv4 or ICMPv6: pkt->icmp_type */
	XR_KIND_FRAGMENT, /* a fragment after the first: no L4 header */
	XR_KIND_OTHER_IP, /* any other IP protocol: pkt->ip_proto */
	XR_KIND_MALFORMED,
};

struct xr_pkt {
	const void *l3; /* IPv4 or IPv6 header */
	__u64 ip_end; /* offset from data where the IP packet ends */
	const void *ip_limit; /* the same end as a pointer, data + ip_end */
	const void *l4; /* the TCP or UDP header, for XR_KIND_L4 (bpf/guard.h) */
	__u16 sport; /* network byte order */
	__u16 dport; /* host byte order: the port table index */
	__u8 family; /* 4 or 6 */
	__u8 proto; /* XR_PROTO_TCP / XR_PROTO_UDP for XR_KIND_L4 */
	__u8 ip_proto; /* the last next-header value */
	__u8 icmp_type;
	__u8 tcp_flags; /* byte 13 of the TCP header */
	__u8 fragment; /* 1: first fragment (IPv6: any Fragment header) */
};

/* IPv4 or IPv6 packet ends beyond the frame: the frame length comes from the caller. */
static __always_inline int xr_ip_truncated(const struct xr_pkt *pkt,
					   __u64 frame_len)
{
	return pkt->ip_end > frame_len;
}

/*
 * The L4 header must lie within the frame and within the IP packet: a
 * header in Ethernet padding beyond the IP length is malformed. Passing
 * this also proves the IP header in the frame and within the IP length.
 */
static __always_inline int xr_l4_short(const void *l4, __u32 need,
				       const void *data_end,
				       const struct xr_pkt *pkt)
{
	const void *end = l4 + need;

	return end > data_end || end > pkt->ip_limit;
}

/*
 * Fills ip_proto always; proto, sport, dport and tcp_flags (0 for UDP) for
 * XR_KIND_L4; icmp_type for XR_KIND_ICMP. The caller has filled family,
 * l3, ip_end and fragment.
 */
static __always_inline int xr_parse_l4(const void *l4, const void *data_end,
				       __u8 ip_proto, struct xr_pkt *pkt)
{
	pkt->ip_proto = ip_proto;
	if (ip_proto == IPPROTO_TCP) {
		const struct tcphdr *th = l4;

		/* Byte 12 is the data offset << 4: below 5 words is no header. */
		if (xr_l4_short(l4, sizeof(*th), data_end, pkt) ||
		    ((const __u8 *)th)[12] < (5 << 4))
			return XR_KIND_MALFORMED;
		pkt->proto = 0; /* XR_PROTO_TCP */
		pkt->l4 = l4;
		pkt->sport = th->source;
		pkt->dport = bpf_ntohs(th->dest);
		pkt->tcp_flags = ((const __u8 *)th)[13];
		return XR_KIND_L4;
	}
	if (ip_proto == IPPROTO_UDP) {
		const struct udphdr *uh = l4;

		if (xr_l4_short(l4, sizeof(*uh), data_end, pkt) ||
		    bpf_ntohs(uh->len) < sizeof(*uh))
			return XR_KIND_MALFORMED;
		pkt->proto = 1; /* XR_PROTO_UDP */
		pkt->l4 = l4;
		pkt->sport = uh->source;
		pkt->dport = bpf_ntohs(uh->dest);
		pkt->tcp_flags = 0;
		return XR_KIND_L4;
	}
	/* ICMP of the other family is just another protocol. */
	if ((ip_proto == IPPROTO_ICMP && pkt->family == 4) ||
	    (ip_proto == XR_IPPROTO_ICMPV6 && pkt->family == 6)) {
		/* type, code, checksum, and 4 bytes of rest-of-header */
		if (xr_l4_short(l4, 8, data_end, pkt))
			return XR_KIND_MALFORMED;
		pkt->icmp_type = *(const __u8 *)l4;
		return XR_KIND_ICMP;
	}
	return XR_KIND_OTHER_IP;
}

#define XR_IP_MF 0x2000 /* more fragments */
#define XR_IP_OFFSET 0x1fff /* fragment offset, in 8-byte units */

static __always_inline int xr_parse_ipv4(const void *l3, const void *data,
					 const void *data_end,
					 struct xr_pkt *pkt)
{
	const struct iphdr *iph = l3;
	__u32 hlen, tot_len;
	const void *l4;
	__be16 frag;
	__u8 vihl, proto;

	if ((const void *)(iph + 1) > data_end)
		return XR_KIND_MALFORMED;
	vihl = *(const __u8 *)iph; /* version << 4 | header length in words */
	hlen = (vihl & 0x0f) * 4;
	if ((vihl & 0xf0) != 0x40 || hlen < sizeof(*iph))
		return XR_KIND_MALFORMED;
	tot_len = bpf_ntohs(iph->tot_len);
	pkt->family = 4;
	pkt->l3 = l3;
	pkt->ip_limit = l3 + tot_len;
	pkt->ip_end = pkt->ip_limit - data;

	frag = iph->frag_off; /* tested in network order */
	if (frag & bpf_htons(XR_IP_OFFSET)) { /* a later fragment */
		if (tot_len < hlen || l3 + hlen > data_end)
			return XR_KIND_MALFORMED;
		pkt->ip_proto = iph->protocol;
		pkt->fragment = 0; /* only first fragments are flagged */
		return XR_KIND_FRAGMENT;
	}
	pkt->fragment = !!(frag & bpf_htons(XR_IP_MF));
	if (tot_len < hlen || l3 + hlen > data_end)
		return XR_KIND_MALFORMED;
	l4 = l3 + hlen;
	proto = iph->protocol;
	/*
	 * AH is followed as in IPv6 (an extension header there): the
	 * protocol under it is judged, so ICMP, TCP and UDP obey the same
	 * rules with or without AH in both families.
	 */
	if (proto == XR_IPPROTO_AH) {
		if (xr_l4_short(l4, 8, data_end, pkt))
			return XR_KIND_MALFORMED;
		proto = ((const __u8 *)l4)[0];
		l4 += ((__u32)((const __u8 *)l4)[1] + 2) * 4;
		/*
		 * One AH: a second one would pose as "another protocol"
		 * that allow_protocols may pass, with a port under it.
		 */
		if (l4 > data_end || l4 > pkt->ip_limit ||
		    proto == XR_IPPROTO_AH)
			return XR_KIND_MALFORMED;
	}
	return xr_parse_l4(l4, data_end, proto, pkt);
}

/* Hop-by-hop (0), routing (43), fragment (44), AH (51), destination options (60). */
#define XR_IPV6_EXT_MASK                                              \
	((1ULL << XR_IPPROTO_HOPOPTS) | (1ULL << XR_IPPROTO_ROUTING) | \
	 (1ULL << XR_IPPROTO_FRAGMENT) | (1ULL << XR_IPPROTO_AH) |     \
	 (1ULL << XR_IPPROTO_DSTOPTS))

static __always_inline int xr_ipv6_is_ext(__u8 nh)
{
	return nh < 64 && ((XR_IPV6_EXT_MASK >> nh) & 1);
}

static __always_inline int xr_parse_ipv6(const void *l3, const void *data,
					 const void *data_end,
					 struct xr_pkt *pkt)
{
	const struct ipv6hdr *ip6h = l3;
	const __u8 *cur, *limit;
	__u8 nh;
	int i;

	if ((const void *)(ip6h + 1) > data_end ||
	    (*(const __u8 *)ip6h & 0xf0) != 0x60)
		return XR_KIND_MALFORMED;
	pkt->family = 6;
	pkt->l3 = l3;
	pkt->ip_limit = l3 + sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len);
	pkt->ip_end = pkt->ip_limit - data;
	pkt->fragment = 0;
	nh = ip6h->nexthdr;
	cur = (const __u8 *)(ip6h + 1);
	limit = pkt->ip_limit;

	for (i = 0; i < XR_IPV6_EXT_MAX; i++) {
		__u32 len;

		if (!xr_ipv6_is_ext(nh))
			goto last;
		/*
		 * Every extension header is at least 8 bytes long, and lies
		 * within the payload length: a chain that runs past it is
		 * no packet the stack would deliver as we would judge it.
		 */
		if (cur + 8 > (const __u8 *)data_end || cur + 8 > limit)
			return XR_KIND_MALFORMED;
		if (nh == XR_IPPROTO_FRAGMENT) {
			/* bytes 2-3: offset (13 bits), reserved, M */
			__u16 frag = ((__u16)cur[2] << 8) | cur[3];

			/*
			 * One Fragment header per packet (RFC 8200 4.1): a
			 * second one would let a later fragment pose as a
			 * first, or clear what the first said.
			 */
			if (pkt->fragment)
				return XR_KIND_MALFORMED;
			if (frag & 0xfff8) {
				pkt->ip_proto = cur[0];
				return XR_KIND_FRAGMENT;
			}
			/* Offset 0, M or not (an atomic fragment): a fragment. */
			pkt->fragment = 1;
			len = 8;
		} else if (nh == XR_IPPROTO_AH) {
			len = ((__u32)cur[1] + 2) * 4;
		} else {
			len = ((__u32)cur[1] + 1) * 8;
		}
		nh = cur[0];
		cur += len;
	}
	/* Still an extension header after the bound: the chain is too long. */
	if (xr_ipv6_is_ext(nh))
		return XR_KIND_MALFORMED;
last:
	if (cur > (const __u8 *)data_end || cur > limit)
		return XR_KIND_MALFORMED;
	return xr_parse_l4(cur, data_end, nh, pkt);
}

/*
 * Ethernet, up to two VLAN tags, then IPv4 or IPv6. EtherTypes are read as
 * __be16 rather than through struct ethhdr, which is packed: clang would
 * read it a byte at a time.
 */
static __always_inline int xr_is_vlan(__be16 h_proto)
{
	return h_proto == bpf_htons(XR_ETH_P_8021Q) ||
	       h_proto == bpf_htons(XR_ETH_P_8021AD);
}

static __always_inline int xr_parse(const void *data, const void *data_end,
				    struct xr_pkt *pkt)
{
	const void *cur = data + ETH_HLEN;
	__be16 h_proto;
	int i;

	if (cur > data_end)
		return XR_KIND_MALFORMED;
	h_proto = *(const __be16 *)(data + ETH_ALEN * 2);

	for (i = 0; i < XR_VLAN_MAX; i++) {
		if (!xr_is_vlan(h_proto))
			break;
		/* A VLAN tag: TCI, then the encapsulated EtherType. */
		if (cur + 4 > data_end)
			return XR_KIND_MALFORMED;
		h_proto = *(const __be16 *)(cur + 2);
		cur += 4;
	}

	if (h_proto == bpf_htons(ETH_P_IP))
		return xr_parse_ipv4(cur, data, data_end, pkt);
	if (h_proto == bpf_htons(ETH_P_IPV6))
		return xr_parse_ipv6(cur, data, data_end, pkt);
	/*
	 * Still a tag after the ones we follow: the kernel strips VLAN
	 * priority tags (VID 0) and would deliver what is behind them, so
	 * "more tags than we follow" is no harmless non-IP frame.
	 */
	if (xr_is_vlan(h_proto) || h_proto == bpf_htons(XR_ETH_P_QINQ1))
		return XR_KIND_MALFORMED;
	return XR_KIND_NON_IP;
}

/*
 * The short path: xr_parse_common() at the end, its helpers first.
 */

/* What xr_parse_common() tells besides the port: where the source address is. */
struct xr_common {
	const void *l3; /* the IPv4 or IPv6 header */
	__u8 family; /* 4 or 6 */
};

/*
 * xr_parse_common()'s TCP or UDP header at L4, the IP packet ending at
 * IP_LIMIT, which the caller has found within the frame.
 */
static __always_inline long xr_common_l4_in(const void *l4,
					    const void *ip_limit,
					    const void *data_end, __u8 ip_proto)
{
	if (ip_proto == IPPROTO_TCP) {
		const struct tcphdr *th = l4;

		if ((const void *)(th + 1) > data_end ||
		    (const void *)(th + 1) > ip_limit ||
		    ((const __u8 *)th)[12] < (5 << 4))
			return -1;
		return bpf_ntohs(th->dest); /* XR_PROTO_TCP << 16 is 0 */
	}
	if (ip_proto == IPPROTO_UDP) {
		const struct udphdr *uh = l4;

		if ((const void *)(uh + 1) > data_end ||
		    (const void *)(uh + 1) > ip_limit ||
		    bpf_ntohs(uh->len) < sizeof(*uh))
			return -1;
		return 1 << 16 | bpf_ntohs(uh->dest); /* XR_PROTO_UDP */
	}
	return -1;
}

/* The same, the IP packet not yet found within the frame. */
static __always_inline long xr_common_l4(const void *l4, const void *ip_limit,
					 const void *data_end, __u8 ip_proto)
{
	if (ip_limit > data_end)
		return -1;
	return xr_common_l4_in(l4, ip_limit, data_end, ip_proto);
}

static __always_inline long xr_common_ipv4(const void *l3,
					   const void *data_end,
					   struct xr_common *c)
{
	const struct iphdr *iph = l3;

	/* 0x45: version 4, five words, no options */
	if ((const void *)(iph + 1) > data_end || *(const __u8 *)iph != 0x45 ||
	    (iph->frag_off & bpf_htons(XR_IP_MF | XR_IP_OFFSET)))
		return -1;
	c->l3 = l3;
	c->family = 4;
	return xr_common_l4(iph + 1, l3 + bpf_ntohs(iph->tot_len), data_end,
			    iph->protocol);
}

/* Extension headers the short path follows: hop-by-hop + destination options, say. */
#define XR_COMMON_EXT 2

/*
 * Up to XR_COMMON_EXT hop-by-hop, destination options or routing headers
 * from CUR (next header NH), walked as xr_parse_ipv6() walks them (8
 * bytes at least; a header past the payload length fails there, here
 * the TCP or UDP header behind it does), then TCP or UDP; a Fragment
 * header, AH or a longer chain declines. Apart from the straight IPv6
 * case, so that a packet without extension headers pays nothing for it.
 */
static __always_inline long xr_common_ext6(const __u8 *cur, const __u8 *limit,
					   const void *data_end, __u64 nh)
{
	long key;
	int i;

	/*
	 * Opaque to the optimizer: else clang folds these tests and the
	 * caller's TCP/UDP tests into one bitmap switch that every IPv6
	 * packet pays for.
	 */
	asm volatile("" : "+r"(nh));
	for (i = 0; i < XR_COMMON_EXT; i++) {
		/*
		 * Hop-by-hop, destination options or routing: a compare
		 * each, hop-by-hop tested first for the first header (it
		 * may only be first), destination options for the next;
		 * the barriers keep clang from making a bitmap test of them
		 * (seven instructions).
		 */
		if (nh != (i ? XR_IPPROTO_DSTOPTS : XR_IPPROTO_HOPOPTS)) {
			asm volatile("" : "+r"(nh));
			if (nh !=
			    (i ? XR_IPPROTO_HOPOPTS : XR_IPPROTO_DSTOPTS)) {
				asm volatile("" : "+r"(nh));
				if (nh != XR_IPPROTO_ROUTING)
					return -1;
			}
		}
		/*
		 * Within the frame, for the verifier. Within the payload
		 * length too, or the TCP or UDP header behind it (which
		 * starts past this header's 8 bytes) fails that test below:
		 * one bounds test per header.
		 */
		if (cur + 8 > (const __u8 *)data_end)
			return -1;
		nh = cur[0];
		cur += ((__u32)cur[1] + 1) * 8;
		/*
		 * TCP or UDP, else -1: a TCP or UDP header that failed its
		 * checks then fails the extension test above too.
		 */
		key = xr_common_l4_in(cur, limit, data_end, nh);
		if (key >= 0)
			return key;
	}
	return -1;
}

static __always_inline long xr_common_ipv6(const void *l3,
					   const void *data_end,
					   struct xr_common *c)
{
	const struct ipv6hdr *ip6h = l3;
	const __u8 *cur = (const __u8 *)(ip6h + 1), *limit;
	long key;

	if ((const void *)cur > data_end || (*(const __u8 *)ip6h & 0xf0) != 0x60)
		return -1;
	c->l3 = l3;
	c->family = 6;
	limit = cur + bpf_ntohs(ip6h->payload_len);
	if ((const void *)limit > data_end) /* once, for the chain too */
		return -1;
	key = xr_common_l4_in(cur, limit, data_end, ip6h->nexthdr);
	if (key >= 0)
		return key;
	/* Not TCP or UDP right after the header: extension headers? */
	return xr_common_ext6(cur, limit, data_end, ip6h->nexthdr);
}

/*
 * The common shape on a short path of its own: Ethernet, at most two VLAN
 * tags, IPv4 without options and not fragmented or IPv6 with at most
 * XR_COMMON_EXT hop-by-hop, destination options or routing headers, then
 * TCP or UDP, the whole IP packet in the first buffer.
 * Returns xr_stat_key(proto, dport) (proto XR_PROTO_*, dport in host
 * order) and fills *c (what a source check needs), or returns -1 for any
 * other packet, which xr_parse() then parses in full. Whenever it returns
 * a key, xr_parse() returns XR_KIND_L4 with the same proto, dport, l3 and
 * family, fragment 0 and an IP packet that is not truncated
 * (bench/timing_parse_agree.c checks this on millions of mutated frames):
 * it declines more packets, never decides one otherwise.
 *
 * Why a second parser: xr_parse() fills a dozen fields on many paths, and
 * after inlining every one of them is a value the compiler must carry
 * (in one of eleven registers, or on the stack) to where the paths meet.
 * This one hands on one number, and the IP header for a source check; its
 * header offsets are constants, and untagged IPv4 is tested first.
 */
static __always_inline long xr_parse_common(const void *data,
					    const void *data_end,
					    struct xr_common *c)
{
	const void *l3 = data + ETH_HLEN;
	__u32 h_proto; /* a __be16: 32 bits, or the barrier below masks it */

	if (l3 > data_end)
		return -1;
	h_proto = *(const __be16 *)(data + ETH_ALEN * 2);
	if (h_proto == bpf_htons(ETH_P_IP)) /* untagged IPv4: one test */
		return xr_common_ipv4(l3, data_end, c);
	/*
	 * Untagged IPv6: two tests, tags one more. The barrier keeps the
	 * IPv4 test first (else clang may test for IPv6 before it), the
	 * hint the tag tests after this one.
	 */
	asm volatile("" : "+r"(h_proto));
	if (__builtin_expect(h_proto == bpf_htons(ETH_P_IPV6), 1))
		goto ipv6;
	if (h_proto != bpf_htons(XR_ETH_P_8021AD) &&
	    h_proto != bpf_htons(XR_ETH_P_8021Q)) /* xr_is_vlan(), in 32 bits */
		return -1;
	/*
	 * Room for two tags and an IPv4 header is tested once: any tagged
	 * frame this path accepts is longer (one tag, IPv4 and UDP: 46
	 * bytes), and with two tags it is the IPv4 header's own test.
	 * IPv4's offsets are constants from DATA.
	 */
	if (data + ETH_HLEN + 8 + sizeof(struct iphdr) > data_end)
		return -1;
	h_proto = *(const __be16 *)(data + ETH_HLEN + 2);
	/* The inner tag of 802.1ad is 802.1Q; others take xr_parse(). */
	if (h_proto == bpf_htons(XR_ETH_P_8021Q)) {
		h_proto = *(const __be16 *)(data + ETH_HLEN + 6);
		if (h_proto == bpf_htons(ETH_P_IP))
			return xr_common_ipv4(data + ETH_HLEN + 8, data_end, c);
		l3 += 8;
	} else {
		if (h_proto == bpf_htons(ETH_P_IP))
			return xr_common_ipv4(data + ETH_HLEN + 4, data_end, c);
		l3 += 4;
	}
	if (h_proto != bpf_htons(ETH_P_IPV6))
		return -1;
ipv6:
	return xr_common_ipv6(l3, data_end, c);
}

#endif /* XR_PARSE_H */
