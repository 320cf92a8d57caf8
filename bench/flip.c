// SPDX-License-Identifier: GPL-2.0
/*
 * How soon the packet path sees a new policy. On a loaded interface, flip
 * one port's verdict N times the way a reload does (loader/datapath.c):
 * write the inactive generation (the port table through the mmap, the class
 * defaults with a config update that leaves active_gen alone), then flip
 * xr_config.active_gen with one map update. Measured per flip, on the
 * monotonic clock:
 *
 *   write     writing the inactive generation (1 MiB of port slots + config)
 *   flip      the config map update that switches generations (the syscall)
 *   seen      from just before that update until a BPF_PROG_TEST_RUN of the
 *             pinned (attached) program, run by this thread right after the
 *             update, returns the new verdict: proof, not assumption
 *   seen_cpu  the same, seen by a thread on another CPU that runs the
 *             program back to back (upper bound: includes one test run)
 *
 * The port's rule must not be source-restricted, and the active generation
 * must have no source lists (only port tables and defaults are copied). N is
 * even, so the policy in force at the end is the one found at the start.
 * Prints one JSON object: min, median, p99, max per measure, in ns.
 *
 * Usage (root): build/bench/flip --pin-dir DIR --iface IF --port P
 *                 [--proto tcp|udp] [--flips N] [--cpu N] [--poll-cpu N]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "bench.h"
#include "xdp_reflector.h"

#define MAX_FLIPS 100000
#define WAIT_NS 1000000000ULL /* give up on a flip not seen within 1 s */

struct ctx {
	int config_fd, ports_fd, sources_fd, prog_fd;
	__u64 *slots; /* xr_ports through the mmap */
	size_t slots_len;
	__u8 frame[64];
	__u32 frame_len;
	__u32 key[XR_GENS]; /* xr_port_key of the port in each generation */
};

/* The cross-CPU observer: the verdicts it sees change, with timestamps. */
struct poller {
	struct ctx *c;
	int cpu;
	volatile int stop;
	volatile unsigned long transitions;
	__u64 *seen_at; /* [transition]: end of the first run that saw it */
	unsigned long cap;
	int err;
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static int verdict(const struct ctx *c, __u32 *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = c->frame,
		    .data_size_in = c->frame_len, .repeat = 1);

	if (bpf_prog_test_run_opts(c->prog_fd, &opts))
		return -errno;
	*out = opts.retval;
	return 0;
}

static void build_frame(struct ctx *c, int tcp, __u16 port)
{
	struct ethhdr *eth = (struct ethhdr *)c->frame;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	/*
	 * A UDP datagram carries an RTP header (first byte 0x80): the
	 * deployment profile guards its media range (guard: webrtc), which
	 * drops an empty datagram whatever the port table says.
	 */
	size_t l4 = tcp ? sizeof(struct tcphdr) : sizeof(struct udphdr) + 12;

	memset(c->frame, 0, sizeof(c->frame));
	memcpy(eth->h_dest, "\x02\0\0\0\0\x01", ETH_ALEN);
	memcpy(eth->h_source, "\x02\0\0\0\0\x02", ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((__u16)(sizeof(*ip) + l4));
	ip->ttl = 64;
	ip->protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP;
	ip->saddr = htonl(0xc6120009); /* 198.18.0.9 */
	ip->daddr = htonl(0xc0a8010a); /* 192.168.1.10 */
	ip->check = bench_ip_checksum(ip, sizeof(*ip));
	if (tcp) {
		struct tcphdr *th = (struct tcphdr *)(ip + 1);

		th->source = htons(40000);
		th->dest = htons(port);
		th->doff = 5;
		th->syn = 1;
	} else {
		struct udphdr *uh = (struct udphdr *)(ip + 1);

		uh->source = htons(40000);
		uh->dest = htons(port);
		uh->len = htons((__u16)l4);
		((__u8 *)(uh + 1))[0] = 0x80; /* RTP version 2 */
	}
	c->frame_len = (__u32)(sizeof(*eth) + sizeof(*ip) + l4);
}

/*
 * Write generation NEXT as a copy of ACTIVE with the port's verdict
 * toggled; active_gen stays as it is.
 */
static int write_next(struct ctx *c, struct xr_config *cfg, __u32 active,
		      __u32 next)
{
	const size_t per_gen = (size_t)XR_PROTOS * XR_PORTS_PER_PROTO;
	struct xr_port_entry e;
	__u32 zero = 0;

	memcpy(&c->slots[next * per_gen], &c->slots[active * per_gen],
	       per_gen * sizeof(*c->slots));
	memcpy(&e, &c->slots[c->key[next]], sizeof(e));
	e.flags ^= XR_PORT_ALLOW;
	memcpy(&c->slots[c->key[next]], &e, sizeof(e));
	cfg->gen[next] = cfg->gen[active];
	return bpf_map_update_elem(c->config_fd, &zero, cfg, BPF_ANY) ? -errno
								      : 0;
}

static void *poll_main(void *arg)
{
	struct poller *p = arg;
	__u32 v, last;
	int err;

	if (p->cpu >= 0 && (err = bench_pin_cpu(p->cpu))) {
		p->err = err;
		return NULL;
	}
	if ((err = verdict(p->c, &last))) {
		p->err = err;
		return NULL;
	}
	while (!p->stop) {
		if ((err = verdict(p->c, &v))) {
			p->err = err;
			return NULL;
		}
		if (v != last) {
			last = v;
			if (p->transitions < p->cap)
				p->seen_at[p->transitions] = now_ns();
			__atomic_add_fetch(&p->transitions, 1,
					   __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static void print_stats(const char *name, __u64 *v, int n, int last)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("  \"%s\": {\"min_ns\": %llu, \"median_ns\": %llu, \"p99_ns\": "
	       "%llu, "
	       "\"max_ns\": %llu, \"n\": %d}%s\n",
	       name, (unsigned long long)v[0], (unsigned long long)v[n / 2],
	       (unsigned long long)v[(size_t)n * 99 / 100],
	       (unsigned long long)v[n - 1], n, last ? "" : ",");
}

static int open_pin(const char *dir, const char *iface, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, iface, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr,
			"flip: %s: %s (is xdp-reflector loaded there?)\n", path,
			strerror(errno));
	return fd;
}

static void usage(FILE *out, const char *argv0)
{
	fprintf(out,
		"usage: %s --pin-dir DIR --iface IF --port P [--proto "
		"tcp|udp]\n"
		"          [--flips N] [--cpu N] [--poll-cpu N]\n"
		"  --flips N     even number of flips per measure (1000)\n"
		"  --cpu N       pin the flipping thread to CPU N\n"
		"  --poll-cpu N  CPU of the observing thread (-1: skip that "
		"measure)\n",
		argv0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"pin-dir", required_argument, NULL, 'd'},
		{"iface", required_argument, NULL, 'i'},
		{"port", required_argument, NULL, 'p'},
		{"proto", required_argument, NULL, 'P'},
		{"flips", required_argument, NULL, 'n'},
		{"cpu", required_argument, NULL, 'c'},
		{"poll-cpu", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *dir = NULL, *iface = NULL;
	int opt, flips = 1000, cpu = -1, poll_cpu = -1, tcp = 0, port = 0;
	int link_fd, i, rc = 1, err;
	__u64 *write_ns = NULL, *flip_ns = NULL, *seen_ns = NULL,
	      *seen_cpu_ns = NULL;
	struct ctx c = {.config_fd = -1,
			.ports_fd = -1,
			.sources_fd = -1,
			.prog_fd = -1};
	struct bpf_link_info info = {};
	__u32 info_len = sizeof(info), zero = 0, v0, v, g;
	struct xr_config cfg;
	struct poller poller = {.c = &c};
	pthread_t tid;
	long page = sysconf(_SC_PAGESIZE);

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			dir = optarg;
			break;
		case 'i':
			iface = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'P':
			tcp = !strcmp(optarg, "tcp");
			if (!tcp && strcmp(optarg, "udp")) {
				usage(stderr, argv[0]);
				return 2;
			}
			break;
		case 'n':
			flips = atoi(optarg);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'C':
			poll_cpu = atoi(optarg);
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc || !dir || !iface || port < 1 || port > 65535 ||
	    flips < 2 || flips > MAX_FLIPS || flips % 2) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (cpu >= 0 && (err = bench_pin_cpu(cpu))) {
		fprintf(stderr, "flip: --cpu %d: %s\n", cpu, strerror(-err));
		return 2;
	}

	c.config_fd = open_pin(dir, iface, XR_MAP_CONFIG);
	c.ports_fd = open_pin(dir, iface, XR_MAP_PORTS);
	c.sources_fd = open_pin(dir, iface, XR_MAP_SOURCES);
	link_fd = open_pin(dir, iface, XR_PIN_LINK);
	if (c.config_fd < 0 || c.ports_fd < 0 || c.sources_fd < 0 ||
	    link_fd < 0)
		goto out;
	if (bpf_obj_get_info_by_fd(link_fd, &info, &info_len) ||
	    (c.prog_fd = bpf_prog_get_fd_by_id(info.prog_id)) < 0) {
		fprintf(stderr, "flip: the attached program: %s\n",
			strerror(errno));
		goto out;
	}
	close(link_fd);
	c.slots_len =
		((size_t)XR_PORT_KEYS * 8 + page - 1) & ~(size_t)(page - 1);
	c.slots = mmap(NULL, c.slots_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       c.ports_fd, 0);
	if (c.slots == MAP_FAILED) {
		fprintf(stderr, "flip: mmap %s: %s\n", XR_MAP_PORTS,
			strerror(errno));
		c.slots = NULL;
		goto out;
	}
	for (v = 0; v < XR_PORT_KEYS; v++) {
		struct xr_port_entry e;

		memcpy(&e, &c.slots[v], sizeof(e));
		if (e.flags & XR_PORT_SOURCES) {
			fprintf(stderr, "flip: the policy has source lists; "
					"load one without\n");
			goto out;
		}
	}
	for (g = 0; g < XR_GENS; g++)
		c.key[g] = xr_port_key(g, tcp ? XR_PROTO_TCP : XR_PROTO_UDP,
				       (__u32)port);
	build_frame(&c, tcp, (__u16)port);

	write_ns = calloc(flips, sizeof(*write_ns));
	flip_ns = calloc(flips, sizeof(*flip_ns));
	seen_ns = calloc(flips, sizeof(*seen_ns));
	seen_cpu_ns = calloc(flips, sizeof(*seen_cpu_ns));
	poller.seen_at = calloc(flips, sizeof(*poller.seen_at));
	poller.cap = (unsigned long)flips;
	if (!write_ns || !flip_ns || !seen_ns || !seen_cpu_ns ||
	    !poller.seen_at)
		goto out;
	if ((err = verdict(&c, &v0))) {
		fprintf(stderr, "flip: BPF_PROG_TEST_RUN: %s\n",
			strerror(-err));
		goto out;
	}
	if (v0 != XDP_PASS && v0 != XDP_DROP) {
		fprintf(stderr,
			"flip: port %d answers %u, neither pass nor drop\n",
			port, v0);
		goto out;
	}

	/* Pass 1: this thread flips and asks the program right after. */
	for (i = 0; i < flips; i++) {
		__u32 active, next, want;
		__u64 t0, t1, t2, t3;

		if (bpf_map_lookup_elem(c.config_fd, &zero, &cfg))
			goto sys_err;
		active = cfg.active_gen & 1;
		next = !active;
		if (verdict(&c, &v))
			goto sys_err;
		want = v == XDP_PASS ? XDP_DROP : XDP_PASS;
		t0 = now_ns();
		if ((err = write_next(&c, &cfg, active, next))) {
			errno = -err;
			goto sys_err;
		}
		t1 = now_ns();
		cfg.active_gen = next;
		if (bpf_map_update_elem(c.config_fd, &zero, &cfg, BPF_ANY))
			goto sys_err;
		t2 = now_ns();
		do {
			if (verdict(&c, &v))
				goto sys_err;
			t3 = now_ns();
		} while (v != want && t3 - t1 < WAIT_NS);
		if (v != want) {
			fprintf(stderr,
				"flip %d: the program still answers %u\n", i,
				v);
			goto out;
		}
		write_ns[i] = t1 - t0;
		flip_ns[i] = t2 - t1;
		seen_ns[i] = t3 - t1;
	}

	/* Pass 2: another thread runs the program; we wait until it sees it. */
	if (poll_cpu >= 0) {
		poller.cpu = poll_cpu;
		if (pthread_create(&tid, NULL, poll_main, &poller)) {
			fprintf(stderr, "flip: cannot start the observer\n");
			goto out;
		}
		usleep(20000); /* let it take its first verdict */
		for (i = 0; i < flips && !poller.err; i++) {
			__u32 active, next;
			__u64 t1, t;

			if (bpf_map_lookup_elem(c.config_fd, &zero, &cfg))
				break;
			active = cfg.active_gen & 1;
			next = !active;
			if (write_next(&c, &cfg, active, next))
				break;
			t1 = now_ns();
			cfg.active_gen = next;
			if (bpf_map_update_elem(c.config_fd, &zero, &cfg,
						BPF_ANY))
				break;
			do
				t = now_ns();
			while (__atomic_load_n(&poller.transitions,
					       __ATOMIC_ACQUIRE) <=
				       (unsigned long)i &&
			       t - t1 < WAIT_NS && !poller.err);
			if (poller.transitions <= (unsigned long)i)
				break;
			seen_cpu_ns[i] = poller.seen_at[i] - t1;
		}
		poller.stop = 1;
		pthread_join(tid, NULL);
		if (poller.err || i < flips) {
			fprintf(stderr,
				"flip: the observer on CPU %d saw %lu of %d "
				"flips%s%s\n",
				poll_cpu, poller.transitions, flips,
				poller.err ? ": " : "",
				poller.err ? strerror(-poller.err) : "");
			goto out;
		}
	}
	if (verdict(&c, &v) || v != v0) {
		fprintf(stderr,
			"flip: the policy at the end differs from the start\n");
		goto out;
	}

	printf("{\n  \"port\": \"%s/%d\",\n  \"start_verdict\": \"%s\",\n  "
	       "\"flips\": %d,\n",
	       tcp ? "tcp" : "udp", port, v0 == XDP_PASS ? "pass" : "drop",
	       flips);
	print_stats("write", write_ns, flips, 0);
	print_stats("flip", flip_ns, flips, 0);
	print_stats("seen", seen_ns, flips, poll_cpu < 0);
	if (poll_cpu >= 0)
		print_stats("seen_cpu", seen_cpu_ns, flips, 1);
	printf("}\n");
	rc = 0;
	goto out;

sys_err:
	fprintf(stderr, "flip: %s\n", strerror(errno));
out:
	if (c.slots)
		munmap(c.slots, c.slots_len);
	free(write_ns);
	free(flip_ns);
	free(seen_ns);
	free(seen_cpu_ns);
	free(poller.seen_at);
	if (c.prog_fd >= 0)
		close(c.prog_fd);
	if (c.config_fd >= 0)
		close(c.config_fd);
	if (c.ports_fd >= 0)
		close(c.ports_fd);
	if (c.sources_fd >= 0)
		close(c.sources_fd);
	return rc;
}
