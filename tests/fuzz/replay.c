// SPDX-License-Identifier: GPL-2.0
/*
 * Differential replay: every frame of a packet corpus through the real XDP
 * program (BPF_PROG_TEST_RUN) and through the native parser, which must
 * give the same verdict and move the same counter.
 *
 * The native side is bpf/parse.h's xr_parse() compiled for the host, its
 * result judged by the decision table of pkt_model.h (model_verdict: the
 * program's header comment, restated). The BPF side is the program as
 * loaded, with a fixed policy written into its maps: TCP 443 and 7881 and
 * UDP 44200-44300 open, under two sets of class knobs (all defaults, GRE
 * allowed; then every knob the other way). A frame must:
 *  - get the same verdict (XDP_PASS or XDP_DROP) from both;
 *  - move the class counter, or the (protocol, port) counter, the native
 *    side names, by one packet on that side, and no other class counter.
 * The independent model (model_parse) must also agree with xr_parse().
 *
 * Run as root: build/tests/replay [DIR|FILE]...  (default
 * tests/fuzz/corpus/parse) Prints one line per disagreement with the frame,
 * then a summary; exits 1 on any disagreement, 2 on usage, setup or I/O errors.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "xdp_reflector.h"
#include "parse.h"
#include "pkt_model.h"
#include "xdp_reflector.skel.h"

#define FRAME_MAX 1514 /* the fuzz target's -max_len: one Ethernet frame */

static struct xdp_reflector_bpf *skel;
static int prog_fd, config_fd, port_stats_fd, class_stats_fd, ncpus;
static unsigned long frames, skipped, disagreements;

static const struct model_policy policies[] = {
	{.allow_proto = 47}, /* the defaults; GRE always passed */
	{.drop_echo = 1,
	 .drop_frags = 1,
	 .other_ip_pass = 1,
	 .icmp_info_pass = 1,
	 .allow_proto = -1},
};

static int write_policy(const struct model_policy *mp)
{
	struct xr_config cfg = {0};
	struct xr_class_policy *cp = &cfg.gen[0];
	__u32 zero = 0;

	cp->drop_echo = mp->drop_echo;
	cp->drop_frags = mp->drop_frags;
	cp->other_ip_pass = mp->other_ip_pass;
	cp->icmp_info_pass = mp->icmp_info_pass;
	cp->replies = 0;
	cp->reply_tcp_secs = XR_REPLY_TCP_SECS;
	cp->reply_udp_secs = XR_REPLY_UDP_SECS;
	cp->reply_closed_secs = XR_REPLY_CLOSED_SECS;
	if (mp->allow_proto >= 0)
		cp->other_ip_allow[mp->allow_proto >> 6] |=
			1ULL << (mp->allow_proto & 63);
	return bpf_map_update_elem(config_fd, &zero, &cfg, BPF_ANY);
}

/* The open ports of model_port_open(), into generation 0 through mmap. */
static int write_ports(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t sz = ((size_t)XR_PORT_KEYS * 8 + page - 1) & ~(size_t)(page - 1);
	struct xr_port_entry e = {.rule = 0, .flags = XR_PORT_ALLOW};
	__u64 *slots;
	__u32 proto, port;

	slots = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED,
		     bpf_map__fd(skel->maps.bss), 0);
	if (slots == MAP_FAILED)
		return -errno;
	for (proto = 0; proto < XR_PROTOS; proto++)
		for (port = 0; port < XR_PORTS_PER_PROTO; port++)
			if (model_port_open(proto, port))
				memcpy(&slots[xr_port_key(0, proto, port)], &e,
				       sizeof(e));
	munmap(slots, sz);
	return 0;
}

/* Packets counted on the pass (0) or drop (1) side of a per-CPU slot. */
static int read_slot(int fd, __u32 key, __u64 out[2])
{
	struct xr_counters v[ncpus];
	int c;

	if (bpf_map_lookup_elem(fd, &key, v))
		return -errno;
	out[0] = out[1] = 0;
	for (c = 0; c < ncpus; c++) {
		out[0] += v[c].pass_packets;
		out[1] += v[c].drop_packets;
	}
	return 0;
}

struct counts {
	__u64 cls[XR_CLASS_MAX][2];
	__u64 port[2];
};

static int snapshot(__u32 port_key, struct counts *s)
{
	__u32 k;
	int err = 0;

	for (k = 0; k < XR_CLASS_MAX && !err; k++)
		err = read_slot(class_stats_fd, k, s->cls[k]);
	if (!err)
		err = read_slot(port_stats_fd, port_key, s->port);
	return err;
}

static void report(const char *name, int pol, const char *why, const uint8_t *b,
		   size_t len)
{
	size_t i;

	disagreements++;
	fprintf(stderr, "replay: %s (policy %d): %s; frame of %zu bytes:\n",
		name, pol, why, len);
	for (i = 0; i < len && i < 128; i++)
		fprintf(stderr, "%02x%s", b[i], i % 16 == 15 ? "\n" : " ");
	fputc('\n', stderr);
}

/* xr_parse()'s view as the model's struct, to judge it with model_verdict. */
static void native_view(const uint8_t *b, size_t len, struct model *m)
{
	struct xr_pkt pkt = {0};

	memset(m, 0, sizeof(*m));
	m->kind = xr_parse(b, b + len, &pkt);
	m->family = pkt.family;
	m->ip_end = pkt.ip_end;
	m->proto = pkt.proto;
	m->sport = ntohs(pkt.sport);
	m->dport = pkt.dport;
	m->icmp_type = pkt.icmp_type;
	m->ip_proto = pkt.ip_proto;
	m->fragment = pkt.fragment;
}

static int replay_frame(const char *name, const uint8_t *b, size_t len)
{
	struct model native, model;
	size_t p;

	if (len < ETH_HLEN || len > FRAME_MAX) {
		skipped++; /* PROG_TEST_RUN refuses less than an Ethernet header
			    */
		return 0;
	}
	frames++;
	native_view(b, len, &native);
	model_parse(b, len, &model);
	if (native.kind != model.kind ||
	    (native.kind == M_L4 &&
	     (native.proto != model.proto || native.dport != model.dport)))
		report(name, -1, "xr_parse and the model differ", b, len);

	for (p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
		struct counts before, after;
		int cls, pass, want, moved_right, err;
		__u32 port_key = xr_stat_key(native.proto & 1, native.dport);
		__u32 k;
		char why[160];

		pass = model_verdict(&native, len, &policies[p], &cls);
		want = pass ? XDP_PASS : XDP_DROP;
		if (write_policy(&policies[p]) || snapshot(port_key, &before)) {
			fprintf(stderr, "replay: maps: %s\n", strerror(errno));
			return -1;
		}
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = b,
			    .data_size_in = len, .repeat = 1);
		err = bpf_prog_test_run_opts(prog_fd, &opts);
		if (err) {
			fprintf(stderr, "replay: %s: BPF_PROG_TEST_RUN: %s\n",
				name, strerror(errno));
			return -1;
		}
		if (snapshot(port_key, &after)) {
			fprintf(stderr, "replay: maps: %s\n", strerror(errno));
			return -1;
		}
		if (opts.retval != (__u32)want) {
			snprintf(
				why, sizeof(why),
				"BPF verdict %u, native %u (class %d, kind %d)",
				opts.retval, want, cls, native.kind);
			report(name, (int)p, why, b, len);
			continue;
		}
		/* The named counter moved by one, on the verdict's side. */
		if (cls == MC_PORT)
			moved_right =
				after.port[!pass] - before.port[!pass] == 1;
		else
			moved_right = after.cls[cls][!pass] -
					      before.cls[cls][!pass] ==
				      1;
		for (k = 0; k < XR_CLASS_MAX; k++)
			if ((int)k != cls &&
			    (after.cls[k][0] != before.cls[k][0] ||
			     after.cls[k][1] != before.cls[k][1]))
				moved_right = 0;
		if (!moved_right) {
			snprintf(why, sizeof(why),
				 "same verdict, but not the counter the native "
				 "side names (class %d, port key %u)",
				 cls, port_key);
			report(name, (int)p, why, b, len);
		}
	}
	return 0;
}

static int replay_file(const char *path)
{
	static uint8_t buf[FRAME_MAX + 1];
	FILE *f = fopen(path, "rb");
	size_t len;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return replay_frame(path, buf, len);
}

static int replay_path(const char *path)
{
	struct dirent **names;
	char file[4096];
	int n, i, err = 0;

	n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		return errno == ENOTDIR ? replay_file(path)
					: (fprintf(stderr, "replay: %s: %s\n",
						   path, strerror(errno)),
					   -1);
	for (i = 0; i < n; i++) {
		if (!err && names[i]->d_name[0] != '.') {
			snprintf(file, sizeof(file), "%s/%s", path,
				 names[i]->d_name);
			err = replay_file(file);
		}
		free(names[i]);
	}
	free(names);
	return err;
}

int main(int argc, char **argv)
{
	const char *def[] = {"tests/fuzz/corpus/parse"};
	const char *const *paths =
		argc > 1 ? (const char *const *)argv + 1 : def;
	int npaths = argc > 1 ? argc - 1 : 1, i, err = 0;

	if (argc > 1 && argv[1][0] == '-') {
		fprintf(stderr, "usage: %s [DIR|FILE]... (root)\n", argv[0]);
		return 2;
	}
	ncpus = libbpf_num_possible_cpus();
	skel = xdp_reflector_bpf__open_and_load();
	if (ncpus <= 0 || !skel) {
		fprintf(stderr,
			"replay: loading xdp_reflector: %s (root needed)\n",
			strerror(errno));
		return 2;
	}
	prog_fd = bpf_program__fd(skel->progs.xdp_reflector);
	config_fd = bpf_map__fd(skel->maps.data_xr_config);
	port_stats_fd = bpf_map__fd(skel->maps.xr_port_stats);
	class_stats_fd = bpf_map__fd(skel->maps.xr_class_stats);
	err = write_ports();
	for (i = 0; !err && i < npaths; i++)
		err = replay_path(paths[i]);
	xdp_reflector_bpf__destroy(skel);
	printf("replay: %lu frames x %zu policies through BPF_PROG_TEST_RUN "
	       "and "
	       "the native parser, %lu disagreements (%lu files skipped: under "
	       "14 or over %d bytes)\n",
	       frames, sizeof(policies) / sizeof(policies[0]), disagreements,
	       skipped, FRAME_MAX);
	if (err)
		return 2;
	return disagreements ? 1 : 0;
}
