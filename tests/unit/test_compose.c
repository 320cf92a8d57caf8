// SPDX-License-Identifier: GPL-2.0
/*
 * Native unit tests of loader/compose.c: interpolation as the Compose
 * specification defines it, and the short port syntax.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "compose.h"
#include "xdp_reflector.h"

static struct xr_deploy d;

static int setup(void **state)
{
	static const struct xr_loc loc = {".env", 1, 1};
	static struct xr_var vars[2];

	(void)state;
	memset(&d, 0, sizeof(d));
	vars[0] = (struct xr_var){"XRT_SET", "value", loc};
	vars[1] = (struct xr_var){"XRT_EMPTY", "", loc};
	d.dotenv = vars;
	d.ndotenv = 2;
	unsetenv("XRT_UNSET");
	unsetenv("XRT_SET");
	xr_errors_quiet(true);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(d.warnings);
	d.warnings = NULL;
	d.nwarnings = 0;
	return 0;
}

/* IN interpolates to WANT (NULL: an error), with NWARN warnings. */
static void expect_interp(const char *in, const char *want, size_t nwarn)
{
	static const struct xr_loc loc = {"compose.yaml", 7, 9};
	char *out = NULL;
	int err;

	d.nwarnings = 0;
	err = xr_interpolate(&d, in, &loc, &out);
	if (!want) {
		if (!err)
			fail_msg("'%s' -> '%s', expected an error", in, out);
		assert_int_equal(err, -EINVAL);
		return;
	}
	if (err)
		fail_msg("'%s': error %d (%s)", in, err, xr_last_error());
	if (strcmp(out, want))
		fail_msg("'%s' -> '%s', expected '%s'", in, out, want);
	if (d.nwarnings != nwarn)
		fail_msg("'%s': %zu warnings, expected %zu", in, d.nwarnings,
			 nwarn);
	free(out);
}

static void test_interpolation_follows_compose(void **state)
{
	(void)state;
	expect_interp("plain", "plain", 0);
	expect_interp("${XRT_SET}", "value", 0);
	expect_interp("$XRT_SET/x", "value/x", 0);
	expect_interp("${XRT_UNSET:-d}", "d", 0);
	expect_interp("${XRT_UNSET-d}", "d", 0);
	/* Set but empty: ":-" takes the default, "-" keeps the empty value. */
	expect_interp("${XRT_EMPTY:-d}", "d", 0);
	expect_interp("${XRT_EMPTY-d}", "", 0);
	expect_interp("${XRT_SET:-d}", "value", 0);
	expect_interp("${XRT_SET:+alt}", "alt", 0);
	expect_interp("${XRT_UNSET:+alt}", "", 0);
	expect_interp("${XRT_EMPTY+alt}", "alt", 0);
	/* Defaults may refer to variables themselves. */
	expect_interp("${XRT_UNSET:-${XRT_SET}}", "value", 0);
	expect_interp("${XRT_UNSET:-44200-44300:44200-44300}/udp",
		      "44200-44300:44200-44300/udp", 0);
	expect_interp("$$XRT_SET", "$XRT_SET", 0);
	expect_interp("cost: 5$", "cost: 5$", 0);
	/* Undefined without default: "", and a warning. */
	expect_interp("${XRT_UNSET}:8080:80", ":8080:80", 1);
	expect_interp("${XRT_SET:?needed}", "value", 0);
	expect_interp("${XRT_UNSET:?needed}", NULL, 0);
	expect_interp("${XRT_EMPTY:?needed}", NULL, 0);
	expect_interp("${XRT_EMPTY?needed}", "", 0);
	expect_interp("${XRT_SET", NULL, 0);
	expect_interp("${1BAD}", NULL, 0);
	expect_interp("${XRT_SET/x}", NULL, 0);
}

static void test_the_environment_wins_over_dotenv(void **state)
{
	(void)state;
	setenv("XRT_SET", "from-env", 1);
	expect_interp("${XRT_SET}", "from-env", 0);
	unsetenv("XRT_SET");
}

struct port_case {
	const char *spec;
	uint8_t proto;
	const char *ip;
	uint16_t first, last, tfirst, tlast;
};

static void test_short_ports_parse(void **state)
{
	static const struct port_case cases[] = {
		{"80", XR_PROTO_TCP, "", 0, 0, 80, 80},
		{"8080:80", XR_PROTO_TCP, "", 8080, 8080, 80, 80},
		{"127.0.0.1:7078:7077", XR_PROTO_TCP, "127.0.0.1", 7078, 7078,
		 7077, 7077},
		{"40000-40100:40000-40100/udp", XR_PROTO_UDP, "", 40000, 40100,
		 40000, 40100},
		{"[::1]:80:80", XR_PROTO_TCP, "::1", 80, 80, 80, 80},
		{"::1:6379:6379", XR_PROTO_TCP, "::1", 6379, 6379, 6379, 6379},
		{"0.0.0.0:443:443/tcp", XR_PROTO_TCP, "0.0.0.0", 443, 443, 443,
		 443},
		{"127.0.0.1::5432", XR_PROTO_TCP, "127.0.0.1", 0, 0, 5432,
		 5432},
		{":8080:80", XR_PROTO_TCP, "", 8080, 8080, 80, 80},
		{"3478:3478/UDP", XR_PROTO_UDP, "", 3478, 3478, 3478, 3478},
	};
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct port_case *c = &cases[i];
		struct xr_publish p;

		memset(&p, 0, sizeof(p));
		if (xr_port_short(c->spec, &p, why, sizeof(why)))
			fail_msg("'%s' refused: %s", c->spec, why);
		if (p.proto != c->proto || strcmp(p.host_ip, c->ip) ||
		    p.first != c->first || p.last != c->last ||
		    p.target_first != c->tfirst || p.target_last != c->tlast)
			fail_msg("'%s' -> proto %u ip '%s' %u-%u:%u-%u",
				 c->spec, p.proto, p.host_ip, p.first, p.last,
				 p.target_first, p.target_last);
	}
}

static void test_what_is_not_a_port_is_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"http",
		"80:http",
		"0:80",
		"65536:80",
		"80:80/sctp",
		"40000-40100:40000-40050/udp",
		"40100-40000:40100-40000",
		"1.2.3.4:5:6:7:8",
		"[::1:80:80",
		"80:",
	};
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xr_publish p;

		memset(&p, 0, sizeof(p));
		if (!xr_port_short(bad[i], &p, why, sizeof(why)))
			fail_msg("'%s' accepted", bad[i]);
		if (!strstr(why, "is not") && !strstr(why, "protocol"))
			fail_msg("'%s': message '%s' says nothing useful",
				 bad[i], why);
	}
}

static void test_addresses_are_classified(void **state)
{
	(void)state;
	assert_true(xr_ip_is_any(""));
	assert_true(xr_ip_is_any("0.0.0.0"));
	assert_true(xr_ip_is_any("::"));
	assert_false(xr_ip_is_any("127.0.0.1"));
	assert_true(xr_ip_is_loopback("127.0.0.1"));
	assert_true(xr_ip_is_loopback("127.1.2.3"));
	assert_true(xr_ip_is_loopback("::1"));
	assert_false(xr_ip_is_loopback("10.0.0.5"));
	assert_false(xr_ip_is_loopback(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_interpolation_follows_compose, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_the_environment_wins_over_dotenv, setup, teardown),
		cmocka_unit_test(test_short_ports_parse),
		cmocka_unit_test(test_what_is_not_a_port_is_refused),
		cmocka_unit_test(test_addresses_are_classified),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
