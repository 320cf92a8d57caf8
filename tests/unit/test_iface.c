// SPDX-License-Identifier: GPL-2.0
/*
 * Native unit tests of loader/iface.c: which IFACE arguments reach a pin
 * path. The rules follow the kernel's dev_valid_name() (net/core/dev.c),
 * plus control characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "iface.h"

static void test_names_a_kernel_accepts_pass(void **state)
{
	static const char *const ok[] = {
		"eth0",
		"enp3s0f1",
		"veth-a_b.1",
		"wg0",
		"br-0123456789a",
		"123456789012345", /* 15 bytes: IFNAMSIZ - 1 */
		"a",
		"...",
		".a",
		"a..",
		"x@y",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (xr_iface_name_rule(ok[i]))
			fail_msg("'%s' refused: %s", ok[i],
				 xr_iface_name_rule(ok[i]));
	}
}

static void test_path_tricks_are_refused(void **state)
{
	static const struct {
		const char *name, *rule;
	} bad[] = {
		{"", "not empty"},
		{".", "not '.' or '..'"},
		{"..", "not '.' or '..'"},
		{"../eth0", "no '/'"},
		{"eth0/..", "no '/'"},
		{"/", "no '/'"},
		{"a/b", "no '/'"},
		{"eth0:1", "no ':'"},
		{"1234567890123456", "at most 15 bytes"},
		{"a b", "whitespace"},
		{"a\tb", "whitespace"},
		{"a\nb", "whitespace"},
		{"\x1b[2J", "control"},
		{"a\x7f", "control"},
		{"a\xa0", "whitespace"},
	};
	const char *rule;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rule = xr_iface_name_rule(bad[i].name);
		if (!rule || !strstr(rule, bad[i].rule))
			fail_msg("row %zu: rule '%s', want one naming '%s'", i,
				 rule ? rule : "(accepted)", bad[i].rule);
	}
	assert_non_null(xr_iface_name_rule(NULL));
}

static void test_check_name_returns_einval(void **state)
{
	(void)state;
	assert_int_equal(xr_iface_check_name("eth0"), 0);
	assert_int_equal(xr_iface_check_name("../eth0"), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_a_kernel_accepts_pass),
		cmocka_unit_test(test_path_tricks_are_refused),
		cmocka_unit_test(test_check_name_returns_einval),
	};

	return cmocka_run_group_tests_name("iface", tests, NULL, NULL);
}
