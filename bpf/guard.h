/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `guard: webrtc` (RFC 7983 section 7): on a WebRTC media port every
 * datagram is STUN (first byte 0-3), ZRTP (16-19), DTLS (20-63), TURN
 * ChannelData (64-79) or RTP/RTCP (128-191); anything else "MUST be
 * dropped". A STUN message is at least its 20-byte header and carries the
 * magic cookie 0x2112A442 in bytes 4-7. So a flood of random bytes to a
 * media range is dropped here from its first eight bytes, before it costs
 * the media server a syscall. Never for QUIC (443/udp uses other first
 * bytes): the loader refuses the guard on TCP entries and the built-in
 * profiles put it on media ranges only.
 *
 * Pure: no map, no helper, so it compiles natively for the unit tests too.
 */
#ifndef XR_GUARD_H
#define XR_GUARD_H

#include <linux/types.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define XR_STUN_COOKIE 0x2112A442
#define XR_STUN_HEADER 20

/*
 * Is the UDP payload at P, PLEN bytes long by the UDP length, one RFC 7983
 * lets through? The bytes read must lie before END (the IP packet's end,
 * or data_end): in a first fragment the UDP length counts bytes that are
 * not here, and what is not here cannot vouch for the datagram. DATA_END
 * is checked too, for the verifier.
 */
static __always_inline int xr_webrtc_ok(const __u8 *p, __u32 plen,
					 const void *end, const void *data_end)
{
	__u8 b;

	/* An empty datagram is none of the five. */
	if (!plen || (const void *)(p + 1) > end ||
	    (const void *)(p + 1) > data_end)
		return 0;
	b = p[0];
	if (b < 4) {
		if (plen < XR_STUN_HEADER || (const void *)(p + 8) > end ||
		    (const void *)(p + 8) > data_end)
			return 0;
		return *(const __u32 *)(p + 4) == bpf_htonl(XR_STUN_COOKIE);
	}
	/* 16-79: ZRTP, DTLS, ChannelData; 128-191: RTP and RTCP. */
	return (__u8)(b - 16) < 64 || (b & 0xc0) == 0x80;
}

/*
 * The guard on the straight path (bpf/parse.h, xr_parse_common()): L3 is
 * the IPv4 header without options or the IPv6 header (FAMILY 4 or 6) of a
 * UDP packet that parser accepted: the whole IP packet inside DATA_END,
 * not a fragment, the UDP header inside it with a length of 8 or more.
 * What the parser proved is not proved again, and the UDP header is found
 * from L3 by a constant. Returns 1 (pass) or 0 (drop) as xr_webrtc_ok()
 * would, or -1, and the caller takes the long way, when an IPv6 extension
 * header comes first or the IP packet holds fewer than 8 bytes behind the
 * UDP header: then the IP length may cut the payload short, and here it
 * never does, so only the UDP length is compared.
 */
static __always_inline int xr_guard_common(const void *l3, __u8 family,
					    const void *data_end)
{
	const struct udphdr *uh;
	const __u8 *p;
	__u32 iplen, plen;

	if (family == 4) {
		uh = l3 + sizeof(struct iphdr);
		iplen = bpf_ntohs(((const struct iphdr *)l3)->tot_len);
	} else {
		const struct ipv6hdr *ip6h = l3;

		if (ip6h->nexthdr != IPPROTO_UDP)
			return -1;
		uh = (const void *)(ip6h + 1);
		/* As if it had an IPv4 header: compared once below. */
		iplen = bpf_ntohs(ip6h->payload_len) + sizeof(struct iphdr);
	}
	p = (const __u8 *)(uh + 1);
	if (iplen < sizeof(struct iphdr) + sizeof(*uh) + 8 ||
	    (const void *)(p + 8) > data_end)
		return -1;
	plen = bpf_ntohs(uh->len) - sizeof(*uh);
	/* An empty datagram is none of the five. */
	if (!plen)
		return 0;
	if (p[0] < 4)
		return plen >= XR_STUN_HEADER &&
		       *(const __u32 *)(p + 4) == bpf_htonl(XR_STUN_COOKIE);
	return (__u8)(p[0] - 16) < 64 || (p[0] & 0xc0) == 0x80;
}

#endif /* XR_GUARD_H */
