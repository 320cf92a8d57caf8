// SPDX-License-Identifier: GPL-2.0
/* stats as one JSON object per interface (`stats --json`). */
#include <stdio.h>
#include <string.h>

#include "stats.h"

/* ---- JSON */

/*
 * One object per interface:
 * {"interface","profile","digest" (16 hex digits),"features","loaded_at"
 *  (unix seconds),"mode" ("enforce" or "monitor"),"counting_since" (unix
 *  seconds: ports and classes count since then),"interval_seconds"
 *  (--watch after the first refresh),
 *  "rules":[{"service","feature","protocol","first_port","last_port",
 *            "counting_since" (this rule's counts, carried across reloads),
 *            "passed":{"packets","bytes"},"dropped":{"packets","bytes"},
 *            "would_drop":{"packets","bytes"},
 *            "guard":{"packets","bytes"},"rate_limited":{"packets","bytes"}
 *            (dropped by the rule's WebRTC guard or rate limit since the
 *            load; not in "dropped")}],
 *  "removed_rules":[{the keys of a rule, "removed_at"}]: the rules reloads
 *            removed since the last stats, with their final counts (once),
 *  "other_ports":{"tcp":{"passed","dropped"},"udp":{...}},
 *  "classes":{"non_ip":{"passed","dropped"},"icmp","fragment","other_ip",
 *             "malformed","reply","dhcp","guard","rate_limited"},
 *  "top_limited_sources":[{"source","protocol","port","dropped"}],
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
	json_pair(j, "would_drop", row->total.would_drop_packets,
		  row->total.would_drop_bytes);
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

static void json_rule(struct json *j, const struct xr_stats_row *row,
		      double interval)
{
	json_object_start(j, NULL);
	json_string(j, "service", row->service);
	json_string(j, "feature", row->feature);
	json_string(j, "protocol", xr_stats_proto_name(row->proto));
	json_uint(j, "first_port", row->first_port);
	json_uint(j, "last_port", row->last_port);
	json_uint(j, "counting_since", row->since);
	if (row->removed_at)
		json_uint(j, "removed_at", row->removed_at);
	json_counters(j, row, interval);
	if (!row->removed_at) {
		json_pair(j, "guard", row->limited.guard_packets,
			  row->limited.guard_bytes);
		json_pair(j, "rate_limited", row->limited.rate_packets,
			  row->limited.rate_bytes);
	}
	json_object_end(j);
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
	json_string(j, "mode", r->snap->monitor ? "monitor" : "enforce");
	json_uint(j, "counting_since", r->snap->counters_since);
	if (r->interval > 0)
		json_double(j, "interval_seconds", r->interval);

	json_array_start(j, "rules");
	for (i = 0; i < r->nrules; i++)
		json_rule(j, &r->rules[i], r->interval);
	json_array_end(j);
	json_array_start(j, "removed_rules");
	for (i = 0; i < r->nremoved; i++)
		json_rule(j, &r->removed[i], 0);
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

	json_array_start(j, "top_limited_sources");
	for (i = 0; i < r->snap->nlimited; i++) {
		const struct xr_stats_limited *l = &r->snap->limited[i];

		json_object_start(j, NULL);
		json_string(j, "source", l->source);
		json_string(j, "protocol", xr_stats_proto_name(l->proto));
		json_uint(j, "port", l->port);
		json_uint(j, "dropped", l->dropped);
		json_object_end(j);
	}
	json_array_end(j);

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
