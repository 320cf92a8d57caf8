// SPDX-License-Identifier: GPL-2.0
/*
 * Native unit tests of loader/stats*.c: human units, range sums, deltas and
 * rates, the top-N heap, the aggregated report, and the table, JSON and
 * Prometheus renderings (shape, bounded series, label escaping), and the
 * atomic textfile write.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "stats.h"

/* ---- fixtures */

static struct xr_counters *slot(struct xr_stats_snap *s, unsigned int proto,
				unsigned int port)
{
	return &s->ports[xr_stat_key(proto, port)];
}

static void set_rule(struct xr_rule_info *r, const char *service,
		     unsigned int proto, unsigned int first, unsigned int last)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->service, sizeof(r->service), "%s", service);
	r->proto = (__u8)proto;
	r->first_port = (__u16)first;
	r->last_port = (__u16)last;
}

/*
 * eth0 with three rules: HTTPS tcp 443, media udp 44200-44300, SSH tcp 22.
 * Traffic: 443 passes 3 packets / 300 bytes; udp 44200 passes 10/1000 and
 * udp 44300 passes 5/500 (both ends of the range); udp 44301 (just past it)
 * drops 7/700; tcp 6379 drops 20/1200; ICMP passes 2/196.
 */
static void make_snap(struct xr_stats_snap *s, const char *iface)
{
	assert_int_equal(xr_stats_snap_init(s, 3), 0);
	snprintf(s->iface, sizeof(s->iface), "%s", iface);
	snprintf(s->policy.profile, sizeof(s->policy.profile),
		 "reflector-caddy");
	s->policy.digest = 0x0123456789abcdefULL;
	s->policy.loaded_at = 1700000000;
	set_rule(&s->rules[0], "HTTPS", XR_PROTO_TCP, 443, 443);
	set_rule(&s->rules[1], "media", XR_PROTO_UDP, 44200, 44300);
	set_rule(&s->rules[2], "SSH", XR_PROTO_TCP, 22, 22);
	*slot(s, XR_PROTO_TCP, 443) = (struct xr_counters){3, 300, 0, 0, 0, 0};
	*slot(s, XR_PROTO_UDP, 44200) = (struct xr_counters){10, 1000, 0, 0, 0, 0};
	*slot(s, XR_PROTO_UDP, 44300) = (struct xr_counters){5, 500, 0, 0, 0, 0};
	*slot(s, XR_PROTO_UDP, 44301) = (struct xr_counters){0, 0, 7, 700, 0, 0};
	*slot(s, XR_PROTO_TCP, 6379) = (struct xr_counters){0, 0, 20, 1200, 0, 0};
	s->classes[XR_CLASS_ICMP] = (struct xr_counters){2, 196, 0, 0, 0, 0};
	s->mono = 100.0;
}

/* Render into a string (free it). */
#define CAPTURE(buf, f, stmt)                                                  \
	do {                                                                   \
		size_t capture_len_;                                           \
		FILE *f = open_memstream(&(buf), &capture_len_);               \
		assert_non_null(f);                                            \
		stmt;                                                          \
		fclose(f);                                                     \
	} while (0)

static int count_lines(const char *text, const char *prefix)
{
	int n = 0;
	const char *p = text;
	size_t len = strlen(prefix);

	while (p && *p) {
		if (!strncmp(p, prefix, len))
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

/* ---- human units */

static void expect_count(double v, const char *want)
{
	char buf[32];

	assert_string_equal(xr_stats_human_count(v, buf, sizeof(buf)), want);
}

static void expect_bytes(double v, const char *want)
{
	char buf[32];

	assert_string_equal(xr_stats_human_bytes(v, buf, sizeof(buf)), want);
}

static void test_human_counts_si_three_figures(void **state)
{
	(void)state;
	expect_count(0, "0");
	expect_count(999, "999");
	expect_count(1000, "1.00K");
	expect_count(1234, "1.23K");
	expect_count(12345, "12.3K");
	expect_count(123456, "123K");
	expect_count(999499, "999K");
	expect_count(999500, "1.00M"); /* never "1000K" */
	expect_count(2.5e6, "2.50M");
	expect_count(1e9, "1.00G");
	expect_count(1.5e12, "1.50T");
	expect_count(2.5, "2.50"); /* rates are not integers */
	expect_count(1.0 / 3, "0.33");
	expect_count(-1, "0");
}

static void test_human_bytes_iec(void **state)
{
	(void)state;
	expect_bytes(0, "0B");
	expect_bytes(512, "512B");
	expect_bytes(999, "999B");
	expect_bytes(1023, "1.00KiB");
	expect_bytes(1536, "1.50KiB");
	expect_bytes(100 * 1024, "100KiB");
	expect_bytes(1048576, "1.00MiB");
	expect_bytes(1.5 * 1024 * 1024 * 1024, "1.50GiB");
	expect_bytes(3.0 * 1024 * 1024 * 1024 * 1024, "3.00TiB");
}

static void test_port_labels(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(xr_stats_port_label(443, 443, buf, sizeof(buf)),
			    "443");
	assert_string_equal(xr_stats_port_label(44200, 44300, buf, sizeof(buf)),
			    "44200-44300");
	assert_string_equal(xr_stats_proto_name(XR_PROTO_TCP), "tcp");
	assert_string_equal(xr_stats_proto_name(XR_PROTO_UDP), "udp");
	assert_string_equal(xr_stats_class_key(XR_CLASS_NON_IP), "non_ip");
	assert_string_equal(xr_stats_class_key(XR_CLASS_REPLY), "reply");
	assert_string_equal(xr_stats_class_title(XR_CLASS_FRAGMENT),
			    "fragments");
}

/* ---- arithmetic */

static void test_sum_range_one_protocol_inclusive(void **state)
{
	struct xr_counters sum;
	struct xr_stats_snap s;

	(void)state;
	make_snap(&s, "eth0");
	*slot(&s, XR_PROTO_TCP, 44250) =
		(struct xr_counters){100, 100, 100, 100, 0, 0};
	xr_stats_sum_range(s.ports, XR_PROTO_UDP, 44200, 44300, &sum);
	assert_int_equal(sum.pass_packets, 15); /* both ends, not tcp 44250 */
	assert_int_equal(sum.pass_bytes, 1500);
	assert_int_equal(sum.drop_packets, 0); /* not 44301 */
	xr_stats_sum_range(s.ports, XR_PROTO_UDP, 44300, 44200, &sum);
	assert_int_equal(sum.pass_packets, 0); /* an inverted range is empty */
	xr_stats_sum_range(s.ports, 7, 0, 65535, &sum);
	assert_int_equal(sum.pass_packets, 0); /* an unknown protocol too */
	xr_stats_snap_free(&s);
}

static void test_delta_and_reset(void **state)
{
	struct xr_counters then = {10, 1000, 5, 500, 0, 0}, now = {15, 1600, 5, 500, 0, 0};
	struct xr_counters d, reset = {2, 200, 0, 0, 0, 0};

	(void)state;
	xr_stats_counters_delta(&then, &now, &d);
	assert_int_equal(d.pass_packets, 5);
	assert_int_equal(d.pass_bytes, 600);
	assert_int_equal(d.drop_packets, 0);
	/* The maps were recreated (detach, load): the change is NOW. */
	xr_stats_counters_delta(&then, &reset, &d);
	assert_int_equal(d.pass_packets, 2);
	assert_int_equal(d.pass_bytes, 200);
	assert_int_equal(d.drop_packets, 0);
}

static void test_rates_packets_and_bits_per_second(void **state)
{
	struct xr_counters d = {100, 1000, 30, 3000, 0, 0};
	struct xr_rate r;

	(void)state;
	xr_stats_rate(&d, 2.0, &r);
	assert_true(r.pass_pps == 50.0);
	assert_true(r.pass_bps == 4000.0); /* bits, not bytes */
	assert_true(r.drop_pps == 15.0);
	assert_true(r.drop_bps == 12000.0);
	xr_stats_rate(&d, 0, &r);
	assert_true(r.pass_pps == 0 && r.drop_bps == 0);
}

/* ---- top dropped */

static void test_top_dropped_order_and_ties(void **state)
{
	struct xr_stats_row top[5];
	struct xr_stats_snap s;
	size_t n;

	(void)state;
	make_snap(&s, "eth0");
	/* Ties: udp 53 and tcp 53 drop 7 packets as udp 44301; more bytes
	 * first. */
	*slot(&s, XR_PROTO_UDP, 53) = (struct xr_counters){9, 9, 7, 800, 0, 0};
	*slot(&s, XR_PROTO_TCP, 53) = (struct xr_counters){0, 0, 7, 700, 0, 0};
	n = xr_stats_top_dropped(s.ports, 5, top);
	assert_int_equal(n, 4); /* only ports with drops */
	assert_int_equal(top[0].proto, XR_PROTO_TCP);
	assert_int_equal(top[0].first_port, 6379);
	assert_int_equal(top[0].total.drop_packets, 20);
	assert_int_equal(top[1].proto, XR_PROTO_UDP);
	assert_int_equal(top[1].first_port, 53); /* 800 bytes beat 700 */
	/* Same packets and bytes: the lower key (tcp before udp) first. */
	assert_int_equal(top[2].proto, XR_PROTO_TCP);
	assert_int_equal(top[2].first_port, 53);
	assert_int_equal(top[3].proto, XR_PROTO_UDP);
	assert_int_equal(top[3].first_port, 44301);
	assert_int_equal(top[3].first_port, top[3].last_port);

	n = xr_stats_top_dropped(s.ports, 2, top);
	assert_int_equal(n, 2);
	assert_int_equal(top[0].first_port, 6379);
	assert_int_equal(top[1].first_port, 53);
	assert_int_equal(xr_stats_top_dropped(s.ports, 0, top), 0);
	xr_stats_snap_free(&s);
}

/* Every slot dropping (a full scan): the heap keeps the true top 10. */
static void test_top_dropped_full_scan(void **state)
{
	struct xr_stats_row top[10];
	struct xr_stats_snap s;
	__u32 key;
	size_t i;

	(void)state;
	assert_int_equal(xr_stats_snap_init(&s, 0), 0);
	for (key = 0; key < XR_STAT_KEYS; key++)
		s.ports[key].drop_packets = (key * 2654435761u) % 1000003 + 1;
	/* The ten largest, placed at scattered keys. */
	for (i = 0; i < 10; i++)
		s.ports[(i * 12345 + 77) % XR_STAT_KEYS].drop_packets =
			2000000 + i;
	assert_int_equal(xr_stats_top_dropped(s.ports, 10, top), 10);
	for (i = 0; i < 10; i++) {
		key = xr_stat_key(top[i].proto, top[i].first_port);
		assert_int_equal(top[i].total.drop_packets, 2000009 - i);
		assert_int_equal(key, ((9 - i) * 12345 + 77) % XR_STAT_KEYS);
	}
	xr_stats_snap_free(&s);
}

/* ---- reports */

static void test_report_rule_sums_other_ports_classes(void **state)
{
	struct xr_stats_opts o = {.top = 10, .ports = false};
	struct xr_stats_report r;
	struct xr_stats_snap s;

	(void)state;
	make_snap(&s, "eth0");
	assert_int_equal(xr_stats_report_build(&s, NULL, &o, &r), 0);
	assert_int_equal(r.nrules, 3);
	assert_string_equal(r.rules[0].service, "HTTPS");
	assert_int_equal(r.rules[0].total.pass_packets, 3);
	assert_string_equal(r.rules[1].service, "media");
	assert_int_equal(r.rules[1].first_port, 44200);
	assert_int_equal(r.rules[1].last_port, 44300);
	assert_int_equal(r.rules[1].total.pass_packets, 15);
	assert_int_equal(r.rules[1].total.pass_bytes, 1500);
	assert_int_equal(r.rules[2].total.pass_packets, 0);
	/* What no rule covers, per protocol. */
	assert_int_equal(r.other[XR_PROTO_TCP].total.drop_packets, 20);
	assert_int_equal(r.other[XR_PROTO_UDP].total.drop_packets, 7);
	assert_int_equal(r.other[XR_PROTO_UDP].total.drop_bytes, 700);
	assert_int_equal(r.other[XR_PROTO_UDP].total.pass_packets, 0);
	assert_int_equal(r.classes[XR_CLASS_ICMP].total.pass_packets, 2);
	assert_true(r.interval == 0);
	assert_int_equal(r.ntop, 2);
	assert_string_equal(r.top[0].service, ""); /* 6379: no rule */
	assert_int_equal(r.nports, 0);		   /* not asked for */
	xr_stats_report_free(&r);
	xr_stats_snap_free(&s);
}

static void test_report_ports_expanded_with_service(void **state)
{
	struct xr_stats_opts o = {.top = 0, .ports = true};
	struct xr_stats_report r;
	struct xr_stats_snap s;

	(void)state;
	make_snap(&s, "eth0");
	assert_int_equal(xr_stats_report_build(&s, NULL, &o, &r), 0);
	assert_int_equal(r.nports,
			 5); /* tcp 443, 6379, udp 44200, 44300, 44301 */
	assert_int_equal(r.ports[0].proto, XR_PROTO_TCP);
	assert_int_equal(r.ports[0].first_port, 443);
	assert_string_equal(r.ports[0].service, "HTTPS");
	assert_int_equal(r.ports[1].first_port, 6379);
	assert_string_equal(r.ports[1].service, "");
	assert_int_equal(r.ports[2].first_port, 44200);
	assert_string_equal(r.ports[2].service, "media");
	assert_int_equal(r.ports[3].first_port, 44300);
	assert_string_equal(r.ports[3].service, "media");
	assert_int_equal(r.ports[4].first_port, 44301);
	assert_int_equal(r.ports[4].total.drop_packets, 7);
	assert_int_equal(r.ntop, 0);
	xr_stats_report_free(&r);
	xr_stats_snap_free(&s);
}

static void test_report_rates_from_two_snapshots(void **state)
{
	struct xr_stats_opts o = {.top = 3, .ports = true};
	struct xr_stats_snap prev, cur, other;
	struct xr_stats_report r;
	struct xr_rate rt;

	(void)state;
	make_snap(&prev, "eth0");
	make_snap(&cur, "eth0");
	cur.mono = prev.mono + 2.0;
	slot(&cur, XR_PROTO_UDP, 44250)->pass_packets = 40;
	slot(&cur, XR_PROTO_UDP, 44250)->pass_bytes = 4000;
	slot(&cur, XR_PROTO_TCP, 6379)->drop_packets += 10;
	slot(&cur, XR_PROTO_TCP, 6379)->drop_bytes += 600;
	cur.classes[XR_CLASS_ICMP].pass_packets += 4;
	assert_int_equal(xr_stats_report_build(&cur, &prev, &o, &r), 0);
	assert_true(r.interval == 2.0);
	assert_int_equal(r.rules[1].delta.pass_packets, 40);
	assert_int_equal(r.rules[0].delta.pass_packets, 0);
	xr_stats_rate(&r.rules[1].delta, r.interval, &rt);
	assert_true(rt.pass_pps == 20.0);
	assert_true(rt.pass_bps == 16000.0);
	assert_int_equal(r.other[XR_PROTO_TCP].delta.drop_packets, 10);
	assert_int_equal(r.classes[XR_CLASS_ICMP].delta.pass_packets, 4);
	assert_int_equal(r.top[0].delta.drop_packets, 10);
	assert_int_equal(r.top[0].delta.drop_bytes, 600);
	xr_stats_report_free(&r);

	/* Another interface's snapshot is no base for rates. */
	make_snap(&other, "eth1");
	other.mono = 1.0;
	assert_int_equal(xr_stats_report_build(&cur, &other, &o, &r), 0);
	assert_true(r.interval == 0);
	assert_int_equal(r.rules[1].delta.pass_packets, 0);
	xr_stats_report_free(&r);
	xr_stats_snap_free(&other);
	xr_stats_snap_free(&prev);
	xr_stats_snap_free(&cur);
}

/* ---- rendering */

static void test_table_rows_and_rates(void **state)
{
	struct xr_stats_opts o = {.top = 10};
	struct xr_stats_snap prev, cur;
	struct xr_stats_report r;
	char *out = NULL;

	(void)state;
	make_snap(&cur, "eth0");
	assert_int_equal(xr_stats_report_build(&cur, NULL, &o, &r), 0);
	CAPTURE(out, f, xr_stats_print_table(f, &r, &o));
	assert_non_null(strstr(
		out, "eth0: profile reflector-caddy, digest 0123456789abcdef, "
		     "3 rules, loaded 2023-11-14T22:13:20Z, mode enforce\n"));
	assert_int_equal(count_lines(out, "media "),
			 1); /* the range, one row */
	assert_non_null(strstr(out, "44200-44300"));
	assert_int_equal(count_lines(out, "(other ports) "), 2);
	assert_int_equal(count_lines(out, "ICMP "), 1);
	assert_int_equal(count_lines(out, "replies "), 1);
	assert_int_equal(count_lines(out, "TOP DROPPED "), 1);
	assert_null(strstr(out, "PKT/S")); /* no rates from one snapshot */
	free(out);
	xr_stats_report_free(&r);

	make_snap(&prev, "eth0");
	cur.mono = prev.mono + 1;
	o.ports = true;
	assert_int_equal(xr_stats_report_build(&cur, &prev, &o, &r), 0);
	CAPTURE(out, f, xr_stats_print_table(f, &r, &o));
	assert_non_null(strstr(out, "rates over 1.0 s"));
	assert_non_null(strstr(out, "PASS PKT/S"));
	assert_non_null(strstr(out, "DROP BIT/S"));
	assert_null(strstr(out, "44200-44300")); /* --ports: one port a row */
	assert_int_equal(count_lines(out, "media "), 2);
	free(out);
	xr_stats_report_free(&r);
	xr_stats_snap_free(&prev);
	xr_stats_snap_free(&cur);
}

static void test_json_keys_and_numbers(void **state)
{
	struct xr_stats_opts o = {.top = 10, .ports = true};
	struct xr_stats_report r;
	struct xr_stats_snap s;
	struct json j;
	char *out = NULL;

	(void)state;
	make_snap(&s, "eth0");
	snprintf(s.policy.features, sizeof(s.policy.features), "livekit,ssh");
	snprintf(s.rules[1].feature, sizeof(s.rules[1].feature), "livekit");
	assert_int_equal(xr_stats_report_build(&s, NULL, &o, &r), 0);
	CAPTURE(out, f, {
		json_init(&j, f);
		xr_stats_print_json(&j, &r, &o);
		json_finish(&j);
	});
	assert_non_null(strstr(
		out,
		"{\"interface\":\"eth0\",\"profile\":\"reflector-caddy\","
		"\"digest\":\"0123456789abcdef\",\"features\":[\"livekit\","
		"\"ssh\"],\"loaded_at\":1700000000,\"mode\":\"enforce\","
		"\"counting_since\":0,\"rules\":["));
	assert_non_null(
		strstr(out, "{\"service\":\"media\",\"feature\":\"livekit\","
			    "\"protocol\":\"udp\",\"first_port\":44200,\"last_"
			    "port\":44300,\"counting_since\":0,\"passed\":{"
			    "\"packets\":15,\"bytes\":1500},\"dropped\":{"
			    "\"packets\":0,\"bytes\":0},\"would_drop\":{"
			    "\"packets\":0,\"bytes\":0},\"guard\":{\"packets\":0,"
			    "\"bytes\":0},\"rate_limited\":{\"packets\":0,\"bytes\":0}}"));
	assert_non_null(strstr(
		out,
		"\"other_ports\":{\"tcp\":{\"passed\":{\"packets\":0,\"bytes\":"
		"0},\"dropped\":{\"packets\":20,\"bytes\":1200},"
		"\"would_drop\":{\"packets\":0,\"bytes\":0}},\"udp\":"));
	assert_non_null(strstr(out, "\"classes\":{\"non_ip\":{"));
	assert_non_null(strstr(
		out, "\"icmp\":{\"passed\":{\"packets\":2,\"bytes\":196}"));
	assert_non_null(strstr(out, "\"reply\":{"));
	assert_non_null(
		strstr(out, "\"top_dropped\":[{\"protocol\":\"tcp\",\"port\":"
			    "6379,\"service\":\"\",\"packets\":20,\"bytes\":"
			    "1200},{\"protocol\":\"udp\",\"port\":44301,"));
	assert_non_null(strstr(
		out,
		"\"ports\":[{\"protocol\":\"tcp\",\"port\":443,\"service\":"
		"\"HTTPS\",\"passed\":{\"packets\":3,\"bytes\":300}"));
	assert_null(strstr(out, "interval_seconds"));
	assert_null(strstr(out, "\"rate\""));
	assert_string_equal(out + strlen(out) - 3, "]}\n");
	free(out);
	xr_stats_report_free(&r);
	xr_stats_snap_free(&s);
}

static void test_prometheus_shape_and_values(void **state)
{
	struct xr_stats_opts o = {.top = 10};
	struct xr_stats_report r;
	struct xr_stats_snap s;
	char *out = NULL;

	(void)state;
	make_snap(&s, "eth0");
	assert_int_equal(xr_stats_report_build(&s, NULL, &o, &r), 0);
	CAPTURE(out, f, xr_stats_print_prometheus(f, &r, 1));
	assert_non_null(strstr(out, "# HELP xdp_reflector_packets_total "));
	assert_non_null(
		strstr(out, "# TYPE xdp_reflector_packets_total counter\n"));
	assert_non_null(
		strstr(out, "xdp_reflector_packets_total{interface=\"eth0\","
			    "service=\"media\",protocol=\"udp\",port=\"44200-"
			    "44300\",verdict=\"pass\"} 15\n"));
	assert_non_null(
		strstr(out, "xdp_reflector_bytes_total{interface=\"eth0\","
			    "service=\"media\",protocol=\"udp\",port=\"44200-"
			    "44300\",verdict=\"pass\"} 1500\n"));
	assert_non_null(strstr(
		out,
		"xdp_reflector_packets_total{interface=\"eth0\",service=\"\","
		"protocol=\"tcp\",port=\"other\",verdict=\"drop\"} 20\n"));
	assert_non_null(strstr(
		out, "# TYPE xdp_reflector_class_packets_total counter\n"));
	assert_non_null(
		strstr(out, "xdp_reflector_class_packets_total{interface="
			    "\"eth0\",class=\"icmp\",verdict=\"pass\"} 2\n"));
	assert_non_null(
		strstr(out, "xdp_reflector_class_bytes_total{interface="
			    "\"eth0\",class=\"icmp\",verdict=\"pass\"} 196\n"));
	assert_non_null(strstr(
		out, "# TYPE xdp_reflector_top_dropped_packets gauge\n"));
	assert_non_null(
		strstr(out, "xdp_reflector_top_dropped_packets{interface="
			    "\"eth0\",protocol=\"tcp\",port=\"6379\"} 20\n"));
	assert_non_null(
		strstr(out, "xdp_reflector_top_dropped_bytes{interface="
			    "\"eth0\",protocol=\"udp\",port=\"44301\"} 700\n"));
	assert_non_null(strstr(
		out, "xdp_reflector_policy_info{interface=\"eth0\",profile="
		     "\"reflector-caddy\",digest=\"0123456789abcdef\","
		     "mode=\"enforce\"} 1\n"));
	assert_non_null(strstr(
		out, "# TYPE xdp_reflector_policy_loaded_timestamp_seconds "
		     "gauge\nxdp_reflector_policy_loaded_timestamp_seconds{"
		     "interface=\"eth0\"} 1700000000\n"));
	/* Bounded: 2 families x 3 verdicts x (3 rules + 2 other), 2 x 7 x 3
	 * classes, 2 x 2 top ports, 3 policy series. */
	assert_int_equal(count_lines(out, "xdp_reflector_packets_total{") +
				 count_lines(out, "xdp_reflector_bytes_total{"),
			 30);
	assert_int_equal(count_lines(out, "xdp_reflector_class_"),
			 2 * XR_CLASS_MAX * 3);
	assert_int_equal(count_lines(out, "xdp_reflector_top_dropped_"), 4);
	assert_int_equal(count_lines(out, "# HELP "), 12);
	assert_int_equal(count_lines(out, "# TYPE "), 12);
	assert_null(
		strstr(out, "port=\"44200\"")); /* never a per-port series */
	free(out);
	xr_stats_report_free(&r);
	xr_stats_snap_free(&s);
}

/*
 * Guard and rate drops (xr_limit_stats, per port) belong to the rule whose
 * ports they hit, in every format; a port of no rule adds to none.
 */
static void test_limits_per_rule_in_every_format(void **state)
{
	struct xr_stats_opts o = {.top = 10};
	struct xr_stats_limited fast = {.source = "192.0.2.7",
					.proto = XR_PROTO_TCP,
					.port = 22,
					.dropped = 40};
	struct xr_stats_report r;
	struct xr_stats_snap s;
	char *out = NULL;

	(void)state;
	make_snap(&s, "eth0");
	s.limits = calloc(XR_STAT_KEYS, sizeof(*s.limits));
	assert_non_null(s.limits);
	/* Both ends of the media range, and one port past it. */
	s.limits[xr_stat_key(XR_PROTO_UDP, 44200)] =
		(struct xr_limit_counters){100, 6000, 0, 0};
	s.limits[xr_stat_key(XR_PROTO_UDP, 44300)] =
		(struct xr_limit_counters){23, 1380, 0, 0};
	s.limits[xr_stat_key(XR_PROTO_UDP, 44301)] =
		(struct xr_limit_counters){1000, 60000, 0, 0};
	s.limits[xr_stat_key(XR_PROTO_TCP, 22)] =
		(struct xr_limit_counters){0, 0, 40, 2400};
	xr_stats_add_limited(&s, &fast);
	assert_int_equal(xr_stats_report_build(&s, NULL, &o, &r), 0);

	assert_int_equal(r.rules[1].limited.guard_packets, 123);
	assert_int_equal(r.rules[1].limited.guard_bytes, 7380);
	assert_int_equal(r.rules[2].limited.rate_packets, 40);
	assert_int_equal(r.rules[0].limited.guard_packets +
				 r.rules[0].limited.rate_packets,
			 0);
	/* Not the rule's drops: the port allows these packets. */
	assert_int_equal(r.rules[1].total.drop_packets, 0);

	CAPTURE(out, f, xr_stats_print_table(f, &r, &o));
	assert_non_null(strstr(out, "DROPPED BY A LIMIT"));
	assert_non_null(strstr(out, "media"));
	assert_true(count_lines(out, "media ") >= 2);
	assert_non_null(strstr(out, "TOP RATE-LIMITED SOURCES"));
	free(out);

	out = NULL;
	CAPTURE(out, f, {
		struct json j;

		json_init(&j, f);
		xr_stats_print_json(&j, &r, &o);
		json_finish(&j);
	});
	assert_non_null(strstr(out, "\"guard\":{\"packets\":123,\"bytes\":7380}"));
	assert_non_null(strstr(out, "\"rate_limited\":{\"packets\":40,\"bytes\":2400}"));
	free(out);

	out = NULL;
	CAPTURE(out, f, xr_stats_print_prometheus(f, &r, 1));
	assert_non_null(strstr(
		out, "xdp_reflector_limited_packets_total{interface=\"eth0\","
		     "service=\"media\",protocol=\"udp\",port=\"44200-44300\","
		     "reason=\"guard\"} 123\n"));
	assert_non_null(strstr(
		out, "xdp_reflector_limited_bytes_total{interface=\"eth0\","
		     "service=\"SSH\",protocol=\"tcp\",port=\"22\","
		     "reason=\"rate\"} 2400\n"));
	assert_non_null(strstr(
		out, "xdp_reflector_top_limited_source_dropped_packets{"
		     "interface=\"eth0\",source=\"192.0.2.7\","
		     "protocol=\"tcp\",port=\"22\"} 40\n"));
	/* 2 reasons x 3 rules, packets and bytes. */
	assert_int_equal(count_lines(out, "xdp_reflector_limited_"), 12);
	free(out);
	xr_stats_report_free(&r);
	xr_stats_snap_free(&s);
}

/* KEY as bpf/rate.h stores it: the two native words W0 and W1. */
static void rate_key_store(struct xr_rate_key *key, __u64 w0, __u64 w1)
{
	memcpy(key, &w0, sizeof(w0));
	memcpy((__u8 *)key + sizeof(w0), &w1, sizeof(w1));
}

/*
 * A rate slot's key as bpf/rate.h stores it (two native words: bucket |
 * family << 32, then the source word loaded from the packet) reads back
 * as the packet's address bytes, whatever the host's byte order.
 */
static void test_rate_key_read_as_the_program_writes_it(void **state)
{
	static const __u8 pkt4[4] = { 192, 0, 2, 7 };
	static const __u8 pkt6[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0x42 };
	struct xr_rate_key key;
	__u8 addr[8], family, zero[4] = { 0 };
	__u64 w1;
	__u32 raw4, bucket;

	(void)state;
	memcpy(&raw4, pkt4, sizeof(raw4)); /* a native load from the packet */
	rate_key_store(&key,
		       (__u64)(XR_PROTO_TCP << 16 | 2222) | (__u64)4 << 32,
		       raw4);
	xr_rate_key_read(&key, &bucket, &family, addr);
	assert_int_equal(bucket, XR_PROTO_TCP << 16 | 2222);
	assert_int_equal(family, 4);
	assert_memory_equal(addr, pkt4, 4);
	assert_memory_equal(addr + 4, zero, 4);

	memcpy(&w1, pkt6, 8);
	rate_key_store(&key,
		       (__u64)(XR_PROTO_UDP << 16 | 3478) | (__u64)6 << 32, w1);
	xr_rate_key_read(&key, &bucket, &family, addr);
	assert_int_equal(bucket, XR_PROTO_UDP << 16 | 3478);
	assert_int_equal(family, 6);
	assert_memory_equal(addr, pkt6, 8);
}

static void test_prometheus_families_once_for_two_interfaces(void **state)
{
	struct xr_stats_opts o = {.top = 10};
	struct xr_stats_report r[2];
	struct xr_stats_snap s[2];
	char *out = NULL, *a, *b, *help;

	(void)state;
	make_snap(&s[0], "eth0");
	make_snap(&s[1], "eth1");
	assert_int_equal(xr_stats_report_build(&s[0], NULL, &o, &r[0]), 0);
	assert_int_equal(xr_stats_report_build(&s[1], NULL, &o, &r[1]), 0);
	CAPTURE(out, f, xr_stats_print_prometheus(f, r, 2));
	assert_int_equal(count_lines(out, "# HELP "), 12);
	/* A family's series stay together: both interfaces before the next
	 * HELP. */
	a = strstr(out, "xdp_reflector_packets_total{interface=\"eth0\"");
	b = strstr(out, "xdp_reflector_packets_total{interface=\"eth1\"");
	help = strstr(out, "# HELP xdp_reflector_bytes_total");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b && b < help);
	free(out);
	xr_stats_report_free(&r[0]);
	xr_stats_report_free(&r[1]);
	xr_stats_snap_free(&s[0]);
	xr_stats_snap_free(&s[1]);
}

static void test_prometheus_label_escaping_and_duplicates(void **state)
{
	struct xr_stats_opts o = {.top = 0};
	struct xr_stats_report r;
	struct xr_stats_snap s;
	char *out = NULL;

	(void)state;
	make_snap(&s, "eth0");
	snprintf(s.rules[0].service, sizeof(s.rules[0].service),
		 "say \"hi\"\\back\nslash");
	/* Two rules with the same labels would be a duplicate series. */
	s.rules[2] = s.rules[1];
	assert_int_equal(xr_stats_report_build(&s, NULL, &o, &r), 0);
	CAPTURE(out, f, xr_stats_print_prometheus(f, &r, 1));
	assert_non_null(
		strstr(out, "service=\"say \\\"hi\\\"\\\\back\\nslash\""));
	assert_int_equal(count_lines(out,
				     "xdp_reflector_packets_total{interface="
				     "\"eth0\",service=\"media\""),
			 3);
	assert_int_equal(count_lines(out, "xdp_reflector_top_dropped_packets{"),
			 0);
	free(out);

	CAPTURE(out, f, xr_stats_prom_escape(f, "a\"b\\c\nd"));
	assert_string_equal(out, "a\\\"b\\\\c\\nd");
	free(out);
	xr_stats_report_free(&r);
	xr_stats_snap_free(&s);
}

static void test_textfile_atomic_write(void **state)
{
	struct xr_stats_opts o = {.top = 10};
	char dir[] = "/tmp/xr-test-stats-XXXXXX", path[512], *want = NULL;
	char got[65536];
	struct xr_stats_report r;
	struct xr_stats_snap s;
	struct dirent *de;
	struct stat st;
	size_t n;
	DIR *d;
	FILE *f;
	int files = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	make_snap(&s, "eth0");
	assert_int_equal(xr_stats_report_build(&s, NULL, &o, &r), 0);
	assert_int_equal(xr_stats_write_textfile(dir, &r), 0);
	assert_int_equal(xr_stats_write_textfile(dir, &r), 0); /* replaces */
	snprintf(path, sizeof(path), "%s/xdp_reflector_eth0.prom", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	CAPTURE(want, g, xr_stats_print_prometheus(g, &r, 1));
	assert_string_equal(got, want);
	free(want);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		files += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	assert_int_equal(files, 1); /* no temp file left */
	unlink(path);
	rmdir(dir);
	assert_int_equal(xr_stats_write_textfile(dir, &r), -ENOENT);
	xr_stats_report_free(&r);
	xr_stats_snap_free(&s);
}

/*
 * Monitor mode and counters per rule identity in every rendering: the
 * media rule carried 100 passed packets from before a reload whose base
 * was 10 (so 100 + 15 - 10), a removed rule is listed once with its
 * counts, 6379's would-drops show.
 */
static void test_monitor_ledger_and_removed_rules(void **state)
{
	struct xr_stats_opts o = {.top = 0};
	struct xr_stats_report r;
	struct xr_stats_snap s;
	struct json j;
	char *out = NULL;

	(void)state;
	make_snap(&s, "eth0");
	s.monitor = true;
	s.counters_since = 1700000000;
	slot(&s, XR_PROTO_TCP, 6379)->would_drop_packets = 4;
	slot(&s, XR_PROTO_TCP, 6379)->would_drop_bytes = 240;
	s.ledger = calloc(3, sizeof(*s.ledger));
	s.removed = calloc(1, sizeof(*s.removed));
	assert_non_null(s.ledger);
	assert_non_null(s.removed);
	s.ledger[0].since = s.ledger[2].since = 1700000000;
	s.ledger[1].since = 1600000000;
	s.ledger[1].carried.pass_packets = 100;
	s.ledger[1].base.pass_packets = 10;
	s.nremoved = 1;
	set_rule(&s.removed[0].info, "gone", XR_PROTO_UDP, 5000, 5000);
	s.removed[0].carried.pass_packets = 42;
	s.removed[0].since = 1600000000;
	s.removed[0].removed_at = 1700000000;
	assert_int_equal(xr_stats_report_build(&s, NULL, &o, &r), 0);
	assert_int_equal(r.rules[1].total.pass_packets, 105);
	assert_int_equal(r.rules[1].since, 1600000000);
	assert_int_equal(r.nremoved, 1);
	assert_true(r.would_drop);

	CAPTURE(out, f, xr_stats_print_table(f, &r, &o));
	assert_non_null(strstr(out, "mode monitor (nothing is dropped)"));
	assert_non_null(strstr(out, "WOULD PKT"));
	assert_int_equal(count_lines(out, "REMOVED RULE "), 1);
	assert_int_equal(count_lines(out, "  media "), 1); /* its since */
	assert_int_equal(count_lines(out, "  HTTPS "), 0); /* since the start */
	free(out);

	CAPTURE(out, f, {
		json_init(&j, f);
		xr_stats_print_json(&j, &r, &o);
		json_finish(&j);
	});
	assert_non_null(strstr(out, "\"mode\":\"monitor\""));
	assert_non_null(strstr(out, "\"removed_rules\":[{\"service\":\"gone\""));
	assert_non_null(strstr(out, "\"counting_since\":1600000000,"
				    "\"removed_at\":1700000000,\"passed\":{"
				    "\"packets\":42,"));
	assert_non_null(strstr(out, "\"would_drop\":{\"packets\":4,\"bytes\":240}"));
	free(out);

	CAPTURE(out, f, xr_stats_print_prometheus(f, &r, 1));
	assert_non_null(strstr(out, "mode=\"monitor\"} 1\n"));
	assert_non_null(strstr(out, "xdp_reflector_packets_total{interface="
				    "\"eth0\",service=\"\",protocol=\"tcp\","
				    "port=\"other\",verdict=\"would_drop\"} 4\n"));
	assert_non_null(strstr(out, "xdp_reflector_packets_total{interface="
				    "\"eth0\",service=\"media\",protocol="
				    "\"udp\",port=\"44200-44300\",verdict="
				    "\"pass\"} 105\n"));
	free(out);
	xr_stats_report_free(&r);
	xr_stats_snap_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_human_counts_si_three_figures),
		cmocka_unit_test(test_human_bytes_iec),
		cmocka_unit_test(test_port_labels),
		cmocka_unit_test(test_sum_range_one_protocol_inclusive),
		cmocka_unit_test(test_delta_and_reset),
		cmocka_unit_test(test_rates_packets_and_bits_per_second),
		cmocka_unit_test(test_top_dropped_order_and_ties),
		cmocka_unit_test(test_top_dropped_full_scan),
		cmocka_unit_test(test_report_rule_sums_other_ports_classes),
		cmocka_unit_test(test_report_ports_expanded_with_service),
		cmocka_unit_test(test_report_rates_from_two_snapshots),
		cmocka_unit_test(test_table_rows_and_rates),
		cmocka_unit_test(test_json_keys_and_numbers),
		cmocka_unit_test(test_prometheus_shape_and_values),
		cmocka_unit_test(
			test_prometheus_families_once_for_two_interfaces),
		cmocka_unit_test(test_prometheus_label_escaping_and_duplicates),
		cmocka_unit_test(test_limits_per_rule_in_every_format),
		cmocka_unit_test(test_rate_key_read_as_the_program_writes_it),
		cmocka_unit_test(test_textfile_atomic_write),
		cmocka_unit_test(test_monitor_ledger_and_removed_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
