// SPDX-License-Identifier: GPL-2.0
/*
 * Step 1 of `make bench`: BPF_PROG_TEST_RUN timing of three XDP programs in
 * one process, in the same rounds:
 *
 *   empty          XDP_PASS and nothing else: the floor every ratio is
 *                  taken against (absolute figures differ about 4x between
 *                  machines of the same kind, FIELD-NOTES.md; ratios to the
 *                  floor measured alongside do not)
 *   xdp_reflector  this project, with a reflector-caddy-like policy: tcp 443,
 *                  80, 7881, 22; udp 44200-44300; tcp 8888 only from 8
 *                  networks per family and tcp 8889 only from 1000, spread
 *                  over the address space, the client's network last
 *                  (spread_sources); udp 40000-40100 with guard: webrtc;
 *                  tcp 2222 rate-limited; replies on
 *   xdp_filter     xdp-filter from Debian's xdp-tools (its deny-policy
 *                  object, xdpfilt_dny_all.o, loaded with libbpf directly:
 *                  libxdp's dispatcher fails on these machines), its port
 *                  list filled with the same ports as far as it can express
 *                  them (see filter_notes below)
 *
 * Every round runs every packet through every program (the program order
 * rotates from round to round) with `repeat` runs each. opts.duration is
 * the kernel's average per run in whole ns. (The wall clock around the
 * syscall is no substitute: with repeat > 1 each call also swaps the XDP
 * dispatcher, a fixed cost of tens of milliseconds.) XDP test runs take
 * one packet per call, so the flood of closed ports cycles through its
 * FLOOD_PORTS ports, FLOOD_PER_ROUND of them each round (a different slice
 * each round when fewer than all), repeat / FLOOD_PER_ROUND runs each, and
 * a round's figure is their mean. Every call's verdict is
 * checked against what the program must answer.
 *
 * Reported per packet and program: median, min and max ns over the rounds;
 * the median over rounds of the ratio to the empty program in the same
 * round and of the ns added over it; and per program the size of the
 * translated program (bpftool prog dump xlated). bench/timing_paths.py
 * counts the instructions each packet executes in xdp_reflector.
 *
 * To add a packet: a row in `packets`. To add a program: a row in
 * `programs` with its load/unload functions and its verdict column.
 *
 * Usage (root): build/bench/timing [--rounds N] [--repeat N] [--quick]
 *                                   [--cpu N] [--json FILE] [-v]
 */
#define _GNU_SOURCE
#include <arpa/inet.h> /* before the UAPI headers: glibc then wins in6_addr */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "bench.h"
#include "addr.h"
#include "policy.h"
#include "xdp_reflector.h"
#include "parse.h" /* XR_ETH_P_8021Q, XR_ETH_P_8021AD, XR_IPPROTO_* */
#include "xdp_empty.skel.h"
#include "xdp_reflector.skel.h"

#define FLOOD_PORTS 64
#define FLOOD_PER_ROUND 64

/* ---------------------------------------------------------------------
 * The policy, as a deployment profile would compile it: Caddy, LiveKit,
 * SSH, and a dashboard open to one network only.
 */
struct bench_rule {
	__u32 proto;
	__u16 first, last;
	int nsources; /* per family (spread_sources); 0: open to everyone */
	__u8 flags; /* XR_PORT_GUARD, XR_PORT_RATE on top of the rest */
};

static const struct bench_rule bench_policy[] = {
	{ XR_PROTO_TCP, 443, 443, 0, 0 },	{ XR_PROTO_TCP, 80, 80, 0, 0 },
	{ XR_PROTO_TCP, 7881, 7881, 0, 0 },	{ XR_PROTO_TCP, 22, 22, 0, 0 },
	{ XR_PROTO_UDP, 44200, 44300, 0, 0 },
	{ XR_PROTO_TCP, 8888, 8888, 8, 0 },	{ XR_PROTO_TCP, 8889, 8889, 1000, 0 },
	/* guard: webrtc on Reflector's media range; a rate limit on 2222. */
	{ XR_PROTO_UDP, 40000, 40100, 0, XR_PORT_GUARD },
	{ XR_PROTO_TCP, 2222, 2222, 0, XR_PORT_RATE },
};

/*
 * The client's networks (the last of each list) and sources just outside
 * them, which no list holds: an operator's list is a few offices and
 * providers anywhere in the address space, not one block.
 */
#define CLIENT4 "192.0.2.0/24"
#define CLIENT6 "2001:db8:1::/48"
#define OUTSIDE4 "192.0.3.7"
#define OUTSIDE6 "2001:db8:2::7"

#define N_RULES (sizeof(bench_policy) / sizeof(bench_policy[0]))

static int policy_opens(__u32 proto, __u16 port)
{
	size_t i;

	for (i = 0; i < N_RULES; i++)
		if (bench_policy[i].proto == proto &&
		    port >= bench_policy[i].first && port <= bench_policy[i].last)
			return 1;
	return 0;
}

/* What xdp-filter cannot say of this policy (printed, and in the JSON). */
static const char *const filter_notes[] = {
	"xdp-filter has no port ranges: udp 44200-44300 is 101 port entries",
	"xdp-filter has no source restriction per port (IP lists are separate "
	"and exact addresses): tcp 8888 and 8889 are open to every source, so "
	"the denied-source packets pass there",
	"xdp-filter has no reply tracking: a closed port is dropped, replies "
	"to the host's own connections too",
	"xdp-filter's deny policy drops everything not listed, ARP and IPv6 "
	"neighbour discovery included; no bench packet is of those kinds",
};

/* ---------------------------------------------------------------------
 * Packets.
 */
enum verdict { V_DROP = XDP_DROP, V_PASS = XDP_PASS };

struct bench_packet {
	const char *name;
	int family; /* 4 or 6 */
	int vlans; /* 0, 1 (802.1Q) or 2 (802.1ad + 802.1Q) */
	int ext6; /* IPv6: 1 hop-by-hop, 2 hop-by-hop and destination options */
	__u8 l4; /* IPPROTO_TCP or IPPROTO_UDP */
	__u16 dport; /* 0: the flood's random closed ports */
	const char *src; /* NULL: a default per family */
	size_t payload; /* bytes after the L4 header */
	int ihl; /* IPv4 header length in words; 4 is malformed */
	enum verdict reflector, filter; /* what each must answer */
	__u8 first; /* the payload's first byte (guard: webrtc) */
};

#define SRC4 "198.18.0.9"
#define SRC6 "2001:db8:ff::9"

static const struct bench_packet packets[] = {
	{ "v4 tcp 443 allowed", 4, 0, 0, IPPROTO_TCP, 443, NULL, 0, 5, V_PASS, V_PASS, 0 },
	{ "v4 tcp 5432 denied", 4, 0, 0, IPPROTO_TCP, 5432, NULL, 0, 5, V_DROP, V_DROP, 0 },
	{ "v6 udp 44250 (media range)", 6, 0, 0, IPPROTO_UDP, 44250, NULL, 32, 0, V_PASS, V_PASS, 0 },
	{ "v6 1 ext header, udp 44250", 6, 0, 1, IPPROTO_UDP, 44250, NULL, 32, 0, V_PASS, V_PASS, 0 },
	{ "v6 2 ext headers, udp 44250", 6, 0, 2, IPPROTO_UDP, 44250, NULL, 32, 0, V_PASS, V_PASS, 0 },
	{ "v4 2 vlan tags, tcp 443", 4, 2, 0, IPPROTO_TCP, 443, NULL, 0, 5, V_PASS, V_PASS, 0 },
	{ "v4 tcp 8888 from its source (8 nets)", 4, 0, 0, IPPROTO_TCP, 8888, "192.0.2.7", 0, 5, V_PASS, V_PASS, 0 },
	{ "v4 tcp 8888 other source (8 nets)", 4, 0, 0, IPPROTO_TCP, 8888, OUTSIDE4, 0, 5, V_DROP, V_PASS, 0 },
	{ "v6 tcp 8888 from its source (8 nets)", 6, 0, 0, IPPROTO_TCP, 8888, "2001:db8:1::7", 0, 0, V_PASS, V_PASS, 0 },
	{ "v6 tcp 8888 other source (8 nets)", 6, 0, 0, IPPROTO_TCP, 8888, OUTSIDE6, 0, 0, V_DROP, V_PASS, 0 },
	{ "v4 tcp 8889 from its source (1000 nets)", 4, 0, 0, IPPROTO_TCP, 8889, "192.0.2.7", 0, 5, V_PASS, V_PASS, 0 },
	{ "v4 tcp 8889 other source (1000 nets)", 4, 0, 0, IPPROTO_TCP, 8889, OUTSIDE4, 0, 5, V_DROP, V_PASS, 0 },
	{ "v6 tcp 8889 from its source (1000 nets)", 6, 0, 0, IPPROTO_TCP, 8889, "2001:db8:1::7", 0, 0, V_PASS, V_PASS, 0 },
	{ "v6 tcp 8889 other source (1000 nets)", 6, 0, 0, IPPROTO_TCP, 8889, OUTSIDE6, 0, 0, V_DROP, V_PASS, 0 },
	{ "flood: 64 closed ports, replies on", 4, 0, 0, IPPROTO_TCP, 0, NULL, 0, 5, V_DROP, V_DROP, 0 },
	{ "malformed: v4 IHL 4", 4, 0, 0, IPPROTO_TCP, 443, NULL, 0, 4, V_DROP, V_DROP, 0 },
	/* xdp-filter has no guard and no rate: it passes all three. */
	{ "guarded udp 40050, RTP", 4, 0, 0, IPPROTO_UDP, 40050, NULL, 32, 5, V_PASS, V_PASS, 0x80 },
	{ "guard flood: udp 40050, byte 0xff", 4, 0, 0, IPPROTO_UDP, 40050, NULL, 32, 5, V_DROP, V_PASS, 0xff },
	/* 1000/s burst 1000 from one source: a million repeats are over it. */
	{ "rate-limited tcp 2222 SYN, over", 4, 0, 0, IPPROTO_TCP, 2222, NULL, 0, 5, V_DROP, V_PASS, 0 },
};

#define N_PACKETS (sizeof(packets) / sizeof(packets[0]))

struct frame {
	__u8 b[256];
	size_t len;
};

struct vlan_tag {
	__be16 tci;
	__be16 proto; /* the encapsulated EtherType */
};

static void put(struct frame *f, const void *p, size_t n)
{
	if (f->len + n > sizeof(f->b)) {
		fprintf(stderr, "timing: packet too long\n");
		exit(1);
	}
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void build(const struct bench_packet *p, __u16 dport, struct frame *f)
{
	__u16 type = p->family == 4 ? ETH_P_IP : ETH_P_IPV6;
	struct ethhdr eth = {
		.h_dest = { 0x02, 0, 0, 0, 0, 0x01 },
		.h_source = { 0x02, 0, 0, 0, 0, 0x02 },
		.h_proto = htons(p->vlans == 2 ? XR_ETH_P_8021AD :
				 p->vlans == 1 ? XR_ETH_P_8021Q :
						 type),
	};
	struct vlan_tag outer = { htons(10), htons(XR_ETH_P_8021Q) };
	struct vlan_tag inner = { htons(100), htons(type) };
	size_t l4_len = (p->l4 == IPPROTO_TCP ? sizeof(struct tcphdr) :
						sizeof(struct udphdr)) +
			p->payload;
	__u8 zero[64] = { 0 };

	memset(f, 0, sizeof(*f));
	put(f, &eth, sizeof(eth));
	if (p->vlans == 2)
		put(f, &outer, sizeof(outer));
	if (p->vlans >= 1)
		put(f, &inner, sizeof(inner));

	if (p->family == 4) {
		struct iphdr ip = {
			.version = 4,
			.ihl = p->ihl,
			.tot_len = htons(sizeof(ip) + l4_len),
			.ttl = 64,
			.protocol = p->l4,
			.daddr = htonl(0xc0a8010a), /* 192.168.1.10 */
		};

		inet_pton(AF_INET, p->src ? p->src : SRC4, &ip.saddr);
		put(f, &ip, sizeof(ip));
	} else {
		/* hop-by-hop, then destination options: 8 bytes each */
		__u8 ext[2][8] = { { XR_IPPROTO_DSTOPTS }, { p->l4 } };
		struct ipv6hdr ip6 = {
			.version = 6,
			.payload_len = htons(p->ext6 * 8 + l4_len),
			.nexthdr = p->ext6 ? XR_IPPROTO_HOPOPTS : p->l4,
			.hop_limit = 64,
		};

		inet_pton(AF_INET6, p->src ? p->src : SRC6, &ip6.saddr);
		inet_pton(AF_INET6, "2001:db8::10", &ip6.daddr);
		put(f, &ip6, sizeof(ip6));
		if (p->ext6 == 1)
			ext[0][0] = p->l4;
		put(f, ext, p->ext6 * 8);
	}

	if (p->l4 == IPPROTO_TCP) {
		struct tcphdr th = {
			.source = htons(40000),
			.dest = htons(dport),
			.doff = 5,
			.syn = 1,
			.window = htons(64240),
		};

		put(f, &th, sizeof(th));
	} else {
		struct udphdr uh = {
			.source = htons(40000),
			.dest = htons(dport),
			.len = htons(l4_len),
		};

		put(f, &uh, sizeof(uh));
	}
	if (p->payload)
		put(f, &p->first, 1);
	put(f, zero, p->payload - (p->payload ? 1 : 0) < sizeof(zero) ?
			     p->payload - (p->payload ? 1 : 0) : sizeof(zero));
}

/* The flood's ports: random, closed in both programs, the same every run. */
static void flood_ports(__u16 *ports)
{
	__u32 x = 2463534242u; /* xorshift32 */
	int n = 0, i;

	while (n < FLOOD_PORTS) {
		__u16 port;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		port = 1024 + x % (65536 - 1024);
		if (policy_opens(XR_PROTO_TCP, port))
			continue;
		for (i = 0; i < n && ports[i] != port; i++)
			;
		if (i == n)
			ports[n++] = port;
	}
}

/* ---------------------------------------------------------------------
 * Programs. The first is the floor every ratio is taken against.
 */
struct bench_program {
	const char *name;
	const char *what;
	int (*load)(struct bench_program *g); /* sets fd; 0 or -errno */
	void (*unload)(struct bench_program *g);
	int column; /* its verdicts: 0 always XDP_PASS, 1 reflector, 2 filter */
	void *obj;
	int fd;
	char source[256]; /* its source, or the object file it came from */
	__u32 xlated, jited; /* instructions, bytes */
	const char *skipped; /* why it did not run */
};

static int load_empty(struct bench_program *g)
{
	struct xdp_empty_bpf *skel = xdp_empty_bpf__open_and_load();

	if (!skel)
		return -errno;
	g->obj = skel;
	g->fd = bpf_program__fd(skel->progs.xdp_empty);
	snprintf(g->source, sizeof(g->source), "bpf/xdp_empty.bpf.c");
	return 0;
}

static void unload_empty(struct bench_program *g)
{
	xdp_empty_bpf__destroy(g->obj);
}

/*
 * N networks of FAMILY (AF_INET: /24s, AF_INET6: /48s) into OUT: N - 1
 * spread evenly over the unicast space (1.0.0.0-223.255.255.255,
 * 2000::/4), none holding the client's network or the OUTSIDE source,
 * then the client's network. 0 or -EINVAL.
 */
static int spread_sources(int family, int n, struct xr_cidr *out)
{
	struct xr_cidr client, outside;
	char why[256];
	int i;

	if (xr_parse_cidr(family == AF_INET ? CLIENT4 : CLIENT6, &client, why,
			  sizeof(why)) ||
	    xr_parse_cidr(family == AF_INET ? OUTSIDE4 : OUTSIDE6, &outside,
			  why, sizeof(why)))
		return -EINVAL;
	for (i = 0; i < n - 1; i++) {
		struct xr_cidr *c = &out[i];

		memset(c, 0, sizeof(*c));
		c->family = family;
		if (family == AF_INET) {
			__u32 a = 0x01000000u + (__u32)((0xDF000000ull * i) / n);

			c->prefixlen = 24;
			do {
				__u32 be = htonl(a & 0xffffff00u);

				memcpy(c->addr, &be, 4);
				a += 0x100;
			} while (xr_cidr_contains(c, AF_INET, client.addr) ||
				 xr_cidr_contains(c, AF_INET, outside.addr));
		} else {
			__u64 a = 0x2000000000000000ull +
				  (0x1000000000000000ull / n) * (__u64)i;
			int b;

			c->prefixlen = 48;
			do {
				__u64 net = a & 0xffffffffffff0000ull;

				for (b = 0; b < 8; b++)
					c->addr[b] = (__u8)(net >> (56 - 8 * b));
				a += 0x10000;
			} while (xr_cidr_contains(c, AF_INET6, client.addr) ||
				 xr_cidr_contains(c, AF_INET6, outside.addr));
		}
	}
	out[n - 1] = client;
	return 0;
}

/* RULE's sources, both families, into SRC as the loader compiles them. */
static int add_sources(struct xr_policy_sources *src, __u32 rule, int n)
{
	static struct xr_cidr list[2 * 2000];

	if (n > 2000 || spread_sources(AF_INET, n, list) ||
	    spread_sources(AF_INET6, n, list + n))
		return -EINVAL;
	return xr_sources_add(src, rule, list, 2 * (size_t)n);
}

static int load_reflector(struct bench_program *g)
{
	struct xdp_reflector_bpf *skel = xdp_reflector_bpf__open_and_load();
	static struct xr_policy_sources src;
	struct xr_class_policy *cp;
	size_t i;
	__u32 port;

	if (!skel)
		return -errno;
	g->obj = skel;
	g->fd = bpf_program__fd(skel->progs.xdp_reflector);
	snprintf(g->source, sizeof(g->source), "bpf/xdp_reflector.bpf.c");

	/* Generation 0, written as the loader does: the port table in place. */
	for (i = 0; i < N_RULES; i++) {
		const struct bench_rule *r = &bench_policy[i];
		struct xr_port_entry e = {
			.rule = i,
			.flags = XR_PORT_ALLOW | (r->nsources ? XR_PORT_SOURCES : 0) |
				 r->flags,
		};

		for (port = r->first; port <= r->last; port++)
			skel->bss->xr_tables.ports[xr_port_key(0, r->proto, port)]
				.entry = e;
		if (r->flags & XR_PORT_RATE) {
			struct xr_rate_rule rr = {
				.interval_ns = 1000000, /* 1000/s */
				.burst_ns = 999 * 1000000ULL, /* burst 1000 */
				.bucket = xr_stat_key(r->proto, r->first),
			};
			__u32 k = i; /* generation 0 */

			if (bpf_map_update_elem(bpf_map__fd(skel->maps.xr_rate_rules),
						&k, &rr, BPF_ANY))
				return -errno;
		}
		if (r->nsources && add_sources(&src, i, r->nsources))
			return -EINVAL;
	}
	/* As the loader does (xr_dp_new_object): the rate table's sets and seed. */
	skel->bss->xr_tables.rate_set_mask =
		bpf_map__max_entries(skel->maps.xr_rate_src) - 1;
	skel->bss->xr_tables.rate_seed = 0x5eed5eed5eed5eedULL;
	skel->bss->xr_tables.rate_tick_ns = xr_rate_tick_ns();
	xr_sources_store(&skel->bss->xr_tables, 0, &src);
	xr_sources_free(&src);
	cp = &skel->data_xr_config->xr_config.gen[0];
	cp->replies = 1;
	cp->reply_tcp_secs = XR_REPLY_TCP_SECS;
	cp->reply_udp_secs = XR_REPLY_UDP_SECS;
	cp->reply_closed_secs = XR_REPLY_CLOSED_SECS;
	skel->data_xr_config->xr_config.active_gen = 0;
	return 0;
}

static void unload_reflector(struct bench_program *g)
{
	xdp_reflector_bpf__destroy(g->obj);
}

/*
 * xdp-filter (xdp-tools). Its port map is a per-CPU array indexed by the
 * port in network byte order; a value's low bits say how the port matches
 * (xdp-tools' common_kern_user.h), the rest is its hit counter.
 */
#define XDPFILT_DST (1 << 1)
#define XDPFILT_TCP (1 << 2)
#define XDPFILT_UDP (1 << 3)

static const char *const filter_objects[] = {
	"/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_dny_all.o",
	"/usr/lib/aarch64-linux-gnu/bpf/xdpfilt_dny_all.o",
	"/usr/lib/bpf/xdpfilt_dny_all.o",
	"/usr/share/xdp-tools/xdpfilt_dny_all.o",
};

static int load_filter(struct bench_program *g)
{
	const char *path = getenv("XR_XDP_FILTER_OBJ");
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map, *ports = NULL;
	int ncpus = libbpf_num_possible_cpus(), err;
	__u64 *values;
	size_t i;
	__u32 port;

	for (i = 0; !path && i < sizeof(filter_objects) / sizeof(filter_objects[0]);
	     i++)
		if (!access(filter_objects[i], R_OK))
			path = filter_objects[i];
	if (!path) {
		g->skipped = "xdpfilt_dny_all.o not found (apt-get install "
			     "xdp-tools, or set XR_XDP_FILTER_OBJ)";
		return 0;
	}
	snprintf(g->source, sizeof(g->source), "%s", path);
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno;
	g->obj = obj;
	/* Its maps pin themselves by name under /sys/fs/bpf: not here. */
	bpf_object__for_each_map(map, obj) {
		bpf_map__set_pin_path(map, NULL);
		if (!strcmp(bpf_map__name(map), "filter_ports"))
			ports = map;
	}
	err = bpf_object__load(obj);
	if (err)
		return err;
	prog = bpf_object__next_program(obj, NULL);
	if (!prog || !ports || ncpus <= 0)
		return -ENOENT;
	g->fd = bpf_program__fd(prog);

	values = calloc(ncpus, sizeof(*values));
	if (!values)
		return -ENOMEM;
	for (i = 0; i < N_RULES; i++) {
		const struct bench_rule *r = &bench_policy[i];
		__u64 flag = r->proto == XR_PROTO_TCP ? XDPFILT_TCP : XDPFILT_UDP;

		for (port = r->first; port <= r->last; port++) {
			__u32 key = htons(port);
			int c;

			/* A port may be listed for TCP and UDP: keep both. */
			if (bpf_map_lookup_elem(bpf_map__fd(ports), &key, values))
				memset(values, 0, ncpus * sizeof(*values));
			for (c = 0; c < ncpus; c++)
				values[c] |= XDPFILT_DST | flag;
			if (bpf_map_update_elem(bpf_map__fd(ports), &key, values,
						BPF_ANY)) {
				free(values);
				return -errno;
			}
		}
	}
	free(values);
	return 0;
}

static void unload_filter(struct bench_program *g)
{
	bpf_object__close(g->obj);
}

static struct bench_program programs[] = {
	{ .name = "empty", .what = "XDP_PASS only: the floor",
	  .load = load_empty, .unload = unload_empty, .column = 0 },
	{ .name = "xdp_reflector",
	  .what = "this project, reflector-caddy-like policy, replies on",
	  .load = load_reflector, .unload = unload_reflector, .column = 1 },
	{ .name = "xdp_filter",
	  .what = "xdp-tools xdp-filter, deny policy, the same ports",
	  .load = load_filter, .unload = unload_filter, .column = 2 },
};

#define N_PROGRAMS (sizeof(programs) / sizeof(programs[0]))

static void program_size(struct bench_program *g)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (!bpf_obj_get_info_by_fd(g->fd, &info, &len)) {
		g->xlated = info.xlated_prog_len / 8;
		g->jited = info.jited_prog_len;
	}
}

static int expected(const struct bench_program *g, const struct bench_packet *p)
{
	return g->column == 1 ? (int)p->reflector :
	       g->column == 2 ? (int)p->filter :
				XDP_PASS;
}

/* ---------------------------------------------------------------------
 * Measuring.
 */
static const char *verdict_name(__u32 v)
{
	static const char *const names[] = { "XDP_ABORTED", "XDP_DROP",
					     "XDP_PASS", "XDP_TX",
					     "XDP_REDIRECT" };

	return v < 5 ? names[v] : "?";
}

/* One test run of FRAME: the kernel's average ns per run, or -1. */
static double run(const struct bench_program *g, const struct bench_packet *p,
		  const struct frame *f, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b,
		    .data_size_in = f->len, .repeat = repeat);
	int want = expected(g, p);

	if (bpf_prog_test_run_opts(g->fd, &opts)) {
		fprintf(stderr, "timing: %s / %s: BPF_PROG_TEST_RUN: %s\n",
			g->name, p->name, strerror(errno));
		return -1;
	}
	if (opts.retval != (__u32)want) {
		fprintf(stderr, "timing: %s / %s: verdict %s, want %s\n",
			g->name, p->name, verdict_name(opts.retval),
			verdict_name(want));
		return -1;
	}
	return opts.duration;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[n];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

struct stats {
	double med, min, max;
};

static struct stats stats_of(const double *v, int n)
{
	struct stats s = { median(v, n), INFINITY, -INFINITY };
	int i;

	for (i = 0; i < n; i++) {
		s.min = fmin(s.min, v[i]);
		s.max = fmax(s.max, v[i]);
	}
	return s;
}

/* Per packet and program: one figure per round, and what comes of them. */
struct result {
	double *ns, *ratio, *added; /* [round] */
	struct stats s_ns, s_ratio, s_added;
};

/* ---------------------------------------------------------------------
 * Output.
 */
static void print_table(const struct result *res, int rounds, __u32 repeat)
{
	struct utsname u;
	size_t p, g;

	uname(&u);
	printf("BPF_PROG_TEST_RUN timing: %d rounds x %u runs, kernel %s, %ld CPUs\n",
	       rounds, repeat, u.release, sysconf(_SC_NPROCESSORS_ONLN));
	printf("ns = opts.duration (kernel average per run, whole ns), median "
	       "[min-max] over rounds;\nx = median of per-round ratios to %s; "
	       "+ns = median of per-round ns added over it; then the verdict\n\n",
	       programs[0].name);
	printf("%-36s", "packet");
	for (g = 0; g < N_PROGRAMS; g++)
		printf(g ? " | %-29s" : " %-10s", programs[g].name);
	printf("\n");
	for (p = 0; p < N_PACKETS; p++) {
		printf("%-36s", packets[p].name);
		for (g = 0; g < N_PROGRAMS; g++) {
			const struct result *r = &res[p * N_PROGRAMS + g];
			char cell[64];

			if (programs[g].skipped) {
				printf(" | %-29s", "skipped");
				continue;
			}
			snprintf(cell, sizeof(cell), "%4.1f [%.0f-%.0f]", r->s_ns.med,
				 r->s_ns.min, r->s_ns.max);
			if (!g) {
				printf(" %-10s", cell);
				continue;
			}
			printf(" | %-12s %4.2fx %+5.1f %-4s", cell, r->s_ratio.med,
			       r->s_added.med,
			       expected(&programs[g], &packets[p]) == XDP_PASS ?
				       "pass" :
				       "drop");
		}
		printf("\n");
	}
	printf("\nxlated instructions (jited bytes):");
	for (g = 0; g < N_PROGRAMS; g++)
		if (!programs[g].skipped)
			printf(" %s %u (%u)%s", programs[g].name, programs[g].xlated,
			       programs[g].jited, g + 1 < N_PROGRAMS ? "," : "");
	printf("\nflood: %d random closed tcp ports, %d per round, repeat/%d runs "
	       "each, averaged\n",
	       FLOOD_PORTS, FLOOD_PER_ROUND, FLOOD_PER_ROUND);
	for (g = 0; g < N_PROGRAMS; g++)
		if (programs[g].skipped)
			printf("%s skipped: %s\n", programs[g].name,
			       programs[g].skipped);
	if (!programs[2].skipped) {
		printf("xdp_filter cannot say all of the policy:\n");
		for (p = 0; p < sizeof(filter_notes) / sizeof(filter_notes[0]); p++)
			printf("  - %s\n", filter_notes[p]);
	}
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void json_array(FILE *out, const double *v, int n, const char *fmt)
{
	int i;

	fputc('[', out);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		fprintf(out, fmt, v[i]);
	}
	fputc(']', out);
}

static void json_stats(FILE *out, const struct stats *s, const char *fmt)
{
	char f[64];

	snprintf(f, sizeof(f), "{\"min\": %s, \"median\": %s, \"max\": %s}", fmt,
		 fmt, fmt);
	fprintf(out, f, s->min, s->med, s->max);
}

/* One object per program of PACKET's results: FIELD of each (0 ns, 1 ratio, 2 added). */
static void json_by_program(FILE *out, const struct result *row, int field,
			    int from)
{
	size_t g;
	int first = 1;

	fputc('{', out);
	for (g = from; g < N_PROGRAMS; g++) {
		const struct result *r = &row[g];

		if (programs[g].skipped)
			continue;
		fprintf(out, "%s", first ? "" : ", ");
		first = 0;
		json_str(out, programs[g].name);
		fputs(": ", out);
		if (field == 0)
			json_stats(out, &r->s_ns, "%.1f");
		else if (field == 1)
			json_stats(out, &r->s_ratio, "%.4f");
		else
			json_stats(out, &r->s_added, "%.2f");
	}
	fputc('}', out);
}

static int write_json(const char *path, const struct result *res,
		      const struct frame *frames, int rounds, __u32 repeat)
{
	FILE *out = fopen(path, "w");
	struct utsname u;
	size_t p, g, i;
	int first;

	if (!out) {
		fprintf(stderr, "timing: %s: %s\n", path, strerror(errno));
		return -1;
	}
	uname(&u);
	fprintf(out, "{\n  \"tool\": \"bench/timing\",\n  \"kernel\": ");
	json_str(out, u.release);
	fprintf(out,
		",\n  \"cpus\": %ld,\n  \"rounds\": %d,\n  \"repeat\": %u,\n"
		"  \"unit\": \"ns per packet: opts.duration of BPF_PROG_TEST_RUN, "
		"the kernel's average per run in whole ns\",\n"
		"  \"statistics\": \"min/median/max over rounds; ratio_to_empty and "
		"ns_added are taken per round against the empty program in the "
		"same round\",\n"
		"  \"flood\": {\"ports\": %d, \"per_round\": %d, \"repeat_each\": %u},\n"
		"  \"baseline\": \"empty\",\n  \"programs\": [\n",
		sysconf(_SC_NPROCESSORS_ONLN), rounds, repeat, FLOOD_PORTS,
		FLOOD_PER_ROUND, repeat / FLOOD_PER_ROUND);
	for (g = 0; g < N_PROGRAMS; g++) {
		const struct bench_program *b = &programs[g];

		fprintf(out, "    {\"name\": ");
		json_str(out, b->name);
		fprintf(out, ", \"what\": ");
		json_str(out, b->what);
		fprintf(out, ", \"source\": ");
		json_str(out, b->source);
		if (b->skipped) {
			fprintf(out, ", \"skipped\": ");
			json_str(out, b->skipped);
		} else {
			fprintf(out, ", \"xlated_insns\": %u, \"jited_bytes\": %u",
				b->xlated, b->jited);
		}
		if (g == 2) {
			fprintf(out, ", \"notes\": [");
			for (i = 0; i < sizeof(filter_notes) / sizeof(filter_notes[0]); i++) {
				fprintf(out, "%s", i ? ", " : "");
				json_str(out, filter_notes[i]);
			}
			fprintf(out, "]");
		}
		fprintf(out, "}%s\n", g + 1 < N_PROGRAMS ? "," : "");
	}
	fprintf(out, "  ],\n  \"policy\": [");
	for (i = 0; i < N_RULES; i++) {
		const struct bench_rule *r = &bench_policy[i];

		fprintf(out, "%s{\"proto\": \"%s\", \"first\": %u, \"last\": %u",
			i ? ", " : "", r->proto == XR_PROTO_TCP ? "tcp" : "udp",
			r->first, r->last);
		if (r->nsources)
			fprintf(out, ", \"from\": \"%d networks per family\"",
				r->nsources);
		fputc('}', out);
	}
	fprintf(out, "],\n  \"packets\": [\n");
	for (p = 0; p < N_PACKETS; p++) {
		const struct result *row = &res[p * N_PROGRAMS];

		fprintf(out, "    {\"name\": ");
		json_str(out, packets[p].name);
		fprintf(out, ", \"frame_bytes\": %zu,\n     \"verdicts\": {",
			frames[p].len);
		for (g = 0, first = 1; g < N_PROGRAMS; g++) {
			if (programs[g].skipped)
				continue;
			fprintf(out, "%s\"%s\": \"%s\"", first ? "" : ", ",
				programs[g].name,
				verdict_name(expected(&programs[g], &packets[p])));
			first = 0;
		}
		fprintf(out, "},\n     \"results\": ");
		json_by_program(out, row, 0, 0);
		fprintf(out, ",\n     \"ratio_to_empty\": ");
		json_by_program(out, row, 1, 1);
		fprintf(out, ",\n     \"ns_added\": ");
		json_by_program(out, row, 2, 1);
		fprintf(out, ",\n     \"rounds_ns\": {");
		for (g = 0, first = 1; g < N_PROGRAMS; g++) {
			if (programs[g].skipped)
				continue;
			fprintf(out, "%s\"%s\": ", first ? "" : ", ", programs[g].name);
			json_array(out, row[g].ns, rounds, "%.2f");
			first = 0;
		}
		fprintf(out, "}}%s\n", p + 1 < N_PACKETS ? "," : "");
	}
	/* The flat layout of earlier versions, which bench/report.py reads. */
	fprintf(out, "  ],\n  \"results\": [\n");
	for (p = 0, first = 1; p < N_PACKETS; p++) {
		for (g = 0; g < N_PROGRAMS; g++) {
			const struct result *r = &res[p * N_PROGRAMS + g];

			if (programs[g].skipped)
				continue;
			fprintf(out, "%s    {\"packet\": ", first ? "" : ",\n");
			first = 0;
			json_str(out, packets[p].name);
			fprintf(out, ", \"program\": ");
			json_str(out, programs[g].name);
			fprintf(out,
				", \"median_ns\": %.1f, \"min_ns\": %.0f, "
				"\"max_ns\": %.0f, \"ratio\": %.4f, "
				"\"ns_added\": %.2f}",
				r->s_ns.med, r->s_ns.min, r->s_ns.max,
				r->s_ratio.med, r->s_added.med);
		}
	}
	fprintf(out, "\n  ]\n}\n");
	return fclose(out) ? -1 : 0;
}

/* ---------------------------------------------------------------------
 * Main.
 */
static void usage(FILE *out, const char *argv0)
{
	fprintf(out,
		"usage: %s [--rounds N] [--repeat N] [--quick] [--cpu N] [--json FILE]\n"
		"  --rounds N   rounds, each running every packet through every program (11)\n"
		"  --repeat N   BPF_PROG_TEST_RUN repeat per measurement (1000000)\n"
		"  --quick      smoke test: 3 rounds of 100000\n"
		"  --cpu N      pin the process to CPU N first\n"
		"  --json FILE  also write every figure, per round too, as JSON\n"
		"  -v           show libbpf's log\n",
		argv0);
}

static int verbose;

/* libbpf's log only with -v: xdp-filter's object makes it warn about sections it skips. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list args)
{
	if (!verbose && level != LIBBPF_WARN)
		return 0;
	if (!verbose && strstr(fmt, "skipping unrecognized"))
		return 0;
	return vfprintf(stderr, fmt, args);
}

static long parse_num(const char *s, const char *what, long min)
{
	char *end;
	double v = strtod(s, &end); /* accepts 1e6 */

	if (end == s || *end || v < min || v > 1e9 || v != (long)v) {
		fprintf(stderr, "timing: bad %s: %s\n", what, s);
		exit(2);
	}
	return (long)v;
}

/* Round ROUND of packet P through program G: ns per run, or -1. */
static double measure(size_t g, size_t p, const struct frame *frames,
		      const struct frame *flood, int round, __u32 repeat)
{
	double sum = 0, ns;
	int i;

	if (packets[p].dport)
		return run(&programs[g], &packets[p], &frames[p], repeat);
	for (i = 0; i < FLOOD_PER_ROUND; i++) {
		int port = (round * FLOOD_PER_ROUND + i) % FLOOD_PORTS;

		ns = run(&programs[g], &packets[p], &flood[port],
			 repeat / FLOOD_PER_ROUND + 1);
		if (ns < 0)
			return -1;
		sum += ns;
	}
	return sum / FLOOD_PER_ROUND;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "quick", no_argument, NULL, 'q' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "json", required_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int rounds = 11, cpu = -1, opt, rc = 1, round;
	__u32 repeat = 1000000;
	const char *json = NULL;
	struct frame frames[N_PACKETS], flood[FLOOD_PORTS];
	struct result res[N_PACKETS * N_PROGRAMS] = { 0 };
	__u16 flood_port[FLOOD_PORTS];
	size_t p, g, i, loaded = 0;

	while ((opt = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			rounds = parse_num(optarg, "--rounds", 1);
			break;
		case 'n':
			repeat = parse_num(optarg, "--repeat", FLOOD_PER_ROUND);
			break;
		case 'q':
			rounds = 3;
			repeat = 100000;
			break;
		case 'c':
			cpu = parse_num(optarg, "--cpu", 0);
			break;
		case 'j':
			json = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	libbpf_set_print(libbpf_log);
	if (cpu >= 0 && bench_pin_cpu(cpu)) {
		fprintf(stderr, "timing: --cpu %d: %s\n", cpu, strerror(errno));
		return 2;
	}

	for (g = 0; g < N_PROGRAMS; g++, loaded++) {
		int err = programs[g].load(&programs[g]);

		if (err) {
			fprintf(stderr, "timing: loading %s: %s (root needed)\n",
				programs[g].name, strerror(-err));
			goto out;
		}
		if (!programs[g].skipped)
			program_size(&programs[g]);
	}
	for (p = 0; p < N_PACKETS; p++)
		build(&packets[p], packets[p].dport, &frames[p]);
	flood_ports(flood_port);
	for (i = 0; i < FLOOD_PORTS; i++)
		for (p = 0; p < N_PACKETS; p++)
			if (!packets[p].dport)
				build(&packets[p], flood_port[i], &flood[i]);

	for (i = 0; i < N_PACKETS * N_PROGRAMS; i++) {
		res[i].ns = calloc(rounds, sizeof(double));
		res[i].ratio = calloc(rounds, sizeof(double));
		res[i].added = calloc(rounds, sizeof(double));
		if (!res[i].ns || !res[i].ratio || !res[i].added)
			goto out;
	}

	/* Warm-up: caches, branch predictors, the frequency governor. */
	for (p = 0; p < N_PACKETS; p++)
		for (g = 0; g < N_PROGRAMS; g++)
			if (!programs[g].skipped &&
			    measure(g, p, frames, flood, 0, repeat / 10) < 0)
				goto out;

	for (round = 0; round < rounds; round++) {
		for (p = 0; p < N_PACKETS; p++) {
			for (i = 0; i < N_PROGRAMS; i++) {
				/* Rotate the order so no program always runs first. */
				size_t gi = (i + round) % N_PROGRAMS;
				double ns;

				if (programs[gi].skipped)
					continue;
				ns = measure(gi, p, frames, flood, round, repeat);
				if (ns < 0)
					goto out;
				res[p * N_PROGRAMS + gi].ns[round] = ns;
			}
		}
	}

	for (p = 0; p < N_PACKETS; p++) {
		struct result *row = &res[p * N_PROGRAMS];

		for (g = 0; g < N_PROGRAMS; g++) {
			struct result *r = &row[g];

			for (round = 0; round < rounds; round++) {
				double floor = row[0].ns[round];

				r->ratio[round] = floor ? r->ns[round] / floor : NAN;
				r->added[round] = r->ns[round] - floor;
			}
			r->s_ns = stats_of(r->ns, rounds);
			r->s_ratio = stats_of(r->ratio, rounds);
			r->s_added = stats_of(r->added, rounds);
		}
	}

	print_table(res, rounds, repeat);
	rc = 0;
	if (json && write_json(json, res, frames, rounds, repeat))
		rc = 1;
out:
	for (g = 0; g < loaded; g++)
		if (programs[g].obj)
			programs[g].unload(&programs[g]);
	for (i = 0; i < N_PACKETS * N_PROGRAMS; i++) {
		free(res[i].ns);
		free(res[i].ratio);
		free(res[i].added);
	}
	return rc;
}
