/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "Does this packet belong to a connection the host (or a container it
 * masquerades) opened?" The packet path asks only for TCP/UDP packets the
 * port table would drop, so allowed ports never pay for it.
 */
#ifndef XR_REPLY_H
#define XR_REPLY_H

#include "parse.h"

static __always_inline int xr_is_reply(const struct xr_pkt *pkt)
{
	(void)pkt;
	return 0;
}

#endif /* XR_REPLY_H */
