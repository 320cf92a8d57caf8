// SPDX-License-Identifier: GPL-2.0
/*
 * stats in the Prometheus text format (`stats --prometheus`), and as a file
 * for node_exporter's textfile collector (`stats --textfile DIR`).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_replace.h"
#include "stats.h"

/* ---- Prometheus */

/*
 * Series per interface, all bounded by the profile and --top, never by the
 * traffic (no per-port series: a scan would make 131072 of them):
 *   xdp_reflector_packets_total / _bytes_total        counter
 *       {interface,service,protocol,port,verdict}
 *       3 per rule (pass, drop, would_drop) + 3 per protocol for the
 *       ports no rule covers (service="", port="other")
 *   xdp_reflector_class_packets_total / _bytes_total  counter
 *       {interface,class,verdict}: 7 classes x 3
 *   xdp_reflector_limited_packets_total / _bytes_total counter
 *       {interface,service,protocol,port,reason}: 2 per rule (reason
 *       "guard", "rate"): what the rule's WebRTC guard or rate limit
 *       dropped since the load (not in the rule's verdict="drop")
 *   xdp_reflector_top_limited_source_dropped_packets  gauge
 *       {interface,source,protocol,port}: at most 10 sources (an IPv6
 *       /64 as "2001:db8::/64") a rate limit dropped most
 *   xdp_reflector_top_dropped_packets / _bytes        gauge
 *       {interface,protocol,port}: at most --top (default 10). A gauge:
 *       which ports are in the top changes from scrape to scrape.
 *   xdp_reflector_policy_info{interface,profile,digest,mode} 1      gauge
 *   xdp_reflector_counters_since_timestamp_seconds{interface}       gauge
 *   xdp_reflector_policy_loaded_timestamp_seconds{interface}        gauge
 * A rule's counter follows the rule (service, protocol, ports) across
 * reloads (ledger.h); a rule whose range or name changes is a new series.
 */
void xr_stats_prom_escape(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"')
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void prom_head(FILE *f, const char *name, const char *type,
		      const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* NAME{interface="IFACE" and the rest of the label set opens here. */
static void prom_open(FILE *f, const char *name,
		      const struct xr_stats_report *r)
{
	fprintf(f, "%s{interface=\"", name);
	xr_stats_prom_escape(f, r->snap->iface);
	fputc('"', f);
}

static void prom_label(FILE *f, const char *key, const char *v)
{
	fprintf(f, ",%s=\"", key);
	xr_stats_prom_escape(f, v);
	fputc('"', f);
}

/* Verdict V: 0 pass, 1 drop, 2 would_drop (monitor mode). */
static const char *const verdicts[] = { "pass", "drop", "would_drop" };

static unsigned long long counter_of(const struct xr_counters *c, bool bytes,
				     int v)
{
	if (v == 2)
		return bytes ? c->would_drop_bytes : c->would_drop_packets;
	if (v == 1)
		return bytes ? c->drop_bytes : c->drop_packets;
	return bytes ? c->pass_bytes : c->pass_packets;
}

static bool same_labels(const struct xr_stats_row *a,
			const struct xr_stats_row *b)
{
	return a->proto == b->proto && a->first_port == b->first_port &&
	       a->last_port == b->last_port && !strcmp(a->service, b->service);
}

/* A rule whose labels an earlier rule already used (its figures are equal). */
static bool duplicate_rule(const struct xr_stats_report *r, size_t i)
{
	size_t k;

	for (k = 0; k < i; k++)
		if (same_labels(&r->rules[k], &r->rules[i]))
			return true;
	return false;
}

static void prom_port_series(FILE *f, const char *name,
			     const struct xr_stats_report *r,
			     const struct xr_stats_row *row, const char *port,
			     bool bytes)
{
	int v;

	for (v = 0; v < 3; v++) {
		prom_open(f, name, r);
		prom_label(f, "service", row->service);
		prom_label(f, "protocol", xr_stats_proto_name(row->proto));
		prom_label(f, "port", port);
		prom_label(f, "verdict", verdicts[v]);
		fprintf(f, "} %llu\n", counter_of(&row->total, bytes, v));
	}
}

/* A family that comes as a packets and a bytes twin. */
struct prom_twin {
	const char *name[2]; /* packets, bytes */
	const char *type;
	const char *help[2];
};

/* The HELP and TYPE of TWIN's packets or BYTES family; returns its name. */
static const char *prom_twin_head(FILE *f, const struct prom_twin *twin,
				  bool bytes)
{
	prom_head(f, twin->name[bytes], twin->type, twin->help[bytes]);
	return twin->name[bytes];
}

static const struct prom_twin ports_twin = {
	{"xdp_reflector_packets_total", "xdp_reflector_bytes_total"},
	"counter",
	{"Packets to the ports of each rule, and to the ports no rule covers "
	 "(port=\"other\"), by verdict.",
	 "Bytes (Ethernet frames) to the ports of each rule, and to the ports "
	 "no rule covers (port=\"other\"), by verdict."},
};

static const struct prom_twin classes_twin = {
	{"xdp_reflector_class_packets_total",
	 "xdp_reflector_class_bytes_total"},
	"counter",
	{"Packets not judged by a port, by class and verdict.",
	 "Bytes (Ethernet frames) of packets not judged by a port, by class "
	 "and "
	 "verdict."},
};

static const struct prom_twin top_twin = {
	{"xdp_reflector_top_dropped_packets",
	 "xdp_reflector_top_dropped_bytes"},
	"gauge",
	{"Dropped packets of the most dropped destination ports since load (a "
	 "bounded, changing set).",
	 "Dropped bytes of the most dropped destination ports since load (a "
	 "bounded, changing set)."},
};

static void prom_ports(FILE *f, const struct xr_stats_report *r, size_t n,
		       bool bytes)
{
	const char *name = prom_twin_head(f, &ports_twin, bytes);
	char port[16];
	size_t k, i;

	for (k = 0; k < n; k++) {
		for (i = 0; i < r[k].nrules; i++) {
			const struct xr_stats_row *row = &r[k].rules[i];

			if (duplicate_rule(&r[k], i))
				continue;
			xr_stats_port_label(row->first_port, row->last_port,
					    port, sizeof(port));
			prom_port_series(f, name, &r[k], row, port, bytes);
		}
		for (i = 0; i < XR_PROTOS; i++)
			prom_port_series(f, name, &r[k], &r[k].other[i],
					 "other", bytes);
	}
}

static void prom_classes(FILE *f, const struct xr_stats_report *r, size_t n,
			 bool bytes)
{
	const char *name = prom_twin_head(f, &classes_twin, bytes);
	size_t k, i;
	int v;

	for (k = 0; k < n; k++)
		for (i = 0; i < XR_CLASS_MAX; i++) {
			const struct xr_counters *c = &r[k].classes[i].total;

			for (v = 0; v < 3; v++) {
				prom_open(f, name, &r[k]);
				prom_label(f, "class",
					   xr_stats_class_key((unsigned int)i));
				prom_label(f, "verdict", verdicts[v]);
				fprintf(f, "} %llu\n", counter_of(c, bytes, v));
			}
		}
}

static const struct prom_twin limited_twin = {
	{"xdp_reflector_limited_packets_total",
	 "xdp_reflector_limited_bytes_total"},
	"counter",
	{"Packets to the allowed ports of each rule that its WebRTC guard or "
	 "rate limit dropped, since the load, by reason (not in "
	 "verdict=\"drop\").",
	 "Bytes (Ethernet frames) to the allowed ports of each rule that its "
	 "WebRTC guard or rate limit dropped, since the load, by reason."},
};

/* REASON: 0 guard, 1 rate. */
static unsigned long long limited_of(const struct xr_limit_counters *l,
				     int reason, bool bytes)
{
	if (reason)
		return bytes ? l->rate_bytes : l->rate_packets;
	return bytes ? l->guard_bytes : l->guard_packets;
}

static void prom_limited(FILE *f, const struct xr_stats_report *r, size_t n,
			 bool bytes)
{
	const char *name = prom_twin_head(f, &limited_twin, bytes);
	char port[16];
	size_t k, i;

	for (k = 0; k < n; k++)
		for (i = 0; i < r[k].nrules; i++) {
			const struct xr_stats_row *row = &r[k].rules[i];
			const struct xr_limit_counters *l = &row->limited;
			int reason;

			if (duplicate_rule(&r[k], i))
				continue;
			xr_stats_port_label(row->first_port, row->last_port,
					    port, sizeof(port));
			for (reason = 0; reason < 2; reason++) {
				prom_open(f, name, &r[k]);
				prom_label(f, "service", row->service);
				prom_label(f, "protocol",
					   xr_stats_proto_name(row->proto));
				prom_label(f, "port", port);
				prom_label(f, "reason",
					   reason ? "rate" : "guard");
				fprintf(f, "} %llu\n",
					limited_of(l, reason, bytes));
			}
		}
}

static void prom_limited_sources(FILE *f, const struct xr_stats_report *r,
				 size_t n)
{
	const char *name = "xdp_reflector_top_limited_source_dropped_packets";
	char port[8];
	size_t k, i;

	prom_head(f, name, "gauge",
		  "Packets a rate limit dropped of the sources it dropped most "
		  "(an IPv4 address or an IPv6 /64; a bounded, changing set).");
	for (k = 0; k < n; k++)
		for (i = 0; i < r[k].snap->nlimited; i++) {
			const struct xr_stats_limited *l =
				&r[k].snap->limited[i];

			snprintf(port, sizeof(port), "%u", l->port);
			prom_open(f, name, &r[k]);
			prom_label(f, "source", l->source);
			prom_label(f, "protocol",
				   xr_stats_proto_name(l->proto));
			prom_label(f, "port", port);
			fprintf(f, "} %llu\n", (unsigned long long)l->dropped);
		}
}

static void prom_top(FILE *f, const struct xr_stats_report *r, size_t n,
		     bool bytes)
{
	const char *name = prom_twin_head(f, &top_twin, bytes);
	char port[16];
	size_t k, i;

	for (k = 0; k < n; k++)
		for (i = 0; i < r[k].ntop; i++) {
			const struct xr_stats_row *t = &r[k].top[i];

			prom_open(f, name, &r[k]);
			prom_label(f, "protocol",
				   xr_stats_proto_name(t->proto));
			prom_label(f, "port",
				   xr_stats_port_label(t->first_port,
						       t->last_port, port,
						       sizeof(port)));
			fprintf(f, "} %llu\n",
				counter_of(&t->total, bytes, 1));
		}
}

void xr_stats_print_prometheus(FILE *f, const struct xr_stats_report *r,
			       size_t n)
{
	char digest[17];
	size_t k;

	prom_ports(f, r, n, false);
	prom_ports(f, r, n, true);
	prom_classes(f, r, n, false);
	prom_classes(f, r, n, true);
	prom_limited(f, r, n, false);
	prom_limited(f, r, n, true);
	prom_limited_sources(f, r, n);
	prom_top(f, r, n, false);
	prom_top(f, r, n, true);

	prom_head(f, "xdp_reflector_policy_info", "gauge",
		  "The policy in force: its profile, digest and mode (enforce, "
		  "or monitor: nothing dropped, verdict=\"would_drop\" counted).");
	for (k = 0; k < n; k++) {
		snprintf(digest, sizeof(digest), "%016llx",
			 (unsigned long long)r[k].snap->policy.digest);
		prom_open(f, "xdp_reflector_policy_info", &r[k]);
		prom_label(f, "profile", r[k].snap->policy.profile);
		prom_label(f, "digest", digest);
		prom_label(f, "mode", r[k].snap->monitor ? "monitor" : "enforce");
		fputs("} 1\n", f);
	}
	prom_head(f, "xdp_reflector_counters_since_timestamp_seconds", "gauge",
		  "Since when the counters count (the load, or stats --reset), "
		  "in seconds since the epoch; a rule's counts follow it "
		  "across reloads.");
	for (k = 0; k < n; k++) {
		prom_open(f, "xdp_reflector_counters_since_timestamp_seconds",
			  &r[k]);
		fprintf(f, "} %llu\n",
			(unsigned long long)r[k].snap->counters_since);
	}
	prom_head(f, "xdp_reflector_policy_loaded_timestamp_seconds", "gauge",
		  "When the policy in force was loaded, in seconds since the "
		  "epoch.");
	for (k = 0; k < n; k++) {
		prom_open(f, "xdp_reflector_policy_loaded_timestamp_seconds",
			  &r[k]);
		fprintf(f, "} %llu\n",
			(unsigned long long)r[k].snap->policy.loaded_at);
	}
}

/* ---- node_exporter's textfile collector */

int xr_stats_textfile_path(const char *dir, const char *iface, char *buf,
			   size_t len)
{
	int n = snprintf(buf, len, "%s/xdp_reflector_%s.prom", dir, iface);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int prom_fill(FILE *f, void *r)
{
	xr_stats_print_prometheus(f, r, 1);
	return 0;
}

/*
 * The collector reads *.prom files whenever it is scraped: the file is
 * replaced whole (file_replace.c; the temporary name starts with a dot, which
 * the collector ignores), so a scrape sees the old or the new one.
 */
int xr_stats_write_textfile(const char *dir, const struct xr_stats_report *r)
{
	char path[4096];
	int err;

	err = xr_stats_textfile_path(dir, r->snap->iface, path, sizeof(path));
	if (err)
		return err;
	return xr_file_replace(path, prom_fill, (void *)r);
}
