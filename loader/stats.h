/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure half of `stats` (no libbpf, unit-tested natively): a snapshot of
 * one interface's counters as cmd_stats.c reads them from the pins, the
 * figures aggregated from it (stats.c: per rule, per port, per class, top
 * dropped ports, rates between two snapshots), and their rendering as a
 * table (stats_table.c), JSON (stats_json.c) or the Prometheus text format
 * (stats_prom.c).
 */
#ifndef XR_STATS_H
#define XR_STATS_H

#include <netinet/in.h> /* INET6_ADDRSTRLEN */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "xdp_reflector.h"
#include "json.h"

#define XR_IFACE_LEN 16 /* IF_NAMESIZE */

/* A source a rate limit dropped packets of (xr_rate_src), for the top list. */
#define XR_STATS_LIMITED_MAX 10
struct xr_stats_limited {
	char source[INET6_ADDRSTRLEN + 4]; /* "192.0.2.7" or "2001:db8:1:2::/64" */
	__u8 proto;	 /* XR_PROTO_* of the entry */
	__u16 port;	 /* the entry's first port */
	__u64 dropped;
};

/* One interface's counters at one moment, as read from its pins. */
struct xr_stats_snap {
	char iface[XR_IFACE_LEN];
	struct xr_meta_policy policy; /* the active generation's */
	struct xr_rule_info *rules;   /* policy.nrules rows, owned */
	struct xr_counters classes[XR_CLASS_MAX];
	struct xr_counters *ports; /* XR_STAT_KEYS slots, owned */
	/* The sources the rate limits dropped most, most first. */
	struct xr_stats_limited limited[XR_STATS_LIMITED_MAX];
	size_t nlimited;
	double mono;		   /* CLOCK_MONOTONIC seconds when read */
	bool monitor;		   /* the active generation's mode */
	__u64 counters_since; /* unix seconds: ports and classes count since */
	struct xr_rule_stats *ledger; /* policy.nrules rows, owned; NULL: none */
	struct xr_rule_stats *removed; /* rules a reload removed, owned */
	size_t nremoved;
	/*
	 * Guard and rate drops per port (xr_limit_stats: XR_STAT_KEYS slots,
	 * since the load), owned; NULL: not read.
	 */
	struct xr_limit_counters *limits;
};

/* Allocate the port slots (4 MiB) and NRULES rule rows; zeroed. */
int xr_stats_snap_init(struct xr_stats_snap *s, size_t nrules);
void xr_stats_snap_free(struct xr_stats_snap *s);

/* What a report holds besides rules and classes. */
struct xr_stats_opts {
	int top;    /* dropped ports to rank; 0: none */
	bool ports; /* one row per port with traffic */
};

/*
 * One row of figures: a rule (a port range), a single port, or the ports
 * no rule covers (service "", ports 0-65535). DELTA is the change since the
 * previous snapshot; meaningful only when the report has an interval.
 */
struct xr_stats_row {
	const char *service; /* points into the snapshot's rules, or "" */
	const char *feature;
	__u8 proto; /* XR_PROTO_* */
	__u16 first_port;
	__u16 last_port;
	struct xr_counters total;
	struct xr_counters delta;
	__u64 since; /* unix seconds: when total began */
	__u64 removed_at; /* removed rules: when a reload removed it */
	/*
	 * Dropped by the WebRTC guard or a rate limit of its ports, since
	 * the load (not in TOTAL's drops: the port allows these packets).
	 */
	struct xr_limit_counters limited;
};

struct xr_stats_report {
	const struct xr_stats_snap *snap; /* header fields: iface, policy */
	double interval; /* seconds since the previous snapshot; 0: no rates */
	struct xr_stats_row *rules; /* one per rule, in the profile's order */
	size_t nrules;
	struct xr_stats_row other[XR_PROTOS]; /* ports no rule covers */
	struct xr_stats_row classes[XR_CLASS_MAX];
	struct xr_stats_row *top; /* most dropped ports, most first */
	size_t ntop;
	struct xr_stats_row
		*ports; /* ports with traffic, by protocol and port */
	size_t nports;
	struct xr_stats_row *removed; /* rules removed since the last stats */
	size_t nremoved;
	bool would_drop; /* monitor mode, or would-drops counted: show them */
};

/*
 * Aggregate CUR (and the change since PREV, if not NULL and of the same
 * interface) into R, which points into CUR: keep CUR alive while R is used.
 * Returns 0 or -ENOMEM.
 */
int xr_stats_report_build(const struct xr_stats_snap *cur,
			  const struct xr_stats_snap *prev,
			  const struct xr_stats_opts *o,
			  struct xr_stats_report *r);
void xr_stats_report_free(struct xr_stats_report *r);

/*
 * Keep LIM in S's top list (most dropped first, at most
 * XR_STATS_LIMITED_MAX; ties: the earlier stays).
 */
void xr_stats_add_limited(struct xr_stats_snap *s,
			  const struct xr_stats_limited *lim);

/* ---- building blocks, exported for the unit tests */

void xr_stats_limits_add(struct xr_limit_counters *acc,
			 const struct xr_limit_counters *c);

void xr_stats_counters_add(struct xr_counters *acc,
			   const struct xr_counters *c);
/* NOW - THEN per slot; a slot that went backwards was reset (the maps were
 * recreated by a detach and load): its change is NOW itself. */
void xr_stats_counters_delta(const struct xr_counters *then,
			     const struct xr_counters *now,
			     struct xr_counters *out);
/* Sum of PORTS (XR_STAT_KEYS slots) over PROTO's ports FIRST..LAST. */
void xr_stats_sum_range(const struct xr_counters *ports, unsigned int proto,
			unsigned int first, unsigned int last,
			struct xr_counters *out);
/*
 * The N ports with the most dropped packets (ties: more bytes, then lower
 * protocol and port first), written to OUT (N rows); only ports with drops.
 * Returns how many were written. One pass with a bounded heap.
 */
size_t xr_stats_top_dropped(const struct xr_counters *ports, size_t n,
			    struct xr_stats_row *out);

/* Rates from a change over SECS seconds. */
struct xr_rate {
	double pass_pps, pass_bps; /* packets/s, bits/s */
	double drop_pps, drop_bps;
};
void xr_stats_rate(const struct xr_counters *delta, double secs,
		   struct xr_rate *out);

/*
 * Human units: counts and rates in SI (999, 1.2K, 3.4M, 5.6G, 7.8T), bytes
 * in IEC (512B, 1.5KiB, 2.0MiB, 3.0GiB, 4.0TiB). Three significant figures
 * at most, so columns stay narrow. Return BUF.
 */
char *xr_stats_human_count(double v, char *buf, size_t len);
char *xr_stats_human_bytes(double v, char *buf, size_t len);

const char *xr_stats_proto_name(unsigned int proto); /* "tcp", "udp" */
const char *
xr_stats_class_key(unsigned int cls); /* "non_ip", ... (JSON, Prometheus) */
const char *xr_stats_class_title(unsigned int cls); /* "non-IP", ... (table) */
/* "443" or "44200-44300". Returns BUF. */
char *xr_stats_port_label(unsigned int first, unsigned int last, char *buf,
			  size_t len);

/* ---- rendering */

/* Tables for one interface: rules (or ports), classes, top dropped. */
void xr_stats_print_table(FILE *f, const struct xr_stats_report *r,
			  const struct xr_stats_opts *o);
/* One JSON object for one interface (see stats_json.c for the keys). */
void xr_stats_print_json(struct json *j, const struct xr_stats_report *r,
			 const struct xr_stats_opts *o);
/*
 * The Prometheus text exposition format for N interfaces: each metric
 * family once (HELP, TYPE, then every interface's series).
 */
void xr_stats_print_prometheus(FILE *f, const struct xr_stats_report *r,
			       size_t n);
/* Write a Prometheus label value with \, " and newline escaped. */
void xr_stats_prom_escape(FILE *f, const char *v);

/* DIR/xdp_reflector_IFACE.prom. Returns 0 or -ENAMETOOLONG. */
int xr_stats_textfile_path(const char *dir, const char *iface, char *buf,
			   size_t len);
/*
 * Write R's Prometheus text to DIR/xdp_reflector_IFACE.prom for
 * node_exporter's textfile collector, atomically (temp file in DIR, fsync,
 * rename). Returns 0 or -errno; prints nothing.
 */
int xr_stats_write_textfile(const char *dir, const struct xr_stats_report *r);

#endif /* XR_STATS_H */
