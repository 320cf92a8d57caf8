/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An independent model of what bpf/parse.h decides, for the fuzz target
 * (fuzz_parse.c) and the differential replay (replay.c).
 *
 * It restates the parser's contract (the header comment of parse.h and of
 * bpf/xdp_reflector.bpf.c) over byte offsets into a buffer of known length,
 * with no pointers and no code shared with parse.h: the class of a frame,
 * its protocol and port, its ICMP type or IP protocol. Where the two differ
 * one of them is wrong, and the fuzzer prints the frame.
 *
 * model_verdict() is the second half: the verdict and the counter a fixed
 * test policy gives a parsed frame (struct model_policy), as the program's
 * header comment states it.
 */
#ifndef XR_PKT_MODEL_H
#define XR_PKT_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The same numbers as enum xr_kind, written out: the model owns its spec. */
enum model_kind {
	M_NON_IP = 0,
	M_L4,
	M_ICMP,
	M_FRAGMENT,
	M_OTHER_IP,
	M_MALFORMED,
};

struct model {
	int kind;
	int family;		   /* 4 or 6 once an IP header was read */
	size_t l3;		   /* offset of the IP header */
	size_t ip_end;		   /* offset where the IP packet says it ends */
	int proto;		   /* 0 TCP, 1 UDP (M_L4) */
	unsigned int sport, dport; /* host order (M_L4) */
	unsigned int tcp_flags;	   /* byte 13 of TCP, 0 for UDP (M_L4) */
	unsigned int icmp_type;	   /* M_ICMP */
	unsigned int ip_proto;	   /* the last next-header value */
	int fragment; /* a first fragment (IPv6: any Fragment header) */
};

static inline unsigned int m_be16(const uint8_t *b, size_t off)
{
	return (unsigned int)b[off] << 8 | b[off + 1];
}

/* Is [off, off + need) inside both the frame (n) and the IP packet? */
static inline int m_fits(const struct model *m, size_t off, size_t need,
			 size_t n)
{
	return off + need <= n && off + need <= m->ip_end;
}

static inline int model_l4(const uint8_t *b, size_t n, size_t off,
			   unsigned int proto, struct model *m)
{
	m->ip_proto = proto;
	if (proto == 6) { /* TCP: 20 bytes, data offset >= 5 words */
		if (!m_fits(m, off, 20, n) || (b[off + 12] >> 4) < 5)
			return M_MALFORMED;
		m->proto = 0;
		m->sport = m_be16(b, off);
		m->dport = m_be16(b, off + 2);
		m->tcp_flags = b[off + 13];
		return M_L4;
	}
	if (proto == 17) { /* UDP: 8 bytes, a length of at least 8 */
		if (!m_fits(m, off, 8, n) || m_be16(b, off + 4) < 8)
			return M_MALFORMED;
		m->proto = 1;
		m->sport = m_be16(b, off);
		m->dport = m_be16(b, off + 2);
		m->tcp_flags = 0;
		return M_L4;
	}
	/* ICMP of the family's own kind; the other one is another protocol. */
	if ((proto == 1 && m->family == 4) || (proto == 58 && m->family == 6)) {
		if (!m_fits(m, off, 8, n))
			return M_MALFORMED;
		m->icmp_type = b[off];
		return M_ICMP;
	}
	return M_OTHER_IP;
}

static inline int model_ipv4(const uint8_t *b, size_t n, size_t off,
			     struct model *m)
{
	size_t hlen, tot, l4;
	unsigned int frag, proto;

	if (off + 20 > n || (b[off] >> 4) != 4 || (b[off] & 15) < 5)
		return M_MALFORMED;
	hlen = (size_t)(b[off] & 15) * 4;
	tot = m_be16(b, off + 2);
	m->family = 4;
	m->l3 = off;
	m->ip_end = off + tot;
	frag = m_be16(b, off + 6);
	/* The IP header must be whole, in the frame and in the total length. */
	if (tot < hlen || off + hlen > n)
		return M_MALFORMED;
	if (frag & 0x1fff) { /* a later fragment: no L4 header here */
		m->ip_proto = b[off + 9];
		return M_FRAGMENT;
	}
	m->fragment = (frag & 0x2000) != 0;
	l4 = off + hlen;
	proto = b[off + 9];
	if (proto == 51) { /* one AH, looked through */
		if (!m_fits(m, l4, 8, n))
			return M_MALFORMED;
		proto = b[l4];
		l4 += ((size_t)b[l4 + 1] + 2) * 4;
		if (l4 > n || l4 > m->ip_end || proto == 51)
			return M_MALFORMED;
	}
	return model_l4(b, n, l4, proto, m);
}

static inline int m_ipv6_ext(unsigned int nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

static inline int model_ipv6(const uint8_t *b, size_t n, size_t off,
			     struct model *m)
{
	unsigned int nh;
	size_t cur;
	int i;

	if (off + 40 > n || (b[off] >> 4) != 6)
		return M_MALFORMED;
	m->family = 6;
	m->l3 = off;
	m->ip_end = off + 40 + m_be16(b, off + 4);
	nh = b[off + 6];
	cur = off + 40;
	/* At most six extension headers, each at least 8 bytes. */
	for (i = 0; i < 6 && m_ipv6_ext(nh); i++) {
		if (!m_fits(m, cur, 8, n))
			return M_MALFORMED;
		if (nh == 44) {
			if (m->fragment) /* a second Fragment header */
				return M_MALFORMED;
			if (m_be16(b, cur + 2) >> 3) { /* offset != 0 */
				m->ip_proto = b[cur];
				return M_FRAGMENT;
			}
			m->fragment = 1;
			nh = b[cur];
			cur += 8;
		} else if (nh == 51) {
			nh = b[cur];
			cur += ((size_t)b[cur + 1] + 2) * 4;
		} else {
			nh = b[cur];
			cur += ((size_t)b[cur + 1] + 1) * 8;
		}
	}
	if (m_ipv6_ext(nh) || cur > n || cur > m->ip_end)
		return M_MALFORMED;
	return model_l4(b, n, cur, nh, m);
}

/* The class of the frame B[0..N) and what goes with it, into *M. */
static inline int model_parse(const uint8_t *b, size_t n, struct model *m)
{
	size_t off = 14;
	unsigned int et;
	int tags;

	memset(m, 0, sizeof(*m));
	if (n < 14)
		return m->kind = M_MALFORMED;
	et = m_be16(b, 12);
	/* Two VLAN tags (0x8100, 0x88a8) are followed; a third is malformed. */
	for (tags = 0; et == 0x8100 || et == 0x88a8; tags++) {
		if (tags == 2 || off + 4 > n)
			return m->kind = M_MALFORMED;
		et = m_be16(b, off + 2);
		off += 4;
	}
	if (et == 0x0800)
		return m->kind = model_ipv4(b, n, off, m);
	if (et == 0x86dd)
		return m->kind = model_ipv6(b, n, off, m);
	if (et == 0x9100) /* pre-standard QinQ: never followed */
		return m->kind = M_MALFORMED;
	return m->kind = M_NON_IP;
}

/* ---- The verdict of a fixed test policy ---------------------------------- */

/* Class numbers (enum xr_class), written out as the model's own. */
enum model_class {
	MC_NON_IP = 0,
	MC_ICMP,
	MC_FRAGMENT,
	MC_OTHER_IP,
	MC_MALFORMED,
	MC_REPLY,
	MC_DHCP,
	MC_PORT = -1, /* a (protocol, port) counter */
};

/*
 * The replay's policy: TCP 443 and 7881, UDP 44200-44300 open, no sources;
 * replies off (the flow table is empty anyway); the class knobs as given.
 */
struct model_policy {
	int drop_echo, drop_frags, other_ip_pass, icmp_info_pass;
	int allow_proto; /* one IP protocol always passed, or -1 */
};

static inline int model_port_open(int proto, unsigned int port)
{
	if (proto == 0)
		return port == 443 || port == 7881;
	return port >= 44200 && port <= 44300;
}

static inline int model_icmp_pass(const struct model *m,
				  const struct model_policy *p)
{
	unsigned int t = m->icmp_type;

	if (m->family == 4) {
		if (t == 8)
			return !p->drop_echo;
		/* echo reply, unreachable, time exceeded, parameter problem */
		if (t == 0 || t == 3 || t == 11 || t == 12)
			return 1;
		return p->icmp_info_pass;
	}
	if (t == 128)
		return !p->drop_echo;
	/* errors 1-4, echo reply, MLD 130-132 and 143, ND 133-137 */
	if ((t >= 1 && t <= 4) || t == 129 || (t >= 130 && t <= 137) ||
	    t == 143)
		return 1;
	return p->icmp_info_pass;
}

/*
 * The verdict (1 pass, 0 drop) for a frame of FRAME_LEN bytes the model
 * parsed into M; *cls the class counter that moves, MC_PORT for the port's.
 */
static inline int model_verdict(const struct model *m, size_t frame_len,
				const struct model_policy *p, int *cls)
{
	int kind = m->kind;

	if (kind == M_NON_IP) {
		*cls = MC_NON_IP;
		return 1;
	}
	/* The IP packet must lie within the frame. */
	if (kind != M_MALFORMED && m->ip_end > frame_len)
		kind = M_MALFORMED;
	if (kind != M_MALFORMED && m->fragment && p->drop_frags) {
		*cls = MC_FRAGMENT;
		return 0;
	}
	switch (kind) {
	case M_L4:
		if (model_port_open(m->proto, m->dport)) {
			*cls = MC_PORT;
			return 1;
		}
		/* DHCP answers to the host's client: 67 -> 68, 547 -> 546. */
		if (m->proto == 1 &&
		    ((m->family == 4 && m->sport == 67 && m->dport == 68) ||
		     (m->family == 6 && m->sport == 547 && m->dport == 546))) {
			*cls = MC_DHCP;
			return 1;
		}
		*cls = MC_PORT;
		return 0;
	case M_ICMP:
		*cls = MC_ICMP;
		return model_icmp_pass(m, p);
	case M_FRAGMENT:
		*cls = MC_FRAGMENT;
		return !p->drop_frags;
	case M_OTHER_IP:
		*cls = MC_OTHER_IP;
		return p->other_ip_pass || (int)m->ip_proto == p->allow_proto;
	default:
		*cls = MC_MALFORMED;
		return 0;
	}
}

#endif /* XR_PKT_MODEL_H */
