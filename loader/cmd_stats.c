// SPDX-License-Identifier: GPL-2.0
/*
 * stats: the counters of the pinned maps, so it works for a program loaded
 * by another process and across reloads. This file reads the pins (through
 * datapath.c) and drives the refreshes; stats.c aggregates, stats_table.c,
 * stats_json.c and stats_prom.c render.
 *
 * Output for `stats IFACE`: a table, one JSON object (--json), or the
 * Prometheus text format (--prometheus). Without IFACE, every interface
 * found under the pin root, in name order: tables one after another, a JSON
 * array of those objects (like `status --json`, each object carries its
 * "interface"), or one exposition holding every interface's series.
 * --textfile DIR writes DIR/xdp_reflector_IFACE.prom per interface and
 * prints nothing else unless --json or --prometheus is also given.
 * --watch redraws every SECONDS until SIGINT/SIGTERM (or --count refreshes):
 * with --json one document per line per refresh.
 */
#include <arpa/inet.h>
#include <sys/mman.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli.h"
#include "datapath.h"
#include "pin_compat.h"
#include "iface.h"
#include "json.h"
#include "stats.h"

/* Snapshots of every interface shown, read at one refresh. */
struct snapset {
	struct xr_stats_snap *snap;
	size_t n;
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void terminate(char *s, size_t len)
{
	s[len - 1] = '\0';
}

/*
 * The rules reloads removed since the last stats: shown once, so taken
 * out of the pins as they are read (under the lock, as a reload adds them).
 */
static int take_removed(const struct xr_opts *o, const struct xr_maps *m,
			struct xr_stats_snap *s)
{
	struct xr_meta meta;
	int lock, err;

	lock = xr_dp_lock(o->pin_root);
	if (lock < 0)
		return lock;
	err = xr_dp_read_meta(m, &meta);
	if (!err && meta.nremoved) {
		s->nremoved = meta.nremoved < XR_RULES_PER_GEN ?
				      meta.nremoved :
				      XR_RULES_PER_GEN;
		s->removed = calloc(s->nremoved, sizeof(*s->removed));
		err = s->removed ? xr_dp_read_removed(m, (__u32)s->nremoved,
						      s->removed) :
				   -ENOMEM;
		if (!err) {
			meta.nremoved = 0;
			err = xr_dp_write_meta(m, &meta);
		}
		if (err)
			s->nremoved = 0;
	}
	close(lock);
	return err;
}

/*
 * The guard and rate classes are the sums of xr_limit_stats (counted per
 * port there, kept in S for the rules' rows; monitor mode's would-drops
 * are in xr_class_stats, read already); the top limited sources come from
 * the buckets of xr_rate_src.
 */
static int read_limits(const struct xr_maps *m, struct xr_stats_snap *s)
{
	struct xr_counters *g = &s->classes[XR_CLASS_GUARD];
	struct xr_counters *rt = &s->classes[XR_CLASS_RATE];
	struct xr_limit_counters *lim = calloc(XR_STAT_KEYS, sizeof(*lim));
	const struct xr_rate_slot *slots;
	size_t len = 0, n = 0;
	__u32 tracked = 0;
	int err;
	__u32 k;

	if (!lim)
		return -ENOMEM;
	err = xr_dp_read_limit_stats(m, lim);
	for (k = 0; !err && k < XR_STAT_KEYS; k++) {
		g->drop_packets += lim[k].guard_packets;
		g->drop_bytes += lim[k].guard_bytes;
		rt->drop_packets += lim[k].rate_packets;
		rt->drop_bytes += lim[k].rate_bytes;
	}
	if (err)
		free(lim);
	else
		s->limits = lim;
	/*
	 * The table is an array of slots (bpf/rate.h), read in place: a
	 * slot may change as we read it, which at worst shows a count of
	 * the moment before.
	 */
	if (!err)
		err = xr_dp_rate_sources(m, &tracked);
	if (!err && tracked) {
		len = (size_t)tracked * sizeof(*slots);
		slots = mmap(NULL, len, PROT_READ, MAP_SHARED, m->rate_src, 0);
		if (slots == MAP_FAILED)
			err = -errno;
		else
			n = tracked;
	}
	for (size_t i = 0; !err && i < n; i++) {
		struct xr_stats_limited one = {0};
		char addr[INET6_ADDRSTRLEN];
		__u8 a16[16] = {0}, family;
		__u64 dropped = slots[i].st.dropped;
		__u32 bucket;

		xr_rate_key_read(&slots[i].key, &bucket, &family, a16);
		if (!dropped || (family != 4 && family != 6))
			continue;
		if (family == 4) {
			inet_ntop(AF_INET, a16, addr, sizeof(addr));
			snprintf(one.source, sizeof(one.source), "%s", addr);
		} else {
			inet_ntop(AF_INET6, a16, addr, sizeof(addr));
			snprintf(one.source, sizeof(one.source), "%s/64", addr);
		}
		one.proto = (__u8)(bucket >> 16);
		one.port = (__u16)bucket;
		one.dropped = dropped;
		xr_stats_add_limited(s, &one);
	}
	if (n)
		munmap((void *)slots, len);
	return err;
}

/* Read IFACE's pins into S (initialised here). Returns 0 or -errno. */
static int read_snap(const struct xr_opts *o, const char *iface,
		     struct xr_stats_snap *s)
{
	struct xr_meta meta;
	struct xr_maps m;
	__u32 gen = 0, again = 0, nrules, i, flags = 0;
	double t0;
	int err, tries;

	memset(s, 0, sizeof(*s));
	err = xr_dp_open(o->pin_root, iface, &m);
	if (err)
		return err;
	/*
	 * A reload writes the inactive generation, then flips: if the flip
	 * happens while the rules are read, read them again.
	 */
	for (tries = 0; tries < 3; tries++) {
		err = xr_dp_active_gen(&m, &gen);
		if (!err)
			err = xr_dp_read_meta(&m, &meta);
		if (err)
			goto out;
		nrules = meta.gen[gen].nrules;
		if (nrules > XR_RULES_PER_GEN)
			nrules = XR_RULES_PER_GEN;
		xr_stats_snap_free(s);
		err = xr_stats_snap_init(s, nrules);
		if (!err)
			err = xr_dp_read_rules(&m, gen, nrules, s->rules);
		if (!err) {
			s->ledger = calloc(nrules + 1, sizeof(*s->ledger));
			err = s->ledger ? xr_dp_read_rule_stats(&m, gen, nrules,
								s->ledger) :
					  -ENOMEM;
		}
		if (!err)
			err = xr_dp_active_flags(&m, &flags);
		if (!err)
			err = xr_dp_active_gen(&m, &again);
		if (err)
			goto out;
		if (again == gen)
			break;
	}
	s->policy = meta.gen[gen];
	s->policy.nrules = nrules;
	s->monitor = !!(flags & XR_GEN_MONITOR);
	s->counters_since = meta.counters_since;
	err = take_removed(o, &m, s);
	if (err)
		goto out;
	terminate(s->policy.profile, sizeof(s->policy.profile));
	terminate(s->policy.features, sizeof(s->policy.features));
	for (i = 0; i < nrules; i++) {
		terminate(s->rules[i].service, sizeof(s->rules[i].service));
		terminate(s->rules[i].feature, sizeof(s->rules[i].feature));
	}
	snprintf(s->iface, sizeof(s->iface), "%s", iface);

	t0 = mono_now();
	err = xr_dp_read_port_stats(&m, s->ports);
	if (!err)
		err = xr_dp_read_class_stats(&m, s->classes);
	if (!err)
		err = read_limits(&m, s);
	s->mono = mono_now();
	if (o->verbose && !err)
		fprintf(stderr, "stats: %s: counters read in %.1f ms\n", iface,
			(s->mono - t0) * 1e3);
out:
	xr_dp_close(&m);
	if (err)
		xr_stats_snap_free(s);
	return err;
}

static void snapset_free(struct snapset *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		xr_stats_snap_free(&set->snap[i]);
	free(set->snap);
	set->snap = NULL;
	set->n = 0;
}

static void report_read_error(const struct xr_opts *o, const char *iface,
			      int err)
{
	if (err == -ENOENT)
		fprintf(stderr,
			"error: %s: xdp-reflector is not loaded (no pins under "
			"%s/%s)\n",
			iface, o->pin_root, iface);
	else if (err == -XR_EOTHERBUILD)
		xr_pin_compat_report(o->pin_root, iface);
	else
		fprintf(stderr, "error: %s: cannot read the counters: %s\n",
			iface, strerror(-err));
}

static int dir_filter(const struct dirent *de)
{
	return !xr_iface_name_rule(de->d_name);
}

/*
 * Read o->iface, or every interface under the pin root (those that fail to
 * read are not loaded: skipped, as status does). Returns 0 or -errno,
 * reported.
 */
static int collect(const struct xr_opts *o, struct snapset *set)
{
	struct dirent **names = NULL;
	int i, n, err = 0;

	set->n = 0;
	if (o->iface) {
		set->snap = calloc(1, sizeof(*set->snap));
		if (!set->snap)
			return -ENOMEM;
		err = read_snap(o, o->iface, &set->snap[0]);
		if (err) {
			report_read_error(o, o->iface, err);
			return err;
		}
		set->n = 1;
		return 0;
	}
	n = scandir(o->pin_root, &names, dir_filter, alphasort);
	if (n < 0)
		return 0; /* no pin root: loaded nowhere */
	set->snap = calloc(n ? (size_t)n : 1, sizeof(*set->snap));
	if (!set->snap)
		err = -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!err && !read_snap(o, names[i]->d_name, &set->snap[set->n]))
			set->n++;
		free(names[i]);
	}
	free(names);
	if (err)
		fprintf(stderr, "error: stats: %s\n", strerror(-err));
	return err;
}

static const struct xr_stats_snap *find_prev(const struct snapset *prev,
					     const char *iface)
{
	size_t i;

	for (i = 0; prev && i < prev->n; i++)
		if (!strcmp(prev->snap[i].iface, iface))
			return &prev->snap[i];
	return NULL;
}

/* Write, print or draw one refresh. Returns an exit code. */
static int render(const struct xr_opts *o, const struct xr_stats_opts *so,
		  const struct snapset *cur, const struct snapset *prev,
		  int refresh)
{
	struct xr_stats_report *r;
	int rc = XR_EXIT_OK, err;
	char path[4096];
	struct json j;
	size_t i, built = 0;

	r = calloc(cur->n ? cur->n : 1, sizeof(*r));
	if (!r) {
		fprintf(stderr, "error: stats: %s\n", strerror(ENOMEM));
		return XR_EXIT_RUNTIME;
	}
	for (; built < cur->n; built++) {
		const struct xr_stats_snap *s = &cur->snap[built];

		err = xr_stats_report_build(s, find_prev(prev, s->iface), so,
					    &r[built]);
		if (err) {
			fprintf(stderr, "error: %s: %s\n", s->iface,
				strerror(-err));
			rc = XR_EXIT_RUNTIME;
			goto out;
		}
	}

	for (i = 0; o->textfile_dir && i < cur->n; i++) {
		err = xr_stats_write_textfile(o->textfile_dir, &r[i]);
		if (err) {
			xr_stats_textfile_path(o->textfile_dir,
					       cur->snap[i].iface, path,
					       sizeof(path));
			fprintf(stderr, "error: %s: cannot write %s: %s\n",
				cur->snap[i].iface, path, strerror(-err));
			rc = XR_EXIT_RUNTIME;
		}
	}

	if (o->prometheus) {
		xr_stats_print_prometheus(stdout, r, cur->n);
	} else if (o->json) {
		json_init(&j, stdout);
		if (!o->iface)
			json_array_start(&j, NULL);
		for (i = 0; i < cur->n; i++)
			xr_stats_print_json(&j, &r[i], so);
		if (!o->iface)
			json_array_end(&j);
		json_finish(&j);
	} else if (!o->textfile_dir) {
		if (o->watch_secs > 0 && isatty(STDOUT_FILENO))
			fputs("\033[H\033[2J", stdout);
		else if (refresh > 1)
			fputc('\n', stdout);
		for (i = 0; i < cur->n; i++) {
			if (i)
				fputc('\n', stdout);
			xr_stats_print_table(stdout, &r[i], so);
		}
		if (!cur->n)
			printf("(xdp-reflector is not loaded on any "
			       "interface)\n");
	}
	if (fflush(stdout)) {
		fprintf(stderr, "error: stats: cannot write the output: %s\n",
			strerror(errno));
		rc = XR_EXIT_RUNTIME;
	}
out:
	for (i = 0; i < built; i++)
		xr_stats_report_free(&r[i]);
	free(r);
	return rc;
}

/* Sleep until DEADLINE (monotonic seconds); false when asked to stop. */
static bool sleep_until(double deadline)
{
	struct timespec ts;

	ts.tv_sec = (time_t)deadline;
	ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
	while (!stop_requested) {
		int err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					  NULL);

		if (!err)
			return !stop_requested;
		if (err != EINTR)
			return false;
	}
	return false;
}

/* stats --reset: every counter of IFACE (or of every interface) to zero. */
static int reset(const struct xr_opts *o)
{
	struct dirent **names = NULL;
	const char *one[1] = { o->iface };
	int i, n, lock, err, rc = XR_EXIT_OK;
	struct xr_maps m;

	n = 1;
	if (!o->iface) {
		n = scandir(o->pin_root, &names, dir_filter, alphasort);
		if (n < 0)
			n = 0;
	}
	for (i = 0; i < n; i++) {
		const char *iface = o->iface ? one[0] : names[i]->d_name;

		lock = xr_dp_lock(o->pin_root);
		err = lock < 0 ? lock : xr_dp_open(o->pin_root, iface, &m);
		if (!err) {
			err = xr_dp_reset_counters(&m);
			xr_dp_close(&m);
		}
		if (lock >= 0)
			close(lock);
		if (!err)
			printf("%s: counters reset\n", iface);
		else if (o->iface || err != -ENOENT) {
			report_read_error(o, iface, err);
			rc = XR_EXIT_RUNTIME;
		}
		if (names)
			free(names[i]);
	}
	free(names);
	return rc;
}

int xr_cmd_stats(struct xr_opts *o)
{
	struct xr_stats_opts so = {.top = o->top, .ports = o->ports};
	struct snapset sets[2] = {{NULL, 0}, {NULL, 0}};
	struct snapset *cur = &sets[0], *prev = NULL;
	struct sigaction sa;
	int rc = XR_EXIT_OK, refresh, err;
	double started;
	char path[4096];

	if (o->reset)
		return reset(o);
	if (o->watch_secs > 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_stop;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	for (refresh = 1;; refresh++) {
		started = mono_now();
		err = collect(o, cur);
		if (err) {
			/* Counters of a filter that is gone must not linger. */
			if (err == -ENOENT && o->textfile_dir && o->iface &&
			    !xr_stats_textfile_path(o->textfile_dir, o->iface,
						    path, sizeof(path)))
				unlink(path);
			rc = XR_EXIT_RUNTIME;
			break;
		}
		rc = render(o, &so, cur, prev, refresh);
		if (rc || o->watch_secs <= 0 ||
		    (o->watch_count && refresh >= o->watch_count) ||
		    !sleep_until(started + o->watch_secs))
			break;
		/* The snapshot just shown is the base of the next rates. */
		if (prev)
			snapset_free(prev);
		prev = cur;
		cur = cur == &sets[0] ? &sets[1] : &sets[0];
	}
	snapset_free(&sets[0]);
	snapset_free(&sets[1]);
	return rc;
}
