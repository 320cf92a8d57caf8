/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network addresses and port ranges, one implementation for the profile
 * parser, the compiler and the pin writer: ports and ranges, CIDRs, prefix
 * matching and the IPv4-mapped form (::ffff:a.b.c.d) in which the packet
 * path keeps every source (include/xdp_reflector.h).
 */
#ifndef XR_ADDR_H
#define XR_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdp_reflector.h"

struct xr_cidr {
	uint8_t family;	   /* AF_INET or AF_INET6 */
	uint8_t prefixlen; /* 0..32 or 0..128 */
	uint8_t addr[16];  /* network byte order; IPv4 in the first 4 bytes */
};

#define XR_PROTO_BIT(p) (1U << (p))
#define XR_PROTO_BOTH (XR_PROTO_BIT(XR_PROTO_TCP) | XR_PROTO_BIT(XR_PROTO_UDP))

/*
 * "443" -> 443..443; "44200-44300" -> 44200..44300 when RANGE_OK. On error
 * returns -EINVAL and writes a message (what is wrong; what is right) to WHY.
 */
int xr_parse_ports(const char *s, bool range_ok, uint16_t *first,
		   uint16_t *last, char *why, size_t whylen);
/* "443" or "44200-44300". */
const char *xr_ports_text(uint16_t first, uint16_t last, char *buf, size_t len);
/* A XR_PROTO_BIT() mask as "tcp", "udp" or "tcp+udp". */
const char *xr_proto_name(unsigned int protos);

/* "10.0.0.0/8", "2001:db8::/32", "192.0.2.1" (/32), "2001:db8::1" (/128). */
int xr_parse_cidr(const char *s, struct xr_cidr *c, char *why, size_t whylen);
int xr_cidr_cmp(const struct xr_cidr *a, const struct xr_cidr *b);
/* Sort and drop duplicates; returns the new count. */
size_t xr_cidrs_normalize(struct xr_cidr *v, size_t n);
/* Format a CIDR as text ("10.0.0.0/8", "2001:db8::/32"). */
void xr_cidr_format(const struct xr_cidr *c, char *buf, size_t len);

/* Do the first BITS bits of A and B agree? */
bool xr_prefix_match(const uint8_t *a, const uint8_t *b, unsigned int bits);
/*
 * ADDR (FAMILY's bytes) with prefix length PLEN as the packet path keys it:
 * IPv6 as is, IPv4 as ::ffff:a.b.c.d with 96 added to PLEN.
 */
void xr_addr_to_v6(int family, const uint8_t *addr, unsigned int plen,
		   uint8_t out[16], unsigned int *out_plen);
/* Is ADDR (FAMILY's bytes) inside NET, compared as the packet path does? */
bool xr_cidr_contains(const struct xr_cidr *net, int family,
		      const uint8_t *addr);

#endif /* XR_ADDR_H */
