// SPDX-License-Identifier: GPL-2.0
/*
 * stats as a table for people: rules (or ports), classes, top dropped, in
 * narrow human units.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "stats.h"

/* ---- human units */

/* Three significant figures: 1.23, 12.3, 123. */
static void sig3(double v, const char *unit, char *buf, size_t len)
{
	if (v < 9.995)
		snprintf(buf, len, "%.2f%s", v, unit);
	else if (v < 99.95)
		snprintf(buf, len, "%.1f%s", v, unit);
	else
		snprintf(buf, len, "%.0f%s", v, unit);
}

static char *human(double v, double base, const char *const *units,
		   size_t nunits, const char *plain, char *buf, size_t len)
{
	size_t u = 0;

	if (!isfinite(v) || v < 0)
		v = 0;
	if (v < 999.5 && v < base) {
		/* Counts are integers: print them as such. */
		if (v == floor(v))
			snprintf(buf, len, "%.0f%s", v, plain);
		else
			sig3(v, plain, buf, len);
		return buf;
	}
	/* Step up while the value would print with four digits. */
	while (u + 1 < nunits && v >= 999.5) {
		v /= base;
		u++;
	}
	sig3(v, units[u], buf, len);
	return buf;
}

char *xr_stats_human_count(double v, char *buf, size_t len)
{
	static const char *const si[] = {"", "K", "M", "G", "T", "P", "E"};

	return human(v, 1000, si, sizeof(si) / sizeof(si[0]), "", buf, len);
}

char *xr_stats_human_bytes(double v, char *buf, size_t len)
{
	static const char *const iec[] = {"B",	 "KiB", "MiB", "GiB",
					  "TiB", "PiB", "EiB"};

	return human(v, 1024, iec, sizeof(iec) / sizeof(iec[0]), "B", buf, len);
}

/* ---- table */

#define SERVICE_MIN 13 /* "(other ports)" */
#define SERVICE_MAX 32

static void iso_time(__u64 t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm)) {
		snprintf(buf, len, "-");
		return;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The counter columns; PASS with the passed half, DROP with the dropped. */
/* Would-drop columns: shown in monitor mode or once any was counted. */
static bool show_would;

static void cells_head(FILE *f, bool pass, bool drop, bool rates)
{
	if (pass)
		fprintf(f, " %9s %10s", "PASS PKTS", "PASS BYTES");
	if (drop)
		fprintf(f, " %9s %10s", "DROP PKTS", "DROP BYTES");
	if (drop && show_would)
		fprintf(f, " %9s %10s", "WOULD PKT", "WOULD BYTE");
	if (rates && pass)
		fprintf(f, " %10s %10s", "PASS PKT/S", "PASS BIT/S");
	if (rates && drop)
		fprintf(f, " %10s %10s", "DROP PKT/S", "DROP BIT/S");
	fputc('\n', f);
}

static void cells(FILE *f, const struct xr_stats_row *row, double interval,
		  bool pass, bool drop)
{
	char a[16], b[16];
	struct xr_rate rt;

	if (pass)
		fprintf(f, " %9s %10s",
			xr_stats_human_count((double)row->total.pass_packets, a,
					     sizeof(a)),
			xr_stats_human_bytes((double)row->total.pass_bytes, b,
					     sizeof(b)));
	if (drop)
		fprintf(f, " %9s %10s",
			xr_stats_human_count((double)row->total.drop_packets, a,
					     sizeof(a)),
			xr_stats_human_bytes((double)row->total.drop_bytes, b,
					     sizeof(b)));
	if (drop && show_would)
		fprintf(f, " %9s %10s",
			xr_stats_human_count(
				(double)row->total.would_drop_packets, a,
				sizeof(a)),
			xr_stats_human_bytes(
				(double)row->total.would_drop_bytes, b,
				sizeof(b)));
	if (interval > 0) {
		xr_stats_rate(&row->delta, interval, &rt);
		if (pass)
			fprintf(f, " %10s %10s",
				xr_stats_human_count(rt.pass_pps, a, sizeof(a)),
				xr_stats_human_count(rt.pass_bps, b,
						     sizeof(b)));
		if (drop)
			fprintf(f, " %10s %10s",
				xr_stats_human_count(rt.drop_pps, a, sizeof(a)),
				xr_stats_human_count(rt.drop_bps, b,
						     sizeof(b)));
	}
	fputc('\n', f);
}

static int service_width(const struct xr_stats_row *rows, size_t n, int w)
{
	size_t i, l;

	for (i = 0; i < n; i++) {
		l = strlen(rows[i].service);
		if ((int)l > w)
			w = (int)l;
	}
	return w > SERVICE_MAX ? SERVICE_MAX : w;
}

static void port_row(FILE *f, const struct xr_stats_row *row, int w,
		     const char *service, double interval)
{
	char ports[16];

	fprintf(f, "%-*.*s %-5s %-11s", w, w, service[0] ? service : "-",
		xr_stats_proto_name(row->proto),
		xr_stats_port_label(row->first_port, row->last_port, ports,
				    sizeof(ports)));
	cells(f, row, interval, true, true);
}

/*
 * When each rule began to count (and a removed one stopped), below its
 * table; rules counting since SKIP (the counters' own start) go unsaid.
 */
static void since_rows(FILE *f, const struct xr_stats_row *rows, size_t n,
		       int w, const char *what, __u64 skip)
{
	char from[32], to[32], ports[16];
	size_t i;

	for (i = 0; i < n; i++) {
		if (rows[i].since == skip)
			continue;
		iso_time(rows[i].since, from, sizeof(from));
		iso_time(rows[i].removed_at, to, sizeof(to));
		fprintf(f, "  %-*.*s %-5s %-11s %s %s%s%s\n", w, w,
			rows[i].service[0] ? rows[i].service : "-",
			xr_stats_proto_name(rows[i].proto),
			xr_stats_port_label(rows[i].first_port,
					    rows[i].last_port, ports,
					    sizeof(ports)),
			what, from, rows[i].removed_at ? " to " : "",
			rows[i].removed_at ? to : "");
	}
}

/*
 * The rules whose guard or rate limit dropped packets: an allowed port's
 * drops that are not in its DROPPED column (the profile allows the port;
 * the limit dropped the packet).
 */
static void limited_rows(FILE *f, const struct xr_stats_report *r, int w)
{
	char ports[16];
	bool head = false;
	size_t i;

	for (i = 0; i < r->nrules; i++) {
		const struct xr_stats_row *row = &r->rules[i];
		const struct xr_limit_counters *l = &row->limited;

		if (!l->guard_packets && !l->rate_packets)
			continue;
		if (!head)
			fprintf(f, "\n%-*s %-5s %-11s %12s %12s\n", w,
				"DROPPED BY A LIMIT", "PROTO", "PORTS", "GUARD",
				"RATE");
		head = true;
		fprintf(f, "%-*s %-5s %-11s %12llu %12llu\n", w, row->service,
			xr_stats_proto_name(row->proto),
			xr_stats_port_label(row->first_port, row->last_port,
					    ports, sizeof(ports)),
			(unsigned long long)l->guard_packets,
			(unsigned long long)l->rate_packets);
	}
}

void xr_stats_print_table(FILE *f, const struct xr_stats_report *r,
			  const struct xr_stats_opts *o)
{
	const struct xr_meta_policy *mp = &r->snap->policy;
	const struct xr_stats_row *rows = o->ports ? r->ports : r->rules;
	size_t nrows = o->ports ? r->nports : r->nrules;
	bool rates = r->interval > 0;
	char when[32], ports[16];
	int w;
	size_t i;

	show_would = r->would_drop;
	iso_time(mp->loaded_at, when, sizeof(when));
	fprintf(f, "%s: profile %s, digest %016llx, %u rules, loaded %s, mode %s",
		r->snap->iface, mp->profile[0] ? mp->profile : "-",
		(unsigned long long)mp->digest, mp->nrules, when,
		r->snap->monitor ? "monitor (nothing is dropped)" : "enforce");
	iso_time(r->snap->counters_since, when, sizeof(when));
	fprintf(f, "\ncounters since %s", when);
	if (rates)
		fprintf(f, ", rates over %.1f s", r->interval);
	fputs("\n\n", f);

	w = service_width(rows, nrows, SERVICE_MIN);
	fprintf(f, "%-*s %-5s %-11s", w, "SERVICE", "PROTO",
		o->ports ? "PORT" : "PORTS");
	cells_head(f, true, true, rates);
	for (i = 0; i < nrows; i++)
		port_row(f, &rows[i], w, rows[i].service, r->interval);
	if (o->ports && !nrows)
		fprintf(f, "(no port has seen traffic)\n");
	if (!o->ports)
		since_rows(f, r->rules, r->nrules, w, "counting since",
			   r->snap->counters_since);
	if (r->nremoved) {
		fprintf(f, "\n%-*s %-5s %-11s", w, "REMOVED RULE", "PROTO",
			"PORTS");
		cells_head(f, true, true, false);
		for (i = 0; i < r->nremoved; i++)
			port_row(f, &r->removed[i], w, r->removed[i].service,
				 0);
		since_rows(f, r->removed, r->nremoved, w, "counted from", 0);
	}
	if (!o->ports)
		for (i = 0; i < XR_PROTOS; i++) {
			fprintf(f, "%-*s %-5s %-11s", w, "(other ports)",
				xr_stats_proto_name(r->other[i].proto), "-");
			cells(f, &r->other[i], r->interval, true, true);
		}

	fprintf(f, "\n%-*s %-5s %-11s", w, "CLASS", "", "");
	cells_head(f, true, true, rates);
	for (i = 0; i < XR_CLASS_MAX; i++) {
		fprintf(f, "%-*s %-5s %-11s", w, r->classes[i].service, "", "");
		cells(f, &r->classes[i], r->interval, true, true);
	}

	limited_rows(f, r, w);

	if (r->snap->nlimited) {
		fprintf(f, "\n%-*s %-5s %-11s %12s\n", w, "TOP RATE-LIMITED SOURCES",
			"PROTO", "PORT", "DROPPED");
		for (i = 0; i < r->snap->nlimited; i++) {
			const struct xr_stats_limited *l = &r->snap->limited[i];

			fprintf(f, "%-*s %-5s %-11u %12llu\n", w, l->source,
				xr_stats_proto_name(l->proto), l->port,
				(unsigned long long)l->dropped);
		}
	}

	if (o->top <= 0)
		return;
	fprintf(f, "\n%-*s %-5s %-11s", w, "TOP DROPPED", "PROTO", "PORT");
	cells_head(f, false, true, rates);
	for (i = 0; i < r->ntop; i++) {
		const struct xr_stats_row *t = &r->top[i];

		fprintf(f, "%-*.*s %-5s %-11s", w, w,
			t->service[0] ? t->service : "-",
			xr_stats_proto_name(t->proto),
			xr_stats_port_label(t->first_port, t->last_port, ports,
					    sizeof(ports)));
		cells(f, t, r->interval, false, true);
	}
	if (!r->ntop)
		fprintf(f, "(no port has seen drops)\n");
}
