// SPDX-License-Identifier: GPL-2.0
/*
 * Network addresses and port ranges (addr.h): parsing with messages that say
 * what to write instead, formatting, sorting, prefix matching.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "diag.h"

static int port_number(const char *p, size_t n, const char *whole,
		       uint16_t *out, char *why, size_t whylen)
{
	unsigned long v = 0;
	size_t i;

	while (n && *p == ' ') {
		p++;
		n--;
	}
	while (n && p[n - 1] == ' ')
		n--;
	if (!n) {
		snprintf(why, whylen,
			 "'%s' is not a port number; write a number from 1 to "
			 "65535",
			 XR_CLIPPED(whole));
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			snprintf(why, whylen,
				 "'%s' is not a port number; write a number "
				 "from 1 to 65535",
				 XR_CLIPPED(whole));
			return -EINVAL;
		}
		if (v <= 65535)
			v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0) {
		snprintf(why, whylen,
			 "port 0 is not a valid port; write a number from 1 to "
			 "65535");
		return -EINVAL;
	}
	if (v > 65535) {
		snprintf(why, whylen,
			 "port '%.*s' is above 65535; write a number from 1 to "
			 "65535",
			 (int)(n > 12 ? 12 : n), p);
		return -EINVAL;
	}
	*out = (uint16_t)v;
	return 0;
}

int xr_parse_ports(const char *s, bool range_ok, uint16_t *first,
		   uint16_t *last, char *why, size_t whylen)
{
	const char *dash = strchr(s, '-');
	const char *colon = strchr(s, ':');
	uint16_t a, b;
	int err;

	/* ufw's and iptables' "first:last": say what this syntax is. */
	if (!dash && colon &&
	    !port_number(s, (size_t)(colon - s), s, &a, why, whylen) &&
	    !port_number(colon + 1, strlen(colon + 1), s, &b, why, whylen)) {
		if (range_ok)
			snprintf(why, whylen,
				 "'%s' is ufw's range syntax; write '%u-%u'",
				 XR_CLIPPED(s), a < b ? a : b, a < b ? b : a);
		else
			snprintf(why, whylen,
				 "'%s' is ufw's range syntax; write 'ports: "
				 "%u-%u'",
				 XR_CLIPPED(s), a < b ? a : b, a < b ? b : a);
		return -EINVAL;
	}
	if (!dash)
		err = port_number(s, strlen(s), s, &a, why, whylen);
	else if (!range_ok) {
		snprintf(why, whylen,
			 "'port' takes one port, found '%s'; write 'ports: %s' "
			 "for a range",
			 XR_CLIPPED(s), XR_CLIPPED(s));
		return -EINVAL;
	} else {
		err = port_number(s, (size_t)(dash - s), s, &a, why, whylen);
		if (!err)
			err = port_number(dash + 1, strlen(dash + 1), s, &b,
					  why, whylen);
		if (!err && a > b) {
			snprintf(why, whylen,
				 "port range '%s' is inverted; write '%u-%u'",
				 XR_CLIPPED(s), b, a);
			return -EINVAL;
		}
	}
	if (err)
		return err;
	*first = a;
	*last = dash ? b : a;
	return 0;
}

const char *xr_ports_text(uint16_t first, uint16_t last, char *buf, size_t len)
{
	if (first == last)
		snprintf(buf, len, "%u", first);
	else
		snprintf(buf, len, "%u-%u", first, last);
	return buf;
}

const char *xr_proto_name(unsigned int protos)
{
	switch (protos) {
	case XR_PROTO_BIT(XR_PROTO_TCP):
		return "tcp";
	case XR_PROTO_BIT(XR_PROTO_UDP):
		return "udp";
	case XR_PROTO_BOTH:
		return "tcp+udp";
	}
	return "?";
}

/* ::ffff:0:0/96, where the packet path keeps IPv4 addresses. */
static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0,    0,
					    0, 0, 0, 0, 0xff, 0xff};

bool xr_prefix_match(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (!rest)
		return true;
	return !((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest)));
}

void xr_addr_to_v6(int family, const uint8_t *addr, unsigned int plen,
		   uint8_t out[16], unsigned int *out_plen)
{
	if (family == AF_INET) {
		memcpy(out, v4mapped_prefix, sizeof(v4mapped_prefix));
		memcpy(out + 12, addr, 4);
		*out_plen = 96 + plen;
	} else {
		memcpy(out, addr, 16);
		*out_plen = plen;
	}
}

bool xr_cidr_contains(const struct xr_cidr *net, int family,
		      const uint8_t *addr)
{
	uint8_t key[16], n[16];
	unsigned int plen, nplen;

	xr_addr_to_v6(family, addr, family == AF_INET ? 32 : 128, key, &plen);
	xr_addr_to_v6(net->family, net->addr, net->prefixlen, n, &nplen);
	return xr_prefix_match(key, n, nplen);
}

int xr_parse_cidr(const char *s, struct xr_cidr *c, char *why, size_t whylen)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned int max, plen, i;
	uint8_t masked[16];

	memset(c, 0, sizeof(*c));
	if (!alen || alen >= sizeof(addr))
		goto bad_addr;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (strchr(addr, ':')) {
		c->family = AF_INET6;
		max = 128;
	} else {
		c->family = AF_INET;
		max = 32;
	}
	if (inet_pton(c->family, addr, c->addr) != 1)
		goto bad_addr;
	plen = max;
	if (slash) {
		const char *p = slash + 1;
		size_t n = strlen(p);

		if (!n || n > 3 || strspn(p, "0123456789") != n ||
		    (plen = (unsigned int)atoi(p)) > max) {
			snprintf(why, whylen,
				 "'%s' has a bad prefix length; write /0 to "
				 "/%u after the address",
				 XR_CLIPPED(s), max);
			return -EINVAL;
		}
	}
	c->prefixlen = (uint8_t)plen;

	memset(masked, 0, sizeof(masked));
	for (i = 0; i < max / 8; i++) {
		if (i * 8 + 8 <= plen)
			masked[i] = c->addr[i];
		else if (i * 8 < plen)
			masked[i] =
				c->addr[i] & (uint8_t)(0xff << (8 - plen % 8));
	}
	if (memcmp(masked, c->addr, max / 8)) {
		char net[INET6_ADDRSTRLEN];

		inet_ntop(c->family, masked, net, sizeof(net));
		snprintf(why, whylen,
			 "'%s' has host bits set; did you mean '%s/%u'?",
			 XR_CLIPPED(s), net, plen);
		return -EINVAL;
	}
	if (c->family == AF_INET6) {
		/*
		 * The packet path matches IPv4 sources as ::ffff:a.b.c.d, so
		 * these IPv6 networks would silently cover IPv4 hosts too.
		 */
		if (plen >= 96 && !memcmp(c->addr, v4mapped_prefix, 12)) {
			char v4[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, c->addr + 12, v4, sizeof(v4));
			snprintf(why, whylen,
				 "'%s' is an IPv4-mapped address; write it as "
				 "IPv4: '%s/%u'",
				 XR_CLIPPED(s), v4, plen - 96);
			return -EINVAL;
		}
		if (plen < 96 &&
		    xr_prefix_match(c->addr, v4mapped_prefix, plen)) {
			snprintf(why, whylen,
				 "'%s' also covers every IPv4 address "
				 "(::ffff:0:0/96); list the networks you mean, "
				 "or leave 'sources' out to allow everyone",
				 XR_CLIPPED(s));
			return -EINVAL;
		}
	}
	return 0;

bad_addr:
	snprintf(why, whylen,
		 "'%s' is not an IPv4 or IPv6 address or network; write e.g. "
		 "192.0.2.0/24, 2001:db8::/32 or 192.0.2.7",
		 XR_CLIPPED(s));
	return -EINVAL;
}

int xr_cidr_cmp(const struct xr_cidr *a, const struct xr_cidr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->prefixlen != b->prefixlen)
		return a->prefixlen < b->prefixlen ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

static int cidr_qcmp(const void *a, const void *b)
{
	return xr_cidr_cmp(a, b);
}

size_t xr_cidrs_normalize(struct xr_cidr *v, size_t n)
{
	size_t i, out = 0;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cidr_qcmp);
	for (i = 1; i < n; i++)
		if (xr_cidr_cmp(&v[out], &v[i]))
			v[++out] = v[i];
	return out + 1;
}

void xr_cidr_format(const struct xr_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(c->family, c->addr, a, sizeof(a)))
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%s/%u", a, c->prefixlen);
}
