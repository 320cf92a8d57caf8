// SPDX-License-Identifier: GPL-2.0
/*
 * The straight path the timing bench measures is only as good as its
 * agreement with the full parser. xr_parse_common() (bpf/parse.h) must, for
 * every frame it does not decline, return what xr_parse() implies: kind
 * XR_KIND_L4, fragment 0, the IP packet whole in the frame, and the same
 * protocol, destination port, IP header and family. This checks that natively on every shape
 * the parsers know (VLAN tags, IPv4 options and fragments, IPv6 extension
 * headers, TCP/UDP/ICMP/other, Ethernet padding) and on millions of random
 * mutations and truncations of them. Each frame ends at a PROT_NONE page, so
 * a read past data_end is a SIGSEGV.
 *
 * One cmocka test: build/tests/test_parse_agree. On a disagreement it prints
 * the frame in hex and fails.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xdp_reflector.h"
#include "parse.h"

#define FRAME_MAX 256

struct shape {
	int vlans; /* 0..3; the third tag is one too many */
	int family; /* 4, 6, or 0: ARP */
	int ihl; /* IPv4 header words */
	__u16 frag; /* IPv4 frag_off or IPv6 fragment header word, host order */
	int ext; /* IPv6 extension headers before L4 (fragment header if frag) */
	__u8 l4; /* IP protocol */
	int payload;
	int pad; /* Ethernet padding after the IP packet */
};

static size_t build(const struct shape *s, __u8 *b)
{
	static const __u16 tags[] = { 0x88a8, 0x8100, 0x8100 };
	size_t n = 12, ip, l4len, i;
	__u16 et = s->family == 4 ? 0x0800 : s->family == 6 ? 0x86dd : 0x0806;

	memset(b, 0, FRAME_MAX);
	b[0] = 2;
	b[6] = 2;
	for (i = 0; i < (size_t)s->vlans; i++) {
		b[n] = tags[i] >> 8;
		b[n + 1] = tags[i] & 0xff;
		b[n + 3] = 10 + i; /* TCI */
		n += 4;
	}
	b[n] = et >> 8;
	b[n + 1] = et & 0xff;
	n += 2;
	ip = n;
	l4len = (s->l4 == IPPROTO_TCP ? 20 : 8) + s->payload;
	if (s->family == 4) {
		size_t hl = s->ihl * 4;

		b[n] = 0x40 | s->ihl;
		b[n + 2] = (hl + l4len) >> 8;
		b[n + 3] = (hl + l4len) & 0xff;
		b[n + 6] = s->frag >> 8;
		b[n + 7] = s->frag & 0xff;
		b[n + 8] = 64;
		b[n + 9] = s->l4;
		memcpy(b + n + 12, "\xc6\x12\x00\x09\xc0\xa8\x01\x0a", 8);
		for (i = 20; i < hl; i++)
			b[n + i] = 1; /* NOP options */
		n += hl;
	} else if (s->family == 6) {
		size_t e = s->ext * 8;
		__u8 nh = s->l4;
		int k;

		b[n] = 0x60;
		b[n + 4] = (e + l4len) >> 8;
		b[n + 5] = (e + l4len) & 0xff;
		b[n + 7] = 64;
		b[n + 8] = 0x20;
		b[n + 24] = 0x20;
		n += 40;
		/* chain: hop-by-hop ... then a fragment header when frag is set */
		for (k = s->ext - 1; k >= 0; k--) {
			__u8 *h = b + n + k * 8;
			int is_frag = s->frag && k == s->ext - 1;

			h[0] = nh;
			if (is_frag) {
				h[2] = s->frag >> 8;
				h[3] = s->frag & 0xff;
			}
			nh = is_frag ? XR_IPPROTO_FRAGMENT :
			     k == 0	 ? XR_IPPROTO_HOPOPTS :
					   XR_IPPROTO_DSTOPTS;
		}
		b[ip + 6] = nh;
		n += e;
	} else {
		n += 28; /* an ARP body */
		return n;
	}
	if (s->l4 == IPPROTO_TCP) {
		b[n] = 0x9c;
		b[n + 1] = 0x40;
		b[n + 2] = 443 >> 8;
		b[n + 3] = 443 & 0xff;
		b[n + 12] = 5 << 4;
		b[n + 13] = 0x02;
	} else {
		b[n] = 0x9c;
		b[n + 1] = 0x40;
		b[n + 2] = 44250 >> 8;
		b[n + 3] = 44250 & 0xff;
		b[n + 4] = l4len >> 8;
		b[n + 5] = l4len & 0xff;
	}
	n += l4len + s->pad;
	return n < FRAME_MAX ? n : FRAME_MAX;
}

static __u8 *page_end; /* the first byte of the PROT_NONE page */
static unsigned long declined_l4, accepted, checked;

static void dump(const __u8 *d, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(stderr, "%02x%s", d[i], i % 16 == 15 ? "\n" : " ");
	fputc('\n', stderr);
}

/* Compare the two parsers on B[0..LEN); 0 when they agree. */
static int agree(const __u8 *b, size_t len)
{
	__u8 *data = page_end - len;
	struct xr_common c = { 0 };
	struct xr_pkt pkt;
	long key;
	int kind;

	memcpy(data, b, len);
	memset(&pkt, 0, sizeof(pkt));
	key = xr_parse_common(data, page_end, &c);
	kind = xr_parse(data, page_end, &pkt);
	checked++;
	if (key < 0) {
		if (kind == XR_KIND_L4 && !pkt.fragment &&
		    !xr_ip_truncated(&pkt, len))
			declined_l4++;
		return 0;
	}
	accepted++;
	if (kind == XR_KIND_L4 && !pkt.fragment &&
	    !xr_ip_truncated(&pkt, len) &&
	    key == (long)xr_stat_key(pkt.proto, pkt.dport) &&
	    c.l3 == pkt.l3 && c.family == pkt.family)
		return 0;
	fprintf(stderr,
		"disagree: xr_parse_common %ld, xr_parse kind %d fragment %u "
		"ip_end %llu proto %u dport %u, frame of %zu bytes:\n",
		key, kind, pkt.fragment, (unsigned long long)pkt.ip_end,
		pkt.proto, pkt.dport, len);
	dump(data, len);
	return -1;
}

/* 0 when the parsers agree on every frame; 1 at the first disagreement. */
static int run_agree(unsigned long frames, unsigned long seed)
{
	static const __u8 protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
				       58, 47 };
	static const __u16 frags4[] = { 0, 0x4000, 0x2000, 0x2001, 0x0001 };
	static const __u16 frags6[] = { 0, 1, 8, 9 };
	unsigned long shapes = 0, f;
	struct shape set[4096];
	long page = sysconf(_SC_PAGESIZE);
	__u8 *mem, b[FRAME_MAX];
	int v, fam, ihl, fr, ext, pr, pad;
	size_t len;

	mem = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || mprotect(mem + page, page, PROT_NONE)) {
		perror("timing_parse_agree: mmap");
		return 1;
	}
	page_end = mem + page;

	/* Every shape whole, then every truncation of it. */
	for (v = 0; v <= 3; v++)
		for (fam = 0; fam <= 6; fam += (fam ? 2 : 4))
			for (pr = 0; pr < (int)sizeof(protos); pr++)
				for (pad = 0; pad <= 12; pad += 12) {
					struct shape s = { v, fam, 5, 0, 0,
							   protos[pr], 16, pad };

					for (ihl = 5; fam == 4 && ihl <= 6; ihl++)
						for (fr = 0; fr < 5; fr++) {
							s.ihl = ihl;
							s.frag = frags4[fr];
							set[shapes++] = s;
						}
					for (ext = 0; fam == 6 && ext <= 2; ext++)
						for (fr = 0; fr < 4; fr++) {
							if (frags6[fr] && !ext)
								continue;
							s.ext = ext;
							s.frag = frags6[fr];
							set[shapes++] = s;
						}
					if (!fam)
						set[shapes++] = s;
				}
	for (f = 0; f < shapes; f++) {
		const struct shape *s = &set[f];
		size_t full = build(s, b);
		unsigned long before = accepted;

		for (len = 0; len <= full; len++)
			if (agree(b, len))
				return 1;
		/* ...and the common shape, whole, does take the short path. */
		if (s->vlans <= XR_VLAN_MAX && (s->l4 == IPPROTO_TCP || s->l4 == IPPROTO_UDP) &&
		    ((s->family == 4 && s->ihl == 5 && !(s->frag & 0x3fff)) ||
		     (s->family == 6 && !s->ext)) &&
		    accepted == before) {
			fprintf(stderr, "declined a frame of the common shape:\n");
			dump(b, full);
			return 1;
		}
	}

	/* Random mutations: a few bytes of the headers, any length. */
	srandom(seed);
	for (f = 0; f < frames; f++) {
		size_t full = build(&set[random() % shapes], b);
		int k, flips = 1 + random() % 3;

		for (k = 0; k < flips; k++) {
			size_t at = random() % (full < 80 ? full : 80);

			b[at] = random() % 4 ? (__u8)random() : b[at] ^ (1 << (random() % 8));
		}
		len = random() % 4 ? full : (size_t)random() % (full + 1);
		if (agree(b, len))
			return 1;
	}
	printf("parse_agree: %lu frames (%lu shapes), %lu taken by xr_parse_common, "
	       "all as xr_parse judges them; %lu whole unfragmented TCP/UDP left to xr_parse\n",
	       checked, shapes, accepted, declined_l4);
	return 0;
}

static void test_straight_path_agrees_with_full_parser(void **state)
{
	(void)state;
	/* 2M random mutations take about 0.3 s. */
	assert_int_equal(run_agree(2000000, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_straight_path_agrees_with_full_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
