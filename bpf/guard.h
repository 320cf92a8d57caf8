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

#endif /* XR_GUARD_H */
