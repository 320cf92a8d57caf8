// SPDX-License-Identifier: GPL-2.0
/*
 * stats, the pure half: aggregation and rendering of the counters that
 * cmd_stats.c reads from the pins. No libbpf here: unit tests link it.
 *
 * What a report shows, for one interface:
 *   rules      one row per rule of the active generation (a port range is
 *              one row), summed over its ports
 *   other      per protocol, the ports no rule covers: all drops (a reply
 *              that passes to such a port is counted in the reply class)
 *   classes    non-IP, ICMP, fragments, other IP, malformed, replies
 *   top        the N destination ports with the most dropped packets
 *   ports      with --ports: one row per port that saw traffic
 * With two snapshots of the same interface, every row also carries the
 * change between them, from which rates are derived.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

static const char *const class_keys[XR_CLASS_MAX] = {
	[XR_CLASS_NON_IP] = "non_ip",	    [XR_CLASS_ICMP] = "icmp",
	[XR_CLASS_FRAGMENT] = "fragment",   [XR_CLASS_OTHER_IP] = "other_ip",
	[XR_CLASS_MALFORMED] = "malformed", [XR_CLASS_REPLY] = "reply",
	[XR_CLASS_DHCP] = "dhcp",
};

static const char *const class_titles[XR_CLASS_MAX] = {
	[XR_CLASS_NON_IP] = "non-IP",	    [XR_CLASS_ICMP] = "ICMP",
	[XR_CLASS_FRAGMENT] = "fragments",  [XR_CLASS_OTHER_IP] = "other IP",
	[XR_CLASS_MALFORMED] = "malformed", [XR_CLASS_REPLY] = "replies",
	[XR_CLASS_DHCP] = "DHCP replies",
};

const char *xr_stats_class_key(unsigned int cls)
{
	return cls < XR_CLASS_MAX ? class_keys[cls] : "unknown";
}

const char *xr_stats_class_title(unsigned int cls)
{
	return cls < XR_CLASS_MAX ? class_titles[cls] : "unknown";
}

const char *xr_stats_proto_name(unsigned int proto)
{
	return proto == XR_PROTO_TCP   ? "tcp"
	       : proto == XR_PROTO_UDP ? "udp"
				       : "?";
}

char *xr_stats_port_label(unsigned int first, unsigned int last, char *buf,
			  size_t len)
{
	if (first == last)
		snprintf(buf, len, "%u", first);
	else
		snprintf(buf, len, "%u-%u", first, last);
	return buf;
}

/* ---- snapshots */

int xr_stats_snap_init(struct xr_stats_snap *s, size_t nrules)
{
	memset(s, 0, sizeof(*s));
	s->ports = calloc(XR_STAT_KEYS, sizeof(*s->ports));
	s->rules = calloc(nrules ? nrules : 1, sizeof(*s->rules));
	if (!s->ports || !s->rules) {
		xr_stats_snap_free(s);
		return -ENOMEM;
	}
	s->policy.nrules = (__u32)nrules;
	return 0;
}

void xr_stats_snap_free(struct xr_stats_snap *s)
{
	free(s->ports);
	free(s->rules);
	s->ports = NULL;
	s->rules = NULL;
}

/* ---- arithmetic */

void xr_stats_counters_add(struct xr_counters *acc, const struct xr_counters *c)
{
	acc->pass_packets += c->pass_packets;
	acc->pass_bytes += c->pass_bytes;
	acc->drop_packets += c->drop_packets;
	acc->drop_bytes += c->drop_bytes;
}

void xr_stats_counters_delta(const struct xr_counters *then,
			     const struct xr_counters *now,
			     struct xr_counters *out)
{
	if (now->pass_packets < then->pass_packets ||
	    now->pass_bytes < then->pass_bytes ||
	    now->drop_packets < then->drop_packets ||
	    now->drop_bytes < then->drop_bytes) {
		*out = *now;
		return;
	}
	out->pass_packets = now->pass_packets - then->pass_packets;
	out->pass_bytes = now->pass_bytes - then->pass_bytes;
	out->drop_packets = now->drop_packets - then->drop_packets;
	out->drop_bytes = now->drop_bytes - then->drop_bytes;
}

void xr_stats_sum_range(const struct xr_counters *ports, unsigned int proto,
			unsigned int first, unsigned int last,
			struct xr_counters *out)
{
	unsigned int port;

	memset(out, 0, sizeof(*out));
	if (proto >= XR_PROTOS || first > last || last >= XR_PORTS_PER_PROTO)
		return;
	for (port = first; port <= last; port++)
		xr_stats_counters_add(out, &ports[xr_stat_key(proto, port)]);
}

void xr_stats_rate(const struct xr_counters *d, double secs,
		   struct xr_rate *out)
{
	memset(out, 0, sizeof(*out));
	if (!(secs > 0))
		return;
	out->pass_pps = (double)d->pass_packets / secs;
	out->pass_bps = (double)d->pass_bytes * 8 / secs;
	out->drop_pps = (double)d->drop_packets / secs;
	out->drop_bps = (double)d->drop_bytes * 8 / secs;
}

/* ---- top dropped: a min-heap of keys, the weakest at the root */

/* Does key A rank below key B (fewer drops, then fewer bytes, then later)? */
static bool ranks_below(const struct xr_counters *p, __u32 a, __u32 b)
{
	if (p[a].drop_packets != p[b].drop_packets)
		return p[a].drop_packets < p[b].drop_packets;
	if (p[a].drop_bytes != p[b].drop_bytes)
		return p[a].drop_bytes < p[b].drop_bytes;
	return a > b;
}

static void sift_down(const struct xr_counters *p, __u32 *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		__u32 t;

		if (l < n && ranks_below(p, h[l], h[m]))
			m = l;
		if (r < n && ranks_below(p, h[r], h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void sift_up(const struct xr_counters *p, __u32 *h, size_t i)
{
	while (i) {
		size_t up = (i - 1) / 2;
		__u32 t;

		if (!ranks_below(p, h[i], h[up]))
			return;
		t = h[i];
		h[i] = h[up];
		h[up] = t;
		i = up;
	}
}

size_t xr_stats_top_dropped(const struct xr_counters *ports, size_t n,
			    struct xr_stats_row *out)
{
	size_t size = 0, i;
	__u32 key, *heap;

	if (!n)
		return 0;
	if (n > XR_STAT_KEYS)
		n = XR_STAT_KEYS;
	heap = malloc(n * sizeof(*heap));
	if (!heap)
		return 0;
	for (key = 0; key < XR_STAT_KEYS; key++) {
		if (!ports[key].drop_packets)
			continue;
		if (size < n) {
			heap[size] = key;
			sift_up(ports, heap, size++);
		} else if (ranks_below(ports, heap[0], key)) {
			heap[0] = key;
			sift_down(ports, heap, size, 0);
		}
	}
	/* Pop the weakest into the last free row: OUT ends strongest first. */
	for (i = size; i-- > 0;) {
		key = heap[0];
		heap[0] = heap[i];
		sift_down(ports, heap, i, 0);
		memset(&out[i], 0, sizeof(out[i]));
		out[i].service = "";
		out[i].feature = "";
		out[i].proto = (__u8)(key >> 16);
		out[i].first_port = out[i].last_port = (__u16)(key & 0xffff);
		out[i].total = ports[key];
	}
	free(heap);
	return size;
}

/* ---- reports */

static bool has_traffic(const struct xr_counters *c)
{
	return c->pass_packets || c->pass_bytes || c->drop_packets ||
	       c->drop_bytes;
}

/* Add slot KEY of CUR (and its change since PREV) to ROW. */
static void add_slot(struct xr_stats_row *row, const struct xr_stats_snap *cur,
		     const struct xr_stats_snap *prev, __u32 key)
{
	struct xr_counters d;

	xr_stats_counters_add(&row->total, &cur->ports[key]);
	if (prev) {
		xr_stats_counters_delta(&prev->ports[key], &cur->ports[key],
					&d);
		xr_stats_counters_add(&row->delta, &d);
	}
}

static void slot_row(struct xr_stats_row *row, const struct xr_stats_snap *cur,
		     const struct xr_stats_snap *prev, const int32_t *rule_of,
		     __u32 key)
{
	int32_t rule = rule_of[key];

	memset(row, 0, sizeof(*row));
	row->service = rule >= 0 ? cur->rules[rule].service : "";
	row->feature = rule >= 0 ? cur->rules[rule].feature : "";
	row->proto = (__u8)(key >> 16);
	row->first_port = row->last_port = (__u16)(key & 0xffff);
	add_slot(row, cur, prev, key);
}

static bool rule_valid(const struct xr_rule_info *ri)
{
	return ri->proto < XR_PROTOS && ri->first_port <= ri->last_port;
}

int xr_stats_report_build(const struct xr_stats_snap *cur,
			  const struct xr_stats_snap *prev,
			  const struct xr_stats_opts *o,
			  struct xr_stats_report *r)
{
	int32_t *rule_of;
	size_t i, n;
	__u32 key, port;

	memset(r, 0, sizeof(*r));
	r->snap = cur;
	if (prev &&
	    (strcmp(prev->iface, cur->iface) || !(cur->mono > prev->mono)))
		prev = NULL;
	r->interval = prev ? cur->mono - prev->mono : 0;

	/*
	 * Which rule covers each slot: the first (the compiler keeps rules
	 * apart, so there is only one); -1: none.
	 */
	rule_of = malloc(XR_STAT_KEYS * sizeof(*rule_of));
	r->nrules = cur->policy.nrules;
	r->rules = calloc(r->nrules ? r->nrules : 1, sizeof(*r->rules));
	if (!rule_of || !r->rules)
		goto nomem;
	memset(rule_of, 0xff, XR_STAT_KEYS * sizeof(*rule_of));

	for (i = 0; i < r->nrules; i++) {
		const struct xr_rule_info *ri = &cur->rules[i];
		struct xr_stats_row *row = &r->rules[i];

		row->service = ri->service;
		row->feature = ri->feature;
		row->proto = ri->proto;
		row->first_port = ri->first_port;
		row->last_port = ri->last_port;
		if (!rule_valid(ri))
			continue;
		for (port = ri->first_port; port <= ri->last_port; port++) {
			key = xr_stat_key(ri->proto, port);
			add_slot(row, cur, prev, key);
			if (rule_of[key] < 0)
				rule_of[key] = (int32_t)i;
		}
	}

	for (i = 0; i < XR_PROTOS; i++) {
		struct xr_stats_row *row = &r->other[i];

		row->service = "";
		row->feature = "";
		row->proto = (__u8)i;
		row->first_port = 0;
		row->last_port = XR_PORTS_PER_PROTO - 1;
	}
	for (key = 0; key < XR_STAT_KEYS; key++)
		if (rule_of[key] < 0)
			add_slot(&r->other[key >> 16], cur, prev, key);

	for (i = 0; i < XR_CLASS_MAX; i++) {
		struct xr_stats_row *row = &r->classes[i];

		row->service = xr_stats_class_title((unsigned int)i);
		row->feature = "";
		row->total = cur->classes[i];
		if (prev)
			xr_stats_counters_delta(&prev->classes[i],
						&cur->classes[i], &row->delta);
	}

	if (o->top > 0) {
		r->top = calloc((size_t)o->top, sizeof(*r->top));
		if (!r->top)
			goto nomem;
		r->ntop = xr_stats_top_dropped(cur->ports, (size_t)o->top,
					       r->top);
		for (i = 0; i < r->ntop; i++) {
			key = xr_stat_key(r->top[i].proto,
					  r->top[i].first_port);
			slot_row(&r->top[i], cur, prev, rule_of, key);
		}
	}

	if (o->ports) {
		for (n = 0, key = 0; key < XR_STAT_KEYS; key++)
			n += has_traffic(&cur->ports[key]);
		r->ports = calloc(n ? n : 1, sizeof(*r->ports));
		if (!r->ports)
			goto nomem;
		for (key = 0; key < XR_STAT_KEYS; key++)
			if (has_traffic(&cur->ports[key]))
				slot_row(&r->ports[r->nports++], cur, prev,
					 rule_of, key);
	}
	free(rule_of);
	return 0;
nomem:
	free(rule_of);
	xr_stats_report_free(r);
	return -ENOMEM;
}

void xr_stats_report_free(struct xr_stats_report *r)
{
	free(r->rules);
	free(r->top);
	free(r->ports);
	r->rules = r->top = r->ports = NULL;
	r->nrules = r->ntop = r->nports = 0;
}

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
static void cells_head(FILE *f, bool pass, bool drop, bool rates)
{
	if (pass)
		fprintf(f, " %9s %10s", "PASS PKTS", "PASS BYTES");
	if (drop)
		fprintf(f, " %9s %10s", "DROP PKTS", "DROP BYTES");
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

	iso_time(mp->loaded_at, when, sizeof(when));
	fprintf(f, "%s: profile %s, digest %016llx, %u rules, loaded %s",
		r->snap->iface, mp->profile[0] ? mp->profile : "-",
		(unsigned long long)mp->digest, mp->nrules, when);
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

/* ---- JSON */

/*
 * One object per interface:
 * {"interface","profile","digest" (16 hex digits),"features","loaded_at"
 *  (unix seconds),"interval_seconds" (--watch after the first refresh),
 *  "rules":[{"service","feature","protocol","first_port","last_port",
 *            "passed":{"packets","bytes"},"dropped":{"packets","bytes"}}],
 *  "other_ports":{"tcp":{"passed","dropped"},"udp":{...}},
 *  "classes":{"non_ip":{"passed","dropped"},"icmp","fragment","other_ip",
 *             "malformed","reply"},
 *  "top_dropped":[{"protocol","port","service","packets","bytes"}],
 *  "ports":[{"protocol","port","service","passed","dropped"}]}
 * "ports" only with --ports (it may hold 131072 rows under a port scan).
 * With an interval, each row also has "rate":{"passed":{"packets_per_second",
 * "bits_per_second"},"dropped":{...}} (top_dropped: the dropped half, flat).
 */
static void json_pair(struct json *j, const char *key, __u64 packets,
		      __u64 bytes)
{
	json_object_start(j, key);
	json_uint(j, "packets", packets);
	json_uint(j, "bytes", bytes);
	json_object_end(j);
}

static void json_rate_pair(struct json *j, const char *key, double pps,
			   double bps)
{
	json_object_start(j, key);
	json_double(j, "packets_per_second", pps);
	json_double(j, "bits_per_second", bps);
	json_object_end(j);
}

static void json_counters(struct json *j, const struct xr_stats_row *row,
			  double interval)
{
	struct xr_rate rt;

	json_pair(j, "passed", row->total.pass_packets, row->total.pass_bytes);
	json_pair(j, "dropped", row->total.drop_packets, row->total.drop_bytes);
	if (interval > 0) {
		xr_stats_rate(&row->delta, interval, &rt);
		json_object_start(j, "rate");
		json_rate_pair(j, "passed", rt.pass_pps, rt.pass_bps);
		json_rate_pair(j, "dropped", rt.drop_pps, rt.drop_bps);
		json_object_end(j);
	}
}

static void json_features(struct json *j, const char *f)
{
	json_array_start(j, "features");
	while (*f) {
		const char *comma = strchr(f, ',');
		size_t n = comma ? (size_t)(comma - f) : strlen(f);
		char name[XR_LABEL_LEN];

		if (n)
			snprintf(name, sizeof(name), "%.*s", (int)n, f);
		if (n)
			json_string(j, NULL, name);
		f += n + (comma ? 1 : 0);
	}
	json_array_end(j);
}

void xr_stats_print_json(struct json *j, const struct xr_stats_report *r,
			 const struct xr_stats_opts *o)
{
	const struct xr_meta_policy *mp = &r->snap->policy;
	char digest[17];
	size_t i;

	snprintf(digest, sizeof(digest), "%016llx",
		 (unsigned long long)mp->digest);
	json_object_start(j, NULL);
	json_string(j, "interface", r->snap->iface);
	json_string(j, "profile", mp->profile);
	json_string(j, "digest", digest);
	json_features(j, mp->features);
	json_uint(j, "loaded_at", mp->loaded_at);
	if (r->interval > 0)
		json_double(j, "interval_seconds", r->interval);

	json_array_start(j, "rules");
	for (i = 0; i < r->nrules; i++) {
		const struct xr_stats_row *row = &r->rules[i];

		json_object_start(j, NULL);
		json_string(j, "service", row->service);
		json_string(j, "feature", row->feature);
		json_string(j, "protocol", xr_stats_proto_name(row->proto));
		json_uint(j, "first_port", row->first_port);
		json_uint(j, "last_port", row->last_port);
		json_counters(j, row, r->interval);
		json_object_end(j);
	}
	json_array_end(j);

	json_object_start(j, "other_ports");
	for (i = 0; i < XR_PROTOS; i++) {
		json_object_start(j, xr_stats_proto_name(r->other[i].proto));
		json_counters(j, &r->other[i], r->interval);
		json_object_end(j);
	}
	json_object_end(j);

	json_object_start(j, "classes");
	for (i = 0; i < XR_CLASS_MAX; i++) {
		json_object_start(j, xr_stats_class_key((unsigned int)i));
		json_counters(j, &r->classes[i], r->interval);
		json_object_end(j);
	}
	json_object_end(j);

	json_array_start(j, "top_dropped");
	for (i = 0; i < r->ntop; i++) {
		const struct xr_stats_row *t = &r->top[i];
		struct xr_rate rt;

		json_object_start(j, NULL);
		json_string(j, "protocol", xr_stats_proto_name(t->proto));
		json_uint(j, "port", t->first_port);
		json_string(j, "service", t->service);
		json_uint(j, "packets", t->total.drop_packets);
		json_uint(j, "bytes", t->total.drop_bytes);
		if (r->interval > 0) {
			xr_stats_rate(&t->delta, r->interval, &rt);
			json_rate_pair(j, "rate", rt.drop_pps, rt.drop_bps);
		}
		json_object_end(j);
	}
	json_array_end(j);

	if (o->ports) {
		json_array_start(j, "ports");
		for (i = 0; i < r->nports; i++) {
			const struct xr_stats_row *p = &r->ports[i];

			json_object_start(j, NULL);
			json_string(j, "protocol",
				    xr_stats_proto_name(p->proto));
			json_uint(j, "port", p->first_port);
			json_string(j, "service", p->service);
			json_counters(j, p, r->interval);
			json_object_end(j);
		}
		json_array_end(j);
	}
	json_object_end(j);
}

/* ---- Prometheus */

/*
 * Series per interface, all bounded by the profile and --top, never by the
 * traffic (no per-port series: a scan would make 131072 of them):
 *   xdp_reflector_packets_total / _bytes_total        counter
 *       {interface,service,protocol,port,verdict}
 *       2 per rule (pass, drop) + 2 per protocol for the ports no rule
 *       covers (service="", port="other")
 *   xdp_reflector_class_packets_total / _bytes_total  counter
 *       {interface,class,verdict}: 6 classes x 2
 *   xdp_reflector_top_dropped_packets / _bytes        gauge
 *       {interface,protocol,port}: at most --top (default 10). A gauge:
 *       which ports are in the top changes from scrape to scrape.
 *   xdp_reflector_policy_info{interface,profile,digest} 1           gauge
 *   xdp_reflector_policy_loaded_timestamp_seconds{interface}        gauge
 * A rule's counter is the sum of its ports' counters, which are monotonic
 * and survive reloads; a rule whose range changes is a new series.
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

static unsigned long long counter_of(const struct xr_counters *c, bool bytes,
				     bool drop)
{
	if (drop)
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

	for (v = 0; v < 2; v++) {
		prom_open(f, name, r);
		prom_label(f, "service", row->service);
		prom_label(f, "protocol", xr_stats_proto_name(row->proto));
		prom_label(f, "port", port);
		prom_label(f, "verdict", v ? "drop" : "pass");
		fprintf(f, "} %llu\n", counter_of(&row->total, bytes, v));
	}
}

static void prom_ports(FILE *f, const struct xr_stats_report *r, size_t n,
		       bool bytes)
{
	const char *name = bytes ? "xdp_reflector_bytes_total"
				 : "xdp_reflector_packets_total";
	char port[16];
	size_t k, i;

	prom_head(f, name, "counter",
		  bytes ? "Bytes (Ethernet frames) to the ports of each rule, "
			  "and to the ports no rule covers (port=\"other\"), "
			  "by verdict."
			: "Packets to the ports of each rule, and to the ports "
			  "no rule covers (port=\"other\"), by verdict.");
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
	const char *name = bytes ? "xdp_reflector_class_bytes_total"
				 : "xdp_reflector_class_packets_total";
	size_t k, i;
	int v;

	prom_head(
		f, name, "counter",
		bytes ? "Bytes (Ethernet frames) of packets not judged by a "
			"port, by class and verdict."
		      : "Packets not judged by a port, by class and verdict.");
	for (k = 0; k < n; k++)
		for (i = 0; i < XR_CLASS_MAX; i++) {
			const struct xr_counters *c = &r[k].classes[i].total;

			for (v = 0; v < 2; v++) {
				prom_open(f, name, &r[k]);
				prom_label(f, "class",
					   xr_stats_class_key((unsigned int)i));
				prom_label(f, "verdict", v ? "drop" : "pass");
				fprintf(f, "} %llu\n", counter_of(c, bytes, v));
			}
		}
}

static void prom_top(FILE *f, const struct xr_stats_report *r, size_t n,
		     bool bytes)
{
	const char *name = bytes ? "xdp_reflector_top_dropped_bytes"
				 : "xdp_reflector_top_dropped_packets";
	char port[16];
	size_t k, i;

	prom_head(f, name, "gauge",
		  bytes ? "Dropped bytes of the most dropped destination ports "
			  "since load (a bounded, changing set)."
			: "Dropped packets of the most dropped destination "
			  "ports since load (a bounded, changing set).");
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
				counter_of(&t->total, bytes, true));
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
	prom_top(f, r, n, false);
	prom_top(f, r, n, true);

	prom_head(f, "xdp_reflector_policy_info", "gauge",
		  "The policy in force: its profile and digest.");
	for (k = 0; k < n; k++) {
		snprintf(digest, sizeof(digest), "%016llx",
			 (unsigned long long)r[k].snap->policy.digest);
		prom_open(f, "xdp_reflector_policy_info", &r[k]);
		prom_label(f, "profile", r[k].snap->policy.profile);
		prom_label(f, "digest", digest);
		fputs("} 1\n", f);
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

/*
 * The collector reads *.prom files whenever it is scraped: write a temp
 * file (a name it ignores) in the same directory, fsync, rename over the
 * old one, fsync the directory. A scrape sees the old or the new file.
 */
int xr_stats_write_textfile(const char *dir, const struct xr_stats_report *r)
{
	char path[4096], tmp[4096];
	int fd, dfd, err = 0;
	FILE *f;

	err = xr_stats_textfile_path(dir, r->snap->iface, path, sizeof(path));
	if (err)
		return err;
	if (snprintf(tmp, sizeof(tmp), "%s/.xdp_reflector_%s.XXXXXX", dir,
		     r->snap->iface) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	/* mkstemp makes it 0600; node_exporter runs as its own user. */
	if (fchmod(fd, 0644)) {
		err = -errno;
		close(fd);
		goto fail;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto fail;
	}
	xr_stats_print_prometheus(f, r, 1);
	errno = 0;
	if (fflush(f) || ferror(f) || fsync(fd))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		goto fail;
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	unlink(tmp);
	return err;
}
