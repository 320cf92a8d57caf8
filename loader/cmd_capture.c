// SPDX-License-Identifier: GPL-2.0
/*
 * capture IFACE -w FILE|- [-c COUNT] [--snaplen N] [--rule SERVICE | --port
 * N/PROTO]: the packets the filter drops (would drop, in monitor mode) as a
 * pcap file, through the ring buffer xr_capture_rb (bpf/drop.h).
 *
 * The packet path copies only while XR_GEN_CAPTURE is set, and this process
 * owns that flag: it sets it after writing the settings, clears it on any
 * exit it sees (COUNT reached, SIGINT/SIGTERM/SIGHUP, the reader of `-w -`
 * gone). For the exits it cannot see, SIGKILL above all, a watchdog child
 * waits on a pipe only this process holds open: the kernel closes it when
 * this process dies however it dies, and the child clears the flag. A
 * watchdog killed too (a whole cgroup) leaves the owner's PID and start
 * time, from which the next capture, status, load or reload sees the flag
 * is stale and clears it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "cmd_capture.h"
#include "cmd_confirm.h"
#include "datapath.h"
#include "pin_compat.h"
#include "pcap_file.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

__u32 xr_capture_owner(const struct xr_maps *m)
{
	struct xr_capture_cfg cfg;
	__u32 flags;

	if (xr_dp_active_flags(m, &flags) || !(flags & XR_GEN_CAPTURE) ||
	    xr_dp_capture_read(m, &cfg))
		return 0;
	return cfg.owner_pid;
}

static int owner_alive(const struct xr_capture_cfg *cfg)
{
	int running = 0;

	return cfg->owner_pid && cfg->owner_start &&
	       xr_proc_start((pid_t)cfg->owner_pid, &running) ==
		       cfg->owner_start &&
	       running;
}

int xr_capture_clear_stale(const struct xr_maps *m)
{
	struct xr_capture_cfg cfg;
	__u32 flags;
	int err;

	err = xr_dp_active_flags(m, &flags);
	if (!err && !(flags & XR_GEN_CAPTURE))
		return 0;
	if (!err)
		err = xr_dp_capture_read(m, &cfg);
	if (err)
		return err;
	if (owner_alive(&cfg))
		return 0;
	err = xr_dp_capture_end(m);
	return err ? err : 1;
}

/* --port N[-M]/tcp|udp */
static int parse_port(const char *s, struct xr_capture_range *r)
{
	unsigned int first, last;
	char proto[4];
	int n = 0;

	if (sscanf(s, "%u-%u/%3s%n", &first, &last, proto, &n) != 3 || s[n]) {
		n = 0;
		if (sscanf(s, "%u/%3s%n", &first, proto, &n) != 2 || s[n])
			return -EINVAL;
		last = first;
	}
	if (first > last || last > 65535)
		return -EINVAL;
	if (!strcmp(proto, "tcp"))
		r->proto = XR_PROTO_TCP;
	else if (!strcmp(proto, "udp"))
		r->proto = XR_PROTO_UDP;
	else
		return -EINVAL;
	r->first_port = (__u16)first;
	r->last_port = (__u16)last;
	return 0;
}

/* --rule SERVICE: the ports of the active policy's rules of that service. */
static int rule_ranges(const struct xr_opts *o, const struct xr_maps *m,
		       struct xr_capture_cfg *cfg)
{
	struct xr_rule_info *rules;
	struct xr_meta meta;
	__u32 gen, n, i;
	int err;

	err = xr_dp_active_gen(m, &gen);
	if (!err)
		err = xr_dp_read_meta(m, &meta);
	if (err)
		return err;
	n = meta.gen[gen].nrules;
	if (n > XR_RULES_PER_GEN)
		n = XR_RULES_PER_GEN;
	rules = calloc(n + 1, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	err = xr_dp_read_rules(m, gen, n, rules);
	for (i = 0; !err && i < n; i++) {
		if (strncmp(rules[i].service, o->capture_rule,
			    sizeof(rules[i].service)))
			continue;
		if (cfg->nranges == XR_CAPTURE_RANGES) {
			fprintf(stderr,
				"error: %s: rule %s has more than %d port "
				"ranges; capture with --port\n",
				o->iface, o->capture_rule, XR_CAPTURE_RANGES);
			err = -EINVAL;
			break;
		}
		cfg->ranges[cfg->nranges].proto = rules[i].proto;
		cfg->ranges[cfg->nranges].first_port = rules[i].first_port;
		cfg->ranges[cfg->nranges].last_port = rules[i].last_port;
		cfg->nranges++;
	}
	free(rules);
	if (!err && !cfg->nranges) {
		fprintf(stderr,
			"error: %s: the policy in force has no rule '%.64s' "
			"(see `xdp-reflector stats %s`)\n",
			o->iface, o->capture_rule, o->iface);
		err = -EINVAL;
	}
	return err;
}

/*
 * The watchdog: clears the flag once the pipe's write end, held by the
 * capture alone, closes. Its own session, so a signal to the capture's
 * process group leaves it running.
 */
static pid_t start_watchdog(const struct xr_opts *o, int held_lock, int *wfd)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		pid_t owner = getppid();
		struct xr_maps m;
		char c;
		int lock;

		close(fds[1]);
		/* The lock's open file is shared with the parent: this copy
		 * would hold the flock for as long as the child lives. */
		close(held_lock);
		setsid();
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		while (read(fds[0], &c, 1) < 0 && errno == EINTR)
			;
		lock = xr_dp_lock(o->pin_root);
		if (!xr_dp_open(o->pin_root, o->iface, &m)) {
			struct xr_capture_cfg cfg;

			if (!xr_dp_capture_read(&m, &cfg) &&
			    cfg.owner_pid == (__u32)owner)
				xr_dp_capture_end(&m);
			xr_dp_close(&m);
		}
		if (lock >= 0)
			close(lock);
		_exit(0);
	}
	close(fds[0]);
	*wfd = fds[1];
	return pid;
}

struct sink {
	struct xr_pcap *out;
	__u64 mono_start; /* records older than this are a former capture's */
	__u64 real_minus_mono; /* ns: CLOCK_REALTIME - CLOCK_MONOTONIC */
	long written, want;    /* want 0: until stopped */
	long stale;
};

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static int on_record(void *ctx, void *data, size_t size)
{
	const struct xr_capture_rec *rec = data;
	struct sink *s = ctx;

	if (size < offsetof(struct xr_capture_rec, data))
		return 0;
	if (rec->ts_ns < s->mono_start) {
		s->stale++;
		return 0;
	}
	xr_pcap_write(s->out, rec->ts_ns + s->real_minus_mono,
		      rec->caplen <= XR_CAPTURE_SNAP_MAX ? rec->caplen
							 : XR_CAPTURE_SNAP_MAX,
		      rec->wire_len, rec->data);
	s->written++;
	/* Enough: stop this batch here (ring_buffer__poll returns it). */
	return s->want && s->written >= s->want ? -ECANCELED : 0;
}

/* Take the lock, open the pins, clear a stale owner. */
static int open_locked(const struct xr_opts *o, struct xr_maps *m, int *lock)
{
	int err;

	*lock = xr_dp_lock(o->pin_root);
	if (*lock < 0) {
		fprintf(stderr, "error: cannot lock %s: %s\n", o->pin_root,
			strerror(-*lock));
		return *lock;
	}
	err = xr_dp_open(o->pin_root, o->iface, m);
	if (err) {
		if (err == -ENOENT)
			fprintf(stderr,
				"error: %s: xdp-reflector is not loaded here\n",
				o->iface);
		else if (err == -XR_EOTHERBUILD)
			xr_pin_compat_report(o->pin_root, o->iface);
		else
			fprintf(stderr,
				"error: %s: cannot read the pins under %s: "
				"%s\n",
				o->iface, o->pin_root, strerror(-err));
		close(*lock);
		*lock = -1;
		return err;
	}
	if (xr_capture_clear_stale(m) == 1)
		fprintf(stderr,
			"warning: %s: a capture that was killed had left drop "
			"copies on; cleared\n",
			o->iface);
	return 0;
}

int xr_cmd_capture(struct xr_opts *o)
{
	struct xr_capture_cfg cfg = {.snaplen = (__u32)o->snaplen};
	struct ring_buffer *rb = NULL;
	struct sink sink = {.want = o->capture_count};
	int err, lock = -1, wfd = -1, rc = XR_EXIT_RUNTIME, running = 0;
	char why[256];
	pid_t watchdog = -1;
	struct sigaction sa;
	struct xr_maps m;
	__u32 owner;

	if (!o->capture_file) {
		fprintf(stderr,
			"error: capture needs -w FILE (or -w - for stdout)\n");
		return XR_EXIT_USAGE;
	}
	if (o->capture_rule && o->capture_port) {
		fprintf(stderr,
			"error: capture takes --rule or --port, not both\n");
		return XR_EXIT_USAGE;
	}
	if (o->capture_port) {
		if (parse_port(o->capture_port, &cfg.ranges[0])) {
			fprintf(stderr,
				"error: --port wants PORT/PROTO or "
				"FIRST-LAST/PROTO (tcp or udp), e.g. 5432/tcp, "
				"not '%.40s'\n",
				o->capture_port);
			return XR_EXIT_USAGE;
		}
		cfg.nranges = 1;
	}
	if (!strcmp(o->capture_file, "-") && isatty(STDOUT_FILENO)) {
		fprintf(stderr,
			"error: -w - writes pcap to stdout, which is a "
			"terminal: pipe it (| tcpdump -r -) or name a file\n");
		return XR_EXIT_USAGE;
	}

	if (open_locked(o, &m, &lock))
		return XR_EXIT_RUNTIME;
	owner = xr_capture_owner(&m);
	if (owner) {
		fprintf(stderr,
			"error: %s: a capture already runs (pid %u); one at a "
			"time\n",
			o->iface, owner);
		goto out;
	}
	if (o->capture_rule) {
		err = rule_ranges(o, &m, &cfg);
		if (err) {
			rc = err == -EINVAL ? XR_EXIT_USAGE : XR_EXIT_RUNTIME;
			goto out;
		}
	}
	sink.out = xr_pcap_open(o->capture_file, (int)cfg.snaplen, why,
				sizeof(why));
	if (!sink.out) {
		fprintf(stderr, "error: cannot write %s: %s\n", o->capture_file,
			why);
		goto out;
	}
	rb = ring_buffer__new(m.capture_rb, on_record, &sink, NULL);
	if (!rb) {
		fprintf(stderr, "error: %s: cannot read the capture ring: %s\n",
			o->iface, strerror(errno));
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a gone reader shows as a write error */

	watchdog = start_watchdog(o, lock, &wfd);
	if (watchdog < 0) {
		fprintf(stderr,
			"error: cannot start the capture's watchdog: %s\n",
			strerror(errno));
		goto out;
	}
	cfg.owner_pid = (__u32)getpid();
	cfg.owner_start = xr_proc_start(getpid(), &running);
	sink.mono_start = clock_ns(CLOCK_MONOTONIC);
	sink.real_minus_mono = clock_ns(CLOCK_REALTIME) - sink.mono_start;
	err = xr_dp_capture_begin(&m, &cfg);
	if (err) {
		fprintf(stderr, "error: %s: cannot start the capture: %s\n",
			o->iface, strerror(-err));
		goto out;
	}
	close(lock);
	lock = -1;
	fprintf(stderr, "capture: %s: copying %s drops to %s%s\n", o->iface,
		cfg.nranges ? "matching" : "all",
		strcmp(o->capture_file, "-") ? o->capture_file : "stdout",
		sink.want ? "" : " until interrupted");

	rc = XR_EXIT_OK;
	while (!stop_requested && (!sink.want || sink.written < sink.want)) {
		err = ring_buffer__poll(rb, 200);
		if (err == -EINTR)
			continue;
		if (err < 0 && err != -ECANCELED) {
			fprintf(stderr,
				"error: %s: reading the capture ring: %s\n",
				o->iface, strerror(-err));
			rc = XR_EXIT_RUNTIME;
			break;
		}
		if (xr_pcap_flush(sink.out)) {
			fprintf(stderr, "error: cannot write %s: %s\n",
				o->capture_file,
				strcmp(o->capture_file, "-")
					? strerror(errno)
					: "the reader went away");
			rc = XR_EXIT_RUNTIME;
			break;
		}
	}

	lock = xr_dp_lock(o->pin_root);
	err = xr_dp_capture_end(&m);
	if (!err)
		err = xr_dp_capture_read(&m, &cfg);
	if (err)
		fprintf(stderr, "error: %s: cannot stop the capture: %s\n",
			o->iface, strerror(-err));
	else
		fprintf(stderr,
			"capture: %ld packets written to %s; %llu copies lost "
			"to a full ring\n",
			sink.written,
			strcmp(o->capture_file, "-") ? o->capture_file
						     : "stdout",
			(unsigned long long)cfg.ring_full);
out:
	if (lock >= 0)
		close(lock); /* first: the watchdog takes it */
	if (wfd >= 0)
		close(wfd); /* the watchdog wakes, finds the flag cleared, exits
			     */
	if (watchdog > 0)
		waitpid(watchdog, NULL, 0);
	ring_buffer__free(rb);
	xr_pcap_close(sink.out);
	xr_dp_close(&m);
	return rc;
}
