// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_PROG_TEST_RUN timing of the XDP program against the empty program,
 * measured in the same process and the same rounds: absolute figures differ
 * about 4x between machines of the same kind (FIELD-NOTES.md), ratios to the
 * floor measured alongside do not.
 *
 * Every round runs every packet through every program (the program order
 * rotates from round to round) with `repeat` runs each. opts.duration is the
 * kernel's average per run in whole ns. (The wall clock around the syscall
 * is no substitute: with repeat > 1 each call also swaps the XDP dispatcher,
 * a fixed cost of milliseconds.) Reported per packet and program: median,
 * min and max ns, and the median over rounds of the ratio to the first
 * program (the empty one) in the same round.
 *
 * To add a packet: a row in `packets`. To add a program: a row in
 * `programs` with its load/unload functions.
 *
 * Usage (root): build/bench/timing [--rounds N] [--repeat N] [--quick]
 *                                   [--cpu N] [--json FILE]
 */
#define _GNU_SOURCE
#include <arpa/inet.h> /* before the UAPI headers: glibc then wins in6_addr */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

#include "xdp_reflector.h"
#include "parse.h" /* XR_ETH_P_8021Q, XR_ETH_P_8021AD */
#include "xdp_empty.skel.h"
#include "xdp_reflector.skel.h"

/* ---------------------------------------------------------------------
 * Packets.
 */
struct bench_packet {
	const char *name;
	int family; /* 4 or 6 */
	int vlans; /* 0, 1 (802.1Q) or 2 (802.1ad + 802.1Q) */
	__u8 l4; /* IPPROTO_TCP or IPPROTO_UDP */
	__u16 dport;
	size_t payload; /* bytes after the L4 header */
	int verdict; /* what xdp_reflector must answer under bench_policy */
};

static const struct bench_packet packets[] = {
	{ "v4 tcp 443 allowed", 4, 0, IPPROTO_TCP, 443, 0, XDP_PASS },
	{ "v4 tcp 5432 denied", 4, 0, IPPROTO_TCP, 5432, 0, XDP_DROP },
	{ "v6 udp 44250 allowed", 6, 0, IPPROTO_UDP, 44250, 32, XDP_PASS },
	{ "v4 tcp 443 2 vlan tags", 4, 2, IPPROTO_TCP, 443, 0, XDP_PASS },
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

static void build(const struct bench_packet *p, struct frame *f)
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
			.ihl = 5,
			.tot_len = htons(sizeof(ip) + l4_len),
			.ttl = 64,
			.protocol = p->l4,
			.saddr = htonl(0xc6120009), /* 198.18.0.9 */
			.daddr = htonl(0xc0a8010a), /* 192.168.1.10 */
		};

		put(f, &ip, sizeof(ip));
	} else {
		struct ipv6hdr ip6 = {
			.version = 6,
			.payload_len = htons(l4_len),
			.nexthdr = p->l4,
			.hop_limit = 64,
		};

		inet_pton(AF_INET6, "2001:db8:ff::9", &ip6.saddr);
		inet_pton(AF_INET6, "2001:db8::10", &ip6.daddr);
		put(f, &ip6, sizeof(ip6));
	}

	if (p->l4 == IPPROTO_TCP) {
		struct tcphdr th = {
			.source = htons(40000),
			.dest = htons(p->dport),
			.doff = 5,
			.syn = 1,
			.window = htons(64240),
		};

		put(f, &th, sizeof(th));
	} else {
		struct udphdr uh = {
			.source = htons(40000),
			.dest = htons(p->dport),
			.len = htons(l4_len),
		};

		put(f, &uh, sizeof(uh));
	}
	put(f, zero, p->payload < sizeof(zero) ? p->payload : sizeof(zero));
}

/* ---------------------------------------------------------------------
 * Programs. The first is the floor every ratio is taken against.
 */
struct bench_program {
	const char *name;
	int (*load)(struct bench_program *g); /* sets fd; 0 or -errno */
	void (*unload)(struct bench_program *g);
	int judges; /* 1: its verdict must be the packet's; 0: XDP_PASS */
	void *skel;
	int fd;
};

static int load_empty(struct bench_program *g)
{
	struct xdp_empty_bpf *skel = xdp_empty_bpf__open_and_load();

	if (!skel)
		return -errno;
	g->skel = skel;
	g->fd = bpf_program__fd(skel->progs.xdp_empty);
	return 0;
}

static void unload_empty(struct bench_program *g)
{
	xdp_empty_bpf__destroy(g->skel);
}

/* Caddy + LiveKit + SSH, as a deployment profile would compile it. */
static const struct {
	__u32 proto;
	__u16 first, last;
} bench_policy[] = {
	{ XR_PROTO_TCP, 443, 443 },	  { XR_PROTO_TCP, 80, 80 },
	{ XR_PROTO_TCP, 7881, 7881 },	  { XR_PROTO_TCP, 22, 22 },
	{ XR_PROTO_UDP, 44200, 44300 },
};

static int load_reflector(struct bench_program *g)
{
	struct xdp_reflector_bpf *skel = xdp_reflector_bpf__open_and_load();
	long page = sysconf(_SC_PAGESIZE);
	/* Array elements are 8-byte aligned: an 8-byte slot per 4-byte entry. */
	size_t sz = ((size_t)XR_PORT_KEYS * 8 + page - 1) & ~(size_t)(page - 1);
	struct xr_config cfg = { .active_gen = 0 };
	__u64 *slots;
	__u32 zero = 0, port;
	size_t i;

	if (!skel)
		return -errno;
	g->skel = skel;
	g->fd = bpf_program__fd(skel->progs.xdp_reflector);

	slots = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED,
		     bpf_map__fd(skel->maps.bss), 0);
	if (slots == MAP_FAILED)
		return -errno;
	for (i = 0; i < sizeof(bench_policy) / sizeof(bench_policy[0]); i++) {
		struct xr_port_entry e = { .rule = i, .flags = XR_PORT_ALLOW };

		for (port = bench_policy[i].first; port <= bench_policy[i].last;
		     port++)
			memcpy(&slots[xr_port_key(0, bench_policy[i].proto, port)],
			       &e, sizeof(e));
	}
	munmap(slots, sz);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.data_xr_config), &zero, &cfg,
				BPF_ANY))
		return -errno;
	return 0;
}

static void unload_reflector(struct bench_program *g)
{
	xdp_reflector_bpf__destroy(g->skel);
}

static struct bench_program programs[] = {
	{ "empty", load_empty, unload_empty, 0, NULL, -1 },
	{ "xdp_reflector", load_reflector, unload_reflector, 1, NULL, -1 },
};

#define N_PROGRAMS (sizeof(programs) / sizeof(programs[0]))

/* ---------------------------------------------------------------------
 * Measuring.
 */
struct sample {
	__u32 ns; /* opts.duration: kernel average per run, whole ns */
};

static const char *verdict_name(__u32 v)
{
	static const char *const names[] = { "XDP_ABORTED", "XDP_DROP",
					     "XDP_PASS", "XDP_TX",
					     "XDP_REDIRECT" };

	return v < 5 ? names[v] : "?";
}

static int run(const struct bench_program *g, const struct bench_packet *p,
	       const struct frame *f, __u32 repeat, struct sample *s)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b,
		    .data_size_in = f->len, .repeat = repeat);
	int want = g->judges ? p->verdict : XDP_PASS;

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
	s->ns = opts.duration;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double *s = malloc(n * sizeof(*s));
	double m;

	if (!s)
		return NAN;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

struct result {
	double med, min, max, ratio;
	double *ns, *ratios; /* per round */
};

/* ---------------------------------------------------------------------
 * Output.
 */
static void print_table(const struct result *res, const struct frame *frames,
			int rounds, __u32 repeat)
{
	struct utsname u;
	size_t p, g;

	uname(&u);
	printf("BPF_PROG_TEST_RUN timing: %d rounds x %u runs, kernel %s, %ld CPUs\n",
	       rounds, repeat, u.release, sysconf(_SC_NPROCESSORS_ONLN));
	printf("ns = opts.duration (kernel average per run, whole ns); ratio = "
	       "median of per-round ratios to %s\n\n",
	       programs[0].name);
	printf("%-24s %-14s %5s %5s %5s %5s %6s\n", "packet", "program",
	       "bytes", "ns", "min", "max", "ratio");
	for (p = 0; p < N_PACKETS; p++) {
		for (g = 0; g < N_PROGRAMS; g++) {
			const struct result *r = &res[p * N_PROGRAMS + g];

			printf("%-24s %-14s %5zu %5.1f %5.0f %5.0f %6.2f\n",
			       g ? "" : packets[p].name, programs[g].name,
			       frames[p].len, r->med, r->min, r->max, r->ratio);
		}
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

static int write_json(const char *path, const struct result *res,
		      const struct frame *frames, int rounds, __u32 repeat)
{
	FILE *out = fopen(path, "w");
	struct utsname u;
	size_t p, g;

	if (!out) {
		fprintf(stderr, "timing: %s: %s\n", path, strerror(errno));
		return -1;
	}
	uname(&u);
	fprintf(out, "{\n  \"tool\": \"bench/timing\",\n  \"kernel\": ");
	json_str(out, u.release);
	fprintf(out, ",\n  \"cpus\": %ld,\n  \"rounds\": %d,\n  \"repeat\": %u,\n",
		sysconf(_SC_NPROCESSORS_ONLN), rounds, repeat);
	fprintf(out, "  \"baseline\": ");
	json_str(out, programs[0].name);
	fprintf(out, ",\n  \"results\": [\n");
	for (p = 0; p < N_PACKETS; p++) {
		for (g = 0; g < N_PROGRAMS; g++) {
			const struct result *r = &res[p * N_PROGRAMS + g];

			fprintf(out, "    {\"packet\": ");
			json_str(out, packets[p].name);
			fprintf(out, ", \"program\": ");
			json_str(out, programs[g].name);
			fprintf(out,
				", \"frame_bytes\": %zu, \"verdict\": \"%s\", "
				"\"median_ns\": %.1f, \"min_ns\": %.0f, "
				"\"max_ns\": %.0f, \"ratio\": %.4f,\n"
				"     \"rounds_ns\": ",
				frames[p].len,
				verdict_name(programs[g].judges ?
						     packets[p].verdict :
						     XDP_PASS),
				r->med, r->min, r->max, r->ratio);
			json_array(out, r->ns, rounds, "%.0f");
			fprintf(out, ", \"ratios\": ");
			json_array(out, r->ratios, rounds, "%.4f");
			fprintf(out, "}%s\n",
				p + 1 == N_PACKETS && g + 1 == N_PROGRAMS ? "" :
									    ",");
		}
	}
	fprintf(out, "  ]\n}\n");
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
		"  --json FILE  also write the results, per round, as JSON\n",
		argv0);
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "quick", no_argument, NULL, 'q' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int rounds = 11, cpu = -1, opt, rc = 1, round;
	__u32 repeat = 1000000;
	const char *json = NULL;
	struct frame frames[N_PACKETS];
	struct sample *samples = NULL; /* [round][packet][program] */
	struct result res[N_PACKETS * N_PROGRAMS] = { 0 };
	size_t p, g, i, loaded = 0;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			rounds = parse_num(optarg, "--rounds", 1);
			break;
		case 'n':
			repeat = parse_num(optarg, "--repeat", 1);
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
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "timing: --cpu %d: %s\n", cpu,
				strerror(errno));
			return 2;
		}
	}

	for (g = 0; g < N_PROGRAMS; g++, loaded++) {
		int err = programs[g].load(&programs[g]);

		if (err) {
			fprintf(stderr, "timing: loading %s: %s (root needed)\n",
				programs[g].name, strerror(-err));
			goto out;
		}
	}
	for (p = 0; p < N_PACKETS; p++)
		build(&packets[p], &frames[p]);

	samples = calloc((size_t)rounds * N_PACKETS * N_PROGRAMS,
			 sizeof(*samples));
	for (i = 0; i < N_PACKETS * N_PROGRAMS; i++) {
		res[i].ns = calloc(rounds, sizeof(double));
		res[i].ratios = calloc(rounds, sizeof(double));
		if (!res[i].ns || !res[i].ratios)
			goto out;
	}
	if (!samples)
		goto out;

	/* Warm-up: caches, branch predictors, the frequency governor. */
	for (p = 0; p < N_PACKETS; p++)
		for (g = 0; g < N_PROGRAMS; g++) {
			struct sample s;

			if (run(&programs[g], &packets[p], &frames[p],
				repeat / 10 + 1, &s))
				goto out;
		}

	for (round = 0; round < rounds; round++) {
		for (p = 0; p < N_PACKETS; p++) {
			for (i = 0; i < N_PROGRAMS; i++) {
				/* Rotate the order so no program always runs first. */
				size_t gi = (i + round) % N_PROGRAMS;
				struct sample *s =
					&samples[((size_t)round * N_PACKETS + p) *
							 N_PROGRAMS +
						 gi];

				if (run(&programs[gi], &packets[p], &frames[p],
					repeat, s))
					goto out;
			}
		}
	}

	for (p = 0; p < N_PACKETS; p++) {
		for (g = 0; g < N_PROGRAMS; g++) {
			struct result *r = &res[p * N_PROGRAMS + g];

			r->min = INFINITY;
			r->max = 0;
			for (round = 0; round < rounds; round++) {
				const struct sample *row =
					&samples[((size_t)round * N_PACKETS + p) *
						 N_PROGRAMS];

				r->ns[round] = row[g].ns;
				r->ratios[round] =
					row[0].ns ? (double)row[g].ns / row[0].ns :
						    NAN;
				r->min = fmin(r->min, row[g].ns);
				r->max = fmax(r->max, row[g].ns);
			}
			r->med = median(r->ns, rounds);
			r->ratio = median(r->ratios, rounds);
		}
	}

	print_table(res, frames, rounds, repeat);
	rc = 0;
	if (json && write_json(json, res, frames, rounds, repeat))
		rc = 1;
out:
	for (g = 0; g < loaded; g++)
		programs[g].unload(&programs[g]);
	for (i = 0; i < N_PACKETS * N_PROGRAMS; i++) {
		free(res[i].ns);
		free(res[i].ratios);
	}
	free(samples);
	return rc;
}
