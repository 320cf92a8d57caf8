// SPDX-License-Identifier: GPL-2.0
/*
 * stats, the pure half: aggregation of the counters that cmd_stats.c reads
 * from the pins into a report. No libbpf here: unit tests link it. The
 * renderers are stats_table.c, stats_json.c and stats_prom.c.
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
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger.h"
#include "stats.h"

static const char *const class_keys[XR_CLASS_MAX] = {
	[XR_CLASS_NON_IP] = "non_ip",	    [XR_CLASS_ICMP] = "icmp",
	[XR_CLASS_FRAGMENT] = "fragment",   [XR_CLASS_OTHER_IP] = "other_ip",
	[XR_CLASS_MALFORMED] = "malformed", [XR_CLASS_REPLY] = "reply",
	[XR_CLASS_DHCP] = "dhcp",	    [XR_CLASS_GUARD] = "guard",
	[XR_CLASS_RATE] = "rate_limited",
};

static const char *const class_titles[XR_CLASS_MAX] = {
	[XR_CLASS_NON_IP] = "non-IP",	    [XR_CLASS_ICMP] = "ICMP",
	[XR_CLASS_FRAGMENT] = "fragments",  [XR_CLASS_OTHER_IP] = "other IP",
	[XR_CLASS_MALFORMED] = "malformed", [XR_CLASS_REPLY] = "replies",
	[XR_CLASS_DHCP] = "DHCP replies", [XR_CLASS_GUARD] = "WebRTC guard",
	[XR_CLASS_RATE] = "rate limited",
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
	free(s->ledger);
	free(s->removed);
	free(s->limits);
	s->limits = NULL;
	s->ports = NULL;
	s->rules = NULL;
	s->ledger = NULL;
	s->removed = NULL;
	s->nremoved = 0;
}

void xr_stats_add_limited(struct xr_stats_snap *s,
			  const struct xr_stats_limited *lim)
{
	size_t i = s->nlimited;

	if (i == XR_STATS_LIMITED_MAX) {
		if (s->limited[i - 1].dropped >= lim->dropped)
			return;
		i--;
	} else {
		s->nlimited++;
	}
	for (; i > 0 && s->limited[i - 1].dropped < lim->dropped; i--)
		s->limited[i] = s->limited[i - 1];
	s->limited[i] = *lim;
}

/* ---- arithmetic */

void xr_stats_limits_add(struct xr_limit_counters *acc,
			 const struct xr_limit_counters *c)
{
	acc->guard_packets += c->guard_packets;
	acc->guard_bytes += c->guard_bytes;
	acc->rate_packets += c->rate_packets;
	acc->rate_bytes += c->rate_bytes;
}

void xr_stats_counters_add(struct xr_counters *acc, const struct xr_counters *c)
{
	acc->pass_packets += c->pass_packets;
	acc->pass_bytes += c->pass_bytes;
	acc->drop_packets += c->drop_packets;
	acc->drop_bytes += c->drop_bytes;
	acc->would_drop_packets += c->would_drop_packets;
	acc->would_drop_bytes += c->would_drop_bytes;
}

void xr_stats_counters_delta(const struct xr_counters *then,
			     const struct xr_counters *now,
			     struct xr_counters *out)
{
	if (now->pass_packets < then->pass_packets ||
	    now->pass_bytes < then->pass_bytes ||
	    now->drop_packets < then->drop_packets ||
	    now->drop_bytes < then->drop_bytes ||
	    now->would_drop_packets < then->would_drop_packets ||
	    now->would_drop_bytes < then->would_drop_bytes) {
		*out = *now;
		return;
	}
	out->pass_packets = now->pass_packets - then->pass_packets;
	out->pass_bytes = now->pass_bytes - then->pass_bytes;
	out->drop_packets = now->drop_packets - then->drop_packets;
	out->drop_bytes = now->drop_bytes - then->drop_bytes;
	out->would_drop_packets =
		now->would_drop_packets - then->would_drop_packets;
	out->would_drop_bytes = now->would_drop_bytes - then->would_drop_bytes;
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
	       c->drop_bytes || c->would_drop_packets;
}

/* Add slot KEY of CUR (and its change since PREV) to ROW. */
static void add_slot(struct xr_stats_row *row, const struct xr_stats_snap *cur,
		     const struct xr_stats_snap *prev, __u32 key)
{
	struct xr_counters d;

	xr_stats_counters_add(&row->total, &cur->ports[key]);
	if (cur->limits)
		xr_stats_limits_add(&row->limited, &cur->limits[key]);
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
	row->since = cur->counters_since;
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
		row->since = cur->counters_since;
		if (!rule_valid(ri))
			continue;
		for (port = ri->first_port; port <= ri->last_port; port++) {
			key = xr_stat_key(ri->proto, port);
			add_slot(row, cur, prev, key);
			if (rule_of[key] < 0)
				rule_of[key] = (int32_t)i;
		}
		/* What the rule itself counted, across reloads (ledger.h). */
		if (cur->ledger) {
			struct xr_counters now;

			xr_stats_sum_range(cur->ports, ri->proto,
					   ri->first_port, ri->last_port, &now);
			xr_ledger_total(&cur->ledger[i], &now, &row->total);
			row->since = cur->ledger[i].since;
		}
	}

	r->removed = calloc(cur->nremoved ? cur->nremoved : 1,
			    sizeof(*r->removed));
	if (!r->removed)
		goto nomem;
	for (i = 0; i < cur->nremoved; i++) {
		const struct xr_rule_stats *g = &cur->removed[i];
		struct xr_stats_row *row = &r->removed[r->nremoved++];

		row->service = g->info.service;
		row->feature = g->info.feature;
		row->proto = g->info.proto;
		row->first_port = g->info.first_port;
		row->last_port = g->info.last_port;
		row->total = g->carried;
		row->since = g->since;
		row->removed_at = g->removed_at;
	}

	for (i = 0; i < XR_PROTOS; i++) {
		struct xr_stats_row *row = &r->other[i];

		row->service = "";
		row->feature = "";
		row->proto = (__u8)i;
		row->first_port = 0;
		row->last_port = XR_PORTS_PER_PROTO - 1;
		row->since = cur->counters_since;
	}
	for (key = 0; key < XR_STAT_KEYS; key++) {
		if (rule_of[key] < 0)
			add_slot(&r->other[key >> 16], cur, prev, key);
		r->would_drop |= cur->ports[key].would_drop_packets != 0;
	}
	r->would_drop |= cur->monitor;

	for (i = 0; i < XR_CLASS_MAX; i++) {
		struct xr_stats_row *row = &r->classes[i];

		row->service = xr_stats_class_title((unsigned int)i);
		row->feature = "";
		row->total = cur->classes[i];
		row->since = cur->counters_since;
		r->would_drop |= row->total.would_drop_packets != 0;
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
	free(r->removed);
	r->rules = r->top = r->ports = r->removed = NULL;
	r->nrules = r->ntop = r->nports = r->nremoved = 0;
}
