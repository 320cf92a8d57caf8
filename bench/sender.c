// SPDX-License-Identifier: GPL-2.0
/*
 * Live traffic source of the bench: one prebuilt UDP/IPv4 frame, sent as
 * fast as one CPU can out of a veth by BPF_PROG_TEST_RUN in live-frames mode
 * (BPF_F_TEST_XDP_LIVE_FRAMES) running bench_redirect, which redirects every
 * frame to the veth. (An AF_PACKET sender tops out near 0.7 Mpps here, far
 * below what the filters under test drop: FIELD-NOTES.md.)
 *
 * Run it inside the sender's network namespace (nsenter --net=...): the
 * interface and the redirect belong to the caller's namespace.
 *
 * Each BPF_PROG_TEST_RUN call costs tens of milliseconds before and after its
 * frames (measured here: 24 ms a call, so batches of 262144 frames spent most
 * of their time there and capped the rate near 7 Mpps). So by default the
 * sender makes one call of up to 2^31 frames and ends it with a signal: after
 * --seconds (SIGALRM) or at SIGTERM/SIGINT. The kernel then does not say how
 * many frames went: rates are for the receiver's counters to say, over a
 * window inside the call. With --batch N it makes calls of N frames instead
 * and counts them (--max-packets bounds the total). --pps paces the frames in
 * the program (bpf/bench_redirect.bpf.c): frames over the rate are dropped
 * before they are sent, so the rate offered does not follow the receiver.
 * Prints one JSON line when it stops.
 *
 * Usage (root): build/bench/sender --ifname IF --dst-mac MAC --src-ip A
 *                 --dst-ip B --dport P [--sport P] [--seconds S]
 *                 [--max-packets N] [--batch N] [--size BYTES] [--cpu N]
 *                 [--pps RATE]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include "bench.h"
#include "bench_redirect.skel.h"

#define MAX_FRAME 1500

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_mac(const char *s, __u8 mac[ETH_ALEN])
{
	unsigned int b[ETH_ALEN];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != ETH_ALEN)
		return -EINVAL;
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = (__u8)b[i];
	}
	return 0;
}

static int if_mac(const char *ifname, __u8 mac[ETH_ALEN])
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return err;
}

/* Ethernet + IPv4 + UDP (checksum 0: none, valid for IPv4) + zero payload. */
static size_t build_frame(__u8 *f, size_t size, const __u8 dst[ETH_ALEN],
			  const __u8 src[ETH_ALEN], struct in_addr saddr,
			  struct in_addr daddr, __u16 sport, __u16 dport)
{
	struct ethhdr *eth = (struct ethhdr *)f;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t l4 = size - sizeof(*eth) - sizeof(*ip);

	memset(f, 0, size);
	memcpy(eth->h_dest, dst, ETH_ALEN);
	memcpy(eth->h_source, src, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((__u16)(size - sizeof(*eth)));
	ip->id = htons(1);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = saddr.s_addr;
	ip->daddr = daddr.s_addr;
	ip->check = bench_ip_checksum(ip, sizeof(*ip));
	udp->source = htons(sport);
	udp->dest = htons(dport);
	udp->len = htons((__u16)l4);
	return size;
}

static void usage(FILE *out, const char *argv0)
{
	fprintf(out,
		"usage: %s --ifname IF --dst-mac MAC --src-ip A --dst-ip B "
		"--dport P\n"
		"          [--sport P] [--seconds S] [--max-packets N] "
		"[--batch N]\n"
		"          [--size BYTES] [--cpu N] [--pps RATE]\n"
		"  --seconds S      stop after S seconds (2, at most 60)\n"
		"  --max-packets N  stop after about N frames (1e9)\n"
		"  --batch N        frames per BPF_PROG_TEST_RUN call, counted "
		"(one call of 2^31)\n"
		"  --size BYTES     Ethernet frame size without FCS, 60-%d "
		"(60)\n"
		"  --cpu N          pin to CPU N (the receiver's softirq runs "
		"there too)\n"
		"  --pps RATE       send RATE frames per second (as fast as it "
		"can)\n",
		argv0, MAX_FRAME);
}

static double num(const char *s, const char *what, double min, double max)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || v < min || v > max) {
		fprintf(stderr, "sender: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"ifname", required_argument, NULL, 'i'},
		{"dst-mac", required_argument, NULL, 'm'},
		{"src-ip", required_argument, NULL, 's'},
		{"dst-ip", required_argument, NULL, 'd'},
		{"sport", required_argument, NULL, 'S'},
		{"dport", required_argument, NULL, 'D'},
		{"seconds", required_argument, NULL, 't'},
		{"max-packets", required_argument, NULL, 'n'},
		{"batch", required_argument, NULL, 'b'},
		{"size", required_argument, NULL, 'z'},
		{"cpu", required_argument, NULL, 'c'},
		{"pps", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *ifname = NULL, *dmac = NULL, *sip = NULL, *dip = NULL;
	double seconds = 2, max_packets = 1e9, pps = 0, t0, t1;
	__u32 batch = 0, dport = 0, sport = 40000, size = 60;
	__u8 frame[MAX_FRAME], src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	struct bench_redirect_bpf *skel;
	struct in_addr saddr, daddr;
	unsigned long long sent = 0;
	struct itimerval limit = {};
	int interrupted = 0, opt, cpu = -1, ifindex, prog_fd, err, rc = 1;
	size_t len;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'm':
			dmac = optarg;
			break;
		case 's':
			sip = optarg;
			break;
		case 'd':
			dip = optarg;
			break;
		case 'S':
			sport = (__u32)num(optarg, "--sport", 1, 65535);
			break;
		case 'D':
			dport = (__u32)num(optarg, "--dport", 1, 65535);
			break;
		case 't':
			seconds = num(optarg, "--seconds", 0.01, 60);
			break;
		case 'n':
			max_packets = num(optarg, "--max-packets", 1, 1e12);
			break;
		case 'b':
			batch = (__u32)num(optarg, "--batch", 1, 1 << 24);
			break;
		case 'z':
			size = (__u32)num(optarg, "--size", 60, MAX_FRAME);
			break;
		case 'c':
			cpu = (int)num(optarg, "--cpu", 0, 4095);
			break;
		case 'r':
			pps = num(optarg, "--pps", 1000, 1e9);
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc || !ifname || !dmac || !sip || !dip || !dport) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (parse_mac(dmac, dst_mac)) {
		fprintf(stderr, "sender: bad --dst-mac: %s\n", dmac);
		return 2;
	}
	if (inet_pton(AF_INET, sip, &saddr) != 1 ||
	    inet_pton(AF_INET, dip, &daddr) != 1) {
		fprintf(stderr,
			"sender: --src-ip and --dst-ip take IPv4 addresses\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex || (err = if_mac(ifname, src_mac))) {
		fprintf(stderr, "sender: no interface '%s' in this namespace\n",
			ifname);
		return 1;
	}
	if (cpu >= 0 && (err = bench_pin_cpu(cpu))) {
		fprintf(stderr, "sender: --cpu %d: %s\n", cpu, strerror(-err));
		return 2;
	}
	len = build_frame(frame, size, dst_mac, src_mac, saddr, daddr,
			  (__u16)sport, (__u16)dport);

	skel = bench_redirect_bpf__open();
	if (!skel) {
		fprintf(stderr, "sender: cannot open the BPF object: %s\n",
			strerror(errno));
		return 1;
	}
	skel->rodata->out_ifindex = (__u32)ifindex;
	skel->rodata->ns_per_frame = pps ? (__u64)(1e9 / pps) : 0;
	if (bench_redirect_bpf__load(skel)) {
		fprintf(stderr,
			"sender: cannot load the BPF program: %s (root "
			"needed)\n",
			strerror(errno));
		goto out;
	}
	prog_fd = bpf_program__fd(skel->progs.bench_redirect);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGALRM, on_signal);
	limit.it_value.tv_sec = (time_t)seconds;
	limit.it_value.tv_usec =
		(suseconds_t)((seconds - (time_t)seconds) * 1e6);
	setitimer(ITIMER_REAL, &limit, NULL);

	t0 = now();
	t1 = t0;
	while (!stop && t1 - t0 < seconds && sent < max_packets) {
		__u32 n = batch ? batch : 1U << 31;
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame,
			    .data_size_in = (__u32)len, .repeat = n,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		if (bpf_prog_test_run_opts(prog_fd, &run)) {
			t1 = now();
			if (errno == EINTR) {
				interrupted =
					1; /* how many of n went is unknown */
				break;
			}
			fprintf(stderr,
				"sender: BPF_PROG_TEST_RUN (live frames): %s\n",
				strerror(errno));
			goto out;
		}
		sent += n;
		t1 = now();
	}
	printf("{\"sent\": %llu, \"interrupted\": %s, \"seconds\": %.6f, "
	       "\"pps_offered\": %.0f, \"frame_bytes\": %zu}\n",
	       sent, interrupted ? "true" : "false", t1 - t0, pps, len);
	rc = 0;
out:
	bench_redirect_bpf__destroy(skel);
	return rc;
}
