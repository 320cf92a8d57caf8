// SPDX-License-Identifier: GPL-2.0
/*
 * Native unit tests of loader/ledger.c: counters that follow their rule
 * across a reload (same identity carries, renamed or new starts at zero,
 * removed is kept with its final counts), and counters zeroed under a base.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ledger.h"

static struct xr_rule_info rule(const char *service, __u8 proto, __u16 first,
				__u16 last)
{
	struct xr_rule_info r;

	memset(&r, 0, sizeof(r));
	strcpy(r.service, service);
	r.proto = proto;
	r.first_port = first;
	r.last_port = last;
	return r;
}

static struct xr_counters pass(__u64 n)
{
	struct xr_counters c = { .pass_packets = n, .pass_bytes = 100 * n };

	return c;
}

static void test_identity_is_service_protocol_ports(void **state)
{
	struct xr_rule_info a = rule("alpha", XR_PROTO_UDP, 9001, 9001);
	struct xr_rule_info b = a;

	(void)state;
	strcpy(b.feature, "another feature"); /* not part of the identity */
	assert_true(xr_ledger_same_rule(&a, &b));
	b = rule("beta", XR_PROTO_UDP, 9001, 9001);
	assert_false(xr_ledger_same_rule(&a, &b));
	b = rule("alpha", XR_PROTO_TCP, 9001, 9001);
	assert_false(xr_ledger_same_rule(&a, &b));
	b = rule("alpha", XR_PROTO_UDP, 9001, 9002);
	assert_false(xr_ledger_same_rule(&a, &b));
}

static void test_total_is_carried_plus_since_base(void **state)
{
	struct xr_rule_stats ls = { .carried = pass(10), .base = pass(40) };
	struct xr_counters now = pass(45), out;

	(void)state;
	xr_ledger_total(&ls, &now, &out);
	assert_int_equal(out.pass_packets, 15);
	assert_int_equal(out.pass_bytes, 1500);
	/* Counters zeroed under the base (stats --reset): all of now counts. */
	now = pass(3);
	xr_ledger_total(&ls, &now, &out);
	assert_int_equal(out.pass_packets, 13);
}

static void test_reload_carries_renames_adds_removes(void **state)
{
	struct xr_rule_info old[] = {
		rule("alpha", XR_PROTO_UDP, 9001, 9001),
		rule("beta", XR_PROTO_UDP, 9002, 9002),
		rule("old-name", XR_PROTO_UDP, 9005, 9005),
	};
	struct xr_rule_stats old_ls[3] = {
		{ .carried = pass(1), .base = pass(0), .since = 100 },
		{ .base = pass(0), .since = 100 },
		{ .base = pass(0), .since = 150 },
	};
	struct xr_counters old_now[3] = { pass(10), pass(20), pass(40) };
	/* Reordered; beta removed; 9005 renamed; delta new on a port with drops. */
	struct xr_rule_info new[] = {
		rule("new-name", XR_PROTO_UDP, 9005, 9005),
		rule("delta", XR_PROTO_UDP, 9006, 9006),
		rule("alpha", XR_PROTO_UDP, 9001, 9001),
	};
	struct xr_counters new_now[3] = { pass(40), { .drop_packets = 15 },
					  pass(10) };
	struct xr_rule_stats new_ls[3], removed[4];
	size_t nremoved = 1;

	(void)state;
	memset(removed, 0, sizeof(removed));
	removed[0].info = rule("earlier", XR_PROTO_TCP, 1, 1);
	xr_ledger_carry(old, old_ls, old_now, 3, new, new_now, new_ls, 3,
			removed, &nremoved, 4, 200);

	/* alpha carries 1 + 10 and its since; its base is its ports now. */
	assert_int_equal(new_ls[2].carried.pass_packets, 11);
	assert_int_equal(new_ls[2].since, 100);
	assert_int_equal(new_ls[2].base.pass_packets, 10);
	/* Renamed and new rules start at zero, from the reload. */
	assert_int_equal(new_ls[0].carried.pass_packets, 0);
	assert_int_equal(new_ls[0].since, 200);
	assert_int_equal(new_ls[1].carried.drop_packets, 0);
	assert_int_equal(new_ls[1].base.drop_packets, 15);
	/* beta and old-name removed, after the one already waiting. */
	assert_int_equal(nremoved, 3);
	assert_string_equal(removed[0].info.service, "earlier");
	assert_string_equal(removed[1].info.service, "beta");
	assert_int_equal(removed[1].carried.pass_packets, 20);
	assert_int_equal(removed[1].removed_at, 200);
	assert_int_equal(removed[1].since, 100);
	assert_string_equal(removed[2].info.service, "old-name");
	assert_int_equal(removed[2].carried.pass_packets, 40);
	assert_int_equal(removed[2].since, 150);
}

static void test_removed_block_full_drops_the_oldest(void **state)
{
	struct xr_rule_info old[] = { rule("a", XR_PROTO_TCP, 1, 1),
				      rule("b", XR_PROTO_TCP, 2, 2) };
	struct xr_rule_stats old_ls[2] = { { .since = 1 }, { .since = 1 } };
	struct xr_counters old_now[2] = { pass(1), pass(2) };
	struct xr_rule_stats removed[2];
	size_t nremoved = 2;

	(void)state;
	memset(removed, 0, sizeof(removed));
	removed[0].info = rule("x", XR_PROTO_TCP, 3, 3);
	removed[1].info = rule("y", XR_PROTO_TCP, 4, 4);
	xr_ledger_carry(old, old_ls, old_now, 2, NULL, NULL, NULL, 0, removed,
			&nremoved, 2, 5);
	assert_int_equal(nremoved, 2);
	assert_string_equal(removed[0].info.service, "a");
	assert_string_equal(removed[1].info.service, "b");
	assert_int_equal(removed[1].carried.pass_packets, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_is_service_protocol_ports),
		cmocka_unit_test(test_total_is_carried_plus_since_base),
		cmocka_unit_test(test_reload_carries_renames_adds_removes),
		cmocka_unit_test(test_removed_block_full_drops_the_oldest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
