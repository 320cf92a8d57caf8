// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_PROG_TEST_RUN fixture table of the XDP program: one row per verdict
 * the program must give. A row is a packet described by its parts (built
 * from C initialisers below, never a hex blob), an optional tweak of the
 * class policy, the verdict, and the one counter that must move.
 *
 * For every row the whole of xr_port_stats, xr_class_stats and
 * xr_limit_stats (summed over CPUs) is read before and after the run:
 * exactly the named counter must move, by one packet and the frame length
 * in bytes, and nothing else.
 *
 * The rate-limit rows share the buckets of xr_rate_src and run in table
 * order (cmocka runs a group in order): each says which packet of its
 * source it is.
 *
 * Each row is its own cmocka test named after the row. Run as root:
 *   build/tests/fixtures
 *   build/tests/fixtures --pcap rows.pcap   # the frames, for tcpdump -r
 */
#include <arpa/inet.h> /* before the UAPI headers: glibc then wins in6_addr */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "xdp_reflector.h"
#include "parse.h" /* XR_VLAN_MAX, XR_IPV6_EXT_MAX, XR_ETH_P_* */
#include "policy.h" /* xr_sources_add(): the source lists as the loader compiles them */
#include "xdp_reflector.skel.h"

/* ---------------------------------------------------------------------
 * Headers the UAPI does not export.
 */
struct vlan_tag {
	__be16 tci;
	__be16 proto; /* the encapsulated EtherType */
};

struct ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | M */
	__be32 identification;
};

struct arp_ipv4 {
	__be16 htype, ptype;
	__u8 hlen, plen;
	__be16 oper;
	__u8 sha[ETH_ALEN], spa[4], tha[ETH_ALEN], tpa[4];
} __attribute__((packed));

#define ETH_P_LLDP_ 0x88CC
#define ETH_P_ARP_ 0x0806
#define IPPROTO_GRE_ 47
#define IPPROTO_ESP_ 50
#define IPPROTO_SCTP_ 132
#define IPPROTO_NONE_ 59 /* IPv6 "no next header" */

/* ---------------------------------------------------------------------
 * The test policy. Generation 0 is a Caddy + LiveKit host; generation 1
 * differs in ports, sources and class defaults so that a flip of
 * xr_config.active_gen visibly changes verdicts.
 */
struct port_rule {
	__u32 gen;
	__u32 proto;
	__u16 first, last;
	__u16 rule;
	__u8 flags;
};

static const struct port_rule policy_ports[] = {
	{ 0, XR_PROTO_TCP, 443, 443, 0, XR_PORT_ALLOW },
	{ 0, XR_PROTO_TCP, 80, 80, 1, XR_PORT_ALLOW },
	{ 0, XR_PROTO_TCP, 7881, 7881, 2, XR_PORT_ALLOW },
	{ 0, XR_PROTO_UDP, 44200, 44300, 3, XR_PORT_ALLOW },
	{ 0, XR_PROTO_TCP, 8888, 8888, 4, XR_PORT_ALLOW | XR_PORT_SOURCES },
	{ 0, XR_PROTO_TCP, 8889, 8889, 5, XR_PORT_ALLOW | XR_PORT_SOURCES },
	/* 1000 networks per family: the rows below and big_list(). */
	{ 0, XR_PROTO_TCP, 8890, 8890, 6, XR_PORT_ALLOW | XR_PORT_SOURCES },
	/* 1000 networks per family in 3 prefix lengths each: a hashed list. */
	{ 0, XR_PROTO_TCP, 8891, 8891, 7, XR_PORT_ALLOW | XR_PORT_SOURCES },
	/* guard: webrtc on a media range; rate limits on SSH and TURN. */
	{ 0, XR_PROTO_UDP, 46000, 46100, 8, XR_PORT_ALLOW | XR_PORT_GUARD },
	{ 0, XR_PROTO_TCP, 2222, 2222, 9, XR_PORT_ALLOW | XR_PORT_RATE },
	{ 0, XR_PROTO_UDP, 3478, 3478, 10, XR_PORT_ALLOW | XR_PORT_RATE },
	/* Generation 1: 443 and 7881 gone, 9000 new, 8888 from other sources,
	 * the media range and 2222 without guard or rate. */
	{ 1, XR_PROTO_UDP, 46000, 46100, 8, XR_PORT_ALLOW },
	{ 1, XR_PROTO_TCP, 2222, 2222, 9, XR_PORT_ALLOW },
	{ 1, XR_PROTO_TCP, 80, 80, 0, XR_PORT_ALLOW },
	{ 1, XR_PROTO_TCP, 9000, 9000, 1, XR_PORT_ALLOW },
	{ 1, XR_PROTO_UDP, 44200, 44300, 3, XR_PORT_ALLOW },
	{ 1, XR_PROTO_TCP, 8888, 8888, 4, XR_PORT_ALLOW | XR_PORT_SOURCES },
};

/* xr_rate_rules of generation 0: 2222/tcp 1/min burst 2, 3478/udp 1/min burst 1. */
#define MINUTE_NS (60ULL * 1000000000ULL)
static const struct {
	__u32 rule;
	struct xr_rate_rule rr;
} policy_rates[] = {
	{ 9, { MINUTE_NS, MINUTE_NS, (XR_PROTO_TCP << 16) | 2222, 0 } },
	{ 10, { MINUTE_NS, 0, (XR_PROTO_UDP << 16) | 3478, 0 } },
};

struct source_rule {
	__u32 gen;
	__u16 rule;
	const char *cidr;
};

/* Rule 4 has the same index in both generations: the set must include the gen. */
static const struct source_rule policy_sources[] = {
	{ 0, 4, "192.0.2.0/24" },
	{ 0, 4, "2001:db8:1::/48" },
	{ 0, 5, "203.0.113.0/24" }, /* another rule's list: no use for 8888 */
	{ 1, 4, "198.51.100.0/24" },
	{ 1, 4, "2001:db8:2::/48" },
	/* Rule 6 (tcp 8890): these, then big_list()'s, 1000 per family. */
	{ 0, 6, "10.0.0.0/8" },
	{ 0, 6, "172.16.0.0/24" }, /* with the next: one range */
	{ 0, 6, "172.16.1.0/24" },
	{ 0, 6, "172.16.1.128/25" }, /* inside the one before */
	{ 0, 6, "203.0.113.77/32" },
	{ 0, 6, "2001:db8:100::/48" },
	{ 0, 6, "2001:db8:200::1/128" },
	{ 0, 6, "2001:db8:300::/40" },
	{ 0, 6, "2001:db8:301::/48" }, /* inside the one before */
	/* Rule 7 (tcp 8891): these, then hash_list()'s, 1000 per family. */
	{ 0, 7, "10.1.0.0/16" },
	{ 0, 7, "10.1.2.0/24" }, /* inside the one before */
	{ 0, 7, "203.0.113.77/32" },
	{ 0, 7, "203.0.113.77/32" }, /* listed twice */
	{ 0, 7, "2001:db8:100::/48" },
	{ 0, 7, "2001:db8:100:5::/64" }, /* inside the one before */
	{ 0, 7, "2001:db8:200::1/128" },
};

/*
 * The rest of rule 6's 1000 networks per family, spread over the address
 * space away from the rows' networks, prefix lengths /16-/32 and
 * /32-/128: adjacent and nested ones included, so ranges merge.
 */
#define BIG_RULE 6
#define BIG_PER_FAMILY 1000
#define BIG_STATIC4 5
#define BIG_STATIC6 4

static size_t big_list(struct xr_cidr *out)
{
	size_t n = 0;
	__u32 i;
	int b;

	for (i = 0; i < BIG_PER_FAMILY - BIG_STATIC4; i++) {
		struct xr_cidr *c = &out[n++];
		unsigned int len = 16 + i % 17;
		__u32 a = 0x0c000000u + i * ((0x9f000000u - 0x0c000000u) /
					     (BIG_PER_FAMILY - BIG_STATIC4));

		if (i % 7 == 3) { /* right after the network before: merges */
			__u32 prev;

			memcpy(&prev, out[n - 2].addr, 4);
			a = ntohl(prev) + (1u << (32 - out[n - 2].prefixlen));
		}
		memset(c, 0, sizeof(*c));
		c->family = AF_INET;
		c->prefixlen = (__u8)len;
		a &= len ? ~0u << (32 - len) : 0;
		a = htonl(a);
		memcpy(c->addr, &a, 4);
	}
	for (i = 0; i < BIG_PER_FAMILY - BIG_STATIC6; i++) {
		struct xr_cidr *c = &out[n++];
		unsigned int len = 32 + i % 97;
		__u64 hi = 0x2400000000000000ull + (__u64)i * 0x000fedcba9876543ull;
		__u64 lo = 0x0123456789abcdefull * (i + 1);

		memset(c, 0, sizeof(*c));
		c->family = AF_INET6;
		c->prefixlen = (__u8)len;
		for (b = 0; b < 8; b++) {
			c->addr[b] = (__u8)(hi >> (56 - 8 * b));
			c->addr[8 + b] = (__u8)(lo >> (56 - 8 * b));
		}
		for (b = len; b < 128; b++) /* clear the host bits */
			c->addr[b / 8] &= (__u8)~(0x80 >> (b % 8));
	}
	return n;
}

/*
 * The rest of rule 7's 1000 networks per family: prefix lengths /16, /24,
 * /32 and /48, /64, /128 only (what an operator's list looks like), so
 * the loader hashes the list (struct xr_source_hash) rather than
 * searching it; spread, with neighbours and nested ones, and one IPv6
 * /128 inside ::ffff:0:0/96 (the parser refuses it; built here), which
 * must match nothing.
 */
#define HASH_RULE 7
#define HASH_STATIC4 4
#define HASH_STATIC6 3

static size_t hash_list(struct xr_cidr *out)
{
	static const unsigned int len4[] = { 16, 24, 32 }, len6[] = { 48, 64, 128 };
	size_t n = 0;
	__u32 i;
	int b;

	for (i = 0; i < BIG_PER_FAMILY - HASH_STATIC4; i++) {
		struct xr_cidr *c = &out[n++];
		unsigned int len = len4[i % 3];
		__u32 a = 0x0b000000u + i * 0x00a3d70bu;

		if (i % 5 == 4) /* right after the network before */
			a = (__u32)((out[n - 2].addr[0] << 24 | out[n - 2].addr[1] << 16 |
				     out[n - 2].addr[2] << 8 | out[n - 2].addr[3]) +
				    (1u << (32 - out[n - 2].prefixlen)));
		/* Away from the static networks above (and the rows'). */
		if ((a >> 24) == 10 || (a >> 24) == 203 || (a >> 24) == 192)
			a ^= 0x40000000u;
		memset(c, 0, sizeof(*c));
		c->family = AF_INET;
		c->prefixlen = (__u8)len;
		a &= ~0u << (32 - len) | (len == 32 ? ~0u : 0);
		a = htonl(a);
		memcpy(c->addr, &a, 4);
	}
	for (i = 0; i < BIG_PER_FAMILY - HASH_STATIC6; i++) {
		struct xr_cidr *c = &out[n++];
		unsigned int len = len6[i % 3];
		__u64 hi = 0x2600000000000000ull + (__u64)i * 0x0000fedcba987654ull;
		__u64 lo = 0x0fedcba987654321ull * (i + 1);

		memset(c, 0, sizeof(*c));
		c->family = AF_INET6;
		c->prefixlen = (__u8)len;
		if (i == 8) { /* ::ffff:10.1.0.1/128: IPv4-mapped */
			hi = 0;
			lo = 0x0000ffff0a010001ull;
		}
		for (b = 0; b < 8; b++) {
			c->addr[b] = (__u8)(hi >> (56 - 8 * b));
			c->addr[8 + b] = (__u8)(lo >> (56 - 8 * b));
		}
		for (b = len; b < 128; b++) /* clear the host bits */
			c->addr[b / 8] &= (__u8)~(0x80 >> (b % 8));
	}
	return n;
}

static const struct xr_config policy_config = {
	.active_gen = 0,
	.gen = {
		[0] = { 0 },
		[1] = { .drop_echo = 1, .drop_frags = 1, .other_ip_pass = 1 },
	},
};

/*
 * Flows the host opened, as the egress program would have recorded them
 * (bpf/reply.h): local = the rows' default destination. AGE is how long ago
 * the host last sent in the flow.
 */
struct flow_rule {
	int family;
	__u8 proto; /* XR_PROTO_* */
	__u16 local_port;
	const char *remote;
	__u16 remote_port;
	__u64 age_secs;
};

static const struct flow_rule policy_flows[] = {
	{ 4, XR_PROTO_TCP, 41000, "198.51.100.20", 443, 1 },
	{ 6, XR_PROTO_UDP, 41001, "2001:db8:53::53", 53, 1 },
	{ 4, XR_PROTO_UDP, 41002, "198.51.100.53", 53, 200 }, /* > UDP timeout */
	{ 6, XR_PROTO_TCP, 41003, "2001:db8:443::1", 443, 1 },
};

/* Reply timeouts the rows run with (the built-in defaults). */
#define ROW_TCP_SECS XR_REPLY_TCP_SECS
#define ROW_UDP_SECS XR_REPLY_UDP_SECS
#define ROW_CLOSED_SECS XR_REPLY_CLOSED_SECS

/* ---------------------------------------------------------------------
 * Packet descriptions and the builder.
 */
enum ext6 { /* 0 ends the list, so these are not the protocol numbers */
	EXT_END = 0,
	EXT_HOP, /* hop-by-hop options, 8 bytes */
	EXT_RT, /* routing header type 2, 24 bytes */
	EXT_DST, /* destination options, 16 bytes */
	EXT_FRAG, /* fragment header, frag_off from pkt_spec.frag6 */
	EXT_AH, /* authentication header, 24 bytes (12-byte ICV) */
};

#define EXT_LIST_MAX (XR_IPV6_EXT_MAX + 2)
#define FRAME_MAX 1024

struct frame {
	__u8 b[FRAME_MAX];
	size_t len; /* the bytes handed to the program */
	size_t l3, l4; /* offsets of the IP and L4 headers */
	size_t ext[EXT_LIST_MAX]; /* offsets of IPv6 extension headers */
	int n_ext;
	int family;
};

struct pkt_spec {
	int vlans; /* 0; 1: 802.1Q; 2: 802.1ad outer + 802.1Q inner; more: too many */
	__u16 tpid; /* every tag's TPID when set (default: 802.1ad outer, 802.1Q) */
	int vid0; /* every tag is a priority tag (VID 0), which the kernel strips */
	int family; /* 4 or 6; 0: not IP, see ethertype */
	__u16 ethertype; /* family 0 only: ETH_P_ARP_ or ETH_P_LLDP_ */
	const char *src; /* source address; a default per family */
	const char *dst; /* destination address; a default per family */
	int ah4; /* IPv4: this many authentication headers before the L4 header */
	int ip_opt_words; /* IPv4 options, 32-bit words: IHL = 5 + this */
	__u16 frag_off; /* IPv4, host order: IP_MF | IP_DF | offset in 8 bytes */
	__u8 ext[EXT_LIST_MAX]; /* IPv6 extension headers, EXT_END-terminated */
	__u16 frag6; /* IPv6 fragment header: offset << 3 | M */
	__u8 l4; /* IP protocol: TCP, UDP, ICMP, ICMPV6 or any other */
	__u16 sport; /* 0: SPORT */
	__u16 dport;
	__u8 tcp_flags; /* TCP byte 13; 0: a SYN */
	__u8 icmp_type, icmp_code;
	size_t payload; /* bytes after the L4 header; 0: see default_payload() */
	size_t pad_to; /* Ethernet padding: frame at least this long */
	void (*mangle)(struct frame *f); /* make the packet malformed */
	__u8 data[8]; /* the payload's first bytes, when data_len */
	size_t data_len;
};

static const __u8 mac_dst[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x01 };
static const __u8 mac_src[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x02 };
static const __u8 mac_lldp[ETH_ALEN] = { 0x01, 0x80, 0xc2, 0, 0, 0x0e };

#define DEFAULT_SRC4 "100.64.0.9"
#define DEFAULT_DST4 "192.168.1.10"
#define DEFAULT_SRC6 "2001:db8:ff::9"
#define DEFAULT_DST6 "2001:db8::10"
#define SPORT 40000

static void put(struct frame *f, const void *p, size_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void put_zero(struct frame *f, size_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	memset(f->b + f->len, 0, n);
	f->len += n;
}

static void pton(int af, const char *s, void *dst)
{
	if (inet_pton(af, s, dst) != 1)
		fail_msg("bad address in fixture: %s", s);
}

static __u16 csum16(const void *p, size_t n)
{
	const __u8 *b = p;
	__u32 sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (__u32)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static struct iphdr *ip4(struct frame *f)
{
	return (struct iphdr *)(f->b + f->l3);
}

static struct ipv6hdr *ip6(struct frame *f)
{
	return (struct ipv6hdr *)(f->b + f->l3);
}

static void ip4_fix_csum(struct frame *f)
{
	struct iphdr *iph = ip4(f);
	size_t hlen = iph->ihl * 4;

	if (hlen < sizeof(*iph) || f->l3 + hlen > f->len)
		hlen = sizeof(*iph);
	iph->check = 0;
	iph->check = csum16(iph, hlen);
}

/* Make the IP length fields say exactly what the frame holds. */
static void fix_ip_len(struct frame *f)
{
	if (f->family == 4 && f->len >= f->l3 + sizeof(struct iphdr)) {
		ip4(f)->tot_len = htons(f->len - f->l3);
		ip4_fix_csum(f);
	} else if (f->family == 6 && f->len >= f->l3 + sizeof(struct ipv6hdr)) {
		ip6(f)->payload_len =
			htons(f->len - f->l3 - sizeof(struct ipv6hdr));
	}
}

/* Cut the frame to n bytes; the IP length fields follow (when present). */
static void cut(struct frame *f, size_t n)
{
	assert_true(n <= f->len);
	f->len = n;
	fix_ip_len(f);
}

/* TPID of tag I of N: 802.1ad outside when there are two or more. */
static __u16 tag_tpid(const struct pkt_spec *s, int i, int n)
{
	if (s->tpid)
		return s->tpid;
	return i == 0 && n >= 2 ? XR_ETH_P_8021AD : XR_ETH_P_8021Q;
}

/* VID of tag I of N: 10 outer, 100 inner, 200 for any further tag. */
static __u16 tag_vid(const struct pkt_spec *s, int i, int n)
{
	if (s->vid0)
		return 0;
	if (i == 0 && n >= 2)
		return 10;
	return i <= 1 ? 100 : 200;
}

static void build_ethernet(const struct pkt_spec *s, struct frame *f)
{
	__u16 type = s->family == 4 ? ETH_P_IP :
		     s->family == 6 ? ETH_P_IPV6 :
				      s->ethertype;
	struct ethhdr eth = { .h_proto = htons(type) };
	int i, n = s->vlans;

	memcpy(eth.h_dest, s->ethertype == ETH_P_LLDP_ ? mac_lldp : mac_dst,
	       ETH_ALEN);
	memcpy(eth.h_source, mac_src, ETH_ALEN);
	if (n > 0)
		eth.h_proto = htons(tag_tpid(s, 0, n));
	put(f, &eth, sizeof(eth));
	for (i = 0; i < n; i++) {
		struct vlan_tag tag = {
			.tci = htons(tag_vid(s, i, n)),
			.proto = htons(i + 1 < n ? tag_tpid(s, i + 1, n) : type),
		};

		put(f, &tag, sizeof(tag));
	}
	f->l3 = f->len;
}

static void build_non_ip(const struct pkt_spec *s, struct frame *f)
{
	if (s->ethertype == ETH_P_ARP_) {
		struct arp_ipv4 arp = {
			.htype = htons(1),
			.ptype = htons(ETH_P_IP),
			.hlen = ETH_ALEN,
			.plen = 4,
			.oper = htons(1), /* who-has */
		};

		memcpy(arp.sha, mac_src, ETH_ALEN);
		pton(AF_INET, DEFAULT_SRC4, arp.spa);
		pton(AF_INET, DEFAULT_DST4, arp.tpa);
		put(f, &arp, sizeof(arp));
	} else {
		/* LLDP: chassis ID (MAC), port ID, TTL, end. TLV: 7-bit type, 9-bit length. */
		const __u8 lldp[] = {
			0x02, 0x07, 4, 0x02, 0, 0, 0, 0, 0x02, /* chassis */
			0x04, 0x03, 7, 'p', '1', /* port "p1" */
			0x06, 0x02, 0, 120, /* TTL 120 s */
			0x00, 0x00, /* end */
		};

		put(f, lldp, sizeof(lldp));
	}
}

static void build_ipv4(const struct pkt_spec *s, struct frame *f)
{
	struct iphdr iph = {
		.version = 4,
		.ihl = 5 + s->ip_opt_words,
		.id = htons(0x1234),
		.frag_off = htons(s->frag_off),
		.ttl = 64,
		.protocol = s->l4,
	};
	size_t i;

	pton(AF_INET, s->src ? s->src : DEFAULT_SRC4, &iph.saddr);
	pton(AF_INET, s->dst ? s->dst : DEFAULT_DST4, &iph.daddr);
	if (s->ah4)
		iph.protocol = XR_IPPROTO_AH;
	put(f, &iph, sizeof(iph));
	/* Options: NOPs, then end-of-list in the last byte. */
	for (i = 0; i < (size_t)s->ip_opt_words * 4; i++) {
		__u8 opt = i + 1 == (size_t)s->ip_opt_words * 4 ? 0 : 1;

		put(f, &opt, 1);
	}
	for (i = 0; i < (size_t)s->ah4; i++) {
		/* next header, length (24 bytes: (4 + 2) * 4), SPI, seq, ICV */
		__u8 ah[24] = { s->l4, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };

		if (i + 1 < (size_t)s->ah4)
			ah[0] = XR_IPPROTO_AH;
		put(f, ah, sizeof(ah));
	}
}

static __u8 ext_proto(__u8 e)
{
	static const __u8 proto[] = {
		[EXT_HOP] = XR_IPPROTO_HOPOPTS, [EXT_RT] = XR_IPPROTO_ROUTING,
		[EXT_DST] = XR_IPPROTO_DSTOPTS, [EXT_FRAG] = XR_IPPROTO_FRAGMENT,
		[EXT_AH] = XR_IPPROTO_AH,
	};

	return proto[e];
}

static void build_ext(const struct pkt_spec *s, struct frame *f, __u8 e,
		      __u8 next)
{
	f->ext[f->n_ext++] = f->len;
	switch (e) {
	case EXT_HOP: {
		/* A PadN option fills the 6 option bytes. */
		struct ipv6_opt_hdr h = { .nexthdr = next, .hdrlen = 0 };
		const __u8 padn[6] = { 1, 4 };

		put(f, &h, sizeof(h));
		put(f, padn, sizeof(padn));
		break;
	}
	case EXT_DST: {
		struct ipv6_opt_hdr h = { .nexthdr = next, .hdrlen = 1 };
		const __u8 padn[14] = { 1, 12 };

		put(f, &h, sizeof(h));
		put(f, padn, sizeof(padn));
		break;
	}
	case EXT_RT: {
		/* Type 2 (Mobile IPv6): one home address, segments left 1. */
		struct ipv6_rt_hdr h = {
			.nexthdr = next,
			.hdrlen = 2,
			.type = 2,
			.segments_left = 1,
		};
		__u8 rest[4 + 16] = { 0 };

		pton(AF_INET6, DEFAULT_DST6, rest + 4);
		put(f, &h, sizeof(h));
		put(f, rest, sizeof(rest));
		break;
	}
	case EXT_FRAG: {
		struct ipv6_frag_hdr h = {
			.nexthdr = next,
			.frag_off = htons(s->frag6),
			.identification = htonl(0xfeed),
		};

		put(f, &h, sizeof(h));
		break;
	}
	case EXT_AH: {
		struct ip_auth_hdr h = {
			.nexthdr = next,
			.hdrlen = 4, /* (4 + 2) * 4 = 24 bytes */
			.spi = htonl(0x100),
			.seq_no = htonl(1),
		};

		put(f, &h, sizeof(h));
		put_zero(f, 24 - sizeof(h)); /* ICV */
		break;
	}
	default:
		fail_msg("unknown extension header %d", e);
	}
}

static void build_ipv6(const struct pkt_spec *s, struct frame *f)
{
	struct ipv6hdr ip6h = {
		.version = 6,
		.hop_limit = 64,
	};
	int i, n = 0;

	while (n < EXT_LIST_MAX && s->ext[n] != EXT_END)
		n++;
	ip6h.nexthdr = n ? ext_proto(s->ext[0]) : s->l4;
	if (s->l4 == IPPROTO_ICMPV6 && s->icmp_type >= XR_ICMPV6_ND_FIRST &&
	    s->icmp_type <= XR_ICMPV6_ND_LAST)
		ip6h.hop_limit = 255;
	pton(AF_INET6, s->src ? s->src : DEFAULT_SRC6, &ip6h.saddr);
	pton(AF_INET6, s->dst ? s->dst : DEFAULT_DST6, &ip6h.daddr);
	put(f, &ip6h, sizeof(ip6h));
	for (i = 0; i < n; i++)
		build_ext(s, f, s->ext[i],
			  i + 1 < n ? ext_proto(s->ext[i + 1]) : s->l4);
}

static int later_fragment(const struct pkt_spec *s)
{
	int i;

	if (s->family == 4)
		return (s->frag_off & 0x1fff) != 0;
	for (i = 0; i < EXT_LIST_MAX && s->ext[i] != EXT_END; i++)
		if (s->ext[i] == EXT_FRAG && (s->frag6 >> 3))
			return 1;
	return 0;
}

/* What usually follows the L4 header, so that frames have realistic sizes. */
static size_t default_payload(const struct pkt_spec *s)
{
	if (s->payload)
		return s->payload;
	switch (s->l4) {
	case IPPROTO_TCP:
		return 0; /* a SYN */
	case IPPROTO_UDP:
		return 32;
	case IPPROTO_ICMP:
		/* echo data, or the invoking IP header + 8 bytes */
		return s->icmp_type == ICMP_ECHO ? 56 : 28;
	case IPPROTO_ICMPV6:
		switch (s->icmp_type) {
		case XR_ICMPV6_ECHO_REQUEST:
			return 56;
		case XR_ICMPV6_PKT_TOOBIG:
			return 48; /* as much of the invoking packet as fits */
		case 134:
			return 8; /* reachable time, retrans timer */
		default:
			return 16; /* the ND target address */
		}
	default:
		return 16;
	}
}

static void build_l4(const struct pkt_spec *s, struct frame *f)
{
	f->l4 = f->len;
	if (later_fragment(s))
		return; /* only payload: the L4 header was in the first fragment */

	switch (s->l4) {
	case IPPROTO_TCP: {
		struct tcphdr th = {
			.source = htons(s->sport ? s->sport : SPORT),
			.dest = htons(s->dport),
			.seq = htonl(1),
			.doff = 5,
			.syn = 1,
			.window = htons(64240),
		};

		if (s->tcp_flags)
			((__u8 *)&th)[13] = s->tcp_flags;
		put(f, &th, sizeof(th));
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr uh = {
			.source = htons(s->sport ? s->sport : SPORT),
			.dest = htons(s->dport),
			.len = htons(sizeof(uh) + default_payload(s)),
		};

		put(f, &uh, sizeof(uh));
		break;
	}
	case IPPROTO_ICMP: {
		struct icmphdr ih = {
			.type = s->icmp_type,
			.code = s->icmp_code,
		};

		if (s->icmp_type == ICMP_DEST_UNREACH &&
		    s->icmp_code == ICMP_FRAG_NEEDED)
			ih.un.frag.mtu = htons(1400);
		else
			ih.un.echo.id = htons(7);
		put(f, &ih, sizeof(ih));
		break;
	}
	case IPPROTO_ICMPV6: {
		struct icmp6hdr ih = {
			.icmp6_type = s->icmp_type,
			.icmp6_code = s->icmp_code,
		};

		if (s->icmp_type == XR_ICMPV6_PKT_TOOBIG)
			ih.icmp6_mtu = htonl(1280);
		put(f, &ih, sizeof(ih));
		break;
	}
	case IPPROTO_GRE_: {
		const __u8 gre[4] = { 0, 0, 0x08, 0x00 }; /* no flags, IPv4 */

		put(f, gre, sizeof(gre));
		break;
	}
	case IPPROTO_ESP_: {
		const __u8 esp[8] = { 0, 0, 0x01, 0, 0, 0, 0, 1 }; /* SPI, seq */

		put(f, esp, sizeof(esp));
		break;
	}
	case IPPROTO_SCTP_: {
		__u8 sctp[12] = { 0 }; /* ports, verification tag, checksum */

		sctp[0] = SPORT >> 8;
		sctp[1] = SPORT & 0xff;
		sctp[2] = s->dport >> 8;
		sctp[3] = s->dport & 0xff;
		put(f, sctp, sizeof(sctp));
		break;
	}
	default:
		break; /* IPPROTO_NONE_ and others: payload only */
	}
}

static void build(const struct pkt_spec *s, struct frame *f)
{
	size_t i, payload = default_payload(s);

	memset(f, 0, sizeof(*f));
	f->family = s->family;
	build_ethernet(s, f);
	if (s->family == 0) {
		build_non_ip(s, f);
	} else {
		if (s->family == 4)
			build_ipv4(s, f);
		else
			build_ipv6(s, f);
		build_l4(s, f);
		for (i = 0; i < payload; i++) {
			__u8 b = i < s->data_len ? s->data[i] : 0xa0 + (i & 0x0f);

			put(f, &b, 1);
		}
		fix_ip_len(f);
	}
	if (f->len < s->pad_to)
		put_zero(f, s->pad_to - f->len); /* beyond the IP length */
	if (s->mangle)
		s->mangle(f);
}

/* ---------------------------------------------------------------------
 * Malformed shapes: each starts from a good packet and breaks one thing,
 * keeping the IP length fields consistent with the frame where possible
 * so that only the check under test can reject it.
 */
static void cut_vlan_tag(struct frame *f)
{
	cut(f, ETH_HLEN + 2);
}

static void cut_inner_vlan_tag(struct frame *f)
{
	cut(f, ETH_HLEN + 4 + 2);
}

static void cut_ipv4_header(struct frame *f)
{
	cut(f, f->l3 + sizeof(struct iphdr) - 1);
}

static void ihl_4(struct frame *f)
{
	ip4(f)->ihl = 4;
	ip4_fix_csum(f);
}

static void ihl_beyond_frame(struct frame *f)
{
	/* 20 + 20 bytes present, IHL says 60, total length agrees with IHL. */
	cut(f, f->l3 + 40);
	ip4(f)->ihl = 15;
	ip4(f)->tot_len = htons(60);
	ip4_fix_csum(f);
}

static void tot_len_beyond_frame(struct frame *f)
{
	ip4(f)->tot_len = htons(ntohs(ip4(f)->tot_len) + 1);
	ip4_fix_csum(f);
}

static void tot_len_below_ihl(struct frame *f)
{
	ip4(f)->tot_len = htons(19);
	ip4_fix_csum(f);
}

static void ipv4_says_version_6(struct frame *f)
{
	ip4(f)->version = 6;
	ip4_fix_csum(f);
}

static void ipv6_says_version_4(struct frame *f)
{
	ip6(f)->version = 4;
}

static void cut_ipv6_header(struct frame *f)
{
	cut(f, f->l3 + sizeof(struct ipv6hdr) - 1);
}

static void payload_len_beyond_frame(struct frame *f)
{
	ip6(f)->payload_len = htons(ntohs(ip6(f)->payload_len) + 1);
}

static void cut_first_ext_header(struct frame *f)
{
	cut(f, f->ext[0] + 4);
}

static void ext_len_beyond_frame(struct frame *f)
{
	f->b[f->ext[0] + 1] = 255; /* hdrlen: (255 + 1) * 8 = 2048 bytes */
}

static void cut_tcp(struct frame *f)
{
	cut(f, f->l4 + sizeof(struct tcphdr) - 1);
}

static void cut_tcp_after_ports(struct frame *f)
{
	cut(f, f->l4 + 8);
}

static void tcp_doff_4(struct frame *f)
{
	((struct tcphdr *)(f->b + f->l4))->doff = 4;
}

static void cut_udp(struct frame *f)
{
	cut(f, f->l4 + sizeof(struct udphdr) - 1);
}

static void udp_len_7(struct frame *f)
{
	((struct udphdr *)(f->b + f->l4))->len = htons(7);
}

static void cut_icmp(struct frame *f)
{
	cut(f, f->l4 + 7);
}

/* The payload length ends inside the first extension header. */
static void ip6_len_inside_ext(struct frame *f)
{
	ip6(f)->payload_len = htons(4);
}

/* The payload length covers the extension headers but not the L4 header's end. */
static void ip6_len_before_l4(struct frame *f)
{
	ip6(f)->payload_len = htons(f->l4 - f->l3 - sizeof(struct ipv6hdr) + 4);
}

/*
 * The payload length ends where the TCP header starts: the header lies in
 * the frame, past the IP packet (the short path tests extension headers
 * against the frame only, the TCP or UDP header against both).
 */
static void ip6_len_at_l4(struct frame *f)
{
	ip6(f)->payload_len = htons(f->l4 - f->l3 - sizeof(struct ipv6hdr));
}

/* The first extension header's length byte 255: 2048 bytes, off the frame. */
static void ext0_len_255(struct frame *f)
{
	f->b[f->ext[0] + 1] = 255;
}

/* The second's at 255, the payload length claiming all of it. */
static void ext1_len_255_long(struct frame *f)
{
	f->b[f->ext[1] + 1] = 255;
	ip6(f)->payload_len =
		htons(f->ext[1] - f->l3 - sizeof(struct ipv6hdr) + 2048 + 20);
}

static void cut_ah4(struct frame *f)
{
	cut(f, f->l3 + sizeof(struct iphdr) + 6);
}

/* A UDP datagram with no payload at all (UDP length 8). */
static void udp_empty(struct frame *f)
{
	struct udphdr *uh = (struct udphdr *)(f->b + f->l4);

	uh->len = htons(sizeof(*uh));
	cut(f, f->l4 + sizeof(*uh));
}

/*
 * The UDP length shorter than the datagram the IP length carries: what is
 * behind it is not the datagram's (the kernel trims it away), so the
 * guard judges the UDP length's payload.
 */
static void udp_len(struct frame *f, size_t payload)
{
	struct udphdr *uh = (struct udphdr *)(f->b + f->l4);

	uh->len = htons(sizeof(*uh) + payload);
}

static void udp_len_0(struct frame *f)
{
	udp_len(f, 0);
}

static void udp_len_1(struct frame *f)
{
	udp_len(f, 1);
}

static void udp_len_19(struct frame *f)
{
	udp_len(f, 19);
}

static void udp_len_20(struct frame *f)
{
	udp_len(f, 20);
}

/*
 * The IP packet ends 1 byte into the payload, the UDP length says 20 and
 * the frame holds the rest of a STUN header (its cookie) behind the IP
 * end: bytes outside the IP packet vouch for nothing.
 */
static void stun_past_ip_end(struct frame *f)
{
	udp_len(f, 20);
	ip4(f)->tot_len = htons(sizeof(struct iphdr) + sizeof(struct udphdr) + 1);
	ip4_fix_csum(f);
}

static void tcp_in_padding(struct frame *f)
{
	/* The IP packet is its 20-byte header; the TCP header is padding. */
	ip4(f)->tot_len = htons(sizeof(struct iphdr));
	ip4_fix_csum(f);
}

/* ---------------------------------------------------------------------
 * Rows.
 */
struct tweak {
	__u32 active_gen; /* written as is: the program uses the low bit */
	__u8 drop_echo, drop_frags, other_ip_pass, replies; /* 1: set in the active gen */
	__u8 icmp_info_pass;
	int allow_proto; /* > 0: set this bit of other_ip_allow */
};

struct counter_id {
	int cls; /* enum xr_class, or -1: the port counter below */
	__u32 proto; /* XR_PROTO_* */
	__u16 port;
};

#define PORT(pr, po) { .cls = -1, .proto = XR_PROTO_##pr, .port = (po) }
/* Dropped by the guard or a rate limit: xr_limit_stats of the port. */
#define GUARDED(pr, po) { .cls = -2, .proto = XR_PROTO_##pr, .port = (po) }
#define LIMITED(pr, po) { .cls = -3, .proto = XR_PROTO_##pr, .port = (po) }
#define CLASS(c) { .cls = XR_CLASS_##c }

struct row {
	const char *name;
	struct pkt_spec pkt;
	struct tweak tweak;
	int verdict; /* XDP_PASS or XDP_DROP */
	struct counter_id counter;
	__u8 would_drop; /* counted as a would-drop (monitor mode) */
};

#define TCP4(port) .family = 4, .l4 = IPPROTO_TCP, .dport = (port)
#define TCP6(port) .family = 6, .l4 = IPPROTO_TCP, .dport = (port)
#define UDP4(port) .family = 4, .l4 = IPPROTO_UDP, .dport = (port)
#define UDP6(port) .family = 6, .l4 = IPPROTO_UDP, .dport = (port)
#define ICMP4(t, c) .family = 4, .l4 = IPPROTO_ICMP, .icmp_type = (t), .icmp_code = (c)
#define ICMP6(t) .family = 6, .l4 = IPPROTO_ICMPV6, .icmp_type = (t)
#define OTHER4(p) .family = 4, .l4 = (p)
#define OTHER6(p) .family = 6, .l4 = (p)
#define EXTS(...) .ext = { __VA_ARGS__ }

#define IP_MF_ 0x2000
#define IP_DF_ 0x4000

/* clang-format off */
static const struct row rows[] = {
	/* Not IP: always passed, whatever the policy. */
	{ .name = "arp request passes as non-IP",
	  .pkt = { .ethertype = ETH_P_ARP_ },
	  .verdict = XDP_PASS, .counter = CLASS(NON_IP) },
	{ .name = "lldp passes as non-IP",
	  .pkt = { .ethertype = ETH_P_LLDP_ },
	  .verdict = XDP_PASS, .counter = CLASS(NON_IP) },
	{ .name = "arp behind 802.1Q passes as non-IP",
	  .pkt = { .vlans = 1, .ethertype = ETH_P_ARP_ },
	  .verdict = XDP_PASS, .counter = CLASS(NON_IP) },
	{ .name = "arp behind 802.1ad+802.1Q passes as non-IP",
	  .pkt = { .vlans = 2, .ethertype = ETH_P_ARP_ },
	  .verdict = XDP_PASS, .counter = CLASS(NON_IP) },
	{ .name = "arp passes with every drop knob set (gen 1)",
	  .pkt = { .ethertype = ETH_P_ARP_ },
	  .tweak = { .active_gen = 1, .drop_echo = 1, .drop_frags = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(NON_IP) },

	/*
	 * More tags than the parser follows: malformed, never non-IP. The
	 * kernel strips priority tags (VID 0) and delivers the packet behind.
	 */
	{ .name = "three VLAN tags (802.1ad, 802.1Q, 802.1Q) to tcp 5432: malformed",
	  .pkt = { .vlans = 3, TCP4(5432) },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "three VID-0 802.1Q tags to udp 6379: malformed",
	  .pkt = { .vlans = 3, .tpid = XR_ETH_P_8021Q, .vid0 = 1, UDP4(6379) },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "three VID-0 802.1ad tags to v6 tcp 5432: malformed",
	  .pkt = { .vlans = 3, .tpid = XR_ETH_P_8021AD, .vid0 = 1, TCP6(5432) },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "three 0x9100 tags to tcp 7077: malformed",
	  .pkt = { .vlans = 3, .tpid = XR_ETH_P_QINQ1, TCP4(7077) },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "one 0x9100 tag (never followed) to tcp 443: malformed",
	  .pkt = { .vlans = 1, .tpid = XR_ETH_P_QINQ1, TCP4(443) },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "four VID-0 tags to tcp 443 (open): malformed all the same",
	  .pkt = { .vlans = 4, .vid0 = 1, TCP4(443) },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "eight tags to udp 40000: malformed",
	  .pkt = { .vlans = 8, UDP4(40000) },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "three tags in front of ARP: malformed",
	  .pkt = { .vlans = 3, .ethertype = ETH_P_ARP_ },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "two VID-0 tags to tcp 443: judged by the port, passes",
	  .pkt = { .vlans = 2, .vid0 = 1, TCP4(443) },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "two VID-0 tags to tcp 5432: judged by the port, dropped",
	  .pkt = { .vlans = 2, .vid0 = 1, TCP4(5432) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "one VID-0 tag to v6 udp 44250: judged by the port, passes",
	  .pkt = { .vlans = 1, .vid0 = 1, UDP6(44250) },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 44250) },
	{ .name = "two 802.1ad tags (inner not 802.1Q: the full parse) to tcp 443: passes",
	  .pkt = { .vlans = 2, .tpid = XR_ETH_P_8021AD, TCP4(443) },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "two 802.1ad tags (inner not 802.1Q: the full parse) to tcp 5432: dropped by port",
	  .pkt = { .vlans = 2, .tpid = XR_ETH_P_8021AD, TCP4(5432) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "one 802.1ad tag to tcp 5432: dropped by port",
	  .pkt = { .vlans = 1, .tpid = XR_ETH_P_8021AD, TCP4(5432) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "two 802.1Q tags (not ad outside) to tcp 6379: dropped by port",
	  .pkt = { .vlans = 2, .tpid = XR_ETH_P_8021Q, TCP4(6379) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 6379) },

	/* ICMPv4. */
	{ .name = "icmp4 echo request passes by default",
	  .pkt = { ICMP4(ICMP_ECHO, 0) },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp4 echo request dropped with drop_echo",
	  .pkt = { ICMP4(ICMP_ECHO, 0) }, .tweak = { .drop_echo = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "icmp4 echo reply passes with drop_echo",
	  .pkt = { ICMP4(ICMP_ECHOREPLY, 0) }, .tweak = { .drop_echo = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp4 frag-needed (3/4) passes with drop_echo",
	  .pkt = { ICMP4(ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED) },
	  .tweak = { .drop_echo = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp4 time-exceeded passes with drop_echo",
	  .pkt = { ICMP4(ICMP_TIME_EXCEEDED, 0) }, .tweak = { .drop_echo = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp4 echo request behind 802.1ad+802.1Q dropped with drop_echo",
	  .pkt = { .vlans = 2, ICMP4(ICMP_ECHO, 0) }, .tweak = { .drop_echo = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },

	/* ICMPv6: only echo requests may be dropped. */
	{ .name = "icmp6 echo request passes by default",
	  .pkt = { ICMP6(XR_ICMPV6_ECHO_REQUEST) },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp6 echo request dropped with drop_echo",
	  .pkt = { ICMP6(XR_ICMPV6_ECHO_REQUEST) }, .tweak = { .drop_echo = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "icmp6 neighbour solicitation passes with drop_echo",
	  .pkt = { ICMP6(135) }, .tweak = { .drop_echo = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp6 neighbour advertisement passes with drop_echo",
	  .pkt = { ICMP6(136) }, .tweak = { .drop_echo = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp6 router advertisement passes with drop_echo",
	  .pkt = { ICMP6(134) }, .tweak = { .drop_echo = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp6 packet-too-big passes with drop_echo (gen 1)",
	  .pkt = { ICMP6(XR_ICMPV6_PKT_TOOBIG) },
	  .tweak = { .active_gen = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp6 neighbour solicitation after hop-by-hop passes",
	  .pkt = { ICMP6(135), EXTS(EXT_HOP) }, .tweak = { .drop_echo = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp6 echo request behind 802.1Q dropped with drop_echo",
	  .pkt = { .vlans = 1, ICMP6(XR_ICMPV6_ECHO_REQUEST) },
	  .tweak = { .drop_echo = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	/*
	 * Informational ICMP (fingerprinting, redirects) is dropped unless
	 * the profile passes it; what a host needs never is.
	 */
	{ .name = "icmp4 timestamp request (13) dropped by default",
	  .pkt = { ICMP4(13, 0) },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "icmp4 timestamp reply (14) dropped by default",
	  .pkt = { ICMP4(14, 0) },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "icmp4 address mask request (17) dropped by default",
	  .pkt = { ICMP4(17, 0) },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "icmp4 address mask reply (18) dropped by default",
	  .pkt = { ICMP4(18, 0) },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "icmp4 redirect (5) dropped by default",
	  .pkt = { ICMP4(5, 1) },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "icmp4 type 42 (extended echo) dropped by default",
	  .pkt = { ICMP4(42, 0) },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "icmp4 timestamp request passes with icmp_info_pass",
	  .pkt = { ICMP4(13, 0) }, .tweak = { .icmp_info_pass = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp4 parameter problem (12) passes with drop_echo",
	  .pkt = { ICMP4(12, 0) }, .tweak = { .drop_echo = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp4 echo request passes with icmp_info_pass and no drop_echo",
	  .pkt = { ICMP4(ICMP_ECHO, 0) },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp4 echo request stays dropped with drop_echo and icmp_info_pass",
	  .pkt = { ICMP4(ICMP_ECHO, 0) },
	  .tweak = { .drop_echo = 1, .icmp_info_pass = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "icmp6 node information query (139) dropped by default",
	  .pkt = { ICMP6(139) },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "icmp6 node information reply (140) dropped by default",
	  .pkt = { ICMP6(140) },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "icmp6 type 200 (private experimentation) dropped by default",
	  .pkt = { ICMP6(200) },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "icmp6 node information query passes with icmp_info_pass",
	  .pkt = { ICMP6(139) }, .tweak = { .icmp_info_pass = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp6 echo reply (129) passes with drop_echo",
	  .pkt = { ICMP6(129) }, .tweak = { .drop_echo = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp6 destination unreachable (1) passes",
	  .pkt = { ICMP6(1) },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp6 time exceeded (3) passes",
	  .pkt = { ICMP6(3) },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp6 parameter problem (4) passes",
	  .pkt = { ICMP6(4) },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp6 MLD query (130) passes",
	  .pkt = { ICMP6(130) },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp6 MLDv2 report (143) passes",
	  .pkt = { ICMP6(143) },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "icmp6 redirect (137) passes (neighbour discovery)",
	  .pkt = { ICMP6(137) },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },

	/* IPv4 AH is followed as IPv6's is: the protocol under it is judged. */
	{ .name = "v4 AH then tcp 443 allowed",
	  .pkt = { TCP4(443), .ah4 = 1 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v4 AH then tcp 5432 denied",
	  .pkt = { TCP4(5432), .ah4 = 1 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "v4 AH then udp 44250 allowed behind 802.1Q",
	  .pkt = { .vlans = 1, UDP4(44250), .ah4 = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 44250) },
	{ .name = "v4 AH then icmp timestamp dropped as informational icmp",
	  .pkt = { ICMP4(13, 0), .ah4 = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "v4 AH then icmp echo dropped with drop_echo",
	  .pkt = { ICMP4(ICMP_ECHO, 0), .ah4 = 1 }, .tweak = { .drop_echo = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "v4 AH then icmp frag-needed passes",
	  .pkt = { ICMP4(ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED), .ah4 = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },
	{ .name = "v6 AH then icmp6 node information dropped as informational",
	  .pkt = { ICMP6(139), EXTS(EXT_AH) },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "v4 AH under AH to udp 6379: malformed, even with ah allowed",
	  .pkt = { UDP4(6379), .ah4 = 2 }, .tweak = { .allow_proto = 51 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "v4 AH cut short: malformed",
	  .pkt = { TCP4(443), .ah4 = 1, .mangle = cut_ah4 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },

	/* DHCP answers to the host's client pass under any profile. */
	{ .name = "dhcp: v4 udp 67 -> 68 passes as dhcp",
	  .pkt = { UDP4(68), .sport = 67, .payload = 300 },
	  .verdict = XDP_PASS, .counter = CLASS(DHCP) },
	{ .name = "dhcp: v4 udp 67 -> 68 behind 802.1Q passes as dhcp",
	  .pkt = { .vlans = 1, UDP4(68), .sport = 67, .payload = 300 },
	  .verdict = XDP_PASS, .counter = CLASS(DHCP) },
	{ .name = "dhcp: v6 udp 547 -> 546 passes as dhcp",
	  .pkt = { UDP6(546), .sport = 547, .src = "fe80::1", .payload = 100 },
	  .verdict = XDP_PASS, .counter = CLASS(DHCP) },
	{ .name = "dhcp: v4 udp 53 -> 68 dropped (not from the server port)",
	  .pkt = { UDP4(68), .sport = 53 },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 68) },
	{ .name = "dhcp: v4 udp 67 -> 67 dropped (not to the client port)",
	  .pkt = { UDP4(67), .sport = 67 },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 67) },
	{ .name = "dhcp: v4 tcp 67 -> 68 dropped (dhcp is udp)",
	  .pkt = { TCP4(68), .sport = 67 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 68) },
	{ .name = "dhcp: v6 udp 67 -> 68 dropped (the v4 ports over v6)",
	  .pkt = { UDP6(68), .sport = 67 },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 68) },
	{ .name = "dhcp: v4 udp 547 -> 546 dropped (the v6 ports over v4)",
	  .pkt = { UDP4(546), .sport = 547 },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 546) },

	/* TCP/UDP by port, 0, 1 and 2 VLAN tags, both families. */
	{ .name = "v4 tcp 443 allowed",
	  .pkt = { TCP4(443) }, .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v4 tcp 443 allowed behind 802.1Q",
	  .pkt = { .vlans = 1, TCP4(443) },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v4 tcp 443 allowed behind 802.1ad+802.1Q",
	  .pkt = { .vlans = 2, TCP4(443) },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v4 tcp 5432 denied",
	  .pkt = { TCP4(5432) }, .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "v4 tcp 5432 denied behind 802.1Q",
	  .pkt = { .vlans = 1, TCP4(5432) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "v4 tcp 5432 denied behind 802.1ad+802.1Q",
	  .pkt = { .vlans = 2, TCP4(5432) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "v6 tcp 443 allowed",
	  .pkt = { TCP6(443) }, .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v6 tcp 443 allowed behind 802.1Q",
	  .pkt = { .vlans = 1, TCP6(443) },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v6 tcp 443 allowed behind 802.1ad+802.1Q",
	  .pkt = { .vlans = 2, TCP6(443) },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v6 tcp 6379 denied",
	  .pkt = { TCP6(6379) }, .verdict = XDP_DROP, .counter = PORT(TCP, 6379) },
	{ .name = "v6 tcp 6379 denied behind 802.1Q",
	  .pkt = { .vlans = 1, TCP6(6379) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 6379) },
	{ .name = "v6 tcp 6379 denied behind 802.1ad+802.1Q",
	  .pkt = { .vlans = 2, TCP6(6379) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 6379) },
	{ .name = "v4 tcp 80 allowed",
	  .pkt = { TCP4(80), .payload = 100 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 80) },
	{ .name = "v6 tcp 7881 allowed",
	  .pkt = { TCP6(7881) }, .verdict = XDP_PASS, .counter = PORT(TCP, 7881) },
	{ .name = "v4 udp 7881 denied (only tcp 7881 is allowed)",
	  .pkt = { UDP4(7881) }, .verdict = XDP_DROP, .counter = PORT(UDP, 7881) },
	{ .name = "v4 tcp 44250 denied (the range is udp only)",
	  .pkt = { TCP4(44250) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 44250) },
	{ .name = "v4 udp 44250 allowed",
	  .pkt = { UDP4(44250) }, .verdict = XDP_PASS, .counter = PORT(UDP, 44250) },
	{ .name = "v4 udp 53 denied behind 802.1Q",
	  .pkt = { .vlans = 1, UDP4(53) },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 53) },
	{ .name = "v6 udp 44250 allowed behind 802.1ad+802.1Q",
	  .pkt = { .vlans = 2, UDP6(44250) },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 44250) },
	{ .name = "v6 udp 53 denied",
	  .pkt = { UDP6(53) }, .verdict = XDP_DROP, .counter = PORT(UDP, 53) },
	{ .name = "v4 tcp port 0 denied",
	  .pkt = { TCP4(0) }, .verdict = XDP_DROP, .counter = PORT(TCP, 0) },
	{ .name = "v4 udp port 65535 denied",
	  .pkt = { UDP4(65535) },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 65535) },
	{ .name = "v4 tcp 443 in a frame with Ethernet padding counts the frame",
	  .pkt = { TCP4(443), .pad_to = 80 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },

	/* UDP range edges. */
	{ .name = "v4 udp 44199 denied (below the range)",
	  .pkt = { UDP4(44199) }, .verdict = XDP_DROP, .counter = PORT(UDP, 44199) },
	{ .name = "v4 udp 44200 allowed (first of the range)",
	  .pkt = { UDP4(44200) }, .verdict = XDP_PASS, .counter = PORT(UDP, 44200) },
	{ .name = "v6 udp 44300 allowed (last of the range)",
	  .pkt = { UDP6(44300) }, .verdict = XDP_PASS, .counter = PORT(UDP, 44300) },
	{ .name = "v6 udp 44301 denied (above the range)",
	  .pkt = { UDP6(44301) }, .verdict = XDP_DROP, .counter = PORT(UDP, 44301) },

	/* IPv4 options: L4 found at IHL * 4. */
	{ .name = "v4 ihl 6 tcp 443 allowed",
	  .pkt = { TCP4(443), .ip_opt_words = 1 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v4 ihl 10 tcp 5432 denied",
	  .pkt = { TCP4(5432), .ip_opt_words = 5 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "v4 ihl 15 tcp 443 allowed",
	  .pkt = { TCP4(443), .ip_opt_words = 10 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v4 ihl 15 udp 44201 allowed behind 802.1ad+802.1Q",
	  .pkt = { .vlans = 2, UDP4(44201), .ip_opt_words = 10 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 44201) },

	/* IPv6 extension headers. */
	{ .name = "v6 hop-by-hop then tcp 443 allowed",
	  .pkt = { TCP6(443), EXTS(EXT_HOP) },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v6 routing header then tcp 5432 denied",
	  .pkt = { TCP6(5432), EXTS(EXT_RT) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "v6 destination options then udp 44250 allowed",
	  .pkt = { UDP6(44250), EXTS(EXT_DST) },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 44250) },
	{ .name = "v6 atomic fragment header (offset 0, M=0) then tcp 443 allowed",
	  .pkt = { TCP6(443), EXTS(EXT_FRAG), .frag6 = 0 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v6 atomic fragment is a fragment: dropped with drop_frags",
	  .pkt = { TCP6(443), EXTS(EXT_FRAG), .frag6 = 0 },
	  .tweak = { .drop_frags = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(FRAGMENT) },
	{ .name = "v6 two fragment headers (first fragments) to tcp 443: malformed",
	  .pkt = { TCP6(443), EXTS(EXT_FRAG, EXT_FRAG), .frag6 = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "v6 two atomic fragment headers to tcp 5432: malformed",
	  .pkt = { TCP6(5432), EXTS(EXT_FRAG, EXT_FRAG), .frag6 = 0 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "v6 fragment header after destination options + fragment: malformed with drop_frags",
	  .pkt = { TCP6(443), EXTS(EXT_FRAG, EXT_DST, EXT_FRAG), .frag6 = 1 },
	  .tweak = { .drop_frags = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "v6 fragment header after hop-by-hop, first fragment, dropped with drop_frags",
	  .pkt = { UDP6(44250), EXTS(EXT_HOP, EXT_FRAG), .frag6 = 1 },
	  .tweak = { .drop_frags = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(FRAGMENT) },
	{ .name = "v6 payload length ends inside the first extension header: malformed",
	  .pkt = { TCP6(443), EXTS(EXT_DST), .mangle = ip6_len_inside_ext },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "v6 payload length ends inside a later extension header: malformed",
	  .pkt = { OTHER6(IPPROTO_GRE_), EXTS(EXT_HOP, EXT_DST),
		   .mangle = ip6_len_inside_ext },
	  .tweak = { .other_ip_pass = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "v6 payload length ends where the tcp header starts (hop-by-hop): malformed",
	  .pkt = { TCP6(443), EXTS(EXT_HOP), .mangle = ip6_len_at_l4 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "v6 payload length ends where the udp header starts (two headers): malformed",
	  .pkt = { UDP6(44250), EXTS(EXT_HOP, EXT_DST), .mangle = ip6_len_at_l4 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "v6 hop-by-hop length byte 255 (2048 bytes, past the frame) to tcp 443: malformed",
	  .pkt = { TCP6(443), EXTS(EXT_HOP), .mangle = ext0_len_255 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "v6 second header's length byte 255, payload length to match, tcp 443: malformed",
	  .pkt = { TCP6(443), EXTS(EXT_HOP, EXT_DST), .mangle = ext1_len_255_long },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "v6 three headers (hop-by-hop, destination options, routing) then tcp 443 allowed",
	  .pkt = { TCP6(443), EXTS(EXT_HOP, EXT_DST, EXT_RT) },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v6 three headers then tcp 5432 denied",
	  .pkt = { TCP6(5432), EXTS(EXT_HOP, EXT_DST, EXT_RT) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "802.1ad+802.1Q, v6 hop-by-hop + destination options then udp 44250 allowed",
	  .pkt = { .vlans = 2, UDP6(44250), EXTS(EXT_HOP, EXT_DST) },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 44250) },
	{ .name = "802.1ad+802.1Q, v6 routing header then tcp 5432 denied",
	  .pkt = { .vlans = 2, TCP6(5432), EXTS(EXT_RT) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "v6 payload length ends before the tcp header does: malformed",
	  .pkt = { TCP6(443), EXTS(EXT_HOP), .mangle = ip6_len_before_l4 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "v6 authentication header then tcp 443 allowed",
	  .pkt = { TCP6(443), EXTS(EXT_AH) },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v6 hop-by-hop + destination options then tcp 5432 denied",
	  .pkt = { TCP6(5432), EXTS(EXT_HOP, EXT_DST) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "v6 chain of XR_IPV6_EXT_MAX (6) headers then tcp 443 allowed",
	  .pkt = { TCP6(443),
		   EXTS(EXT_HOP, EXT_DST, EXT_RT, EXT_FRAG, EXT_AH, EXT_DST) },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v6 chain of 6 headers then udp 53 denied",
	  .pkt = { UDP6(53),
		   EXTS(EXT_HOP, EXT_DST, EXT_RT, EXT_AH, EXT_DST, EXT_DST) },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 53) },
	{ .name = "v6 chain of 6 headers then icmp6 echo passes",
	  .pkt = { ICMP6(XR_ICMPV6_ECHO_REQUEST),
		   EXTS(EXT_HOP, EXT_DST, EXT_RT, EXT_AH, EXT_DST, EXT_DST) },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP) },

	/* Fragments. */
	{ .name = "v4 first fragment (MF, offset 0) judged by port: 443 passes",
	  .pkt = { TCP4(443), .frag_off = IP_MF_, .payload = 64 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v4 first fragment judged by port: 5432 dropped",
	  .pkt = { TCP4(5432), .frag_off = IP_MF_, .payload = 64 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "v6 first fragment (offset 0, M=1) judged by port: udp 44250 passes",
	  .pkt = { UDP6(44250), EXTS(EXT_FRAG), .frag6 = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 44250) },
	{ .name = "v6 first fragment judged by port: tcp 5432 dropped",
	  .pkt = { TCP6(5432), EXTS(EXT_FRAG), .frag6 = 1, .payload = 64 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "v4 later fragment (MF, offset 1480) passes",
	  .pkt = { TCP4(5432), .frag_off = IP_MF_ | 185, .payload = 64 },
	  .verdict = XDP_PASS, .counter = CLASS(FRAGMENT) },
	{ .name = "v4 last fragment (offset 1480, no MF) passes",
	  .pkt = { UDP4(53), .frag_off = 185, .payload = 64 },
	  .verdict = XDP_PASS, .counter = CLASS(FRAGMENT) },
	{ .name = "v6 later fragment (offset 1448, M=1) passes",
	  .pkt = { TCP6(5432), EXTS(EXT_FRAG), .frag6 = 181 << 3 | 1,
		   .payload = 64 },
	  .verdict = XDP_PASS, .counter = CLASS(FRAGMENT) },
	{ .name = "v6 later fragment after hop-by-hop passes",
	  .pkt = { UDP6(53), EXTS(EXT_HOP, EXT_FRAG), .frag6 = 181 << 3,
		   .payload = 64 },
	  .verdict = XDP_PASS, .counter = CLASS(FRAGMENT) },
	{ .name = "v4 later fragment dropped with drop_frags",
	  .pkt = { TCP4(443), .frag_off = IP_MF_ | 185, .payload = 64 },
	  .tweak = { .drop_frags = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(FRAGMENT) },
	{ .name = "v6 later fragment dropped with drop_frags",
	  .pkt = { TCP6(443), EXTS(EXT_FRAG), .frag6 = 181 << 3 | 1,
		   .payload = 64 },
	  .tweak = { .drop_frags = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(FRAGMENT) },
	{ .name = "v4 first fragment to allowed 443 dropped with drop_frags",
	  .pkt = { TCP4(443), .frag_off = IP_MF_, .payload = 64 },
	  .tweak = { .drop_frags = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(FRAGMENT) },
	{ .name = "v6 first fragment to allowed 443 dropped with drop_frags",
	  .pkt = { TCP6(443), EXTS(EXT_FRAG), .frag6 = 1, .payload = 64 },
	  .tweak = { .drop_frags = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(FRAGMENT) },
	{ .name = "v4 DF, not a fragment: 443 passes with drop_frags",
	  .pkt = { TCP4(443), .frag_off = IP_DF_ },
	  .tweak = { .drop_frags = 1 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "v4 later fragment of icmp passes as fragment, not icmp",
	  .pkt = { ICMP4(ICMP_ECHO, 0), .frag_off = 185 },
	  .tweak = { .drop_echo = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(FRAGMENT) },

	/* Other IP protocols. */
	{ .name = "v4 gre dropped by default",
	  .pkt = { OTHER4(IPPROTO_GRE_) },
	  .verdict = XDP_DROP, .counter = CLASS(OTHER_IP) },
	{ .name = "v4 esp dropped by default",
	  .pkt = { OTHER4(IPPROTO_ESP_) },
	  .verdict = XDP_DROP, .counter = CLASS(OTHER_IP) },
	{ .name = "v6 sctp dropped by default",
	  .pkt = { OTHER6(IPPROTO_SCTP_), .dport = 443 },
	  .verdict = XDP_DROP, .counter = CLASS(OTHER_IP) },
	{ .name = "v6 no-next-header dropped by default",
	  .pkt = { OTHER6(IPPROTO_NONE_) },
	  .verdict = XDP_DROP, .counter = CLASS(OTHER_IP) },
	{ .name = "v4 gre passes with other_ip_pass",
	  .pkt = { OTHER4(IPPROTO_GRE_) }, .tweak = { .other_ip_pass = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(OTHER_IP) },
	{ .name = "v6 esp passes when 50 is in the allow bitmap",
	  .pkt = { OTHER6(IPPROTO_ESP_) }, .tweak = { .allow_proto = IPPROTO_ESP_ },
	  .verdict = XDP_PASS, .counter = CLASS(OTHER_IP) },
	{ .name = "v4 sctp passes when 132 is in the allow bitmap",
	  .pkt = { OTHER4(IPPROTO_SCTP_), .dport = 5432 },
	  .tweak = { .allow_proto = IPPROTO_SCTP_ },
	  .verdict = XDP_PASS, .counter = CLASS(OTHER_IP) },
	{ .name = "v4 gre still dropped when only esp is in the bitmap",
	  .pkt = { OTHER4(IPPROTO_GRE_) }, .tweak = { .allow_proto = IPPROTO_ESP_ },
	  .verdict = XDP_DROP, .counter = CLASS(OTHER_IP) },
	{ .name = "v6 gre after destination options dropped by default",
	  .pkt = { OTHER6(IPPROTO_GRE_), EXTS(EXT_DST) },
	  .verdict = XDP_DROP, .counter = CLASS(OTHER_IP) },

	/* Source-restricted port: tcp 8888 only from rule 4's list. */
	{ .name = "v4 tcp 8888 from 192.0.2.7 (listed /24) allowed",
	  .pkt = { TCP4(8888), .src = "192.0.2.7" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8888) },
	{ .name = "v4 tcp 8888 from 192.0.2.255 (last of the /24) allowed",
	  .pkt = { TCP4(8888), .src = "192.0.2.255" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8888) },
	{ .name = "v4 tcp 8888 from 192.0.3.7 (outside the /24) denied",
	  .pkt = { TCP4(8888), .src = "192.0.3.7" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8888) },
	{ .name = "v4 tcp 8888 from 203.0.113.5 (another rule's list) denied",
	  .pkt = { TCP4(8888), .src = "203.0.113.5" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8888) },
	{ .name = "v4 tcp 8889 from 203.0.113.5 (its own rule's list) allowed",
	  .pkt = { TCP4(8889), .src = "203.0.113.5" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8889) },
	{ .name = "v6 tcp 8888 from 2001:db8:1:ffff::5 (listed /48) allowed",
	  .pkt = { TCP6(8888), .src = "2001:db8:1:ffff::5" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8888) },
	{ .name = "v6 tcp 8888 from 2001:db8:2::5 (gen 1's list only) denied",
	  .pkt = { TCP6(8888), .src = "2001:db8:2::5" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8888) },
	{ .name = "v6 tcp 8888 from 2001:db8:1::5 behind 802.1ad+802.1Q allowed",
	  .pkt = { .vlans = 2, TCP6(8888), .src = "2001:db8:1::5" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8888) },
	/* Rule 6, tcp 8890: 1000 networks per family (big_list()). */
	{ .name = "1000 nets: v4 tcp 8890 from 10.0.0.0 (first of 10/8) allowed",
	  .pkt = { TCP4(8890), .src = "10.0.0.0" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v4 tcp 8890 from 10.255.255.255 (last of 10/8) allowed",
	  .pkt = { TCP4(8890), .src = "10.255.255.255" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v4 tcp 8890 from 9.255.255.255 (just below 10/8) denied",
	  .pkt = { TCP4(8890), .src = "9.255.255.255" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v4 tcp 8890 from 11.0.0.0 (just above 10/8) denied",
	  .pkt = { TCP4(8890), .src = "11.0.0.0" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v4 tcp 8890 from 172.16.1.255 (adjacent /24s merged) allowed",
	  .pkt = { TCP4(8890), .src = "172.16.1.255" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v4 tcp 8890 from 172.16.2.0 (just past them) denied",
	  .pkt = { TCP4(8890), .src = "172.16.2.0" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v4 tcp 8890 from 203.0.113.77 (a /32) allowed",
	  .pkt = { TCP4(8890), .src = "203.0.113.77" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v4 tcp 8890 from 203.0.113.76 (beside the /32) denied",
	  .pkt = { TCP4(8890), .src = "203.0.113.76" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v4 tcp 8890 from 203.0.113.78 (beside the /32) denied",
	  .pkt = { TCP4(8890), .src = "203.0.113.78" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v4 tcp 8888 from 10.0.0.1 (rule 6's list, not 8888's) denied",
	  .pkt = { TCP4(8888), .src = "10.0.0.1" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8888) },
	{ .name = "1000 nets: v6 tcp 8890 from 2001:db8:100:: (first of the /48) allowed",
	  .pkt = { TCP6(8890), .src = "2001:db8:100::" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v6 tcp 8890 from 2001:db8:100:ffff:ffff:ffff:ffff:ffff (last) allowed",
	  .pkt = { TCP6(8890), .src = "2001:db8:100:ffff:ffff:ffff:ffff:ffff" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v6 tcp 8890 from 2001:db8:ff:ffff:ffff:ffff:ffff:ffff (just below) denied",
	  .pkt = { TCP6(8890), .src = "2001:db8:ff:ffff:ffff:ffff:ffff:ffff" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v6 tcp 8890 from 2001:db8:101:: (just above) denied",
	  .pkt = { TCP6(8890), .src = "2001:db8:101::" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v6 tcp 8890 from 2001:db8:200::1 (a /128) allowed",
	  .pkt = { TCP6(8890), .src = "2001:db8:200::1" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v6 tcp 8890 from 2001:db8:200::2 (beside the /128) denied",
	  .pkt = { TCP6(8890), .src = "2001:db8:200::2" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v6 tcp 8890 from 2001:db8:3ff:: (the /40 holding a /48) allowed",
	  .pkt = { TCP6(8890), .src = "2001:db8:3ff::" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v6 tcp 8890 from ::ffff:10.0.0.1 (IPv4-mapped, 10/8 listed) denied",
	  .pkt = { TCP6(8890), .src = "::ffff:10.0.0.1" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8890) },
	{ .name = "1000 nets: v6 tcp 8890 from ::ffff:203.0.113.77 (IPv4-mapped, the /32 listed) denied",
	  .pkt = { TCP6(8890), .src = "::ffff:203.0.113.77" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8890) },
	/* Rule 7, tcp 8891: 1000 networks per family, hashed (hash_list()). */
	{ .name = "hashed: v4 tcp 8891 from 10.1.255.255 (last of a /16) allowed",
	  .pkt = { TCP4(8891), .src = "10.1.255.255" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8891) },
	{ .name = "hashed: v4 tcp 8891 from 10.1.2.9 (a /24 inside the /16) allowed",
	  .pkt = { TCP4(8891), .src = "10.1.2.9" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8891) },
	{ .name = "hashed: v4 tcp 8891 from 10.2.0.0 (just above the /16) denied",
	  .pkt = { TCP4(8891), .src = "10.2.0.0" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8891) },
	{ .name = "hashed: v4 tcp 8891 from 203.0.113.77 (a /32 listed twice) allowed",
	  .pkt = { TCP4(8891), .src = "203.0.113.77" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8891) },
	{ .name = "hashed: v4 tcp 8891 from 203.0.113.76 (beside the /32) denied",
	  .pkt = { TCP4(8891), .src = "203.0.113.76" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8891) },
	{ .name = "hashed: v4 tcp 8891 from 192.0.2.7 (rule 4's list, not 8891's) denied",
	  .pkt = { TCP4(8891), .src = "192.0.2.7" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8891) },
	{ .name = "hashed: v4 tcp 8888 from 10.1.0.1 (rule 7's list, not 8888's) denied",
	  .pkt = { TCP4(8888), .src = "10.1.0.1" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8888) },
	{ .name = "hashed: v6 tcp 8891 from 2001:db8:100:ffff:ffff:ffff:ffff:ffff (last of a /48) allowed",
	  .pkt = { TCP6(8891), .src = "2001:db8:100:ffff:ffff:ffff:ffff:ffff" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8891) },
	{ .name = "hashed: v6 tcp 8891 from 2001:db8:101:: (just above the /48) denied",
	  .pkt = { TCP6(8891), .src = "2001:db8:101::" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8891) },
	{ .name = "hashed: v6 tcp 8891 from 2001:db8:200::1 (a /128) allowed",
	  .pkt = { TCP6(8891), .src = "2001:db8:200::1" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8891) },
	{ .name = "hashed: v6 tcp 8891 from 2001:db8:200::1:1 (beside the /128, same /64) denied",
	  .pkt = { TCP6(8891), .src = "2001:db8:200::1:1" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8891) },
	{ .name = "hashed: v6 tcp 8891 from ::ffff:10.1.0.1 (IPv4-mapped, listed as a /128 and 10.1/16) denied",
	  .pkt = { TCP6(8891), .src = "::ffff:10.1.0.1" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8891) },
	{ .name = "v6 tcp 8888 from ::ffff:192.0.2.7 (IPv4-mapped, 192.0.2.0/24 listed) denied",
	  .pkt = { TCP6(8888), .src = "::ffff:192.0.2.7" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8888) },
	{ .name = "v4 udp 8888 from 192.0.2.7 denied (the rule is tcp)",
	  .pkt = { UDP4(8888), .src = "192.0.2.7" },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 8888) },

	/* Replies on, but the host opened nothing: denied ports stay denied. */
	{ .name = "replies on, no flow recorded: tcp ack to 5432 denied",
	  .pkt = { TCP4(5432), .tcp_flags = 0x10 /* ACK */ },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "replies on, no flow recorded: v6 udp from port 53 denied",
	  .pkt = { UDP6(40000), .sport = 53 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 40000) },
	{ .name = "replies on: allowed tcp 443 still counted by port",
	  .pkt = { TCP4(443), .tcp_flags = 0x10 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },

	/*
	 * The reply class: TCP/UDP to a port the policy drops passes when it
	 * is the reversed 5-tuple of a live flow the host opened (policy_flows).
	 */
	{ .name = "reply: v4 tcp ack from the flow's remote passes as a reply",
	  .pkt = { TCP4(41000), .src = "198.51.100.20", .sport = 443, .tcp_flags = 0x10 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(REPLY) },
	{ .name = "reply: v4 tcp syn+ack from the flow's remote passes as a reply",
	  .pkt = { TCP4(41000), .src = "198.51.100.20", .sport = 443, .tcp_flags = 0x12 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(REPLY) },
	{ .name = "reply: v4 tcp bare syn on the flow's tuple is never a reply",
	  .pkt = { TCP4(41000), .src = "198.51.100.20", .sport = 443, .tcp_flags = 0x02 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 41000) },
	{ .name = "reply: v4 tcp ack from another remote port dropped",
	  .pkt = { TCP4(41000), .src = "198.51.100.20", .sport = 444, .tcp_flags = 0x10 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 41000) },
	{ .name = "reply: v4 tcp ack from another remote address dropped",
	  .pkt = { TCP4(41000), .src = "198.51.100.21", .sport = 443, .tcp_flags = 0x10 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 41000) },
	{ .name = "reply: udp to the tcp flow's port dropped (protocol is in the tuple)",
	  .pkt = { UDP4(41000), .src = "198.51.100.20", .sport = 443 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 41000) },
	{ .name = "reply: replies off, the live flow's ack dropped",
	  .pkt = { TCP4(41000), .src = "198.51.100.20", .sport = 443, .tcp_flags = 0x10 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 41000) },
	{ .name = "reply: v4 tcp ack behind 802.1ad+802.1Q passes as a reply",
	  .pkt = { .vlans = 2, TCP4(41000), .src = "198.51.100.20", .sport = 443, .tcp_flags = 0x10 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(REPLY) },
	{ .name = "reply: v6 udp answer from the flow's resolver passes as a reply",
	  .pkt = { UDP6(41001), .src = "2001:db8:53::53", .sport = 53 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(REPLY) },
	{ .name = "reply: v4-mapped v6 ack from the v4 flow's remote is no reply",
	  .pkt = { TCP6(41000), .src = "::ffff:198.51.100.20",
		   .dst = "::ffff:192.168.1.10", .sport = 443, .tcp_flags = 0x10 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 41000) },
	{ .name = "reply: v4 rst from the flow's remote passes as a reply",
	  .pkt = { TCP4(41000), .src = "198.51.100.20", .sport = 443, .tcp_flags = 0x14 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(REPLY) },
	{ .name = "reply: v6 udp from another remote port dropped",
	  .pkt = { UDP6(41001), .src = "2001:db8:53::53", .sport = 54 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 41001) },
	{ .name = "reply: v6 udp from another remote address dropped",
	  .pkt = { UDP6(41001), .src = "2001:db8:53::54", .sport = 53 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 41001) },
	{ .name = "reply: v6 tcp ack with a hop-by-hop header passes as a reply",
	  .pkt = { TCP6(41003), .src = "2001:db8:443::1", .sport = 443, .tcp_flags = 0x10, EXTS(EXT_HOP) },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(REPLY) },
	{ .name = "reply: v6 tcp bare syn on the flow's tuple is never a reply",
	  .pkt = { TCP6(41003), .src = "2001:db8:443::1", .sport = 443, .tcp_flags = 0x02 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 41003) },
	{ .name = "reply: v4 udp flow idle past the udp timeout: answer dropped",
	  .pkt = { UDP4(41002), .src = "198.51.100.53", .sport = 53 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 41002) },
	{ .name = "reply: a local port no flow uses: the prefilter drops",
	  .pkt = { UDP4(41004), .src = "198.51.100.53", .sport = 53 },
	  .tweak = { .replies = 1 },
	  .verdict = XDP_DROP, .counter = PORT(UDP, 41004) },

	/* Generation flip: the same packets under active_gen 1. */
	{ .name = "gen 1: v4 tcp 443 denied (gen 0 allows it)",
	  .pkt = { TCP4(443) }, .tweak = { .active_gen = 1 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 443) },
	{ .name = "gen 0: v4 tcp 9000 denied",
	  .pkt = { TCP4(9000) },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 9000) },
	{ .name = "gen 1: v4 tcp 9000 allowed",
	  .pkt = { TCP4(9000) }, .tweak = { .active_gen = 1 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 9000) },
	{ .name = "gen 1: v6 udp 44250 still allowed",
	  .pkt = { UDP6(44250) }, .tweak = { .active_gen = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 44250) },
	{ .name = "gen 1: v4 tcp 8888 from 192.0.2.7 (gen 0's list) denied",
	  .pkt = { TCP4(8888), .src = "192.0.2.7" }, .tweak = { .active_gen = 1 },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8888) },
	{ .name = "gen 1: v4 tcp 8888 from 198.51.100.9 allowed",
	  .pkt = { TCP4(8888), .src = "198.51.100.9" },
	  .tweak = { .active_gen = 1 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8888) },
	{ .name = "gen 0: v4 tcp 8888 from 198.51.100.9 denied",
	  .pkt = { TCP4(8888), .src = "198.51.100.9" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8888) },
	{ .name = "gen 1: v6 tcp 8888 from 2001:db8:2::5 allowed",
	  .pkt = { TCP6(8888), .src = "2001:db8:2::5" },
	  .tweak = { .active_gen = 1 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8888) },
	{ .name = "gen 1: icmp4 echo request dropped (gen 1 drops echo)",
	  .pkt = { ICMP4(ICMP_ECHO, 0) }, .tweak = { .active_gen = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(ICMP) },
	{ .name = "gen 1: v4 later fragment dropped (gen 1 drops fragments)",
	  .pkt = { UDP4(53), .frag_off = 185, .payload = 64 },
	  .tweak = { .active_gen = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(FRAGMENT) },
	{ .name = "gen 1: v4 gre passes (gen 1 passes other IP)",
	  .pkt = { OTHER4(IPPROTO_GRE_) }, .tweak = { .active_gen = 1 },
	  .verdict = XDP_PASS, .counter = CLASS(OTHER_IP) },
	{ .name = "active_gen 3 reads as gen 1: tcp 9000 allowed",
	  .pkt = { TCP4(9000) }, .tweak = { .active_gen = 3 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 9000) },
	{ .name = "active_gen 2 reads as gen 0: tcp 443 allowed",
	  .pkt = { TCP4(443) }, .tweak = { .active_gen = 2 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },

	/*
	 * Monitor mode (XR_GEN_MONITOR in active_gen): what enforce mode
	 * drops passes and is counted as a would-drop on the same slot; what
	 * it passes is counted as before.
	 */
#define MON XR_GEN_MONITOR
	{ .name = "monitor: tcp 443 allowed passes, counted as passed",
	  .pkt = { TCP4(443) }, .tweak = { .active_gen = MON },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "monitor: tcp 5432 closed passes, counted as would-drop",
	  .pkt = { TCP4(5432) }, .tweak = { .active_gen = MON },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 5432), .would_drop = 1 },
	{ .name = "monitor: udp6 6379 closed passes, counted as would-drop",
	  .pkt = { UDP6(6379) }, .tweak = { .active_gen = MON },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 6379), .would_drop = 1 },
	{ .name = "monitor: tcp 8888 from another source passes as would-drop",
	  .pkt = { TCP4(8888), .src = "198.51.100.7" }, .tweak = { .active_gen = MON },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 8888), .would_drop = 1 },
	{ .name = "monitor: closed udp 6379 behind two VLAN tags (full parse) passes as would-drop",
	  .pkt = { UDP4(6379), .vlans = 2 }, .tweak = { .active_gen = MON },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 6379), .would_drop = 1 },
	{ .name = "monitor: malformed (IPv4 IHL 4) passes as would-drop",
	  .pkt = { TCP4(443), .mangle = ihl_4 }, .tweak = { .active_gen = MON },
	  .verdict = XDP_PASS, .counter = CLASS(MALFORMED), .would_drop = 1 },
	{ .name = "monitor: ICMP timestamp (informational) passes as would-drop",
	  .pkt = { ICMP4(13, 0) }, .tweak = { .active_gen = MON },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP), .would_drop = 1 },
	{ .name = "monitor gen 1: echo request the profile drops passes as would-drop",
	  .pkt = { ICMP4(ICMP_ECHO, 0) }, .tweak = { .active_gen = 1 | MON },
	  .verdict = XDP_PASS, .counter = CLASS(ICMP), .would_drop = 1 },
	{ .name = "monitor gen 1: tcp 443 (not in gen 1) passes as would-drop",
	  .pkt = { TCP4(443) }, .tweak = { .active_gen = 1 | MON },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443), .would_drop = 1 },
	{ .name = "monitor: non-IP passes as before",
	  .pkt = { .ethertype = ETH_P_ARP_ }, .tweak = { .active_gen = MON },
	  .verdict = XDP_PASS, .counter = CLASS(NON_IP) },
	/* Enforce mode with a capture on: verdicts and counters unchanged. */
	{ .name = "capture on, enforce: tcp 5432 still dropped and counted as a drop",
	  .pkt = { TCP4(5432) }, .tweak = { .active_gen = XR_GEN_CAPTURE },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 5432) },
	{ .name = "capture on, enforce: malformed still dropped",
	  .pkt = { TCP4(443), .mangle = ihl_4 }, .tweak = { .active_gen = XR_GEN_CAPTURE },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "capture on, enforce: tcp 443 allowed still passes",
	  .pkt = { TCP4(443) }, .tweak = { .active_gen = XR_GEN_CAPTURE },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },
	{ .name = "capture on, monitor: tcp 5432 passes as would-drop",
	  .pkt = { TCP4(5432) }, .tweak = { .active_gen = XR_GEN_CAPTURE | MON },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 5432), .would_drop = 1 },
#undef MON

	/*
	 * Contract rows the program currently gets wrong (bugs reported, not
	 * weakened): each states what include/xdp_reflector.h promises.
	 */
	{ .name = "icmp4 inside IPv6 (next header 1) is other IP: dropped by default",
	  .pkt = { .family = 6, .l4 = IPPROTO_ICMP, .icmp_type = ICMP_ECHO },
	  .tweak = { .drop_echo = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(OTHER_IP) },
	{ .name = "icmp6 inside IPv4 (protocol 58) is other IP: dropped by default",
	  .pkt = { .family = 4, .l4 = IPPROTO_ICMPV6,
		   .icmp_type = XR_ICMPV6_ECHO_REQUEST },
	  .tweak = { .drop_echo = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(OTHER_IP) },
	{ .name = "v4 first fragment of an icmp echo dropped with drop_frags",
	  .pkt = { ICMP4(ICMP_ECHO, 0), .frag_off = IP_MF_, .payload = 472 },
	  .tweak = { .drop_frags = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(FRAGMENT) },
	{ .name = "v6 first fragment of gre dropped with drop_frags (gen 1 passes other IP)",
	  .pkt = { OTHER6(IPPROTO_GRE_), EXTS(EXT_FRAG), .frag6 = 1 },
	  .tweak = { .active_gen = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(FRAGMENT) },
	{ .name = "malformed: tcp header beyond the IPv4 total length (in Ethernet padding)",
	  .pkt = { TCP4(443), .mangle = tcp_in_padding },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "v6 tcp 8888 from ::ffff:192.0.2.7 is not from 192.0.2.7: denied",
	  .pkt = { TCP6(8888), .src = "::ffff:192.0.2.7" },
	  .verdict = XDP_DROP, .counter = PORT(TCP, 8888) },

	/* Malformed: always dropped and counted as malformed. */
	{ .name = "malformed: truncated 802.1Q tag",
	  .pkt = { .vlans = 1, TCP4(443), .mangle = cut_vlan_tag },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: truncated inner tag of 802.1ad+802.1Q",
	  .pkt = { .vlans = 2, TCP4(443), .mangle = cut_inner_vlan_tag },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: truncated IPv4 header (19 bytes)",
	  .pkt = { TCP4(443), .mangle = cut_ipv4_header },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: truncated IPv4 header behind one 802.1Q tag",
	  .pkt = { .vlans = 1, TCP4(443), .mangle = cut_ipv4_header },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: truncated IPv4 header behind 802.1ad+802.1Q",
	  .pkt = { .vlans = 2, TCP4(443), .mangle = cut_ipv4_header },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: IPv4 IHL 4",
	  .pkt = { TCP4(443), .mangle = ihl_4 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: IPv4 IHL 15 beyond the frame",
	  .pkt = { TCP4(443), .mangle = ihl_beyond_frame },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: IPv4 total length one beyond the frame",
	  .pkt = { TCP4(443), .mangle = tot_len_beyond_frame },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: IPv4 later fragment with total length beyond the frame",
	  .pkt = { UDP4(53), .frag_off = 185, .payload = 64,
		   .mangle = tot_len_beyond_frame },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: IPv4 total length below the header length",
	  .pkt = { TCP4(443), .mangle = tot_len_below_ihl },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: EtherType IPv4, version 6",
	  .pkt = { TCP4(443), .mangle = ipv4_says_version_6 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: EtherType IPv6, version 4",
	  .pkt = { TCP6(443), .mangle = ipv6_says_version_4 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: truncated IPv6 header (39 bytes)",
	  .pkt = { TCP6(443), .mangle = cut_ipv6_header },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: IPv6 payload length one beyond the frame",
	  .pkt = { TCP6(443), .mangle = payload_len_beyond_frame },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: IPv6 icmp6 with payload length beyond the frame",
	  .pkt = { ICMP6(135), .mangle = payload_len_beyond_frame },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: truncated hop-by-hop header",
	  .pkt = { TCP6(443), EXTS(EXT_HOP), .mangle = cut_first_ext_header },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: truncated fragment header",
	  .pkt = { TCP6(443), EXTS(EXT_FRAG), .mangle = cut_first_ext_header },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: hop-by-hop length beyond the frame",
	  .pkt = { TCP6(443), EXTS(EXT_HOP), .mangle = ext_len_beyond_frame },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: authentication header length beyond the frame",
	  .pkt = { TCP6(443), EXTS(EXT_AH), .mangle = ext_len_beyond_frame },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: chain of 7 extension headers (one too many)",
	  .pkt = { TCP6(443), EXTS(EXT_HOP, EXT_DST, EXT_RT, EXT_FRAG, EXT_AH,
				   EXT_DST, EXT_DST) },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: truncated tcp header (19 bytes)",
	  .pkt = { TCP4(443), .mangle = cut_tcp },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: truncated tcp header over IPv6",
	  .pkt = { TCP6(443), .mangle = cut_tcp },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: tiny first fragment (tcp cut after the ports)",
	  .pkt = { TCP4(443), .frag_off = IP_MF_, .mangle = cut_tcp_after_ports },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: tcp data offset 4",
	  .pkt = { TCP4(443), .payload = 8, .mangle = tcp_doff_4 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: truncated udp header (7 bytes)",
	  .pkt = { UDP4(44250), .mangle = cut_udp },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: truncated udp header over IPv6 after destination options",
	  .pkt = { UDP6(44250), EXTS(EXT_DST), .mangle = cut_udp },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: udp length 7",
	  .pkt = { UDP6(44250), .mangle = udp_len_7 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: truncated icmp4 header (7 bytes)",
	  .pkt = { ICMP4(ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED),
		   .mangle = cut_icmp },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: truncated icmp6 header (7 bytes)",
	  .pkt = { ICMP6(135), .mangle = cut_icmp },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	{ .name = "malformed: dropped even with every pass knob (gen 1, other_ip_pass)",
	  .pkt = { TCP4(9000), .mangle = cut_tcp },
	  .tweak = { .active_gen = 1, .other_ip_pass = 1 },
	  .verdict = XDP_DROP, .counter = CLASS(MALFORMED) },
	/*
	 * guard: webrtc (bpf/guard.h) on udp 46000-46100, rule 8 of gen 0:
	 * RFC 7983's first-byte ranges, each edge; STUN's cookie and length.
	 */
	{ .name = "guard: first byte 0 (STUN with the cookie) passes",
	  .pkt = { UDP4(46050), .data = { 0, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42 }, .data_len = 8 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: first byte 3 (STUN with the cookie) passes",
	  .pkt = { UDP4(46050), .data = { 3, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42 }, .data_len = 8 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: first byte 4 (outside RFC 7983) is dropped",
	  .pkt = { UDP4(46050), .data = { 4 }, .data_len = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: first byte 15 (outside RFC 7983) is dropped",
	  .pkt = { UDP4(46050), .data = { 15 }, .data_len = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: first byte 16 (ZRTP) passes",
	  .pkt = { UDP4(46050), .data = { 16 }, .data_len = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: first byte 19 (ZRTP) passes",
	  .pkt = { UDP4(46050), .data = { 19 }, .data_len = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: first byte 20 (DTLS) passes",
	  .pkt = { UDP4(46050), .data = { 20 }, .data_len = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: first byte 63 (DTLS) passes",
	  .pkt = { UDP4(46050), .data = { 63 }, .data_len = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: first byte 64 (TURN ChannelData) passes",
	  .pkt = { UDP4(46050), .data = { 64 }, .data_len = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: first byte 79 (TURN ChannelData) passes",
	  .pkt = { UDP4(46050), .data = { 79 }, .data_len = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: first byte 80 (outside RFC 7983) is dropped",
	  .pkt = { UDP4(46050), .data = { 80 }, .data_len = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: first byte 127 (outside RFC 7983) is dropped",
	  .pkt = { UDP4(46050), .data = { 127 }, .data_len = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: first byte 128 (RTP/RTCP) passes",
	  .pkt = { UDP4(46050), .data = { 128 }, .data_len = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: first byte 191 (RTP/RTCP) passes",
	  .pkt = { UDP4(46050), .data = { 191 }, .data_len = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: first byte 192 (outside RFC 7983) is dropped",
	  .pkt = { UDP4(46050), .data = { 192 }, .data_len = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: first byte 255 (outside RFC 7983) is dropped",
	  .pkt = { UDP4(46050), .data = { 255 }, .data_len = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: STUN with a wrong magic cookie is dropped",
	  .pkt = { UDP4(46000), .data = { 0x00, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x43 }, .data_len = 8 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46000) },
	{ .name = "guard: STUN-range byte without a cookie (zeros) is dropped",
	  .pkt = { UDP4(46100), .data = { 0x01, 0x01 }, .data_len = 8 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46100) },
	{ .name = "guard: STUN of 19 bytes (under the 20-byte header) is dropped",
	  .pkt = { UDP4(46050), .data = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 }, .data_len = 8, .payload = 19 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: STUN of exactly 20 bytes passes",
	  .pkt = { UDP4(46050), .data = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 }, .data_len = 8, .payload = 20 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: an empty datagram is dropped",
	  .pkt = { UDP4(46050), .mangle = udp_empty },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: a 1-byte RTP-range datagram passes (no length rule but STUN's)",
	  .pkt = { UDP4(46050), .data = { 0x80 }, .data_len = 1, .payload = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	/*
	 * The straight path (xr_guard_common) decides from the UDP length
	 * when the IP packet holds 8 bytes behind the UDP header, and
	 * declines (the long way, xr_limited) when it does not.
	 */
	{ .name = "guard: UDP length 8 (empty) with RTP bytes behind it is dropped",
	  .pkt = { UDP4(46050), .data = { 0x80 }, .data_len = 1, .mangle = udp_len_0 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: UDP length 9 (1 RTP byte) in a longer IP packet passes",
	  .pkt = { UDP4(46050), .data = { 0x80 }, .data_len = 1, .mangle = udp_len_1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: UDP length of 19 bytes of STUN (cookie behind it) is dropped",
	  .pkt = { UDP4(46050), .data = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 }, .data_len = 8, .mangle = udp_len_19 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: UDP length of 20 bytes of STUN in a longer IP packet passes",
	  .pkt = { UDP4(46050), .data = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 }, .data_len = 8, .mangle = udp_len_20 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: v6 UDP length 8 (empty) with RTP bytes behind it is dropped",
	  .pkt = { UDP6(46050), .data = { 0x80 }, .data_len = 1, .mangle = udp_len_0 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: v6 UDP length of 19 bytes of STUN is dropped",
	  .pkt = { UDP6(46050), .data = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 }, .data_len = 8, .mangle = udp_len_19 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: a STUN cookie behind the IP end (the long way) is dropped",
	  .pkt = { UDP4(46050), .data = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 }, .data_len = 8, .payload = 8, .mangle = stun_past_ip_end },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: 7 bytes of RTP (under the straight path's 8) pass the long way",
	  .pkt = { UDP4(46050), .data = { 0x80 }, .data_len = 1, .payload = 7 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: 7 bytes starting 0xff (the long way) are dropped",
	  .pkt = { UDP4(46050), .data = { 0xff }, .data_len = 1, .payload = 7 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: v6 1-byte datagram 0xff (the long way) is dropped",
	  .pkt = { UDP6(46050), .data = { 0xff }, .data_len = 1, .payload = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: v6 RTP passes",
	  .pkt = { UDP6(46050), .data = { 0x80, 0x6f }, .data_len = 2 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: v6 STUN with the cookie passes",
	  .pkt = { UDP6(46050), .data = { 0x00, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42 }, .data_len = 8 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: v6 first byte 0xff is dropped",
	  .pkt = { UDP6(46050), .data = { 0xff }, .data_len = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: behind 802.1ad+802.1Q, RTP passes",
	  .pkt = { .vlans = 2, UDP4(46050), .data = { 0x80 }, .data_len = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: behind 802.1ad+802.1Q, byte 0xff is dropped",
	  .pkt = { .vlans = 2, UDP6(46050), .data = { 0xff }, .data_len = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: with IPv4 options (the full parser), byte 0xff is dropped",
	  .pkt = { UDP4(46050), .ip_opt_words = 2, .data = { 0xff }, .data_len = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: with IPv4 options (the full parser), DTLS passes",
	  .pkt = { UDP4(46050), .ip_opt_words = 2, .data = { 22 }, .data_len = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: behind IPv6 extension headers, byte 0x50 is dropped",
	  .pkt = { UDP6(46050), EXTS(EXT_HOP, EXT_DST), .data = { 0x50 }, .data_len = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: behind IPv6 extension headers, RTP passes",
	  .pkt = { UDP6(46050), EXTS(EXT_HOP, EXT_DST), .data = { 0x80 }, .data_len = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: behind one 802.1Q tag, v4 byte 0xff is dropped",
	  .pkt = { .vlans = 1, UDP4(46050), .data = { 0xff }, .data_len = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: behind 802.1ad+802.1Q, v6 STUN with the cookie passes",
	  .pkt = { .vlans = 2, UDP6(46050), .data = { 0x00, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42 }, .data_len = 8 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: a first IPv6 fragment starting with 0xff is dropped",
	  .pkt = { UDP6(46050), EXTS(EXT_FRAG), .frag6 = 1, .data = { 0xff }, .data_len = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: a first IPv4 fragment starting with 0xff is dropped",
	  .pkt = { UDP4(46050), .frag_off = IP_MF_, .data = { 0xff }, .data_len = 1 },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "guard: a first IPv4 fragment starting with RTP passes",
	  .pkt = { UDP4(46050), .frag_off = IP_MF_, .data = { 0x90 }, .data_len = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: off in generation 1: byte 0xff passes after the flip",
	  .pkt = { UDP4(46050), .data = { 0xff }, .data_len = 1 },
	  .tweak = { .active_gen = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "guard: not on 44200-44300: byte 0xff passes there",
	  .pkt = { UDP4(44250), .data = { 0xff }, .data_len = 1 },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 44250) },

	/*
	 * rate (bpf/rate.h): 2222/tcp 1/min burst 2 (SYNs), 3478/udp 1/min
	 * burst 1 (datagrams), per IPv4 address or IPv6 /64. In order.
	 */
	{ .name = "rate: 1st SYN of 100.64.1.1 to 2222 passes",
	  .pkt = { TCP4(2222), .src = "100.64.1.1" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 2222) },
	{ .name = "rate: 2nd SYN of 100.64.1.1 passes (burst 2)",
	  .pkt = { TCP4(2222), .src = "100.64.1.1", .sport = 40001 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 2222) },
	{ .name = "rate: 3rd SYN of 100.64.1.1 is over the limit: dropped",
	  .pkt = { TCP4(2222), .src = "100.64.1.1", .sport = 40002 },
	  .verdict = XDP_DROP, .counter = LIMITED(TCP, 2222) },
	{ .name = "rate: an ACK of 100.64.1.1 passes: only SYNs count",
	  .pkt = { TCP4(2222), .src = "100.64.1.1", .tcp_flags = 0x10 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 2222) },
	{ .name = "rate: a SYN-ACK of 100.64.1.1 passes: only SYNs without ACK count",
	  .pkt = { TCP4(2222), .src = "100.64.1.1", .tcp_flags = 0x12 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 2222) },
	{ .name = "rate: 1st SYN of 100.64.1.2 passes: another source, another bucket",
	  .pkt = { TCP4(2222), .src = "100.64.1.2" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 2222) },
	{ .name = "rate: SYN of 100.64.1.1 with IPv4 options (the full parser) is dropped",
	  .pkt = { TCP4(2222), .src = "100.64.1.1", .ip_opt_words = 1 },
	  .verdict = XDP_DROP, .counter = LIMITED(TCP, 2222) },
	{ .name = "rate: generation 1 has no limit on 2222: the same SYN passes",
	  .pkt = { TCP4(2222), .src = "100.64.1.1", .sport = 40003 },
	  .tweak = { .active_gen = 1 },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 2222) },
	{ .name = "rate: 1st SYN of 2001:db8:aa::1 passes",
	  .pkt = { TCP6(2222), .src = "2001:db8:aa::1" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 2222) },
	{ .name = "rate: a SYN of 2001:db8:aa::2 is the /64's 2nd: passes",
	  .pkt = { TCP6(2222), .src = "2001:db8:aa::2" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 2222) },
	{ .name = "rate: 2001:db8:aa:0:ffff::3 is the same /64's 3rd SYN: dropped",
	  .pkt = { TCP6(2222), .src = "2001:db8:aa:0:ffff::3" },
	  .verdict = XDP_DROP, .counter = LIMITED(TCP, 2222) },
	{ .name = "rate: 2001:db8:aa:1::1 is another /64: passes",
	  .pkt = { TCP6(2222), .src = "2001:db8:aa:1::1" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 2222) },
	{ .name = "rate: 1st datagram of 100.64.1.1 to 3478/udp passes",
	  .pkt = { UDP4(3478), .src = "100.64.1.1" },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 3478) },
	{ .name = "rate: 2nd datagram of 100.64.1.1 to 3478/udp is dropped (burst 1)",
	  .pkt = { UDP4(3478), .src = "100.64.1.1" },
	  .verdict = XDP_DROP, .counter = LIMITED(UDP, 3478) },
	{ .name = "rate: the TCP bucket of 2222 is not the UDP one of 3478",
	  .pkt = { UDP4(3478), .src = "100.64.1.2" },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 3478) },
	{ .name = "rate: ports without rate pay nothing: 443 SYNs of 100.64.1.1 pass",
	  .pkt = { TCP4(443), .src = "100.64.1.1" },
	  .verdict = XDP_PASS, .counter = PORT(TCP, 443) },

	/*
	 * Guard and rate drops go to the drop end like every other drop: in
	 * monitor mode they pass, counted as would-drops of their class
	 * (xr_limit_stats has no would-drop slots); a capture alone changes
	 * neither verdict nor counter. The straight path (xr_limited) and the
	 * full parser (a first fragment) each.
	 */
	{ .name = "monitor: guard: byte 0xff to the guarded range passes as a guard would-drop",
	  .pkt = { UDP4(46050), .data = { 0xff }, .data_len = 1 },
	  .tweak = { .active_gen = XR_GEN_MONITOR },
	  .verdict = XDP_PASS, .counter = CLASS(GUARD), .would_drop = 1 },
	{ .name = "monitor: guard: behind IPv6 extension headers, byte 0x50 passes as a would-drop",
	  .pkt = { UDP6(46050), EXTS(EXT_HOP, EXT_DST), .data = { 0x50 }, .data_len = 1 },
	  .tweak = { .active_gen = XR_GEN_MONITOR },
	  .verdict = XDP_PASS, .counter = CLASS(GUARD), .would_drop = 1 },
	{ .name = "monitor: guard: a first fragment starting with 0xff (full parse) passes as a would-drop",
	  .pkt = { UDP4(46050), .frag_off = IP_MF_, .data = { 0xff }, .data_len = 1 },
	  .tweak = { .active_gen = XR_GEN_MONITOR },
	  .verdict = XDP_PASS, .counter = CLASS(GUARD), .would_drop = 1 },
	{ .name = "monitor: guard: RTP to the guarded range passes, counted as passed",
	  .pkt = { UDP4(46050), .data = { 0x80 }, .data_len = 1 },
	  .tweak = { .active_gen = XR_GEN_MONITOR },
	  .verdict = XDP_PASS, .counter = PORT(UDP, 46050) },
	{ .name = "capture on, enforce: guard: byte 0xff still dropped, counted as guard",
	  .pkt = { UDP4(46050), .data = { 0xff }, .data_len = 1 },
	  .tweak = { .active_gen = XR_GEN_CAPTURE },
	  .verdict = XDP_DROP, .counter = GUARDED(UDP, 46050) },
	{ .name = "monitor: rate: another SYN of 100.64.1.1 (over) passes as a rate would-drop",
	  .pkt = { TCP4(2222), .src = "100.64.1.1", .sport = 40004 },
	  .tweak = { .active_gen = XR_GEN_MONITOR },
	  .verdict = XDP_PASS, .counter = CLASS(RATE), .would_drop = 1 },
	{ .name = "capture on, enforce: rate: a SYN of 100.64.1.1 (over) still dropped",
	  .pkt = { TCP4(2222), .src = "100.64.1.1", .sport = 40005 },
	  .tweak = { .active_gen = XR_GEN_CAPTURE },
	  .verdict = XDP_DROP, .counter = LIMITED(TCP, 2222) },
};
/* clang-format on */

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

/* ---------------------------------------------------------------------
 * The loaded program, its maps, and counter snapshots.
 */
static struct xdp_reflector_bpf *skel;
static int prog_fd, config_fd, port_stats_fd, class_stats_fd;
static int ncpus;

struct snapshot {
	struct xr_counters *port; /* [XR_STAT_KEYS], summed over CPUs */
	struct xr_counters *limit; /* xr_limit_stats, the same way */
	struct xr_counters class[XR_CLASS_MAX];
};

static struct snapshot before, after;
static struct xr_counters *percpu_buf; /* [XR_STAT_KEYS * ncpus] */
static __u32 *key_buf;

static void add(struct xr_counters *sum, const struct xr_counters *c)
{
	sum->pass_packets += c->pass_packets;
	sum->pass_bytes += c->pass_bytes;
	sum->drop_packets += c->drop_packets;
	sum->drop_bytes += c->drop_bytes;
	sum->would_drop_packets += c->would_drop_packets;
	sum->would_drop_bytes += c->would_drop_bytes;
}

/*
 * A per-CPU array of STAT_KEYS slots of struct xr_counters (xr_port_stats)
 * or, with LIMIT, of struct xr_limit_counters (xr_limit_stats), read into
 * xr_counters: guard_* in the pass_* places, rate_* in drop_*.
 */
static int read_port_stats(int fd, int limit, struct xr_counters *out)
{
	__u32 total = 0, count, next = 0, k;
	int c, err = 0;
	void *in = NULL;

	/* One batch lookup reads the per-CPU array in a few syscalls. */
	while (total < XR_STAT_KEYS && !err) {
		count = XR_STAT_KEYS - total;
		err = bpf_map_lookup_batch(fd, in, &next,
					   key_buf + total,
					   percpu_buf + (size_t)total * ncpus,
					   &count, NULL);
		if (err && errno != ENOENT)
			return -errno;
		total += count;
		in = &next;
	}
	if (total != XR_STAT_KEYS)
		return -EIO;
	for (k = 0; k < XR_STAT_KEYS; k++) {
		memset(&out[key_buf[k]], 0, sizeof(out[0]));
		for (c = 0; c < ncpus; c++) {
			size_t i = (size_t)k * ncpus + c;
			const struct xr_limit_counters *l =
				(const struct xr_limit_counters *)percpu_buf + i;
			struct xr_counters as = {
				.pass_packets = l->guard_packets,
				.pass_bytes = l->guard_bytes,
				.drop_packets = l->rate_packets,
				.drop_bytes = l->rate_bytes,
			};

			add(&out[key_buf[k]], limit ? &as : &percpu_buf[i]);
		}
	}
	return 0;
}

static int read_class_stats(struct xr_counters *out)
{
	struct xr_counters v[ncpus];
	__u32 k;
	int c;

	for (k = 0; k < XR_CLASS_MAX; k++) {
		if (bpf_map_lookup_elem(class_stats_fd, &k, v))
			return -errno;
		memset(&out[k], 0, sizeof(out[k]));
		for (c = 0; c < ncpus; c++)
			add(&out[k], &v[c]);
	}
	return 0;
}

static void take_snapshot(struct snapshot *s)
{
	int err = read_port_stats(port_stats_fd, 0, s->port);

	if (err)
		fail_msg("reading xr_port_stats: %s", strerror(-err));
	err = read_port_stats(bpf_map__fd(skel->maps.xr_limit_stats), 1,
			      s->limit);
	if (err)
		fail_msg("reading xr_limit_stats: %s", strerror(-err));
	err = read_class_stats(s->class);
	if (err)
		fail_msg("reading xr_class_stats: %s", strerror(-err));
}

/*
 * policy_sources into the tables as the loader writes them: each (gen,
 * rule)'s list compiled by xr_sources_add(), each generation stored with
 * xr_sources_store() (loader/policy.c).
 */
static int load_sources(void)
{
	size_t n = sizeof(policy_sources) / sizeof(policy_sources[0]);
	static struct xr_cidr list[2 * BIG_PER_FAMILY];
	static struct xr_policy_sources src[XR_GENS];
	char why[256];
	__u32 gen, rule;
	size_t i, k;
	int err = 0;

	for (gen = 0; gen < XR_GENS && !err; gen++) {
		for (rule = 0; rule < XR_RULES_PER_GEN && !err; rule++) {
			for (i = 0, k = 0; i < n; i++) {
				const struct source_rule *s = &policy_sources[i];

				if (s->gen != gen || s->rule != rule)
					continue;
				if (xr_parse_cidr(s->cidr, &list[k++], why,
						  sizeof(why))) {
					fprintf(stderr, "source %s: %s\n",
						s->cidr, why);
					return -1;
				}
			}
			if (gen == 0 && rule == BIG_RULE)
				k += big_list(list + k);
			if (gen == 0 && rule == HASH_RULE)
				k += hash_list(list + k);
			if (k)
				err = xr_sources_add(&src[gen], rule, list, k);
		}
		if (!err)
			xr_sources_store(&skel->bss->xr_tables, gen, &src[gen]);
	}
	for (gen = 0; gen < XR_GENS; gen++)
		xr_sources_free(&src[gen]);
	if (err)
		fprintf(stderr, "sources: %s\n", strerror(-err));
	return err ? -1 : 0;
}

/* Read a few entries back through the syscall: the stores must have landed. */
static int check_policy(void)
{
	static struct xr_tables tables; /* the one value of the .bss map */
	int ports_fd = bpf_map__fd(skel->maps.bss);
	__u32 zero = 0;
	size_t i;

	if (bpf_map_lookup_elem(ports_fd, &zero, &tables)) {
		fprintf(stderr, "xr_ports reads back: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(policy_ports) / sizeof(policy_ports[0]); i++) {
		const struct port_rule *r = &policy_ports[i];
		__u32 key = xr_port_key(r->gen, r->proto, r->last);
		struct xr_port_entry e = tables.ports[key].entry;

		if (e.flags != r->flags || e.rule != r->rule) {
			fprintf(stderr, "xr_ports[%u] reads back wrong\n", key);
			return -1;
		}
	}
	return 0;
}

/* 16-byte address, IPv4 v4-mapped, as the flow table keys it. */
static void addr16(int family, const char *text, __u8 out[16])
{
	memset(out, 0, 16);
	if (family == 4) {
		out[10] = out[11] = 0xff;
		pton(AF_INET, text, out + 12);
	} else {
		pton(AF_INET6, text, out);
	}
}

/* The flows of policy_flows, as the egress program records them. */
static int load_flows(void)
{
	int flows_fd = bpf_map__fd(skel->maps.xr_flows);
	struct timespec ts;
	__u64 now;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns()'s clock */
	now = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
	for (i = 0; i < sizeof(policy_flows) / sizeof(policy_flows[0]); i++) {
		const struct flow_rule *fr = &policy_flows[i];
		struct xr_flow_key key = {
			.local_port = htons(fr->local_port),
			.remote_port = htons(fr->remote_port),
			.proto = fr->proto,
			.family = fr->family,
		};
		struct xr_flow flow = {
			.last_egress_ns = now - fr->age_secs * 1000000000ULL,
		};

		addr16(fr->family, fr->family == 4 ? DEFAULT_DST4 : DEFAULT_DST6,
		       key.local);
		addr16(fr->family, fr->remote, key.remote);
		if (bpf_map_update_elem(flows_fd, &key, &flow, BPF_ANY)) {
			fprintf(stderr, "flow %s: %s\n", fr->remote,
				strerror(errno));
			return -1;
		}
		/* The prefilter: the port may have live flows for an hour. */
		skel->bss->xr_tables.flow_ports[xr_stat_key(fr->proto,
							    fr->local_port)] =
			now + 3600ULL * 1000000000ULL;
	}
	skel->bss->xr_tables.flow_ports[XR_FLOW_CLOCK] = now;
	return 0;
}

static int load_policy(void)
{
	/*
	 * xr_ports is BPF_F_MMAPABLE: the policy is written with stores. An
	 * array's elements are 8-byte aligned, so each 4-byte entry has an
	 * 8-byte slot in the mapping.
	 */
	long page = sysconf(_SC_PAGESIZE);
	size_t sz = ((size_t)XR_PORT_KEYS * 8 + page - 1) & ~(size_t)(page - 1);
	int ports_fd = bpf_map__fd(skel->maps.bss); /* xr_tables.ports first */
	__u64 *slots;
	size_t i;
	__u32 p;

	slots = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, ports_fd, 0);
	if (slots == MAP_FAILED) {
		fprintf(stderr, "mmap xr_ports: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(policy_ports) / sizeof(policy_ports[0]); i++) {
		const struct port_rule *r = &policy_ports[i];
		struct xr_port_entry e = { .rule = r->rule, .flags = r->flags };

		for (p = r->first; p <= r->last; p++)
			memcpy(&slots[xr_port_key(r->gen, r->proto, p)], &e,
			       sizeof(e));
	}
	munmap(slots, sz);
	if (check_policy())
		return -1;
	for (i = 0; i < sizeof(policy_rates) / sizeof(policy_rates[0]); i++) {
		__u32 k = policy_rates[i].rule; /* generation 0 */

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.xr_rate_rules),
					&k, &policy_rates[i].rr, BPF_ANY)) {
			fprintf(stderr, "xr_rate_rules: %s\n", strerror(errno));
			return -1;
		}
	}

	if (load_sources())
		return -1;
	return load_flows();
}

/* The verifier's statistics of each program (log level 4: no trace). */
static char verifier_log[2][4096];

static int setup_program(void **state)
{
	int err;

	(void)state;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return -1;
	skel = xdp_reflector_bpf__open();
	if (!skel) {
		fprintf(stderr, "opening xdp_reflector: %s\n", strerror(errno));
		return -1;
	}
	bpf_program__set_log_buf(skel->progs.xdp_reflector, verifier_log[0],
				 sizeof(verifier_log[0]));
	bpf_program__set_log_level(skel->progs.xdp_reflector, 4);
	bpf_program__set_log_buf(skel->progs.xr_egress, verifier_log[1],
				 sizeof(verifier_log[1]));
	bpf_program__set_log_level(skel->progs.xr_egress, 4);
	/* As the loader does (xr_dp_new_object): the rate table's sets, a seed. */
	skel->bss->xr_tables.rate_set_mask =
		bpf_map__max_entries(skel->maps.xr_rate_src) - 1;
	skel->bss->xr_tables.rate_seed = 0x243f6a8885a308d3ULL;
	skel->bss->xr_tables.rate_tick_ns = xr_rate_tick_ns();
	if (!skel->bss->xr_tables.rate_tick_ns)
		fprintf(stderr, "warning: no tick from clock_getres(): the rate rows run on the coarse clock\n");
	err = xdp_reflector_bpf__load(skel);
	if (err) {
		fprintf(stderr, "loading xdp_reflector: %s (root needed)\n",
			strerror(-err));
		return -1;
	}
	prog_fd = bpf_program__fd(skel->progs.xdp_reflector);
	config_fd = bpf_map__fd(skel->maps.data_xr_config);
	port_stats_fd = bpf_map__fd(skel->maps.xr_port_stats);
	class_stats_fd = bpf_map__fd(skel->maps.xr_class_stats);

	before.port = calloc(XR_STAT_KEYS, sizeof(struct xr_counters));
	after.port = calloc(XR_STAT_KEYS, sizeof(struct xr_counters));
	before.limit = calloc(XR_STAT_KEYS, sizeof(struct xr_counters));
	after.limit = calloc(XR_STAT_KEYS, sizeof(struct xr_counters));
	percpu_buf = calloc((size_t)XR_STAT_KEYS * ncpus,
			    sizeof(struct xr_counters));
	key_buf = calloc(XR_STAT_KEYS, sizeof(__u32));
	if (!before.port || !after.port || !before.limit || !after.limit ||
	    !percpu_buf || !key_buf)
		return -1;
	return load_policy();
}

static int teardown_program(void **state)
{
	(void)state;
	xdp_reflector_bpf__destroy(skel);
	free(before.port);
	free(after.port);
	free(before.limit);
	free(after.limit);
	free(percpu_buf);
	free(key_buf);
	return 0;
}

static void write_config(const struct row *r)
{
	struct xr_config cfg = policy_config;
	struct xr_class_policy *cp = &cfg.gen[r->tweak.active_gen & 1];
	__u32 zero = 0;

	cfg.active_gen = r->tweak.active_gen;
	if (r->tweak.drop_echo)
		cp->drop_echo = 1;
	if (r->tweak.drop_frags)
		cp->drop_frags = 1;
	if (r->tweak.other_ip_pass)
		cp->other_ip_pass = 1;
	if (r->tweak.replies)
		cp->replies = 1;
	if (r->tweak.icmp_info_pass)
		cp->icmp_info_pass = 1;
	cp->reply_tcp_secs = ROW_TCP_SECS;
	cp->reply_udp_secs = ROW_UDP_SECS;
	cp->reply_closed_secs = ROW_CLOSED_SECS;
	if (r->tweak.allow_proto > 0)
		cp->other_ip_allow[r->tweak.allow_proto >> 6] |=
			1ULL << (r->tweak.allow_proto & 63);
	if (bpf_map_update_elem(config_fd, &zero, &cfg, BPF_ANY))
		fail_msg("%s: writing xr_config: %s", r->name, strerror(errno));
}

static const char *verdict_name(int v)
{
	switch (v) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	}
	return "?";
}

static const char *const class_names[XR_CLASS_MAX] = {
	"non_ip", "icmp", "fragment", "other_ip", "malformed", "reply", "dhcp",
	"guard", "rate",
};

static const char *const field_names[6] = {
	"pass_packets", "pass_bytes", "drop_packets", "drop_bytes",
	"would_drop_packets", "would_drop_bytes",
};

/* The fields of a counter slot as an array, in field_names order. */
static void fields(const struct xr_counters *c, __u64 out[6])
{
	out[0] = c->pass_packets;
	out[1] = c->pass_bytes;
	out[2] = c->drop_packets;
	out[3] = c->drop_bytes;
	out[4] = c->would_drop_packets;
	out[5] = c->would_drop_bytes;
}

/* Compare one slot's movement with the expectation; 0 if as expected. */
static int check_slot(const struct row *r, const char *slot,
		      const struct xr_counters *b, const struct xr_counters *a,
		      int expected, size_t len)
{
	__u64 fb[6], fa[6], want[6] = { 0 };
	int i, bad = 0;

	if (expected) {
		int base = r->would_drop ? 4 : r->verdict == XDP_PASS ? 0 : 2;

		want[base] = 1;
		want[base + 1] = len;
	}
	fields(b, fb);
	fields(a, fa);
	for (i = 0; i < 6; i++) {
		if (fa[i] - fb[i] == want[i])
			continue;
		print_error("%s: %s %s moved by %llu, want %llu\n", r->name,
			    slot, field_names[i],
			    (unsigned long long)(fa[i] - fb[i]),
			    (unsigned long long)want[i]);
		bad = 1;
	}
	return bad;
}

static void run_row(void **state)
{
	const struct row *r = *state;
	const struct counter_id *want = &r->counter;
	struct frame f;
	char slot[64];
	int bad = 0, err, reported = 0;
	__u32 k, c;

	build(&r->pkt, &f);
	assert_true(f.len >= ETH_HLEN); /* PROG_TEST_RUN refuses less */
	write_config(r);
	take_snapshot(&before);

	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.b,
		    .data_size_in = f.len, .repeat = 1);
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		fail_msg("%s: BPF_PROG_TEST_RUN: %s", r->name, strerror(errno));

	take_snapshot(&after);

	if (opts.retval != (__u32)r->verdict)
		fail_msg("%s: verdict %s (%u), want %s", r->name,
			 verdict_name(opts.retval), opts.retval,
			 verdict_name(r->verdict));

	for (c = 0; c < XR_CLASS_MAX; c++) {
		snprintf(slot, sizeof(slot), "class %s", class_names[c]);
		bad |= check_slot(r, slot, &before.class[c], &after.class[c],
				  want->cls == (int)c, f.len);
	}
	for (k = 0; k < XR_STAT_KEYS; k++) {
		int expected = want->cls == -1 &&
			       k == xr_stat_key(want->proto, want->port);

		if (!expected &&
		    !memcmp(&before.port[k], &after.port[k], sizeof(after.port[k])))
			continue;
		snprintf(slot, sizeof(slot), "port %s/%u",
			 k >> 16 ? "udp" : "tcp", k & 0xffff);
		if (check_slot(r, slot, &before.port[k], &after.port[k],
			       expected, f.len)) {
			bad = 1;
			if (++reported > 8)
				break;
		}
	}
	/* xr_limit_stats: guard_* in the pass_* places, rate_* in drop_*. */
	for (k = 0; k < XR_STAT_KEYS; k++) {
		int expected = want->cls < -1 &&
			       k == xr_stat_key(want->proto, want->port);
		struct row as = *r;

		if (!expected &&
		    !memcmp(&before.limit[k], &after.limit[k], sizeof(after.limit[k])))
			continue;
		/* check_slot wants pass_* for a PASS verdict: guard, else rate. */
		as.verdict = want->cls == -2 ? XDP_PASS : XDP_DROP;
		snprintf(slot, sizeof(slot), "limit %s/%u (guard=pass_*, rate=drop_*)",
			 k >> 16 ? "udp" : "tcp", k & 0xffff);
		if (check_slot(&as, slot, &before.limit[k], &after.limit[k],
			       expected, f.len)) {
			bad = 1;
			if (++reported > 8)
				break;
		}
	}
	if (bad)
		fail_msg("%s: counters did not move as expected (frame %zu bytes)",
			 r->name, f.len);
}

/* ---------------------------------------------------------------------
 * The flow table: what the egress program records (xr_egress through
 * BPF_PROG_TEST_RUN on an skb) and what an inbound packet may change.
 */
static int flow_of(const struct pkt_spec *s, int egress, struct xr_flow *out)
{
	const char *src = s->src ? s->src :
			  s->family == 4 ? DEFAULT_SRC4 : DEFAULT_SRC6;
	const char *dst = s->dst ? s->dst :
			  s->family == 4 ? DEFAULT_DST4 : DEFAULT_DST6;
	__u16 sport = htons(s->sport ? s->sport : SPORT), dport = htons(s->dport);
	struct xr_flow_key key = {
		.proto = s->l4 == IPPROTO_UDP ? XR_PROTO_UDP : XR_PROTO_TCP,
		.family = s->family,
	};

	/* Keyed from the host's side: egress source, ingress destination. */
	addr16(s->family, egress ? src : dst, key.local);
	addr16(s->family, egress ? dst : src, key.remote);
	key.local_port = egress ? sport : dport;
	key.remote_port = egress ? dport : sport;
	return bpf_map_lookup_elem(bpf_map__fd(skel->maps.xr_flows), &key, out);
}

static __u32 run_egress(const struct pkt_spec *s)
{
	struct frame f;

	build(s, &f);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.b,
		    .data_size_in = f.len, .repeat = 1);
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xr_egress),
				   &opts))
		fail_msg("xr_egress BPF_PROG_TEST_RUN: %s", strerror(errno));
	return opts.retval;
}

struct egress_row {
	const char *name;
	struct pkt_spec first; /* sent by the host first (sport: a row's own) */
	struct pkt_spec then; /* sent next on the same tuple, if l4 is set */
	int created; /* a flow exists afterwards */
	__u32 closing; /* ...in this state */
};

#define HOST_SYN 0x02
#define HOST_SYNACK 0x12
#define HOST_RST 0x14
#define HOST_ACK 0x10
#define HOST_FIN 0x11

/* clang-format off */
static const struct egress_row egress_rows[] = {
	{ "egress: the host's v4 SYN from a closed port creates a flow",
	  { TCP4(443), .sport = 50001, .tcp_flags = HOST_SYN }, {}, 1, 0 },
	{ "egress: the host's v6 SYN creates a flow of family 6",
	  { TCP6(443), .sport = 50002, .tcp_flags = HOST_SYN }, {}, 1, 0 },
	{ "egress: a SYN-ACK the host sends (it accepted) creates nothing",
	  { TCP4(40999), .sport = 50003, .tcp_flags = HOST_SYNACK }, {}, 0, 0 },
	{ "egress: a RST the host sends (closed port answering a scan) creates nothing",
	  { TCP4(40999), .sport = 50004, .tcp_flags = HOST_RST }, {}, 0, 0 },
	{ "egress: an ACK with data of an older session creates nothing",
	  { TCP6(40999), .sport = 50005, .tcp_flags = HOST_ACK, .payload = 100 },
	  {}, 0, 0 },
	{ "egress: a SYN+RST the host sends creates nothing",
	  { TCP4(40999), .sport = 50012, .tcp_flags = 0x06 }, {}, 0, 0 },
	{ "egress: a SYN+FIN the host sends creates nothing",
	  { TCP6(40999), .sport = 50013, .tcp_flags = 0x03 }, {}, 0, 0 },
	{ "egress: a FIN the host sends creates nothing",
	  { TCP4(40999), .sport = 50006, .tcp_flags = HOST_FIN }, {}, 0, 0 },
	{ "egress: a v4 UDP datagram opens its reverse tuple",
	  { UDP4(53), .sport = 50007 }, {}, 1, 0 },
	{ "egress: a v6 UDP datagram opens its reverse tuple",
	  { UDP6(53), .sport = 50008 }, {}, 1, 0 },
	{ "egress: the host's FIN moves its connection to closing",
	  { TCP4(443), .sport = 50009, .tcp_flags = HOST_SYN },
	  { TCP4(443), .sport = 50009, .tcp_flags = HOST_FIN }, 1, 1 },
	{ "egress: the host's RST moves its connection to closing",
	  { TCP6(443), .sport = 50010, .tcp_flags = HOST_SYN },
	  { TCP6(443), .sport = 50010, .tcp_flags = HOST_RST }, 1, 1 },
	{ "egress: the host's ACK keeps its connection open",
	  { TCP4(443), .sport = 50011, .tcp_flags = HOST_SYN },
	  { TCP4(443), .sport = 50011, .tcp_flags = HOST_ACK }, 1, 0 },
	{ "egress: a SYN from the open port 443 records nothing (inbound passes anyway)",
	  { TCP4(5000), .sport = 443, .tcp_flags = HOST_SYN }, {}, 0, 0 },
	{ "egress: a SYN from the source-restricted port 8888 records its flow",
	  { TCP4(5000), .sport = 8888, .tcp_flags = HOST_SYN }, {}, 1, 0 },
};
/* clang-format on */

#define N_EGRESS_ROWS (sizeof(egress_rows) / sizeof(egress_rows[0]))

static void write_replies_config(void)
{
	struct xr_config cfg = policy_config;
	__u32 zero = 0;

	cfg.gen[0].replies = 1;
	cfg.gen[0].reply_tcp_secs = ROW_TCP_SECS;
	cfg.gen[0].reply_udp_secs = ROW_UDP_SECS;
	cfg.gen[0].reply_closed_secs = ROW_CLOSED_SECS;
	if (bpf_map_update_elem(config_fd, &zero, &cfg, BPF_ANY))
		fail_msg("writing xr_config: %s", strerror(errno));
}

static void run_egress_row(void **state)
{
	const struct egress_row *r = *state;
	struct xr_flow flow;
	__u32 ret;
	int found;

	write_replies_config();
	/* The tuple is the row's own: nothing recorded it before. */
	if (!flow_of(&r->first, 1, &flow))
		fail_msg("%s: a flow exists before the row ran", r->name);
	ret = run_egress(&r->first);
	if (r->then.family)
		ret = run_egress(&r->then);
	/* TC_ACT_UNSPEC: later egress programs and filters still run. */
	if (ret != (__u32)TC_ACT_UNSPEC)
		fail_msg("%s: xr_egress returned %d, want TC_ACT_UNSPEC (-1)",
			 r->name, (int)ret);
	found = !flow_of(&r->first, 1, &flow);
	if (found != r->created)
		fail_msg("%s: flow %s, want %s", r->name,
			 found ? "created" : "absent",
			 r->created ? "created" : "absent");
	if (found && flow.closing != r->closing)
		fail_msg("%s: closing %u, want %u", r->name, flow.closing,
			 r->closing);
}

/*
 * An inbound FIN or RST on a live flow passes as a reply but must not
 * shorten the flow: only the host's own FIN/RST may.
 */
static void inbound_teardown_keeps_flow(void **state)
{
	static const struct pkt_spec rst = { TCP4(41000), .src = "198.51.100.20",
					     .sport = 443, .tcp_flags = 0x14 };
	static const struct pkt_spec fin = { TCP4(41000), .src = "198.51.100.20",
					     .sport = 443, .tcp_flags = 0x11 };
	const struct pkt_spec *pkts[] = { &rst, &fin };
	struct xr_flow flow;
	size_t i;

	(void)state;
	write_replies_config();
	for (i = 0; i < 2; i++) {
		struct frame f;

		build(pkts[i], &f);
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.b,
			    .data_size_in = f.len, .repeat = 1);
		assert_int_equal(bpf_prog_test_run_opts(prog_fd, &opts), 0);
		if (opts.retval != XDP_PASS)
			fail_msg("inbound %s on the live flow: verdict %s, want XDP_PASS",
				 i ? "FIN" : "RST", verdict_name(opts.retval));
		if (flow_of(pkts[i], 0, &flow))
			fail_msg("the flow 41000 is gone");
		if (flow.closing)
			fail_msg("an inbound %s moved the host's flow to closing",
				 i ? "FIN" : "RST");
	}
}

/* ---------------------------------------------------------------------
 * Drop capture (bpf/drop.h): what reaches the ring, and what does not.
 */
struct ring_seen {
	int n;
	struct xr_capture_rec rec[8];
};

static int on_capture(void *ctx, void *data, size_t size)
{
	struct ring_seen *seen = ctx;

	if (seen->n < 8 && size >= sizeof(struct xr_capture_rec))
		memcpy(&seen->rec[seen->n], data, sizeof(seen->rec[0]));
	seen->n++;
	return 0;
}

/* Run SPEC with active_gen FLAGS and capture settings CFG; what the ring got. */
static __u32 capture_run(const struct pkt_spec *spec, __u32 flags,
			 const struct xr_capture_cfg *cfg,
			 struct ring_seen *seen, struct frame *f)
{
	struct xr_config conf = policy_config;
	struct ring_buffer *rb;
	__u32 zero = 0;

	conf.active_gen = flags;
	if (bpf_map_update_elem(config_fd, &zero, &conf, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.xr_capture), &zero, cfg,
				BPF_ANY))
		fail_msg("writing xr_config, xr_capture: %s", strerror(errno));
	rb = ring_buffer__new(bpf_map__fd(skel->maps.xr_capture_rb),
			      on_capture, seen, NULL);
	assert_non_null(rb);
	ring_buffer__consume(rb); /* earlier tests' records, if any */
	memset(seen, 0, sizeof(*seen));
	build(spec, f);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b,
		    .data_size_in = f->len, .repeat = 1);
	assert_int_equal(bpf_prog_test_run_opts(prog_fd, &opts), 0);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return opts.retval;
}

static int count_record(void *ctx, void *data, size_t size)
{
	(void)data;
	(void)size;
	++*(long *)ctx;
	return 0;
}

/*
 * More drops than the ring holds (no reader while they come): every one
 * is either in the ring or counted in ring_full, and the verdict stands.
 */
static void capture_ring_full(void)
{
	static const struct pkt_spec closed = { TCP4(5432) };
	struct xr_capture_cfg cfg = { .snaplen = XR_CAPTURE_SNAP_MAX };
	const __u32 runs = 2 * XR_CAPTURE_RING_BYTES / sizeof(struct xr_capture_rec);
	struct xr_config conf = policy_config;
	struct ring_buffer *rb;
	struct frame f;
	long in_ring = 0;
	__u32 zero = 0;

	rb = ring_buffer__new(bpf_map__fd(skel->maps.xr_capture_rb),
			      count_record, &in_ring, NULL);
	assert_non_null(rb);
	ring_buffer__consume(rb);
	in_ring = 0;
	conf.active_gen = XR_GEN_CAPTURE;
	assert_int_equal(bpf_map_update_elem(config_fd, &zero, &conf, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.xr_capture),
					     &zero, &cfg, BPF_ANY), 0);
	build(&closed, &f);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.b,
		    .data_size_in = f.len, .repeat = runs);
	assert_int_equal(bpf_prog_test_run_opts(prog_fd, &opts), 0);
	assert_int_equal(opts.retval, XDP_DROP);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.xr_capture),
					     &zero, &cfg), 0);
	if (!cfg.ring_full || in_ring + (long)cfg.ring_full != (long)runs)
		fail_msg("ring full: %ld copies in the ring + %llu counted lost, want %u in all, some lost",
			 in_ring, (unsigned long long)cfg.ring_full, runs);
}

static void capture_copies_drops(void **state)
{
	static const struct pkt_spec closed = { TCP4(5432) };
	static const struct pkt_spec open = { TCP4(443) };
	static const struct pkt_spec udp40000 = { UDP4(40000) };
	static const struct pkt_spec bad = { TCP4(443), .mangle = ihl_4 };
	static const struct pkt_spec guarded = { UDP4(46050), .data = { 0xff },
						 .data_len = 1 };
	static const struct pkt_spec rtp = { UDP4(46050), .data = { 0x80 },
					     .data_len = 1 };
	struct xr_capture_cfg media = {
		.snaplen = XR_CAPTURE_SNAP_MAX, .nranges = 1,
		.ranges = { { .proto = XR_PROTO_UDP, .first_port = 46000,
			      .last_port = 46100 } },
	};
	struct xr_capture_cfg all = { .snaplen = XR_CAPTURE_SNAP_MAX };
	struct xr_capture_cfg snap = { .snaplen = 20 };
	struct xr_capture_cfg port = {
		.snaplen = XR_CAPTURE_SNAP_MAX, .nranges = 1,
		.ranges = { { .proto = XR_PROTO_UDP, .first_port = 40000,
			      .last_port = 40000 } },
	};
	struct ring_seen seen;
	struct frame f;
	__u32 v;

	(void)state;
	v = capture_run(&closed, XR_GEN_CAPTURE, &all, &seen, &f);
	assert_int_equal(v, XDP_DROP);
	if (seen.n != 1)
		fail_msg("a drop with the capture on: %d records, want 1", seen.n);
	assert_int_equal(seen.rec[0].key, xr_stat_key(XR_PROTO_TCP, 5432));
	assert_int_equal(seen.rec[0].is_class, 0);
	assert_int_equal(seen.rec[0].monitor, 0);
	assert_int_equal(seen.rec[0].wire_len, f.len);
	assert_int_equal(seen.rec[0].caplen, f.len);
	if (memcmp(seen.rec[0].data, f.b, f.len))
		fail_msg("the copy differs from the frame");

	v = capture_run(&open, XR_GEN_CAPTURE, &all, &seen, &f);
	assert_int_equal(v, XDP_PASS);
	if (seen.n)
		fail_msg("a passed packet was copied (%d records)", seen.n);

	v = capture_run(&closed, 0, &all, &seen, &f);
	assert_int_equal(v, XDP_DROP);
	if (seen.n)
		fail_msg("a drop with the capture off was copied (%d records)",
			 seen.n);

	v = capture_run(&closed, XR_GEN_CAPTURE, &snap, &seen, &f);
	if (seen.n != 1 || seen.rec[0].caplen != 20 ||
	    seen.rec[0].wire_len != f.len || memcmp(seen.rec[0].data, f.b, 20))
		fail_msg("snaplen 20: %d records, caplen %u of %u, want 1, 20 of %zu",
			 seen.n, seen.rec[0].caplen, seen.rec[0].wire_len, f.len);

	v = capture_run(&bad, XR_GEN_CAPTURE, &all, &seen, &f);
	assert_int_equal(v, XDP_DROP);
	if (seen.n != 1 || !seen.rec[0].is_class ||
	    seen.rec[0].key != XR_CLASS_MALFORMED)
		fail_msg("a malformed drop: %d records (class %u), want 1 malformed",
			 seen.n, seen.rec[0].key);

	v = capture_run(&closed, XR_GEN_CAPTURE, &port, &seen, &f);
	if (seen.n)
		fail_msg("--port 40000/udp copied a drop to 5432/tcp");
	v = capture_run(&bad, XR_GEN_CAPTURE, &port, &seen, &f);
	if (seen.n)
		fail_msg("--port 40000/udp copied a malformed packet");
	v = capture_run(&udp40000, XR_GEN_CAPTURE, &port, &seen, &f);
	if (seen.n != 1)
		fail_msg("--port 40000/udp: %d records of a drop to it, want 1",
			 seen.n);

	v = capture_run(&closed, XR_GEN_CAPTURE | XR_GEN_MONITOR, &all, &seen,
			&f);
	assert_int_equal(v, XDP_PASS);
	if (seen.n != 1 || !seen.rec[0].monitor)
		fail_msg("monitor: %d records of a would-drop, want 1 marked monitor",
			 seen.n);

	/* Guard drops reach the ring too, under their port's key. */
	v = capture_run(&guarded, XR_GEN_CAPTURE, &media, &seen, &f);
	assert_int_equal(v, XDP_DROP);
	if (seen.n != 1 || seen.rec[0].is_class ||
	    seen.rec[0].key != xr_stat_key(XR_PROTO_UDP, 46050) ||
	    seen.rec[0].monitor)
		fail_msg("--port 46000-46100/udp: %d records of a guard drop (key %#x), want 1 of udp/46050",
			 seen.n, seen.rec[0].key);
	v = capture_run(&guarded, XR_GEN_CAPTURE | XR_GEN_MONITOR, &media,
			&seen, &f);
	assert_int_equal(v, XDP_PASS);
	if (seen.n != 1 || !seen.rec[0].monitor)
		fail_msg("monitor: %d records of a guard would-drop, want 1 marked monitor",
			 seen.n);
	v = capture_run(&rtp, XR_GEN_CAPTURE, &media, &seen, &f);
	assert_int_equal(v, XDP_PASS);
	if (seen.n)
		fail_msg("a datagram the guard passes was copied (%d records)",
			 seen.n);
	capture_ring_full();
	capture_run(&open, 0, &all, &seen, &f); /* flag off for what follows */
}

/* Every row's frame into a pcap file, in row order, to inspect with tcpdump. */
static int write_pcap(const char *path)
{
	struct {
		__u32 magic;
		__u16 major, minor;
		__s32 thiszone;
		__u32 sigfigs, snaplen, linktype;
	} hdr = { 0xa1b2c3d4, 2, 4, 0, 0, FRAME_MAX, 1 /* Ethernet */ };
	FILE *out = fopen(path, "wb");
	size_t i;

	if (!out) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	fwrite(&hdr, sizeof(hdr), 1, out);
	for (i = 0; i < N_ROWS; i++) {
		struct frame f;
		__u32 rec[4] = { 0, (__u32)i, 0, 0 }; /* usec = row index */

		build(&rows[i].pkt, &f);
		rec[2] = rec[3] = f.len;
		fwrite(rec, sizeof(rec), 1, out);
		fwrite(f.b, f.len, 1, out);
		printf("%3zu %s\n", i, rows[i].name);
	}
	return fclose(out) ? 1 : 0;
}

/*
 * Rule 6's whole list through the program: every network's first and last
 * address, the addresses just outside it, and each inside address as
 * IPv4-mapped IPv6, against the CIDR reference (xr_cidr_contains: what
 * the profile says). A search that misses a range, an edge or a merge
 * fails here.
 */
static int big_verdict(int family, const __u8 *addr, __u16 dport)
{
	struct pkt_spec s = { .family = family, .l4 = IPPROTO_TCP, .dport = dport };
	char text[INET6_ADDRSTRLEN];
	struct frame f;

	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
	s.src = text;
	build(&s, &f);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.b,
		    .data_size_in = f.len, .repeat = 1);
	if (bpf_prog_test_run_opts(prog_fd, &opts))
		fail_msg("BPF_PROG_TEST_RUN: %s", strerror(errno));
	return (int)opts.retval;
}

static void add_to(__u8 *a, int bytes, int delta)
{
	int i = bytes - 1;

	if (delta > 0)
		while (i >= 0 && ++a[i] == 0)
			i--;
	else
		while (i >= 0 && a[i]-- == 0)
			i--;
}

/* Is A (16 bytes) in ::ffff:0:0/96? */
static int is_mapped(const __u8 *a)
{
	static const __u8 block[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, block, sizeof(block));
}

/* RULE's list (gen 0), read from policy_sources and then LIST_FN's, swept on DPORT. */
static void sweep_list(__u16 rule, __u16 dport, size_t (*list_fn)(struct xr_cidr *))
{
	static struct xr_cidr list[2 * BIG_PER_FAMILY + 16];
	size_t n = 0, i, j, checked = 0;
	int bad = 0;
	char why[256];

	write_config(&rows[0]); /* generation 0, as the rows run */
	for (i = 0; i < sizeof(policy_sources) / sizeof(policy_sources[0]); i++)
		if (policy_sources[i].gen == 0 && policy_sources[i].rule == rule)
			assert_int_equal(xr_parse_cidr(policy_sources[i].cidr,
						       &list[n++], why, sizeof(why)),
					 0);
	n += list_fn(list + n);
	assert_int_equal(n, 2 * BIG_PER_FAMILY);
	for (i = 0; i < n; i++) {
		const struct xr_cidr *c = &list[i];
		int fam = c->family == AF_INET ? 4 : 6, bytes = fam == 4 ? 4 : 16;
		__u8 probe[4][16], mapped[16] = { [10] = 0xff, [11] = 0xff };
		int p;

		for (p = 0; p < 4; p++)
			memcpy(probe[p], c->addr, 16);
		for (j = c->prefixlen; j < (size_t)bytes * 8; j++) {
			probe[1][j / 8] |= (__u8)(0x80 >> (j % 8)); /* last */
			probe[3][j / 8] |= (__u8)(0x80 >> (j % 8));
		}
		add_to(probe[2], bytes, -1); /* just below */
		add_to(probe[3], bytes, +1); /* just above */
		for (p = 0; p < 4; p++) {
			int in = 0, v;

			for (j = 0; j < n && !in; j++)
				in = xr_cidr_contains(&list[j], c->family, probe[p]);
			/* No IPv4-mapped source is in any list. */
			if (fam == 6 && is_mapped(probe[p]))
				in = 0;
			v = big_verdict(fam, probe[p], dport);
			checked++;
			if (v != (in ? XDP_PASS : XDP_DROP) && bad++ < 8)
				print_error("network %zu (/%u, v%d) probe %d: %s, want %s\n",
					    i, c->prefixlen, fam, p, verdict_name(v),
					    in ? "XDP_PASS" : "XDP_DROP");
		}
		if (fam == 4) {
			memcpy(mapped + 12, probe[0], 4);
			checked++;
			if (big_verdict(6, mapped, dport) != XDP_DROP && bad++ < 8)
				print_error("network %zu: its IPv4-mapped first address passes\n", i);
		}
	}
	if (bad)
		fail_msg("%d of %zu probes of rule %u's 1000+1000 networks judged wrong",
			 bad, checked, rule);
}

static void big_list_edges(void **state)
{
	const struct xr_source_hash *h = &skel->bss->xr_tables.src_hash[0][BIG_RULE];

	(void)state;
	/* 17 and 97 prefix lengths: searched, not hashed. */
	assert_int_equal(h->tag4[0], 0);
	assert_int_equal(h->tag6[0], 0);
	sweep_list(BIG_RULE, 8890, big_list);
}

static void hash_list_edges(void **state)
{
	const struct xr_source_hash *h = &skel->bss->xr_tables.src_hash[0][HASH_RULE];

	(void)state;
	/* Three prefix lengths per family: hashed, all three probed. */
	assert_int_not_equal(h->tag4[2], 0);
	assert_int_not_equal(h->tag6[2], 0);
	sweep_list(HASH_RULE, 8891, hash_list);
}

/* One UDP datagram (RTP) from SRC to 3478 (1/min, burst 1): the verdict. */
static int rate_udp_verdict(const char *src)
{
	struct pkt_spec s = { .family = 4, .l4 = IPPROTO_UDP, .dport = 3478,
			      .src = src, .data = { 0x80 }, .data_len = 1 };
	struct frame f;

	build(&s, &f);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.b,
		    .data_size_in = f.len, .repeat = 1);
	if (bpf_prog_test_run_opts(prog_fd, &opts))
		fail_msg("BPF_PROG_TEST_RUN: %s", strerror(errno));
	return (int)opts.retval;
}

/*
 * xr_rate_src's sets (bpf/rate.h), squeezed to one set of XR_RATE_WAYS
 * slots: a limited source stays limited while the set has room. A source
 * more than the set holds takes the slot of the fullest bucket (the oldest
 * tat) with its debt, so that sources rotating through a full set stay
 * limited (before, each newcomer came with a full bucket: five sources
 * sent in turn were never limited); a slot whose bucket is full again
 * (idle) is taken with no debt, and its source forgotten at no cost.
 */
static void rate_set_full(void **state)
{
	const char *src[XR_RATE_WAYS + 2] = { "100.64.9.1", "100.64.9.2",
					       "100.64.9.3", "100.64.9.4",
					       "100.64.9.5", "100.64.9.6" };
	struct xr_tables *t = &skel->bss->xr_tables;
	__u32 mask = t->rate_set_mask, zero = 0;
	struct xr_rate_set empty = {}, set;
	int i, round;

	(void)state;
	t->rate_set_mask = 0;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.xr_rate_src), &zero,
				&empty, BPF_ANY))
		fail_msg("xr_rate_src: %s", strerror(errno));
	for (i = 0; i < XR_RATE_WAYS; i++)
		assert_int_equal(rate_udp_verdict(src[i]), XDP_PASS);
	/* The set is full: the first source is still known, and limited. */
	assert_int_equal(rate_udp_verdict(src[0]), XDP_DROP);
	for (i = 1; i < XR_RATE_WAYS; i++)
		assert_int_equal(rate_udp_verdict(src[i]), XDP_DROP);
	/*
	 * Six sources in turn through the four slots, three rounds: each
	 * newcomer takes over a limited source's debt, and nobody passes.
	 */
	for (round = 0; round < 3; round++)
		for (i = 0; i < XR_RATE_WAYS + 2; i++)
			if (rate_udp_verdict(src[i]) != XDP_DROP)
				fail_msg("round %d: %s passed through a full set",
					 round, src[i]);
	/* A slot whose bucket is full again (its tat past): no debt. */
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.xr_rate_src),
					     &zero, &set), 0);
	set.slot[2].st.tat_ns = 1;
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.xr_rate_src),
					     &zero, &set, BPF_ANY), 0);
	assert_int_equal(rate_udp_verdict("100.64.9.7"), XDP_PASS);
	assert_int_equal(rate_udp_verdict("100.64.9.7"), XDP_DROP);
	t->rate_set_mask = mask;
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.xr_rate_src),
					     &zero, &empty, BPF_ANY), 0);
}

/*
 * The verifier walks every path of the program up to a limit of 1M
 * instructions; a program far below it loads in a tenth of a second and
 * survives the next kernel's verifier and the next feature. 30% of the
 * limit is the budget: an unrolled loop inlined at one call site too many
 * (645k before xr_source_allowed() became a global function) fails here,
 * not on an operator's kernel.
 */
#define VERIFIER_BUDGET 300000

static void verifier_within_budget(void **state)
{
	const char *names[2] = { "xdp_reflector", "xr_egress" };
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		const char *p = strstr(verifier_log[i], "processed ");
		long n;

		if (!p)
			fail_msg("%s: no statistics in the verifier's log: %s",
				 names[i], verifier_log[i]);
		n = strtol(p + strlen("processed "), NULL, 10);
		print_message("%s: the verifier processed %ld instructions\n",
			      names[i], n);
		if (n <= 0 || n > VERIFIER_BUDGET)
			fail_msg("%s: the verifier processed %ld instructions, over the budget of %d (the limit is 1000000)",
				 names[i], n, VERIFIER_BUDGET);
	}
}

int main(int argc, char **argv)
{
	struct CMUnitTest *tests;
	size_t i;
	int ret;

	if (argc == 3 && !strcmp(argv[1], "--pcap"))
		return write_pcap(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--pcap FILE]\n"
				"  (set CMOCKA_TEST_ABORT=1 or CMOCKA_MESSAGE_OUTPUT=TAP as usual)\n",
			argv[0]);
		return 2;
	}
	tests = calloc(N_ROWS + N_EGRESS_ROWS + 6, sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < N_ROWS; i++) {
		tests[i].name = rows[i].name;
		tests[i].test_func = run_row;
		tests[i].initial_state = (void *)&rows[i];
	}
	for (i = 0; i < N_EGRESS_ROWS; i++) {
		tests[N_ROWS + i].name = egress_rows[i].name;
		tests[N_ROWS + i].test_func = run_egress_row;
		tests[N_ROWS + i].initial_state = (void *)&egress_rows[i];
	}
	tests[N_ROWS + N_EGRESS_ROWS].name =
		"ingress: an inbound RST or FIN does not shorten the host's flow";
	tests[N_ROWS + N_EGRESS_ROWS].test_func = inbound_teardown_keeps_flow;
	tests[N_ROWS + N_EGRESS_ROWS + 1].name =
		"capture: drops (and would-drops) copied, snaplen and --port obeyed, nothing else, a full ring counted";
	tests[N_ROWS + N_EGRESS_ROWS + 1].test_func = capture_copies_drops;
	tests[N_ROWS + N_EGRESS_ROWS + 2].name =
		"1000 nets: every network's edges and the addresses beside them "
		"as the CIDR reference says, IPv4-mapped sources dropped";
	tests[N_ROWS + N_EGRESS_ROWS + 2].test_func = big_list_edges;
	tests[N_ROWS + N_EGRESS_ROWS + 3].name =
		"1000 nets in 3 prefix lengths (hashed): every network's edges and "
		"the addresses beside them as the CIDR reference says, IPv4-mapped "
		"sources dropped";
	tests[N_ROWS + N_EGRESS_ROWS + 3].test_func = hash_list_edges;
	tests[N_ROWS + N_EGRESS_ROWS + 4].name =
		"verifier: each program within 30% of the 1M instruction limit";
	tests[N_ROWS + N_EGRESS_ROWS + 4].test_func = verifier_within_budget;
	tests[N_ROWS + N_EGRESS_ROWS + 5].name =
		"rate: a full set of the buckets: newcomers take over the fullest "
		"bucket's debt (rotation gains nothing), an idle slot is taken free";
	tests[N_ROWS + N_EGRESS_ROWS + 5].test_func = rate_set_full;
	ret = _cmocka_run_group_tests("fixtures", tests,
				      N_ROWS + N_EGRESS_ROWS + 6, setup_program,
				      teardown_program);
	free(tests);
	return ret;
}
