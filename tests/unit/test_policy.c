// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the profile parser (yaml_doc.c, profile.c, extends.c,
 * overlap.c), the toggles (toggles.c) and the compiler (policy.c): port
 * and CIDR parsing, small profiles written to a temporary directory and
 * compiled with toggles, the port tables and xr_policy_allows(), extends,
 * never_expose, limits, digests and error locations.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <endian.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy.h"
#include "sources.h" /* the packet path's search, compiled natively */
#include "profile.h"
#include "toggles.h"
#include "yaml_doc.h" /* the file limits */

static char tmpdir[256];

/* Write TEXT to tmpdir/NAME and return the path (static: copy to keep it). */
static const char *put(const char *name, const char *text)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return path;
}

static int build(const char *text, const struct xr_toggles *t,
		 struct xr_policy **p)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", put("p.yaml", text));
	return xr_policy_build(path, t, p);
}

static struct xr_policy *build_ok(const char *text, const struct xr_toggles *t)
{
	struct xr_policy *p = NULL;
	int err = build(text, t, &p);

	if (err)
		fail_msg("profile failed to build (%d): %s", err,
			 xr_last_error());
	return p;
}

/* Building TEXT fails: -EINVAL, one error at FILE:LINE:COL saying WHAT. */
static void build_fails_in(const char *file, const char *text,
			   const struct xr_toggles *t, unsigned int line,
			   unsigned int col, const char *what)
{
	struct xr_policy *p = NULL;
	char where[PATH_MAX + 64];
	int err = build(text, t, &p);

	assert_int_equal(err, -EINVAL);
	assert_null(p);
	snprintf(where, sizeof(where), "%s/%s:%u:%u: error: ", tmpdir, file,
		 line, col);
	if (strncmp(xr_last_error(), where, strlen(where)))
		fail_msg("error '%s' is not at '%s'", xr_last_error(), where);
	if (!strstr(xr_last_error(), what))
		fail_msg("error '%s' does not say '%s'", xr_last_error(), what);
}

static void build_fails(const char *text, const struct xr_toggles *t,
			unsigned int line, unsigned int col, const char *what)
{
	build_fails_in("p.yaml", text, t, line, col, what);
}

static const uint8_t *v4(const char *s)
{
	static uint8_t a[16];

	assert_int_equal(inet_pton(AF_INET, s, a), 1);
	return a;
}

static const uint8_t *v6(const char *s)
{
	static uint8_t a[16];

	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
	return a;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/xr-test-policy-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	xr_errors_quiet(true);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- ports ---- */

static void test_ports_single_and_range(void **state)
{
	uint16_t a = 0, b = 0;
	char why[256];

	(void)state;
	assert_int_equal(xr_parse_ports("443", false, &a, &b, why, sizeof(why)),
			 0);
	assert_int_equal(a, 443);
	assert_int_equal(b, 443);
	assert_int_equal(
		xr_parse_ports("44200-44300", true, &a, &b, why, sizeof(why)),
		0);
	assert_int_equal(a, 44200);
	assert_int_equal(b, 44300);
	assert_int_equal(
		xr_parse_ports("1 - 65535", true, &a, &b, why, sizeof(why)), 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 65535);
	assert_int_equal(xr_parse_ports("7-7", true, &a, &b, why, sizeof(why)),
			 0);
	assert_int_equal(a, 7);
	assert_int_equal(b, 7);
}

static void test_ports_rejects_zero_big_text_and_inverted(void **state)
{
	static const char *const bad[] = {"0",	"65536", "99999999999", "https",
					  "-1", "+443",	 "0x1bb",	"443.0",
					  "",	"1-",	 "-5",		"1-0"};
	uint16_t a = 1, b = 1;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (xr_parse_ports(bad[i], true, &a, &b, why, sizeof(why)) !=
		    -EINVAL)
			fail_msg("'%s' accepted as %u-%u", bad[i], a, b);
	}
	assert_int_equal(
		xr_parse_ports("44300-44200", true, &a, &b, why, sizeof(why)),
		-EINVAL);
	assert_non_null(strstr(why, "write '44200-44300'"));
	assert_int_equal(xr_parse_ports("0", false, &a, &b, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "1 to 65535"));
	/* A range where one port is expected says how to write a range. */
	assert_int_equal(
		xr_parse_ports("10-20", false, &a, &b, why, sizeof(why)),
		-EINVAL);
	assert_non_null(strstr(why, "ports: 10-20"));
}

/* ---- CIDRs ---- */

static void test_cidr_v4_v6_and_bare_addresses(void **state)
{
	struct xr_cidr c;
	char why[256], text[64];

	(void)state;
	assert_int_equal(xr_parse_cidr("10.0.0.0/8", &c, why, sizeof(why)), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefixlen, 8);
	assert_memory_equal(c.addr, v4("10.0.0.0"), 4);
	assert_int_equal(xr_parse_cidr("192.0.2.7", &c, why, sizeof(why)), 0);
	assert_int_equal(c.prefixlen, 32);
	assert_int_equal(xr_parse_cidr("2001:db8::/32", &c, why, sizeof(why)),
			 0);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.prefixlen, 32);
	assert_memory_equal(c.addr, v6("2001:db8::"), 16);
	assert_int_equal(xr_parse_cidr("2001:db8::1", &c, why, sizeof(why)), 0);
	assert_int_equal(c.prefixlen, 128);
	assert_int_equal(xr_parse_cidr("0.0.0.0/0", &c, why, sizeof(why)), 0);
	assert_int_equal(c.prefixlen, 0);
	xr_cidr_format(&c, text, sizeof(text));
	assert_string_equal(text, "0.0.0.0/0");
}

static void test_cidr_rejects_host_bits_with_the_network(void **state)
{
	struct xr_cidr c;
	char why[256];

	(void)state;
	assert_int_equal(xr_parse_cidr("10.1.2.3/8", &c, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "did you mean '10.0.0.0/8'?"));
	assert_int_equal(xr_parse_cidr("192.0.2.128/25", &c, why, sizeof(why)),
			 0);
	assert_int_equal(xr_parse_cidr("192.0.2.129/24", &c, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "'192.0.2.0/24'"));
	assert_int_equal(xr_parse_cidr("2001:db8::1/64", &c, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "'2001:db8::/64'"));
}

static void test_cidr_rejects_bad_text_prefix_and_mapped(void **state)
{
	static const char *const bad[] = {
		"10.0.0.0/33",	"2001:db8::/129", "10.0.0.300",
		"10.0.0.0/",	"10.0.0.0/-1",	  "10.0.0.0/8/8",
		"fe80::1%eth0", "host.example",	  "",
		"/8",		"10.0.0.0/08a",	  "::ffff:192.0.2.1",
		"::/0",		"::/80"};
	struct xr_cidr c;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (xr_parse_cidr(bad[i], &c, why, sizeof(why)) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(
		xr_parse_cidr("::ffff:192.0.2.0/120", &c, why, sizeof(why)),
		-EINVAL);
	assert_non_null(strstr(why, "'192.0.2.0/24'"));
	/* IPv6 space beside the mapped range is fine. */
	assert_int_equal(xr_parse_cidr("::/1", &c, why, sizeof(why)), -EINVAL);
	assert_int_equal(xr_parse_cidr("8000::/1", &c, why, sizeof(why)), 0);
	assert_int_equal(xr_parse_cidr("2000::/3", &c, why, sizeof(why)), 0);
}

static void test_cidr_format_round_trips(void **state)
{
	static const char *const good[] = {"10.0.0.0/8", "192.0.2.7/32",
					   "2001:db8::/32", "2001:db8:1::5/128",
					   "0.0.0.0/0"};
	struct xr_cidr c;
	char why[256], text[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(xr_parse_cidr(good[i], &c, why, sizeof(why)),
				 0);
		xr_cidr_format(&c, text, sizeof(text));
		assert_string_equal(text, good[i]);
	}
}

/* ---- compiling: rules and port tables ---- */

static void test_range_fills_exactly_its_ports(void **state)
{
	struct xr_policy *p;
	unsigned int port;

	(void)state;
	p = build_ok(
		"name: t\n"
		"allow:\n"
		"  - {service: Media, protocol: udp, ports: 44200-44300}\n",
		NULL);
	assert_int_equal(p->nrules, 1);
	assert_int_equal(p->rules[0].proto, XR_PROTO_UDP);
	for (port = 44200; port <= 44300; port++) {
		assert_int_equal(p->ports[XR_PROTO_UDP][port].flags,
				 XR_PORT_ALLOW);
		assert_int_equal(p->ports[XR_PROTO_UDP][port].rule, 0);
	}
	assert_int_equal(p->ports[XR_PROTO_UDP][44199].flags, 0);
	assert_int_equal(p->ports[XR_PROTO_UDP][44301].flags, 0);
	assert_int_equal(p->ports[XR_PROTO_TCP][44200].flags, 0);
	assert_true(xr_policy_allows(p, XR_PROTO_UDP, 44250, AF_INET,
				     v4("198.51.100.1")));
	assert_false(xr_policy_allows(p, XR_PROTO_UDP, 44301, AF_INET,
				      v4("198.51.100.1")));
	assert_false(xr_policy_allows(p, XR_PROTO_TCP, 44250, AF_INET,
				      v4("198.51.100.1")));
	assert_false(
		xr_policy_allows(p, 7, 44250, AF_INET, v4("198.51.100.1")));
	xr_policy_free(p);
}

static void test_both_gives_two_rules_sorted_by_proto_then_port(void **state)
{
	struct xr_policy *p;
	size_t i, port, allowed = 0;

	(void)state;
	p = build_ok("name: t\n"
		     "allow:\n"
		     "  - {service: Media, protocol: udp, ports: 50000-50010}\n"
		     "  - {service: HTTPS, protocol: tcp, port: 443}\n"
		     "  - {service: TURN, protocol: both, port: 3478}\n"
		     "  - {service: SSH, protocol: tcp, port: 22}\n",
		     NULL);
	assert_int_equal(p->nrules, 5);
	assert_int_equal(p->rules[0].proto, XR_PROTO_TCP);
	assert_int_equal(p->rules[0].first_port, 22);
	assert_int_equal(p->rules[1].first_port, 443);
	assert_int_equal(p->rules[2].first_port, 3478);
	assert_string_equal(p->rules[2].service, "TURN");
	assert_int_equal(p->rules[3].proto, XR_PROTO_UDP);
	assert_int_equal(p->rules[3].first_port, 3478);
	assert_int_equal(p->rules[4].first_port, 50000);
	assert_int_equal(p->rules[4].last_port, 50010);
	/* Every allowed port points at the rule that covers it. */
	for (i = 0; i < XR_PROTOS; i++) {
		for (port = 0; port < XR_PORTS_PER_PROTO; port++) {
			const struct xr_port_entry *e = &p->ports[i][port];
			const struct xr_rule *r;

			if (!e->flags)
				continue;
			allowed++;
			assert_true(e->rule < p->nrules);
			r = &p->rules[e->rule];
			assert_int_equal(r->proto, i);
			assert_true(r->first_port <= port &&
				    port <= r->last_port);
		}
	}
	assert_int_equal(allowed, 1 + 1 + 1 + 1 + 11);
	xr_policy_free(p);
}

static const char *features_profile =
	"name: t\n"
	"allow:\n"
	"  - {service: HTTPS, protocol: tcp, port: 443}\n"
	"features:\n"
	"  media:\n"
	"    description: WebRTC media\n"
	"    default: true\n"
	"    allow:\n"
	"      - {service: Media, protocol: udp, ports: 40000-40100}\n"
	"  dashboard:\n"
	"    default: false\n"
	"    sources: required\n"
	"    allow:\n"
	"      - {service: Dashboard, protocol: tcp, port: 8888}\n"
	"  admin:\n"
	"    allow:\n"
	"      - {service: Admin, protocol: tcp, port: 9000}\n";

static void test_feature_defaults_and_records(void **state)
{
	struct xr_policy *p;

	(void)state;
	p = build_ok(features_profile, NULL);
	assert_int_equal(p->nfeatures, 3);
	assert_string_equal(p->features[0].name, "media");
	assert_string_equal(p->features[0].description, "WebRTC media");
	assert_true(p->features[0].enabled);
	assert_false(p->features[1].enabled);
	assert_false(p->features[2].enabled); /* no default: off */
	assert_int_equal(p->nrules, 2);
	assert_string_equal(p->rules[0].feature, "");
	assert_string_equal(p->rules[1].feature, "media");
	assert_int_equal(p->ports[XR_PROTO_TCP][8888].flags, 0);
	assert_int_equal(p->ports[XR_PROTO_TCP][9000].flags, 0);
	xr_policy_free(p);
}

static void test_toggles_enable_and_disable(void **state)
{
	struct xr_toggles t = {.enable = {"admin"},
			       .nenable = 1,
			       .disable = {"media"},
			       .ndisable = 1};
	struct xr_policy *p;

	(void)state;
	p = build_ok(features_profile, &t);
	assert_false(p->features[0].enabled);
	assert_true(p->features[2].enabled);
	assert_int_equal(p->ports[XR_PROTO_UDP][40000].flags, 0);
	assert_int_equal(p->ports[XR_PROTO_TCP][9000].flags, XR_PORT_ALLOW);
	assert_string_equal(p->rules[p->ports[XR_PROTO_TCP][9000].rule].feature,
			    "admin");
	xr_policy_free(p);
}

static void test_unknown_toggle_lists_known_features(void **state)
{
	struct xr_toggles t = {.enable = {"dashbord"}, .nenable = 1};
	struct xr_toggles far = {.disable = {"nonsense"}, .ndisable = 1};

	(void)state;
	build_fails(features_profile, &t, 4, 1, "did you mean 'dashboard'?");
	assert_non_null(strstr(xr_last_error(), "media, dashboard, admin"));
	build_fails(features_profile, &far, 4, 1,
		    "known features: media, dashboard, admin");
}

static void test_sources_required_needs_a_source(void **state)
{
	struct xr_toggles t = {.enable = {"dashboard"}, .nenable = 1};

	(void)state;
	build_fails(features_profile, &t, 10, 3, "add --source dashboard=CIDR");
}

static void test_source_toggle_restricts_the_port(void **state)
{
	struct xr_toggles t = {
		.enable = {"dashboard"},
		.nenable = 1,
		.source = {"dashboard=192.0.2.0/24", "dashboard=2001:db8::/32"},
		.nsource = 2};
	const struct xr_rule *r;
	struct xr_policy *p;
	char text[64];

	(void)state;
	p = build_ok(features_profile, &t);
	assert_int_equal(p->ports[XR_PROTO_TCP][8888].flags,
			 XR_PORT_ALLOW | XR_PORT_SOURCES);
	r = &p->rules[p->ports[XR_PROTO_TCP][8888].rule];
	assert_int_equal(r->nsources, 2);
	xr_cidr_format(&r->sources[0], text, sizeof(text));
	assert_string_equal(text, "192.0.2.0/24");
	assert_true(xr_policy_allows(p, XR_PROTO_TCP, 8888, AF_INET,
				     v4("192.0.2.200")));
	assert_false(xr_policy_allows(p, XR_PROTO_TCP, 8888, AF_INET,
				      v4("192.0.3.1")));
	assert_true(xr_policy_allows(p, XR_PROTO_TCP, 8888, AF_INET6,
				     v6("2001:db8:5::1")));
	assert_false(xr_policy_allows(p, XR_PROTO_TCP, 8888, AF_INET6,
				      v6("2001:db9::1")));
	/* Other ports stay open to everyone. */
	assert_int_equal(p->ports[XR_PROTO_TCP][443].flags, XR_PORT_ALLOW);
	assert_true(xr_policy_allows(p, XR_PROTO_TCP, 443, AF_INET,
				     v4("192.0.3.1")));
	xr_policy_free(p);
}

static void test_bad_source_toggles(void **state)
{
	struct xr_toggles hostbits = {.enable = {"dashboard"},
				      .nenable = 1,
				      .source = {"dashboard=10.1.0.0/8"},
				      .nsource = 1};
	struct xr_toggles off = {.source = {"admin=10.0.0.0/8"}, .nsource = 1};
	struct xr_toggles noeq = {.source = {"10.0.0.0/8"}, .nsource = 1};
	struct xr_toggles both = {.enable = {"media"},
				  .nenable = 1,
				  .disable = {"media"},
				  .ndisable = 1};

	(void)state;
	build_fails(features_profile, &hostbits, 10, 3,
		    "did you mean '10.0.0.0/8'?");
	build_fails(features_profile, &off, 15, 3, "add --enable admin");
	build_fails(features_profile, &noeq, 4, 1, "expected FEATURE=CIDR");
	build_fails(features_profile, &both, 5, 3, "contradict");
}

static void test_allows_matches_sources_like_the_packet_path(void **state)
{
	struct xr_policy *p;

	(void)state;
	p = build_ok("name: t\n"
		     "allow:\n"
		     "  - {service: A, protocol: tcp, port: 1000,\n"
		     "     sources: [10.0.0.0/8, 192.0.2.7, 2001:db8::/32]}\n"
		     "  - {service: B, protocol: tcp, port: 2000, sources: "
		     "[0.0.0.0/0]}\n",
		     NULL);
	assert_true(xr_policy_allows(p, XR_PROTO_TCP, 1000, AF_INET,
				     v4("10.255.0.1")));
	assert_true(xr_policy_allows(p, XR_PROTO_TCP, 1000, AF_INET,
				     v4("192.0.2.7")));
	assert_false(xr_policy_allows(p, XR_PROTO_TCP, 1000, AF_INET,
				      v4("192.0.2.8")));
	assert_false(xr_policy_allows(p, XR_PROTO_TCP, 1000, AF_INET,
				      v4("11.0.0.1")));
	assert_true(xr_policy_allows(p, XR_PROTO_TCP, 1000, AF_INET6,
				     v6("2001:db8::42")));
	assert_false(xr_policy_allows(p, XR_PROTO_TCP, 1000, AF_INET6,
				      v6("2001:db9::42")));
	/* The trie holds IPv4 as ::ffff:a.b.c.d: so does the model. */
	assert_true(xr_policy_allows(p, XR_PROTO_TCP, 1000, AF_INET6,
				     v6("::ffff:10.1.1.1")));
	assert_false(xr_policy_allows(p, XR_PROTO_TCP, 1000, AF_INET6,
				      v6("::10.1.1.1")));
	assert_false(
		xr_policy_allows(p, XR_PROTO_TCP, 1000, 99, v4("10.1.1.1")));
	/* 0.0.0.0/0 is every IPv4 host and no IPv6 host. */
	assert_true(xr_policy_allows(p, XR_PROTO_TCP, 2000, AF_INET,
				     v4("203.0.113.9")));
	assert_false(xr_policy_allows(p, XR_PROTO_TCP, 2000, AF_INET6,
				      v6("2001:db8::1")));
	assert_false(xr_policy_allows(p, XR_PROTO_UDP, 1000, AF_INET,
				      v4("10.0.0.1")));
	xr_policy_free(p);
}

/* ---- never_expose, overlaps ---------------------------------------------- */

static void test_never_expose_names_both_entries(void **state)
{
	(void)state;
	build_fails(
		"name: t\n"
		"allow:\n"
		"  - {service: Everything, protocol: both, ports: 5000-7000}\n"
		"never_expose:\n"
		"  - {service: PostgreSQL, protocol: tcp, port: 5432}\n",
		NULL, 3, 5, "'Everything' 5000-7000/tcp+udp opens 5432/tcp");
	assert_non_null(
		strstr(xr_last_error(), "never_expose entry 'PostgreSQL' at "));
	assert_non_null(strstr(xr_last_error(), "/p.yaml:5:5 forbids"));
}

static void test_never_expose_checks_features_that_are_off(void **state)
{
	(void)state;
	build_fails("name: t\n"
		    "features:\n"
		    "  debug:\n"
		    "    default: false\n"
		    "    allow:\n"
		    "      - {service: Redis, protocol: tcp, port: 6379}\n"
		    "never_expose:\n"
		    "  - {service: Redis, protocol: tcp, port: 6379}\n",
		    NULL, 6, 9, "(feature debug, on or off) opens 6379/tcp");
}

static void test_overlaps_that_disagree_name_both(void **state)
{
	(void)state;
	build_fails("name: t\n"
		    "allow:\n"
		    "  - {service: A, protocol: tcp, ports: 1000-2000}\n"
		    "  - {service: B, protocol: udp, ports: 1000-2000}\n"
		    "  - {service: C, protocol: tcp, port: 1500}\n",
		    NULL, 5, 5, "'C' 1500/tcp overlaps 'A' 1000-2000/tcp at ");
	assert_non_null(strstr(xr_last_error(),
			       "/p.yaml:3:5, which has another service label"));
	build_fails("name: t\n"
		    "allow:\n"
		    "  - {service: A, protocol: tcp, port: 80, sources: "
		    "[10.0.0.0/8]}\n"
		    "  - {service: A, protocol: tcp, port: 80}\n",
		    NULL, 4, 5, "which has other sources");
	build_fails("name: t\n"
		    "allow:\n"
		    "  - {service: A, protocol: udp, ports: 10-20}\n"
		    "  - {service: A, protocol: udp, ports: 20-30}\n",
		    NULL, 4, 5, "which has another port range");
}

static void test_exact_repeat_warns_and_compiles_once(void **state)
{
	unsigned int before = xr_warning_count();
	struct xr_policy *p;

	(void)state;
	p = build_ok("name: t\n"
		     "allow:\n"
		     "  - {service: A, protocol: tcp, port: 80, sources: "
		     "[10.0.0.0/8, 192.0.2.0/24]}\n"
		     "  - {service: A, protocol: tcp, port: 80, sources: "
		     "[192.0.2.0/24, 10.0.0.0/8]}\n",
		     NULL);
	assert_int_equal(xr_warning_count(), before + 1);
	assert_non_null(strstr(
		xr_last_warning(),
		"/p.yaml:4:5: warning: 'A' 80/tcp repeats the entry at "));
	assert_int_equal(p->nrules, 1);
	assert_int_equal(p->rules[0].nsources, 2);
	xr_policy_free(p);
}

/* ---- extends ---- */

static void test_extends_merges_removes_and_overrides(void **state)
{
	struct xr_policy *p;
	size_t i;

	(void)state;
	put("base.yaml",
	    "name: base\n"
	    "description: the base\n"
	    "allow:\n"
	    "  - {service: HTTP, protocol: tcp, port: 80}\n"
	    "  - {service: HTTPS, protocol: tcp, port: 443}\n"
	    "features:\n"
	    "  media:\n"
	    "    default: true\n"
	    "    allow:\n"
	    "      - {service: Media, protocol: udp, ports: 40000-40100}\n"
	    "never_expose:\n"
	    "  - {service: Redis, protocol: tcp, port: 6379}\n"
	    "defaults: {echo_requests: drop, fragments: drop}\n");
	p = build_ok(
		"name: site\n"
		"extends: base.yaml\n"
		"remove: [HTTP]\n"
		"allow:\n"
		"  - {service: Metrics, protocol: tcp, port: 9100}\n"
		"features:\n"
		"  media: {default: false}\n"
		"  admin:\n"
		"    default: true\n"
		"    allow: [{service: Admin, protocol: tcp, port: 8443}]\n"
		"defaults: {fragments: pass}\n",
		NULL);
	assert_string_equal(p->name, "site");
	assert_string_equal(p->description, "the base");
	assert_int_equal(p->nfeatures, 2);
	assert_string_equal(p->features[0].name, "media");
	assert_false(p->features[0].enabled);
	assert_string_equal(p->features[1].name, "admin");
	assert_true(p->features[1].enabled);
	assert_int_equal(p->ports[XR_PROTO_TCP][80].flags, 0);
	assert_int_equal(p->ports[XR_PROTO_TCP][443].flags, XR_PORT_ALLOW);
	assert_int_equal(p->ports[XR_PROTO_TCP][9100].flags, XR_PORT_ALLOW);
	assert_int_equal(p->ports[XR_PROTO_TCP][8443].flags, XR_PORT_ALLOW);
	assert_int_equal(p->ports[XR_PROTO_UDP][40000].flags, 0);
	assert_int_equal(p->classes.drop_echo, 1);  /* from the base */
	assert_int_equal(p->classes.drop_frags, 0); /* overridden */
	for (i = 0; i < p->nrules; i++)
		assert_string_not_equal(p->rules[i].service, "HTTP");
	xr_policy_free(p);

	/* The base's never_expose holds in the site, and points at the base. */
	build_fails("name: site\n"
		    "extends: base.yaml\n"
		    "allow:\n"
		    "  - {service: Cache, protocol: tcp, port: 6379}\n",
		    NULL, 4, 5, "never_expose entry 'Redis' at ");
	assert_non_null(strstr(xr_last_error(), "/base.yaml:12:5 forbids"));
}

static void test_extends_errors(void **state)
{
	(void)state;
	/* A cycle is reported where it closes. */
	put("a.yaml", "name: a\nextends: p.yaml\n");
	build_fails_in(
		"a.yaml", "name: p\nextends: a.yaml\n", NULL, 2, 10,
		"extends 'p.yaml' makes a cycle (p.yaml -> a.yaml -> p.yaml)");
	put("b.yaml", "name: b\n\nextends: c.yaml\n");
	put("c.yaml", "name: c\nextends: b.yaml\n");
	build_fails_in("c.yaml", "name: p\nextends: b.yaml\n", NULL, 2, 10,
		       "(b.yaml -> c.yaml -> b.yaml)");
	build_fails("name: p\nextends: p.yaml\n", NULL, 2, 10,
		    "makes a cycle (p.yaml -> p.yaml)");
	build_fails("name: p\nextends: ./nowhere.yaml\n", NULL, 2, 10,
		    "extends './nowhere.yaml': cannot open");
	build_fails("name: p\nextends: no-such-builtin\n", NULL, 2, 10,
		    "no such built-in profile");
	put("base.yaml",
	    "name: base\nallow: [{service: HTTP, protocol: tcp, port: 80}]\n");
	build_fails("name: p\nextends: base.yaml\nremove: [HTTPS]\n", NULL, 3,
		    10,
		    "remove 'HTTPS': profile 'base' has no entry with that "
		    "service; did you mean 'HTTP'?");
	build_fails("name: p\nallow: []\nremove: [HTTP]\n", NULL, 3, 1,
		    "this one extends none");
}

static void test_extends_chain_is_bounded(void **state)
{
	char name[32], text[128];
	int i;

	(void)state;
	for (i = 1; i <= XR_EXTENDS_MAX; i++) {
		snprintf(name, sizeof(name), "d%d.yaml", i);
		if (i < XR_EXTENDS_MAX)
			snprintf(text, sizeof(text),
				 "name: d%d\nextends: d%d.yaml\n", i, i + 1);
		else
			snprintf(text, sizeof(text), "name: d%d\n", i);
		put(name, text);
	}
	/* p + d1..d7: eight profiles, the limit. */
	put("d7.yaml", "name: d7\n");
	{
		struct xr_policy *p =
			build_ok("name: p\nextends: d1.yaml\n", NULL);

		xr_policy_free(p);
	}
	put("d7.yaml", "name: d7\nextends: d8.yaml\n");
	{
		build_fails_in(
			"d7.yaml", "name: p\nextends: d1.yaml\n", NULL, 2, 10,
			"extends 'd8.yaml' makes a chain of more than 8");
	}
}

/* ---- digest, classes ---- */

static uint64_t digest_of(const char *text, const struct xr_toggles *t)
{
	struct xr_policy *p = build_ok(text, t);
	uint64_t d = xr_policy_digest(p);

	xr_policy_free(p);
	return d;
}

static void
test_digest_is_stable_and_sees_what_the_packet_path_sees(void **state)
{
	const char *a = "name: a\n"
			"allow:\n"
			"  - {service: X, protocol: tcp, port: 80}\n"
			"  - {service: Y, protocol: udp, ports: 100-200, "
			"sources: [10.0.0.0/8]}\n";
	/* Same policy: other names, other order, other description. */
	const char *same = "name: other\n"
			   "description: labels are not policy\n"
			   "allow:\n"
			   "  - {service: Media, protocol: udp, ports: "
			   "100-200, sources: [10.0.0.0/8]}\n"
			   "  - {service: Web, protocol: tcp, port: 80}\n";
	const char *port = "name: a\n"
			   "allow:\n"
			   "  - {service: X, protocol: tcp, port: 81}\n"
			   "  - {service: Y, protocol: udp, ports: 100-200, "
			   "sources: [10.0.0.0/8]}\n";
	const char *src = "name: a\n"
			  "allow:\n"
			  "  - {service: X, protocol: tcp, port: 80}\n"
			  "  - {service: Y, protocol: udp, ports: 100-200, "
			  "sources: [11.0.0.0/8]}\n";
	const char *cls = "name: a\n"
			  "allow:\n"
			  "  - {service: X, protocol: tcp, port: 80}\n"
			  "  - {service: Y, protocol: udp, ports: 100-200, "
			  "sources: [10.0.0.0/8]}\n"
			  "defaults: {allow_protocols: [gre]}\n";
	uint64_t d = digest_of(a, NULL);

	(void)state;
	assert_true(d != 0);
	assert_true(d == digest_of(a, NULL));
	assert_true(d == digest_of(same, NULL));
	assert_true(d != digest_of(port, NULL));
	assert_true(d != digest_of(src, NULL));
	assert_true(d != digest_of(cls, NULL));
}

static void test_digest_known_value_for_an_empty_policy(void **state)
{
	struct xr_policy *p = calloc(1, sizeof(*p));
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	(void)state;
	assert_non_null(p);
	/* FNV-1a over 131072 zero port entries and the zero class bytes: 5
	 * flags, 3 timeouts, the protocol bitmap. */
	for (i = 0; i < 4 * XR_PROTOS * XR_PORTS_PER_PROTO + 5 + 12 + 32; i++)
		h = (h ^ 0) * 0x100000001b3ULL;
	assert_true(xr_policy_digest(p) == h);
	free(p);
}

static void test_class_defaults_and_protocol_bitmap(void **state)
{
	struct xr_policy *p;

	(void)state;
	p = build_ok("name: t\n", NULL);
	assert_int_equal(p->classes.drop_echo, 0);
	assert_int_equal(p->classes.drop_frags, 0);
	assert_int_equal(p->classes.other_ip_pass, 0);
	assert_int_equal(p->classes.replies, 1);
	assert_true(p->classes.other_ip_allow[0] == 0 &&
		    p->classes.other_ip_allow[2] == 0);
	assert_int_equal(p->classes.reply_tcp_secs, XR_REPLY_TCP_SECS);
	assert_int_equal(p->classes.reply_udp_secs, XR_REPLY_UDP_SECS);
	assert_int_equal(p->classes.reply_closed_secs, XR_REPLY_CLOSED_SECS);
	xr_policy_free(p);

	p = build_ok("name: t\n"
		     "defaults:\n"
		     "  echo_requests: drop\n"
		     "  fragments: drop\n"
		     "  other_protocols: pass\n"
		     "  allow_protocols: [gre, esp, sctp, 255, 0, ipv6]\n"
		     "  replies: false\n",
		     NULL);
	assert_int_equal(p->classes.drop_echo, 1);
	assert_int_equal(p->classes.drop_frags, 1);
	assert_int_equal(p->classes.other_ip_pass, 1);
	assert_int_equal(p->classes.replies, 0);
	assert_true(p->classes.other_ip_allow[0] ==
		    ((1ULL << 47) | (1ULL << 50) | (1ULL << 0) | (1ULL << 41)));
	assert_true(p->classes.other_ip_allow[1] == 0);
	assert_true(p->classes.other_ip_allow[2] == (1ULL << (132 - 128)));
	assert_true(p->classes.other_ip_allow[3] == (1ULL << 63));
	xr_policy_free(p);
}

/* ---- informational ICMP and AH ---- */

static void test_icmp_informational_compiles_into_the_class_policy(void **state)
{
	struct xr_policy *p;

	(void)state;
	p = build_ok("name: t\n", NULL);
	assert_int_equal(p->classes.icmp_info_pass, 0); /* default: drop */
	xr_policy_free(p);
	p = build_ok("name: t\ndefaults: {icmp_informational: pass}\n", NULL);
	assert_int_equal(p->classes.icmp_info_pass, 1);
	/* The switch is its own: echo requests keep their default. */
	assert_int_equal(p->classes.drop_echo, 0);
	xr_policy_free(p);
	p = build_ok("name: t\ndefaults: {icmp_informational: drop, "
		     "echo_requests: drop}\n",
		     NULL);
	assert_int_equal(p->classes.icmp_info_pass, 0);
	assert_int_equal(p->classes.drop_echo, 1);
	xr_policy_free(p);
	build_fails("name: t\ndefaults: {icmp_informational: yes}\n", NULL, 2,
		    32, "'icmp_informational' must be one of pass, drop");
}

static void test_icmp_informational_follows_extends(void **state)
{
	struct xr_policy *p;

	(void)state;
	put("icmp-base.yaml", "name: icmp-base\n"
			      "defaults: {icmp_informational: pass}\n");
	/* Inherited when the extending profile does not write it... */
	p = build_ok("name: t\nextends: icmp-base.yaml\n"
		     "defaults: {fragments: drop}\n",
		     NULL);
	assert_int_equal(p->classes.icmp_info_pass, 1);
	assert_int_equal(p->classes.drop_frags, 1);
	xr_policy_free(p);
	/* ...overridden when it does. */
	p = build_ok("name: t\nextends: icmp-base.yaml\n"
		     "defaults: {icmp_informational: drop}\n",
		     NULL);
	assert_int_equal(p->classes.icmp_info_pass, 0);
	xr_policy_free(p);
}

static void test_icmp_informational_changes_the_digest(void **state)
{
	(void)state;
	assert_true(digest_of("name: t\n", NULL) !=
		    digest_of("name: t\ndefaults: {icmp_informational: pass}\n",
			      NULL));
}

static void test_allow_protocols_refuses_ah(void **state)
{
	(void)state;
	build_fails("name: t\ndefaults: {allow_protocols: [ah]}\n", NULL, 2, 30,
		    "'ah' is IPsec AH, which the packet path looks through");
	build_fails("name: t\ndefaults: {allow_protocols: [esp, 51]}\n", NULL,
		    2, 35, "list that protocol instead");
	build_fails("name: t\ndefaults: {allow_protocols: [AH]}\n", NULL, 2, 30,
		    "IPsec AH");
}

/* ---- errors: located, bounded ---- */

static void test_errors_are_located_and_helpful(void **state)
{
	(void)state;
	build_fails(
		"name: t\nalow: []\n", NULL, 2, 1,
		"unknown key 'alow' in the top level; did you mean 'allow'?");
	build_fails(
		"name: t\nallow:\n  - {service: A, protcol: tcp, port: 1}\n",
		NULL, 3, 18, "did you mean 'protocol'?");
	build_fails("name: t\nallow: {service: A}\n", NULL, 2, 8,
		    "'allow' must be a list of entries, found a mapping");
	build_fails(
		"name: t\nallow:\n  - {service: A, protocol: tcp, port: 0}\n",
		NULL, 3, 39, "port 0 is not a valid port");
	build_fails("name: t\nallow:\n  - {service: A, protocol: udp, ports: "
		    "44300-44200}\n",
		    NULL, 3, 40, "write '44200-44300'");
	build_fails("", NULL, 1, 1, "the profile is empty");
	build_fails("# nothing\n", NULL, 1, 1, "the profile is empty");
	build_fails("- a\n", NULL, 1, 1, "the top level must be a mapping");
	/* The end of the stream is past the file: the last character. */
	build_fails("name: t\nallow: [\n", NULL, 2, 9, "YAML syntax");
	build_fails("name: t\nallow: [", NULL, 2, 8, "YAML syntax");
	build_fails("allow: []\nname:", NULL, 2, 5, "'name' must be text");
	build_fails("description: x\n", NULL, 1, 1, "has no 'name'");
	build_fails("name: t\nname: u\n", NULL, 2, 1,
		    "duplicate key 'name' (first at line 1)");
}

static void test_quoted_text_in_errors_is_clipped(void **state)
{
	char text[4096], *end;

	(void)state;
	end = text + sprintf(text, "name: t\nallow:\n  - {service: A, "
				   "protocol: tcp, port: \"");
	memset(end, '7', 2000);
	strcpy(end + 2000, "x\"}\n");
	build_fails(text, NULL, 3, 39, "is not a port number");
	assert_true(strlen(xr_last_error()) < 400);
	assert_non_null(strstr(xr_last_error(), "7777..."));
}

static void test_alias_bomb_depth_and_size_are_bounded(void **state)
{
	char *text, *end;
	int i;

	(void)state;
	text = calloc(1, XR_PROFILE_SIZE_MAX + 64);
	assert_non_null(text);

	end = text + sprintf(text, "name: t\nx-a: &a [1]\nx-b: [");
	for (i = 0; i < XR_ALIASES_MAX; i++)
		end += sprintf(end, "*a, ");
	strcpy(end, "1]\n");
	{
		/* Exactly the limit is fine. */
		struct xr_policy *p = build_ok(text, NULL);

		xr_policy_free(p);
	}
	strcpy(end, "*a]\n");
	build_fails(text, NULL, 3, (unsigned int)(7 + 4 * XR_ALIASES_MAX),
		    "more than 16 YAML aliases");

	end = text + sprintf(text, "name: t\nx-deep: ");
	for (i = 0; i < XR_DEPTH_MAX; i++)
		*end++ = '[';
	strcpy(end, "1");
	end += 1;
	for (i = 0; i < XR_DEPTH_MAX; i++)
		*end++ = ']';
	strcpy(end, "\n");
	{
		/* The root mapping is one level: DEPTH_MAX lists are one too
		 * many. */
		struct xr_policy *p = NULL;

		assert_int_equal(build(text, NULL, &p), -EINVAL);
		assert_non_null(strstr(xr_last_error(),
				       "nested more than 16 levels deep"));
		assert_non_null(strstr(xr_last_error(), ":2:24: error:"));
	}

	end = text + sprintf(text, "name: t\n");
	memset(end, '#', XR_PROFILE_SIZE_MAX - 8);
	end[XR_PROFILE_SIZE_MAX - 8] = '\0';
	/* 1 MiB exactly: accepted. */
	{
		struct xr_policy *p = build_ok(text, NULL);

		xr_policy_free(p);
	}
	strcat(text, "\n");
	build_fails(text, NULL, 1, 1, "larger than 1048576 bytes");
	free(text);
}

static void test_rule_and_source_limits(void **state)
{
	size_t cap = 1 << 20, n = 0;
	char *text = malloc(cap);
	int i;

	(void)state;
	assert_non_null(text);
	/* 2049 entries for both protocols: 4098 rules. */
	n = (size_t)sprintf(text, "name: t\nallow:\n");
	for (i = 0; i < 2049; i++)
		n += (size_t)sprintf(
			text + n, "- {service: s, protocol: both, port: %d}\n",
			i + 1);
	build_fails(text, NULL, 1, 1, "compiles to 4098 rules");
	/* 2048 entries: 4096 rules, the limit. */
	n = (size_t)sprintf(text, "name: t\nallow:\n");
	for (i = 0; i < 2048; i++)
		n += (size_t)sprintf(
			text + n, "- {service: s, protocol: both, port: %d}\n",
			i + 1);
	{
		struct xr_policy *p = build_ok(text, NULL);

		assert_int_equal(p->nrules, XR_RULES_MAX);
		assert_int_equal(p->ports[XR_PROTO_UDP][2048].rule,
				 XR_RULES_MAX - 1);
		xr_policy_free(p);
	}
	/* 8193 sources on a tcp+udp entry: 16386 in all. */
	n = (size_t)sprintf(text, "name: t\nallow:\n- {service: s, protocol: "
				  "both, port: 1, sources: [");
	for (i = 0; i < 8193; i++)
		n += (size_t)sprintf(text + n, "%s10.%d.%d.0/24", i ? "," : "",
				     i / 256, i % 256);
	strcpy(text + n, "]}\n");
	build_fails(text, NULL, 1, 1, "16386 sources");
	free(text);
}

/* ---- the built-ins and where they are found ---- */

static void test_profile_dirs_env_comes_first(void **state)
{
	const char *const *dirs;

	(void)state;
	setenv("XDP_REFLECTOR_PROFILE_DIR", tmpdir, 1);
	dirs = xr_profile_dirs();
	assert_non_null(dirs[0]);
	assert_string_equal(dirs[0], tmpdir);
	assert_non_null(dirs[1]); /* exe-relative ones follow */
	unsetenv("XDP_REFLECTOR_PROFILE_DIR");
	dirs = xr_profile_dirs();
	assert_non_null(dirs[0]);
	assert_string_not_equal(dirs[0], tmpdir);
	assert_true(xr_profile_is_name("reflector-caddy"));
	assert_false(xr_profile_is_name("./reflector-caddy"));
	assert_false(xr_profile_is_name("site.yaml"));
	assert_false(xr_profile_is_name("site.yml"));
}

static void test_builtin_caddy_port_table(void **state)
{
	char dir[PATH_MAX];
	struct xr_policy *p = NULL;
	struct stat st;
	unsigned int port;

	(void)state;
	/* `make unit` runs from the top of the tree. */
	if (!getcwd(dir, sizeof(dir) - 32))
		skip();
	strcat(dir, "/policies");
	if (stat(dir, &st))
		skip();
	setenv("XDP_REFLECTOR_PROFILE_DIR", dir, 1);
	assert_int_equal(xr_policy_build("reflector-caddy", NULL, &p), 0);
	unsetenv("XDP_REFLECTOR_PROFILE_DIR");
	for (port = 44200; port <= 44300; port++)
		assert_true(p->ports[XR_PROTO_UDP][port].flags & XR_PORT_ALLOW);
	assert_int_equal(p->ports[XR_PROTO_UDP][44199].flags, 0);
	assert_int_equal(p->ports[XR_PROTO_UDP][44301].flags, 0);
	assert_int_equal(p->ports[XR_PROTO_TCP][443].flags, XR_PORT_ALLOW);
	assert_int_equal(p->ports[XR_PROTO_TCP][80].flags, XR_PORT_ALLOW);
	assert_int_equal(p->ports[XR_PROTO_TCP][7881].flags, XR_PORT_ALLOW);
	assert_int_equal(p->ports[XR_PROTO_TCP][22].flags, XR_PORT_ALLOW);
	assert_int_equal(p->ports[XR_PROTO_TCP][8888].flags, 0);
	assert_int_equal(p->ports[XR_PROTO_TCP][5432].flags, 0);
	assert_int_equal(p->ports[XR_PROTO_TCP][6379].flags, 0);
	assert_int_equal(p->ports[XR_PROTO_TCP][7077].flags, 0);
	assert_int_equal(p->ports[XR_PROTO_TCP][1250].flags, 0);
	assert_int_equal(p->nrules, 5);
	xr_policy_free(p);
}

/*
 * The source-list compiler (loader/policy.c): ranges sorted and merged per
 * family, searched by bpf/sources.h exactly as the CIDR reference says,
 * and ::ffff:0:0/96 never inside an IPv6 range even when a network given
 * directly (the profile parser refuses such) covers it.
 */
static void test_source_ranges_match_the_cidrs(void **state)
{
	static const char *const nets[] = {
		"10.0.0.0/8", "10.0.0.0/16", "11.0.0.0/8", "192.0.2.7",
		"192.0.2.8/31", "0.0.0.0/1", "2001:db8::/32", "2001:db8:1::/48",
		"2001:db9::/32", "::/0", "fe80::1",
	};
	struct xr_cidr c[sizeof(nets) / sizeof(nets[0])];
	struct xr_policy_sources src = { 0 };
	struct xr_tables *t = calloc(1, sizeof(*t));
	char why[256];
	size_t i, j, n = sizeof(nets) / sizeof(nets[0]);
	unsigned int seed = 1;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < n; i++) {
		if (xr_parse_cidr(nets[i], &c[i], why, sizeof(why))) {
			/* ::/0 is refused by the parser: build it by hand */
			memset(&c[i], 0, sizeof(c[i]));
			c[i].family = AF_INET6;
		}
	}
	assert_int_equal(xr_sources_add(&src, 3, c, n), 0);
	/* 0/1 + 10/8 + 11/8 merge into one range; 192.0.2.7-9 into another */
	assert_int_equal(src.slice[3].v4.count, 2);
	assert_int_equal(src.slice[3].v6.count, 2); /* ::/0 around the mapped block */
	xr_sources_store(t, 1, &src);
	for (i = 0; i < 20000; i++) {
		uint8_t a[16];
		int fam = i & 1 ? AF_INET6 : AF_INET, in = 0, got;

		for (j = 0; j < 16; j++)
			a[j] = (uint8_t)(rand_r(&seed) >> 7);
		if (i % 5 == 1) { /* IPv4-mapped */
			memset(a, 0, 10);
			a[10] = a[11] = 0xff;
		}
		if (i % 7 == 0) /* near 192.0.2.7 */
			memcpy(a, (uint8_t[]){ 192, 0, 2, (uint8_t)(i % 16) }, 4);
		for (j = 0; j < n && !in; j++)
			in = c[j].family == fam && /* a list is per family */
			     xr_cidr_contains(&c[j], fam, a) &&
			     !(fam == AF_INET6 && !memcmp(a, (uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 12));
		if (fam == AF_INET) {
			uint32_t v = (uint32_t)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];

			got = xr_in_ranges4(t->src_v4[1], &t->src_slice[1][3].v4, v);
		} else {
			uint64_t hi = 0, lo = 0;

			for (j = 0; j < 8; j++) {
				hi = hi << 8 | a[j];
				lo = lo << 8 | a[8 + j];
			}
			got = xr_in_ranges6(t->src_v6[1], &t->src_slice[1][3].v6, hi, lo);
		}
		if (got != in)
			fail_msg("probe %zu (v%d) %s, reference %s", i,
				 fam == AF_INET ? 4 : 6, got ? "in" : "out", in ? "in" : "out");
	}
	xr_sources_free(&src);
	free(t);
}

/*
 * Hashed lists (struct xr_source_hash): a list with at most 3 prefix
 * lengths per family is hashed and answers as the CIDR reference does,
 * IPv4-mapped sources never in; 4 lengths, or an IPv6 network covering
 * ::ffff:0:0/96, leave the family to the search.
 */
static void test_source_hash_matches_the_cidrs(void **state)
{
	static const char *const nets[] = {
		"10.0.0.0/8", "10.1.0.0/16", "192.0.2.7", "198.51.100.9",
		"11.0.0.0/8", "2001:db8::/32", "2001:db8:1::/48",
		"2001:db9::/32", "fe80::1",
	};
	static const char *const four[] = { "10.0.0.0/8", "10.1.0.0/16",
					    "10.1.2.0/24", "10.1.2.3",
					    "2001:db8::/32" };
	struct xr_cidr c[sizeof(nets) / sizeof(nets[0])], c4[5], all;
	struct xr_policy_sources src = { 0 };
	struct xr_tables *t = calloc(1, sizeof(*t));
	char why[256];
	size_t i, j, n = sizeof(nets) / sizeof(nets[0]);
	unsigned int seed = 7;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < n; i++)
		assert_int_equal(xr_parse_cidr(nets[i], &c[i], why, sizeof(why)), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(xr_parse_cidr(four[i], &c4[i], why, sizeof(why)), 0);
	assert_int_equal(xr_sources_add(&src, 3, c, n), 0);
	assert_int_equal(xr_sources_add(&src, 4, c4, 5), 0);
	memset(&all, 0, sizeof(all)); /* ::/0: covers the IPv4-mapped block */
	all.family = AF_INET6;
	assert_int_equal(xr_sources_add(&src, 5, &all, 1), 0);
	assert_int_not_equal(src.hash[3].tag4[2], 0); /* /8, /16, /32 */
	assert_int_equal(src.hash[3].tag4[2] & 0xff, 32);
	assert_int_not_equal(src.hash[3].tag6[2], 0); /* /32, /48, /128 */
	assert_int_equal(src.hash[4].tag4[0], 0); /* 4 lengths: searched */
	assert_int_not_equal(src.hash[4].tag6[0], 0);
	assert_int_equal(src.hash[5].tag6[0], 0); /* ::/0: searched */
	xr_sources_store(t, 1, &src);
	for (i = 0; i < 20000; i++) {
		uint8_t a[16];
		int fam = i & 1 ? AF_INET6 : AF_INET, in = 0, got;

		for (j = 0; j < 16; j++)
			a[j] = (uint8_t)(rand_r(&seed) >> 7);
		if (i % 5 == 1) { /* IPv4-mapped */
			memset(a, 0, 10);
			a[10] = a[11] = 0xff;
		}
		if (i % 7 == 0) /* near the networks */
			memcpy(a, c[(i / 7) % n].addr, i % 3 ? 4 : 15);
		for (j = 0; j < n && !in; j++)
			in = c[j].family == fam && xr_cidr_contains(&c[j], fam, a) &&
			     !(fam == AF_INET6 && !memcmp(a, (uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 12));
		if (fam == AF_INET) {
			uint32_t v = (uint32_t)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];

			got = xr_in_hash4(t->src_h4[1], &t->src_hash[1][3], v);
		} else {
			uint64_t hi = 0, lo = 0;

			for (j = 0; j < 8; j++) {
				hi = hi << 8 | a[j];
				lo = lo << 8 | a[8 + j];
			}
			got = xr_in_hash6(t->src_h6[1], &t->src_hash[1][3], hi, lo);
		}
		if (got != in)
			fail_msg("probe %zu (v%d) %s, reference %s", i,
				 fam == AF_INET ? 4 : 6, got ? "in" : "out", in ? "in" : "out");
	}
	xr_sources_free(&src);
	free(t);
}

/* Key K's bucket in the IPv4 / IPv6 table (include/xdp_reflector.h). */
static size_t bucket4(uint64_t key)
{
	return key * XR_SRC_HASH_MUL >> (64 - XR_SRC_HASH_BITS4);
}

static size_t bucket6(uint64_t hi, uint64_t lo, uint64_t tag)
{
	return ((hi ^ tag) * XR_SRC_HASH_MUL ^ lo) * XR_SRC_HASH_MUL >>
	       (64 - XR_SRC_HASH_BITS6);
}

static struct xr_cidr v4_32(uint32_t a)
{
	return (struct xr_cidr){ AF_INET, 32, { a >> 24, a >> 16, a >> 8, a } };
}

static uint32_t v4_of(const struct xr_cidr *c)
{
	return (uint32_t)c->addr[0] << 24 | c->addr[1] << 16 | c->addr[2] << 8 | c->addr[3];
}

/*
 * A bucket full under salt 0: rule 9's list is hashed under a later salt,
 * every network is found, and salt 0's keys are undone: the tables hold
 * the rules' distinct networks under their final tags and nothing else
 * (a duplicate placed once, a network inside ::ffff:0:0/96 not at all).
 * IPv4: rule 8's four /32s fill the bucket of rule 9's last network (a
 * salt moves all of a rule's IPv4 keys by the same whole buckets, so only
 * another rule's keys crowd one out); IPv6: five of rule 9's /128s share
 * one bucket.
 */
static void test_source_hash_salt_retry_leaves_no_stray_key(void **state)
{
	const uint64_t tag8 = 1U << 31 | 8 << 8 | 32, tag9 = 1U << 31 | 9 << 8 | 32;
	const uint64_t hi = 0x20010db800000000ULL, tag6 = tag9 + 96;
	const struct xr_source_hash *h;
	struct xr_policy_sources src = { 0 };
	struct xr_cidr full[4], c[16];
	size_t n = 0, nfull = 0, i, k, b6 = 0, keys4 = 0, keys6 = 0;
	uint64_t v, x = 0x0a090909; /* 10.9.9.9 */
	char why[256];

	(void)state;
	for (v = 0x0a080000; nfull < 4; v++)
		if (bucket4(tag8 << 32 | v) == bucket4(tag9 << 32 | x))
			full[nfull++] = v4_32(v);
	assert_int_equal(xr_sources_add(&src, 8, full, 4), 0);
	assert_int_equal(src.hash[8].tag4[0], tag8); /* salt 0 */

	c[n++] = v4_32(0x0a090001); /* placed under salt 0, then undone */
	c[n++] = v4_32(0x0a090002);
	assert_int_equal(xr_parse_cidr("192.0.2.0/24", &c[n++], why, sizeof(why)), 0);
	c[n++] = v4_32(x);
	c[n++] = v4_32(x); /* listed twice */
	for (v = 1; n < 10; v++) {
		if (n > 5 && bucket6(hi, v, tag6) != b6)
			continue;
		b6 = bucket6(hi, v, tag6);
		c[n] = (struct xr_cidr){ .family = AF_INET6, .prefixlen = 128 };
		for (k = 0; k < 8; k++) {
			c[n].addr[k] = (uint8_t)(hi >> (56 - 8 * k));
			c[n].addr[8 + k] = (uint8_t)(v >> (56 - 8 * k));
		}
		n++;
	}
	c[n++] = c[5];
	assert_int_equal(xr_parse_cidr("2001:db8:1::/48", &c[n++], why, sizeof(why)), 0);
	c[n++] = (struct xr_cidr){ AF_INET6, 128, { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 } };
	assert_int_equal(xr_sources_add(&src, 9, c, n), 0);

	h = &src.hash[9];
	assert_int_equal(h->tag4[0] & 0xff, 32); /* hashed, under salt 1 or later */
	assert_int_not_equal(h->tag4[0] >> 20 & 0x7ff, 0);
	assert_int_equal(h->tag6[0] & 0xff, 128);
	assert_int_not_equal(h->tag6[0] >> 20 & 0x7ff, 0);
	for (i = 0; i < 4; i++)
		assert_true(xr_in_hash4(src.h4, &src.hash[8], v4_of(&full[i])));
	for (i = 0; i < n; i++) {
		uint64_t ahi = 0, alo = 0;

		if (c[i].family == AF_INET) {
			assert_true(xr_in_hash4(src.h4, h, v4_of(&c[i])));
			continue;
		}
		for (k = 0; k < 8; k++) {
			ahi = ahi << 8 | c[i].addr[k];
			alo = alo << 8 | c[i].addr[8 + k];
		}
		/* The last is IPv4-mapped: in no hashed list. */
		assert_int_equal(xr_in_hash6(src.h6, h, ahi, alo), i != n - 1);
	}
	/* Rule 8's four keys, rule 9's four; rule 9's five /128s and the /48. */
	for (i = 0; i < 1U << XR_SRC_HASH_BITS4; i++)
		for (k = 0; k < XR_SRC_HASH_SLOTS; k++) {
			uint64_t tag = src.h4[i].key[k] >> 32;

			if (!tag)
				continue;
			keys4++;
			assert_true(tag == tag8 || tag == h->tag4[0] || tag == h->tag4[1]);
		}
	for (i = 0; i < 1U << XR_SRC_HASH_BITS6; i++)
		for (k = 0; k < XR_SRC_HASH_SLOTS; k++) {
			uint32_t tag = src.h6[i].slot[k].tag;

			if (!tag)
				continue;
			keys6++;
			assert_true(tag == h->tag6[0] || tag == h->tag6[1]);
		}
	assert_int_equal(keys4, 8);
	assert_int_equal(keys6, 6);
	xr_sources_free(&src);
}

static uint64_t hi64(const uint8_t *a)
{
	uint64_t hi;

	memcpy(&hi, a, sizeof(hi));
	return be64toh(hi);
}

/*
 * The prefilter may only say "in no list" of a source no listed network
 * holds: every address of every network (its edges and random ones
 * inside) finds its bit set; a source far from them mostly does not; a
 * network of 2^20 prefixes or more sets every bit.
 */
static void test_source_prefilter_never_rejects_a_listed_source(void **state)
{
	static const char *const nets[] = {
		"192.0.2.0/24", "198.51.100.7/32", "10.0.0.0/14", "203.0.113.128/25",
		"2001:db8:1::/48", "2001:db8:ff00::/40", "2001:db8:5:6::1/128",
		"2a00:1450:4000::/37",
	};
	struct xr_policy_sources src = { 0 };
	struct xr_tables *t = calloc(1, sizeof(*t));
	struct xr_cidr c[8], wide;
	char why[256];
	size_t i, j, n = sizeof(nets) / sizeof(nets[0]), far = 0, rejected = 0;
	unsigned int seed = 11;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < n; i++)
		assert_int_equal(xr_parse_cidr(nets[i], &c[i], why, sizeof(why)), 0);
	assert_int_equal(xr_sources_add(&src, 2, c, n), 0);
	xr_sources_store(t, 0, &src);
	for (i = 0; i < 40000; i++) {
		const struct xr_cidr *k = &c[i % n];
		uint8_t a[16];

		/* Inside K: its first, its last, or a random address in it. */
		for (j = 0; j < 16; j++)
			a[j] = (uint8_t)(rand_r(&seed) >> 7);
		for (j = 0; j < (k->family == AF_INET ? 4U : 16U); j++) {
			unsigned int keep = k->prefixlen > 8 * j ?
						    (k->prefixlen - 8 * j >= 8 ? 8 : k->prefixlen - 8 * j) :
						    0;
			uint8_t m = (uint8_t)(0xff00 >> keep);

			if ((i / n) % 3 == 0)
				a[j] = 0; /* the first address */
			else if ((i / n) % 3 == 1)
				a[j] = 0xff; /* the last */
			a[j] = (uint8_t)((k->addr[j] & m) | (a[j] & ~m));
		}
		assert_true(xr_cidr_contains(k, k->family, a));
		if (k->family == AF_INET) {
			uint32_t v = (uint32_t)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];

			if (!xr_src_pre(t->src_pre4[0], v >> 8))
				fail_msg("%s: %u.%u.%u.%u rejected by the prefilter",
					 nets[i % n], a[0], a[1], a[2], a[3]);
		} else if (!xr_src_pre(t->src_pre6[0], hi64(a) >> 16)) {
			fail_msg("%s: an address inside rejected by the prefilter",
				 nets[i % n]);
		}
	}
	/* Random IPv4 sources outside every network: most are rejected. */
	for (i = 0; i < 10000; i++) {
		uint32_t v = (uint32_t)rand_r(&seed) << 1 ^ (uint32_t)rand_r(&seed);
		uint8_t a[4] = { v >> 24, v >> 16, v >> 8, v };
		int in = 0;

		for (j = 0; j < n; j++)
			in |= c[j].family == AF_INET && xr_cidr_contains(&c[j], AF_INET, a);
		if (in)
			continue;
		far++;
		rejected += !xr_src_pre(t->src_pre4[0], v >> 8);
	}
	assert_true(far > 9000);
	assert_true(rejected > far * 99 / 100);
	/* A /12 of IPv6 (2^36 /48s): every bit, and so every IPv6 source. */
	assert_int_equal(xr_parse_cidr("2400::/12", &wide, why, sizeof(why)), 0);
	assert_int_equal(xr_sources_add(&src, 3, &wide, 1), 0);
	xr_sources_store(t, 1, &src);
	for (i = 0; i < XR_SRC_PRE_WORDS; i++)
		if (t->src_pre6[1][i] != ~0ULL)
			fail_msg("word %zu of the IPv6 prefilter is not full", i);
	/* The other generation is as it was stored. */
	assert_int_equal(xr_src_pre(t->src_pre6[0], 0x3fff0000ULL), 0);
	xr_sources_free(&src);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_prefilter_never_rejects_a_listed_source),
		cmocka_unit_test(test_ports_single_and_range),
		cmocka_unit_test(test_ports_rejects_zero_big_text_and_inverted),
		cmocka_unit_test(test_cidr_v4_v6_and_bare_addresses),
		cmocka_unit_test(test_cidr_rejects_host_bits_with_the_network),
		cmocka_unit_test(test_cidr_rejects_bad_text_prefix_and_mapped),
		cmocka_unit_test(test_cidr_format_round_trips),
		cmocka_unit_test(test_range_fills_exactly_its_ports),
		cmocka_unit_test(
			test_both_gives_two_rules_sorted_by_proto_then_port),
		cmocka_unit_test(test_feature_defaults_and_records),
		cmocka_unit_test(test_toggles_enable_and_disable),
		cmocka_unit_test(test_unknown_toggle_lists_known_features),
		cmocka_unit_test(test_sources_required_needs_a_source),
		cmocka_unit_test(test_source_toggle_restricts_the_port),
		cmocka_unit_test(test_bad_source_toggles),
		cmocka_unit_test(
			test_allows_matches_sources_like_the_packet_path),
		cmocka_unit_test(test_never_expose_names_both_entries),
		cmocka_unit_test(
			test_never_expose_checks_features_that_are_off),
		cmocka_unit_test(test_overlaps_that_disagree_name_both),
		cmocka_unit_test(test_exact_repeat_warns_and_compiles_once),
		cmocka_unit_test(test_extends_merges_removes_and_overrides),
		cmocka_unit_test(test_extends_errors),
		cmocka_unit_test(test_extends_chain_is_bounded),
		cmocka_unit_test(
			test_digest_is_stable_and_sees_what_the_packet_path_sees),
		cmocka_unit_test(test_digest_known_value_for_an_empty_policy),
		cmocka_unit_test(test_class_defaults_and_protocol_bitmap),
		cmocka_unit_test(
			test_icmp_informational_compiles_into_the_class_policy),
		cmocka_unit_test(test_icmp_informational_follows_extends),
		cmocka_unit_test(test_icmp_informational_changes_the_digest),
		cmocka_unit_test(test_allow_protocols_refuses_ah),
		cmocka_unit_test(test_errors_are_located_and_helpful),
		cmocka_unit_test(test_quoted_text_in_errors_is_clipped),
		cmocka_unit_test(test_alias_bomb_depth_and_size_are_bounded),
		cmocka_unit_test(test_rule_and_source_limits),
		cmocka_unit_test(test_profile_dirs_env_comes_first),
		cmocka_unit_test(test_builtin_caddy_port_table),
		cmocka_unit_test(test_source_hash_matches_the_cidrs),
		cmocka_unit_test(test_source_hash_salt_retry_leaves_no_stray_key),
		cmocka_unit_test(test_source_ranges_match_the_cidrs),
	};

	return cmocka_run_group_tests_name("policy", tests, setup, teardown);
}
