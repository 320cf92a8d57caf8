// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the packet parsers of bpf/parse.h, compiled natively
 * from the same header the XDP program includes.
 *
 * Every input is an Ethernet frame. It is copied into a buffer of exactly
 * its length (AddressSanitizer reports any read past data_end), then
 *  - xr_parse() must return a class, and agree with the independent model
 *    of pkt_model.h on the class, the family, the protocol and ports, the
 *    ICMP type, the IP protocol, the first-fragment flag and the IP length;
 *  - xr_parse_common(), when it takes the frame, must say what xr_parse()
 *    says: TCP/UDP, the same port and IP header, whole and unfragmented.
 * A disagreement prints both views and aborts: libFuzzer keeps the frame.
 *
 *   make fuzz                      # this and the other targets
 *   build/fuzz/fuzz_parse CORPUS   # by hand; -help=1 for options
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdp_reflector.h"
#include "parse.h"
#include "pkt_model.h"

static void dump(const uint8_t *d, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 256; i++)
		fprintf(stderr, "%02x%s", d[i], i % 16 == 15 ? "\n" : " ");
	fputc('\n', stderr);
}

static void disagree(const char *what, const uint8_t *d, size_t len,
		     const struct model *m, int kind, const struct xr_pkt *pkt)
{
	fprintf(stderr,
		"fuzz_parse: %s\n"
		"  model:    kind %d family %d proto %d dport %u sport %u "
		"icmp %u ip_proto %u frag %d ip_end %zu\n"
		"  xr_parse: kind %d family %u proto %u dport %u sport %u "
		"icmp %u ip_proto %u frag %u ip_end %llu\n"
		"frame of %zu bytes:\n",
		what, m->kind, m->family, m->proto, m->dport, m->sport,
		m->icmp_type, m->ip_proto, m->fragment, m->ip_end, kind,
		pkt->family, pkt->proto, pkt->dport, ntohs(pkt->sport),
		pkt->icmp_type, pkt->ip_proto, pkt->fragment,
		(unsigned long long)pkt->ip_end, len);
	dump(d, len);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	/*
	 * Exactly LEN bytes on the heap: one byte more is an ASan report. The
	 * frame starts 2 bytes into an aligned block, so the IP header is
	 * 4-byte aligned (NET_IP_ALIGN): the BPF program reads headers
	 * unaligned, which x86 and the BPF JIT allow and UBSan would flag.
	 */
	uint8_t *block = malloc(len + 2), *data = block + 2;
	const void *end;
	struct xr_common c;
	struct xr_pkt pkt;
	struct model m;
	long key;
	int kind;

	if (!block)
		return 0;
	memcpy(data, in, len);
	end = data + len;
	memset(&pkt, 0, sizeof(pkt));
	memset(&c, 0, sizeof(c));
	/* Any length, 0 included: the parsers check before they read. */
	kind = xr_parse(data, end, &pkt);
	key = xr_parse_common(data, end, &c);
	model_parse(data, len, &m);

	if (kind < XR_KIND_NON_IP || kind > XR_KIND_MALFORMED)
		disagree("xr_parse returned no class", data, len, &m, kind,
			 &pkt);
	if (kind != m.kind)
		disagree("class differs", data, len, &m, kind, &pkt);
	if (kind != XR_KIND_NON_IP && kind != XR_KIND_MALFORMED &&
	    (pkt.family != m.family || pkt.ip_end != m.ip_end ||
	     (const uint8_t *)pkt.l3 != data + m.l3 ||
	     pkt.ip_proto != m.ip_proto))
		disagree("IP header differs", data, len, &m, kind, &pkt);
	if (kind != XR_KIND_NON_IP && kind != XR_KIND_MALFORMED &&
	    xr_ip_truncated(&pkt, len) != (m.ip_end > len))
		disagree("truncation differs", data, len, &m, kind, &pkt);
	if (kind == XR_KIND_L4 &&
	    (pkt.proto != m.proto || pkt.dport != m.dport ||
	     ntohs(pkt.sport) != m.sport || pkt.tcp_flags != m.tcp_flags ||
	     pkt.fragment != m.fragment))
		disagree("ports differ", data, len, &m, kind, &pkt);
	if (kind == XR_KIND_ICMP &&
	    (pkt.icmp_type != m.icmp_type || pkt.fragment != m.fragment))
		disagree("ICMP type differs", data, len, &m, kind, &pkt);

	/* The short path decides only what the full parser decides alike. */
	if (key >= 0 && (kind != XR_KIND_L4 || pkt.fragment || m.ip_end > len ||
			 key != (long)xr_stat_key(m.proto, m.dport) ||
			 c.l3 != pkt.l3 || c.family != pkt.family))
		disagree("xr_parse_common takes a frame xr_parse judges "
			 "otherwise",
			 data, len, &m, kind, &pkt);
	free(block);
	return 0;
}
