// SPDX-License-Identifier: GPL-2.0
/*
 * Native unit tests of the packet parsers in bpf/parse.h: what xr_parse()
 * returns and fills in for each kind of packet, and that it never reads
 * outside [data, data_end). Every packet is placed so that data_end is the
 * first byte of a PROT_NONE page: a read past data_end is a SIGSEGV, not a
 * silent pass. Truncated Ethernet (< 14 bytes) is tested here because
 * BPF_PROG_TEST_RUN refuses such frames.
 */
#include <arpa/inet.h> /* before the UAPI headers: glibc then wins in6_addr */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "xdp_reflector.h" /* XR_PROTO_* */
#include "parse.h"

#define ETH_P_ARP_ 0x0806
#define IPPROTO_GRE_ 47
#define IP_MF_ 0x2000

/* ---------------------------------------------------------------------
 * A frame under construction: bytes plus the offsets of its layers.
 */
struct frame {
	__u8 b[512];
	size_t len;
	size_t l3, l4, l4_end; /* l4_end: first byte after the L4 header */
};

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

static void put(struct frame *f, const void *p, size_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

/* Ethernet with 0, 1 (802.1Q) or 2 (802.1ad + 802.1Q) tags. */
static void eth(struct frame *f, int vlans, __u16 type)
{
	struct ethhdr e = {
		.h_dest = { 2, 0, 0, 0, 0, 1 },
		.h_source = { 2, 0, 0, 0, 0, 2 },
		.h_proto = htons(vlans == 2 ? XR_ETH_P_8021AD :
				 vlans == 1 ? XR_ETH_P_8021Q :
					      type),
	};
	struct vlan_tag outer = { htons(10), htons(XR_ETH_P_8021Q) };
	struct vlan_tag inner = { htons(100), htons(type) };

	memset(f, 0, sizeof(*f));
	put(f, &e, sizeof(e));
	if (vlans == 2)
		put(f, &outer, sizeof(outer));
	if (vlans >= 1)
		put(f, &inner, sizeof(inner));
	f->l3 = f->len;
}

static void ipv4(struct frame *f, __u8 proto, int opt_words, __u16 frag_off)
{
	struct iphdr h = {
		.version = 4,
		.ihl = 5 + opt_words,
		.frag_off = htons(frag_off),
		.ttl = 64,
		.protocol = proto,
		.saddr = htonl(0x64400009), /* 100.64.0.9 */
		.daddr = htonl(0xc0a8010a), /* 192.168.1.10 */
	};
	__u8 nop = 1;
	int i;

	put(f, &h, sizeof(h));
	for (i = 0; i < opt_words * 4; i++)
		put(f, &nop, 1);
}

static void ipv6(struct frame *f, __u8 nexthdr)
{
	struct ipv6hdr h = { .version = 6, .nexthdr = nexthdr, .hop_limit = 64 };

	inet_pton(AF_INET6, "2001:db8:ff::9", &h.saddr);
	inet_pton(AF_INET6, "2001:db8::10", &h.daddr);
	put(f, &h, sizeof(h));
}

/* An IPv6 extension header of `len` bytes (8 for a fragment header). */
static void ext6(struct frame *f, __u8 type, __u8 next, size_t len,
		 __u16 frag_off)
{
	__u8 h[64] = { next };

	assert_true(len % 8 == 0 && len <= sizeof(h));
	if (type == XR_IPPROTO_FRAGMENT) {
		h[2] = frag_off >> 8;
		h[3] = frag_off & 0xff;
	} else if (type == XR_IPPROTO_AH) {
		h[1] = len / 4 - 2;
	} else {
		h[1] = len / 8 - 1;
	}
	put(f, h, len);
}

static void tcp(struct frame *f, __u16 sport, __u16 dport)
{
	struct tcphdr t = {
		.source = htons(sport),
		.dest = htons(dport),
		.doff = 5,
		.syn = 1,
		.ack = 1,
	};

	f->l4 = f->len;
	put(f, &t, sizeof(t));
	f->l4_end = f->len;
}

static void payload(struct frame *f, size_t n)
{
	__u8 zero[256] = { 0 };

	assert_true(n <= sizeof(zero));
	put(f, zero, n);
}

static void udp(struct frame *f, __u16 sport, __u16 dport, size_t len)
{
	struct udphdr u = {
		.source = htons(sport),
		.dest = htons(dport),
		.len = htons(sizeof(u) + len),
	};
	f->l4 = f->len;
	put(f, &u, sizeof(u));
	f->l4_end = f->len;
	payload(f, len);
}

static void icmp(struct frame *f, __u8 type)
{
	__u8 h[8] = { type };

	f->l4 = f->len;
	put(f, h, sizeof(h));
	f->l4_end = f->len;
}

/* Store a big-endian 16-bit field at any alignment. */
static void put16(__u8 *at, __u16 v)
{
	at[0] = v >> 8;
	at[1] = v & 0xff;
}

/* Set the IP length field from the frame length. */
static void finish(struct frame *f)
{
	if (f->b[f->l3] >> 4 == 4)
		put16(f->b + f->l3 + offsetof(struct iphdr, tot_len),
		      f->len - f->l3);
	else if (f->b[f->l3] >> 4 == 6)
		put16(f->b + f->l3 + offsetof(struct ipv6hdr, payload_len),
		      f->len - f->l3 - sizeof(struct ipv6hdr));
}

/* ---------------------------------------------------------------------
 * Parsing with a guard page right after data_end.
 */
static __u8 *guard_area;
static size_t page_size;

static int setup_guard(void **state)
{
	(void)state;
	page_size = sysconf(_SC_PAGESIZE);
	guard_area = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_area == MAP_FAILED)
		return -1;
	return mprotect(guard_area + page_size, page_size, PROT_NONE);
}

static int teardown_guard(void **state)
{
	(void)state;
	munmap(guard_area, 2 * page_size);
	return 0;
}

struct parsed {
	int kind;
	struct xr_pkt pkt;
	const __u8 *data; /* where the frame was placed */
};

/* Parse the first `len` bytes of the frame, ending right at the guard page. */
static struct parsed parse_len(const struct frame *f, size_t len)
{
	struct parsed r;
	__u8 *data = guard_area + page_size - len;

	assert_true(len <= f->len && len <= page_size);
	memcpy(data, f->b, len);
	memset(&r.pkt, 0, sizeof(r.pkt)); /* the program starts from {} too */
	r.data = data;
	r.kind = xr_parse(data, data + len, &r.pkt);
	return r;
}

static struct parsed parse(const struct frame *f)
{
	return parse_len(f, f->len);
}

/* ---------------------------------------------------------------------
 * Each kind, and what it fills in.
 */
static void test_arp_is_non_ip(void **state)
{
	struct frame f;
	__u8 body[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	int vlans;

	(void)state;
	for (vlans = 0; vlans <= XR_VLAN_MAX; vlans++) {
		eth(&f, vlans, ETH_P_ARP_);
		put(&f, body, sizeof(body));
		assert_int_equal(parse(&f).kind, XR_KIND_NON_IP);
	}
}

/*
 * More tags than the parser follows are malformed, never non-IP: the kernel
 * strips priority tags (VID 0) and delivers what is behind them.
 */
static void test_vlan_tags_beyond_two_malformed(void **state)
{
	static const __u16 tpids[] = { XR_ETH_P_8021Q, XR_ETH_P_8021AD,
				       XR_ETH_P_QINQ1 };
	struct frame f;
	size_t i;
	int n, k;

	(void)state;
	for (i = 0; i < sizeof(tpids) / sizeof(tpids[0]); i++) {
		for (n = 3; n <= 8; n++) {
			struct ethhdr e = { .h_proto = htons(tpids[i]) };

			memset(&f, 0, sizeof(f));
			put(&f, &e, sizeof(e));
			for (k = 0; k < n; k++) {
				struct vlan_tag t = {
					0, htons(k + 1 < n ? tpids[i] : ETH_P_IP)
				};

				put(&f, &t, sizeof(t));
			}
			f.l3 = f.len;
			ipv4(&f, IPPROTO_UDP, 0, 0);
			udp(&f, 1, 6379, 8);
			finish(&f);
			assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
		}
	}
	/* One 0x9100 tag: never followed, so it is a tag the parser stops at. */
	eth(&f, 0, XR_ETH_P_QINQ1);
	payload(&f, 40);
	finish(&f);
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	/* Two tags, VID 0: judged by the port. */
	eth(&f, 2, ETH_P_IP);
	ipv4(&f, IPPROTO_TCP, 0, 0);
	tcp(&f, 1, 5432);
	finish(&f);
	assert_int_equal(parse(&f).kind, XR_KIND_L4);
	assert_int_equal(parse(&f).pkt.dport, 5432);
}

static void test_tcp4_fields(void **state)
{
	struct frame f;
	struct parsed r;

	(void)state;
	eth(&f, 0, ETH_P_IP);
	ipv4(&f, IPPROTO_TCP, 0, 0);
	tcp(&f, 0xabcd, 0x1bb);
	payload(&f, 10);
	finish(&f);
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_L4);
	assert_int_equal(r.pkt.family, 4);
	assert_int_equal(r.pkt.proto, XR_PROTO_TCP);
	assert_int_equal(r.pkt.ip_proto, IPPROTO_TCP);
	assert_int_equal(r.pkt.dport, 443); /* host order */
	assert_int_equal(r.pkt.sport, htons(0xabcd)); /* network order */
	assert_int_equal(r.pkt.tcp_flags, 0x12); /* SYN|ACK, byte 13 */
	assert_int_equal(r.pkt.fragment, 0);
	assert_ptr_equal(r.pkt.l3, r.data + ETH_HLEN);
	assert_int_equal(r.pkt.ip_end, f.len);
	assert_false(xr_ip_truncated(&r.pkt, f.len));
}

static void test_udp6_fields(void **state)
{
	struct frame f;
	struct parsed r;

	(void)state;
	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, IPPROTO_UDP);
	udp(&f, 40000, 44250, 20);
	finish(&f);
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_L4);
	assert_int_equal(r.pkt.family, 6);
	assert_int_equal(r.pkt.proto, XR_PROTO_UDP);
	assert_int_equal(r.pkt.ip_proto, IPPROTO_UDP);
	assert_int_equal(r.pkt.dport, 44250);
	assert_int_equal(r.pkt.sport, htons(40000));
	assert_ptr_equal(r.pkt.l3, r.data + ETH_HLEN);
	assert_int_equal(r.pkt.ip_end, ETH_HLEN + 40 + 8 + 20);
}

static void test_port_byte_order_extremes(void **state)
{
	static const __u16 ports[] = { 0, 1, 255, 256, 0x0102, 0xff00, 65535 };
	struct frame f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		struct parsed r;

		eth(&f, 0, ETH_P_IP);
		ipv4(&f, IPPROTO_UDP, 0, 0);
		udp(&f, ports[i], ports[i], 0);
		finish(&f);
		r = parse(&f);
		assert_int_equal(r.kind, XR_KIND_L4);
		assert_int_equal(r.pkt.dport, ports[i]);
		assert_int_equal(r.pkt.sport, htons(ports[i]));
	}
}

static void test_vlan_offsets_and_ip_end(void **state)
{
	struct frame f;
	int vlans;

	(void)state;
	for (vlans = 0; vlans <= XR_VLAN_MAX; vlans++) {
		struct parsed r;
		size_t l3 = ETH_HLEN + 4 * vlans;

		eth(&f, vlans, ETH_P_IP);
		ipv4(&f, IPPROTO_TCP, 0, 0);
		tcp(&f, 1, 7881);
		finish(&f);
		r = parse(&f);
		assert_int_equal(r.kind, XR_KIND_L4);
		assert_int_equal(r.pkt.dport, 7881);
		assert_ptr_equal(r.pkt.l3, r.data + l3);
		assert_int_equal(r.pkt.ip_end, l3 + 40);

		eth(&f, vlans, ETH_P_IPV6);
		ipv6(&f, IPPROTO_TCP);
		tcp(&f, 1, 7881);
		finish(&f);
		r = parse(&f);
		assert_int_equal(r.kind, XR_KIND_L4);
		assert_ptr_equal(r.pkt.l3, r.data + l3);
		assert_int_equal(r.pkt.ip_end, l3 + 60);
	}
}

static void test_ipv4_options_every_ihl(void **state)
{
	struct frame f;
	int words;

	(void)state;
	for (words = 0; words <= 10; words++) { /* IHL 5 .. 15 */
		struct parsed r;

		eth(&f, 0, ETH_P_IP);
		ipv4(&f, IPPROTO_TCP, words, 0);
		tcp(&f, 1, 8000 + words);
		finish(&f);
		r = parse(&f);
		assert_int_equal(r.kind, XR_KIND_L4);
		assert_int_equal(r.pkt.dport, 8000 + words);
		assert_int_equal(r.pkt.ip_end, f.len);
	}
}

static void test_icmp_types(void **state)
{
	static const __u8 types6[] = { 1, 2, 128, 129, 133, 134, 135, 136, 137 };
	struct frame f;
	struct parsed r;
	size_t i;

	(void)state;
	eth(&f, 0, ETH_P_IP);
	ipv4(&f, IPPROTO_ICMP, 0, 0);
	icmp(&f, XR_ICMP_DEST_UNREACH);
	finish(&f);
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_ICMP);
	assert_int_equal(r.pkt.family, 4);
	assert_int_equal(r.pkt.icmp_type, XR_ICMP_DEST_UNREACH);
	assert_int_equal(r.pkt.ip_proto, IPPROTO_ICMP);

	for (i = 0; i < sizeof(types6); i++) {
		eth(&f, 1, ETH_P_IPV6);
		ipv6(&f, XR_IPPROTO_ICMPV6);
		icmp(&f, types6[i]);
		finish(&f);
		r = parse(&f);
		assert_int_equal(r.kind, XR_KIND_ICMP);
		assert_int_equal(r.pkt.family, 6);
		assert_int_equal(r.pkt.icmp_type, types6[i]);
		assert_int_equal(r.pkt.ip_proto, XR_IPPROTO_ICMPV6);
	}
}

static void test_other_ip(void **state)
{
	struct frame f;
	struct parsed r;

	(void)state;
	eth(&f, 0, ETH_P_IP);
	ipv4(&f, IPPROTO_GRE_, 0, 0);
	payload(&f, 4);
	finish(&f);
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_OTHER_IP);
	assert_int_equal(r.pkt.ip_proto, IPPROTO_GRE_);

	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, XR_IPPROTO_DSTOPTS);
	ext6(&f, XR_IPPROTO_DSTOPTS, 59 /* no next header */, 8, 0);
	finish(&f);
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_OTHER_IP);
	assert_int_equal(r.pkt.ip_proto, 59);
}

/* ---------------------------------------------------------------------
 * Fragments.
 */
static void test_ipv4_fragments(void **state)
{
	struct frame f;
	struct parsed r;

	(void)state;
	/* First fragment: judged by its ports, flagged. */
	eth(&f, 0, ETH_P_IP);
	ipv4(&f, IPPROTO_UDP, 0, IP_MF_);
	udp(&f, 1, 44250, 100);
	finish(&f);
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_L4);
	assert_int_equal(r.pkt.dport, 44250);
	assert_int_equal(r.pkt.fragment, 1);

	/* Later fragment (with or without MF): no L4 header is read. */
	eth(&f, 0, ETH_P_IP);
	ipv4(&f, IPPROTO_TCP, 0, IP_MF_ | 185);
	payload(&f, 3); /* shorter than a TCP header */
	finish(&f);
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_FRAGMENT);
	assert_int_equal(r.pkt.ip_proto, IPPROTO_TCP);
	assert_int_equal(r.pkt.ip_end, f.len);

	eth(&f, 0, ETH_P_IP);
	ipv4(&f, IPPROTO_UDP, 0, 1); /* last fragment, offset 8 */
	finish(&f);
	assert_int_equal(parse(&f).kind, XR_KIND_FRAGMENT);

	/* DF alone is not a fragment. */
	eth(&f, 0, ETH_P_IP);
	ipv4(&f, IPPROTO_TCP, 0, 0x4000);
	tcp(&f, 1, 443);
	finish(&f);
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_L4);
	assert_int_equal(r.pkt.fragment, 0);
}

static void test_ipv6_fragments(void **state)
{
	struct frame f;
	struct parsed r;

	(void)state;
	/* First fragment: offset 0, M=1. */
	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, XR_IPPROTO_FRAGMENT);
	ext6(&f, XR_IPPROTO_FRAGMENT, IPPROTO_TCP, 8, 1);
	tcp(&f, 1, 443);
	finish(&f);
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_L4);
	assert_int_equal(r.pkt.dport, 443);
	assert_int_equal(r.pkt.fragment, 1);

	/* Atomic fragment (offset 0, M=0): any Fragment header is a fragment. */
	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, XR_IPPROTO_FRAGMENT);
	ext6(&f, XR_IPPROTO_FRAGMENT, IPPROTO_TCP, 8, 0);
	tcp(&f, 1, 443);
	finish(&f);
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_L4);
	assert_int_equal(r.pkt.fragment, 1);

	/* A second Fragment header, whatever either says: malformed. */
	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, XR_IPPROTO_FRAGMENT);
	ext6(&f, XR_IPPROTO_FRAGMENT, XR_IPPROTO_FRAGMENT, 8, 1);
	ext6(&f, XR_IPPROTO_FRAGMENT, IPPROTO_TCP, 8, 0);
	tcp(&f, 1, 5432);
	finish(&f);
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, XR_IPPROTO_FRAGMENT);
	ext6(&f, XR_IPPROTO_FRAGMENT, XR_IPPROTO_DSTOPTS, 8, 0);
	ext6(&f, XR_IPPROTO_DSTOPTS, XR_IPPROTO_FRAGMENT, 8, 0);
	ext6(&f, XR_IPPROTO_FRAGMENT, IPPROTO_UDP, 8, 181 << 3);
	payload(&f, 3);
	finish(&f);
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);

	/* Later fragment after hop-by-hop: the fragment's next header is kept. */
	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, XR_IPPROTO_HOPOPTS);
	ext6(&f, XR_IPPROTO_HOPOPTS, XR_IPPROTO_FRAGMENT, 8, 0);
	ext6(&f, XR_IPPROTO_FRAGMENT, IPPROTO_UDP, 8, 181 << 3);
	payload(&f, 3);
	finish(&f);
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_FRAGMENT);
	assert_int_equal(r.pkt.ip_proto, IPPROTO_UDP);
	assert_int_equal(r.pkt.ip_end, f.len);
}

/* ---------------------------------------------------------------------
 * IPv6 extension headers.
 */
static void test_each_extension_header(void **state)
{
	static const struct {
		__u8 type;
		size_t len;
	} exts[] = {
		{ XR_IPPROTO_HOPOPTS, 8 },  { XR_IPPROTO_HOPOPTS, 24 },
		{ XR_IPPROTO_ROUTING, 24 }, { XR_IPPROTO_DSTOPTS, 16 },
		{ XR_IPPROTO_FRAGMENT, 8 }, { XR_IPPROTO_AH, 16 },
		{ XR_IPPROTO_AH, 24 },
	};
	struct frame f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		struct parsed r;

		eth(&f, 0, ETH_P_IPV6);
		ipv6(&f, exts[i].type);
		ext6(&f, exts[i].type, IPPROTO_TCP, exts[i].len, 0);
		tcp(&f, 1, 5000 + i);
		finish(&f);
		r = parse(&f);
		assert_int_equal(r.kind, XR_KIND_L4);
		assert_int_equal(r.pkt.dport, 5000 + i);
		assert_int_equal(r.pkt.ip_end, f.len);
	}
}

/* A chain of n extension headers (cycling through the types), then TCP. */
static void chain(struct frame *f, int n)
{
	static const __u8 types[] = { XR_IPPROTO_HOPOPTS, XR_IPPROTO_DSTOPTS,
				      XR_IPPROTO_ROUTING, XR_IPPROTO_FRAGMENT,
				      XR_IPPROTO_AH };
	int i;

	eth(f, 0, ETH_P_IPV6);
	ipv6(f, n ? types[0] : IPPROTO_TCP);
	for (i = 0; i < n; i++) {
		__u8 t = types[i % 5];
		__u8 next = i + 1 < n ? types[(i + 1) % 5] : IPPROTO_TCP;

		ext6(f, t, next, t == XR_IPPROTO_FRAGMENT ? 8 : 16, 0);
	}
	tcp(f, 1, 443);
	finish(f);
}

static void test_extension_chain_bound(void **state)
{
	struct frame f;
	int n;

	(void)state;
	for (n = 0; n <= XR_IPV6_EXT_MAX; n++) {
		chain(&f, n);
		assert_int_equal(parse(&f).kind, XR_KIND_L4);
	}
	chain(&f, XR_IPV6_EXT_MAX + 1);
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	chain(&f, XR_IPV6_EXT_MAX + 3);
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
}

/* ---------------------------------------------------------------------
 * Malformed shapes that are not truncations.
 */
static void test_malformed_fields(void **state)
{
	struct frame f;
	__u8 *ip, *l4;

	(void)state;
	eth(&f, 0, ETH_P_IP);
	ipv4(&f, IPPROTO_TCP, 0, 0);
	tcp(&f, 1, 443);
	finish(&f);
	ip = f.b + f.l3; /* byte 0: version << 4 | IHL; bytes 2-3: total length */
	l4 = f.b + f.l4;

	ip[0] = 0x44; /* IHL 4 */
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	ip[0] = 0x40; /* IHL 0 */
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	ip[0] = 0x4f; /* IHL 15: 60 bytes of header, 40 in the frame */
	put16(ip + 2, 60);
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	ip[0] = 0x45;
	put16(ip + 2, 19); /* below the header length */
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	put16(ip + 2, 40);
	ip[0] = 0x65; /* version 6 behind EtherType IPv4 */
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	ip[0] = 0x45;
	assert_int_equal(parse(&f).kind, XR_KIND_L4);

	l4[12] = 4 << 4; /* TCP data offset 4 */
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	l4[12] = 5 << 4;
	assert_int_equal(parse(&f).kind, XR_KIND_L4);

	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, IPPROTO_UDP);
	udp(&f, 1, 53, 0);
	finish(&f);
	put16(f.b + f.l4 + 4, 7); /* UDP length below its header */
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	put16(f.b + f.l4 + 4, 8);
	assert_int_equal(parse(&f).kind, XR_KIND_L4);
	f.b[f.l3] = 0x40; /* version 4 behind EtherType IPv6 */
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
}

static void test_extension_length_beyond_frame(void **state)
{
	static const __u8 types[] = { XR_IPPROTO_HOPOPTS, XR_IPPROTO_ROUTING,
				      XR_IPPROTO_DSTOPTS, XR_IPPROTO_AH };
	struct frame f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(types); i++) {
		eth(&f, 0, ETH_P_IPV6);
		ipv6(&f, types[i]);
		ext6(&f, types[i], IPPROTO_TCP, 8, 0);
		tcp(&f, 1, 443);
		finish(&f);
		f.b[f.l3 + 40 + 1] = 255; /* longer than the frame */
		assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
		/* ...also when it would end on another extension header. */
		f.b[f.l3 + 40] = XR_IPPROTO_DSTOPTS;
		assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	}
}

/*
 * An extension chain that runs past the IPv6 payload length is malformed,
 * even when the frame (Ethernet padding) holds the bytes.
 */
static void test_extension_beyond_payload_length(void **state)
{
	struct frame f;

	(void)state;
	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, XR_IPPROTO_DSTOPTS);
	ext6(&f, XR_IPPROTO_DSTOPTS, IPPROTO_TCP, 16, 0);
	tcp(&f, 1, 443);
	finish(&f);
	assert_int_equal(parse(&f).kind, XR_KIND_L4);
	/* Payload length 8: the 16-byte header ends past it. */
	put16(f.b + f.l3 + offsetof(struct ipv6hdr, payload_len), 8);
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	/* Payload length 4: not even the header's first 8 bytes. */
	put16(f.b + f.l3 + offsetof(struct ipv6hdr, payload_len), 4);
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	/* Ends with the header, before an unknown protocol: malformed too. */
	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, XR_IPPROTO_HOPOPTS);
	ext6(&f, XR_IPPROTO_HOPOPTS, XR_IPPROTO_DSTOPTS, 8, 0);
	ext6(&f, XR_IPPROTO_DSTOPTS, 47 /* GRE */, 8, 0);
	payload(&f, 8);
	finish(&f);
	assert_int_equal(parse(&f).kind, XR_KIND_OTHER_IP);
	put16(f.b + f.l3 + offsetof(struct ipv6hdr, payload_len), 12);
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
}

/* IPv4 AH is followed like IPv6's: the protocol under it is what counts. */
static void test_ipv4_ah_followed(void **state)
{
	const __u8 ah[24] = { IPPROTO_UDP, 4 }; /* (4 + 2) * 4 = 24 bytes */
	struct frame f;
	struct parsed r;

	(void)state;
	eth(&f, 0, ETH_P_IP);
	ipv4(&f, XR_IPPROTO_AH, 0, 0);
	put(&f, ah, sizeof(ah));
	udp(&f, 1, 44250, 8);
	finish(&f);
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_L4);
	assert_int_equal(r.pkt.proto, XR_PROTO_UDP);
	assert_int_equal(r.pkt.dport, 44250);
	/* The AH length runs past the IP packet: malformed. */
	f.b[f.l3 + 20 + 1] = 200;
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
	/* AH cut short. */
	eth(&f, 0, ETH_P_IP);
	ipv4(&f, XR_IPPROTO_AH, 0, 0);
	put(&f, ah, 6);
	finish(&f);
	assert_int_equal(parse(&f).kind, XR_KIND_MALFORMED);
}

/* ip_end is the IP length, whatever the frame holds: the caller compares. */
static void test_ip_truncated(void **state)
{
	struct frame f;
	struct parsed r;

	(void)state;
	eth(&f, 1, ETH_P_IP);
	ipv4(&f, IPPROTO_TCP, 0, 0);
	tcp(&f, 1, 443);
	payload(&f, 6);
	finish(&f);
	payload(&f, 12); /* Ethernet padding after the IP packet */
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_L4);
	assert_int_equal(r.pkt.ip_end, f.len - 12);
	assert_false(xr_ip_truncated(&r.pkt, f.len));
	assert_false(xr_ip_truncated(&r.pkt, f.len - 12));
	assert_true(xr_ip_truncated(&r.pkt, f.len - 13));

	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, IPPROTO_TCP);
	tcp(&f, 1, 443);
	finish(&f);
	put16(f.b + f.l3 + 4, 21); /* payload length: one byte too many */
	r = parse(&f);
	assert_int_equal(r.kind, XR_KIND_L4); /* the headers are all there */
	assert_int_equal(r.pkt.ip_end, f.len + 1);
	assert_true(xr_ip_truncated(&r.pkt, f.len));
}

/* ---------------------------------------------------------------------
 * Truncation: every length from 0 to the full frame.
 */
static void test_truncated_ethernet(void **state)
{
	struct frame f;
	size_t len;

	(void)state;
	eth(&f, 0, ETH_P_ARP_);
	for (len = 0; len < ETH_HLEN; len++)
		assert_int_equal(parse_len(&f, len).kind, XR_KIND_MALFORMED);
	assert_int_equal(parse_len(&f, ETH_HLEN).kind, XR_KIND_NON_IP);
}

static void test_truncated_vlan_tags(void **state)
{
	struct frame f;
	size_t len;

	(void)state;
	eth(&f, 2, ETH_P_ARP_);
	for (len = 0; len < ETH_HLEN + 8; len++)
		assert_int_equal(parse_len(&f, len).kind, XR_KIND_MALFORMED);
	assert_int_equal(parse_len(&f, ETH_HLEN + 8).kind, XR_KIND_NON_IP);
}

/*
 * Cut the frame at every length: below the end of the L4 header the packet
 * is malformed, from there on it parses as the whole one does. A later
 * fragment has no L4 header: `need` is then the end of the IP headers.
 */
static void sweep(const char *what, const struct frame *f, size_t need,
		  int kind)
{
	struct parsed full = parse(f);
	size_t len;

	assert_int_equal(full.kind, kind);
	for (len = 0; len <= f->len; len++) {
		struct parsed r = parse_len(f, len);
		int want = len < need ? XR_KIND_MALFORMED : kind;

		if (r.kind != want)
			fail_msg("%s cut at %zu of %zu bytes: kind %d, want %d",
				 what, len, f->len, r.kind, want);
		if (want == XR_KIND_L4 && r.pkt.dport != full.pkt.dport)
			fail_msg("%s cut at %zu: dport %u, want %u", what, len,
				 r.pkt.dport, full.pkt.dport);
	}
}

static void test_truncation_tcp(void **state)
{
	struct frame f;
	int vlans;

	(void)state;
	for (vlans = 0; vlans <= XR_VLAN_MAX; vlans++) {
		eth(&f, vlans, ETH_P_IP);
		ipv4(&f, IPPROTO_TCP, 0, 0);
		tcp(&f, 1, 443);
		payload(&f, 16);
		finish(&f);
		sweep("tcp4", &f, f.l4_end, XR_KIND_L4);

		eth(&f, vlans, ETH_P_IP);
		ipv4(&f, IPPROTO_TCP, 10, IP_MF_); /* IHL 15, first fragment */
		tcp(&f, 1, 443);
		finish(&f);
		sweep("tcp4 ihl 15", &f, f.l4_end, XR_KIND_L4);

		eth(&f, vlans, ETH_P_IPV6);
		ipv6(&f, IPPROTO_TCP);
		tcp(&f, 1, 443);
		payload(&f, 16);
		finish(&f);
		sweep("tcp6", &f, f.l4_end, XR_KIND_L4);
	}
	chain(&f, XR_IPV6_EXT_MAX);
	sweep("tcp6 after 6 extension headers", &f, f.l4_end, XR_KIND_L4);
}

static void test_truncation_udp_icmp(void **state)
{
	struct frame f;

	(void)state;
	eth(&f, 1, ETH_P_IP);
	ipv4(&f, IPPROTO_UDP, 1, 0);
	udp(&f, 1, 44200, 12);
	finish(&f);
	sweep("udp4", &f, f.l4_end, XR_KIND_L4);

	eth(&f, 2, ETH_P_IPV6);
	ipv6(&f, XR_IPPROTO_DSTOPTS);
	ext6(&f, XR_IPPROTO_DSTOPTS, IPPROTO_UDP, 16, 0);
	udp(&f, 1, 44300, 12);
	finish(&f);
	sweep("udp6 after dstopts", &f, f.l4_end, XR_KIND_L4);

	eth(&f, 0, ETH_P_IP);
	ipv4(&f, IPPROTO_ICMP, 0, 0);
	icmp(&f, XR_ICMP_ECHO);
	payload(&f, 20);
	finish(&f);
	sweep("icmp4", &f, f.l4_end, XR_KIND_ICMP);

	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, XR_IPPROTO_HOPOPTS);
	ext6(&f, XR_IPPROTO_HOPOPTS, XR_IPPROTO_ICMPV6, 8, 0);
	icmp(&f, 135);
	payload(&f, 16);
	finish(&f);
	sweep("icmp6 after hop-by-hop", &f, f.l4_end, XR_KIND_ICMP);
}

static void test_truncation_other_and_fragments(void **state)
{
	struct frame f;

	(void)state;
	/* Other IP: nothing is read past the IP header. */
	eth(&f, 0, ETH_P_IP);
	ipv4(&f, IPPROTO_GRE_, 2, 0);
	payload(&f, 8);
	finish(&f);
	sweep("gre4", &f, f.l3 + 28, XR_KIND_OTHER_IP);

	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, IPPROTO_GRE_);
	payload(&f, 8);
	finish(&f);
	sweep("gre6", &f, f.l3 + 40, XR_KIND_OTHER_IP);

	eth(&f, 2, ETH_P_IP);
	ipv4(&f, IPPROTO_TCP, 0, 185);
	payload(&f, 24);
	finish(&f);
	sweep("later fragment v4", &f, f.l3 + 20, XR_KIND_FRAGMENT);

	eth(&f, 0, ETH_P_IPV6);
	ipv6(&f, XR_IPPROTO_ROUTING);
	ext6(&f, XR_IPPROTO_ROUTING, XR_IPPROTO_FRAGMENT, 24, 0);
	ext6(&f, XR_IPPROTO_FRAGMENT, IPPROTO_TCP, 8, 181 << 3 | 1);
	payload(&f, 24);
	finish(&f);
	sweep("later fragment v6 after routing", &f, f.l3 + 40 + 24 + 8,
	      XR_KIND_FRAGMENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_is_non_ip),
		cmocka_unit_test(test_vlan_tags_beyond_two_malformed),
		cmocka_unit_test(test_tcp4_fields),
		cmocka_unit_test(test_udp6_fields),
		cmocka_unit_test(test_port_byte_order_extremes),
		cmocka_unit_test(test_vlan_offsets_and_ip_end),
		cmocka_unit_test(test_ipv4_options_every_ihl),
		cmocka_unit_test(test_icmp_types),
		cmocka_unit_test(test_other_ip),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_each_extension_header),
		cmocka_unit_test(test_extension_chain_bound),
		cmocka_unit_test(test_malformed_fields),
		cmocka_unit_test(test_extension_length_beyond_frame),
		cmocka_unit_test(test_extension_beyond_payload_length),
		cmocka_unit_test(test_ipv4_ah_followed),
		cmocka_unit_test(test_ip_truncated),
		cmocka_unit_test(test_truncated_ethernet),
		cmocka_unit_test(test_truncated_vlan_tags),
		cmocka_unit_test(test_truncation_tcp),
		cmocka_unit_test(test_truncation_udp_icmp),
		cmocka_unit_test(test_truncation_other_and_fragments),
	};

	return cmocka_run_group_tests_name("parse", tests, setup_guard,
					   teardown_guard);
}
