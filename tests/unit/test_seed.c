// SPDX-License-Identifier: GPL-2.0
/*
 * The pure half of seeding (loader/seed.c): a socket or conntrack record
 * becomes exactly the key xr_flow_record() (bpf/reply.h) gives the host's
 * own packets of that connection, or none.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>

#include "seed.h"

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_TIME_WAIT 6
#define TCP_CLOSE 7
#define TCP_CLOSE_WAIT 8
#define TCP_LISTEN 10

static struct xr_policy *policy(void)
{
	struct xr_policy *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->classes.replies = 1;
	p->classes.reply_tcp_secs = 3600;
	p->classes.reply_udp_secs = 120;
	/* 443/tcp open to everyone, 8888/tcp only to a source list. */
	p->ports[XR_PROTO_TCP][443].flags = XR_PORT_ALLOW;
	p->ports[XR_PROTO_TCP][8888].flags = XR_PORT_ALLOW | XR_PORT_SOURCES;
	return p;
}

static void pton(int family, const char *text, __u8 *out)
{
	assert_int_equal(inet_pton(family, text, out), 1);
}

static struct xr_sock sock(int family, int proto, int state, const char *l,
			   __u16 lport, const char *r, __u16 rport)
{
	struct xr_sock s;

	memset(&s, 0, sizeof(s));
	s.family = (__u8)family;
	s.proto = (__u8)proto;
	s.state = (__u8)state;
	pton(family, l, s.local);
	pton(family, r, s.remote);
	s.local_port = lport;
	s.remote_port = rport;
	return s;
}

/* The key the egress program builds for a packet LOCAL:LPORT -> REMOTE:RPORT. */
static struct xr_flow_key want(int family, const char *l, __u16 lport,
			       const char *r, __u16 rport, int proto)
{
	struct xr_flow_key k;

	memset(&k, 0, sizeof(k));
	if (family == 4) {
		k.local[10] = k.local[11] = k.remote[10] = k.remote[11] = 0xff;
		pton(AF_INET, l, k.local + 12);
		pton(AF_INET, r, k.remote + 12);
	} else {
		pton(AF_INET6, l, k.local);
		pton(AF_INET6, r, k.remote);
	}
	k.local_port = htons(lport);
	k.remote_port = htons(rport);
	k.proto = (__u8)proto;
	k.family = (__u8)family;
	return k;
}

static void expect_key(const struct xr_flow_key *got,
		       const struct xr_flow_key *exp)
{
	assert_memory_equal(got, exp, sizeof(*exp));
}

static void test_v4_tcp_established(void **state)
{
	struct xr_policy *p = policy();
	struct xr_sock s = sock(AF_INET, IPPROTO_TCP, TCP_ESTABLISHED,
				"192.0.2.1", 40701, "198.51.100.7", 9001);
	struct xr_flow_key k, w = want(4, "192.0.2.1", 40701, "198.51.100.7",
				       9001, XR_PROTO_TCP);

	(void)state;
	assert_int_equal(xr_seed_key_sock(&s, p, &k), 0);
	expect_key(&k, &w);
	free(p);
}

static void test_v6_tcp_and_udp(void **state)
{
	struct xr_policy *p = policy();
	struct xr_sock t = sock(AF_INET6, IPPROTO_TCP, TCP_CLOSE_WAIT,
				"2001:db8:1::1", 40702, "2001:db8:1::2", 9002);
	struct xr_sock u = sock(AF_INET6, IPPROTO_UDP, TCP_ESTABLISHED,
				"2001:db8:1::1", 5353, "2001:db8:1::2", 53);
	struct xr_flow_key k, wt = want(6, "2001:db8:1::1", 40702,
					"2001:db8:1::2", 9002, XR_PROTO_TCP);
	struct xr_flow_key wu = want(6, "2001:db8:1::1", 5353, "2001:db8:1::2",
				     53, XR_PROTO_UDP);

	(void)state;
	assert_int_equal(xr_seed_key_sock(&t, p, &k), 0);
	expect_key(&k, &wt);
	assert_int_equal(xr_seed_key_sock(&u, p, &k), 0);
	expect_key(&k, &wu);
	free(p);
}

/*
 * A dual-stack socket talking to ::ffff:a.b.c.d sends IPv4 packets: its key
 * has family 4, as the egress program records them and as the IPv4
 * replies are looked up; an IPv6 packet with a v4-mapped source (family 6)
 * still matches nothing.
 */
static void test_v4_mapped_socket_is_family_4(void **state)
{
	struct xr_policy *p = policy();
	struct xr_sock s = sock(AF_INET6, IPPROTO_TCP, TCP_ESTABLISHED,
				"::ffff:192.0.2.1", 40703, "::ffff:198.51.100.7",
				22);
	struct xr_flow_key k, w = want(4, "192.0.2.1", 40703, "198.51.100.7",
				       22, XR_PROTO_TCP);

	(void)state;
	assert_int_equal(xr_seed_key_sock(&s, p, &k), 0);
	expect_key(&k, &w);
	assert_int_equal(k.family, 4);
	free(p);
}

static void test_states_seeded_or_not(void **state)
{
	static const struct {
		int state, seeded;
	} cases[] = {
		{ TCP_ESTABLISHED, 1 }, { TCP_SYN_SENT, 1 }, { 4 /* FIN_WAIT1 */, 1 },
		{ 5 /* FIN_WAIT2 */, 1 }, { TCP_CLOSE_WAIT, 1 }, { 9 /* LAST_ACK */, 1 },
		{ 11 /* CLOSING */, 1 }, { TCP_SYN_RECV, 0 }, { TCP_TIME_WAIT, 0 },
		{ TCP_CLOSE, 0 }, { TCP_LISTEN, 0 },
	};
	struct xr_policy *p = policy();
	struct xr_flow_key k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xr_sock s = sock(AF_INET, IPPROTO_TCP, cases[i].state,
					"192.0.2.1", 40000, "198.51.100.7", 80);

		assert_int_equal(xr_seed_key_sock(&s, p, &k) == 0,
				 cases[i].seeded);
	}
	free(p);
}

static void test_skipped_sockets(void **state)
{
	struct xr_policy *p = policy();
	struct xr_flow_key k;
	struct xr_sock s;

	(void)state;
	/* An unconnected UDP socket (state CLOSE, no peer). */
	s = sock(AF_INET, IPPROTO_UDP, TCP_CLOSE, "0.0.0.0", 5353, "0.0.0.0", 0);
	assert_int_equal(xr_seed_key_sock(&s, p, &k), -ENOENT);
	/* Loopback: never on the filtered link. */
	s = sock(AF_INET, IPPROTO_TCP, TCP_ESTABLISHED, "127.0.0.1", 40000,
		 "127.0.0.1", 5432);
	assert_int_equal(xr_seed_key_sock(&s, p, &k), -ENOENT);
	s = sock(AF_INET6, IPPROTO_TCP, TCP_ESTABLISHED, "::1", 40000, "::1",
		 5432);
	assert_int_equal(xr_seed_key_sock(&s, p, &k), -ENOENT);
	/* A connection accepted on 443, which the policy opens to everyone:
	 * its packets pass anyway, and the recorder keeps none either. */
	s = sock(AF_INET, IPPROTO_TCP, TCP_ESTABLISHED, "192.0.2.1", 443,
		 "198.51.100.7", 50000);
	assert_int_equal(xr_seed_key_sock(&s, p, &k), -ENOENT);
	/* ...but one on a source-restricted port, or on a closed one, is seeded. */
	s.local_port = 8888;
	assert_int_equal(xr_seed_key_sock(&s, p, &k), 0);
	s.local_port = 8080;
	assert_int_equal(xr_seed_key_sock(&s, p, &k), 0);
	/* 443/udp is not 443/tcp. */
	s = sock(AF_INET, IPPROTO_UDP, TCP_ESTABLISHED, "192.0.2.1", 443,
		 "198.51.100.7", 50000);
	assert_int_equal(xr_seed_key_sock(&s, p, &k), 0);
	assert_int_equal(k.proto, XR_PROTO_UDP);
	free(p);
}

static struct xr_ct ct_entry(int proto, __u32 status, __u8 tcp_state)
{
	struct xr_ct ct;

	memset(&ct, 0, sizeof(ct));
	ct.family = AF_INET;
	ct.proto = (__u8)proto;
	ct.status = status;
	ct.tcp_state = tcp_state;
	/* A container 10.99.0.2:40706 masqueraded behind 192.0.2.1:61000. */
	pton(AF_INET, "10.99.0.2", ct.orig.src);
	pton(AF_INET, "198.51.100.7", ct.orig.dst);
	ct.orig.sport = 40706;
	ct.orig.dport = 443;
	pton(AF_INET, "198.51.100.7", ct.reply.src);
	pton(AF_INET, "192.0.2.1", ct.reply.dst);
	ct.reply.sport = 443;
	ct.reply.dport = 61000;
	return ct;
}

static void test_conntrack_masquerade(void **state)
{
	struct xr_addr addr = { .ifindex = 2, .family = AF_INET };
	struct xr_iftopo topo = { .addrs = &addr, .naddrs = 1 };
	struct xr_policy *p = policy();
	struct xr_flow_key k, w = want(4, "192.0.2.1", 61000, "198.51.100.7",
				       443, XR_PROTO_TCP);
	struct xr_ct ct;

	(void)state;
	pton(AF_INET, "192.0.2.1", addr.addr);
	ct = ct_entry(IPPROTO_TCP, IPS_ASSURED | IPS_SEEN_REPLY,
		      TCP_CONNTRACK_ESTABLISHED);
	assert_int_equal(xr_seed_key_ct(&ct, &topo, p, &k), 0);
	expect_key(&k, &w);
	/* Not assured (no answer seen yet), or not established: none. */
	ct.status = IPS_SEEN_REPLY;
	assert_int_equal(xr_seed_key_ct(&ct, &topo, p, &k), -ENOENT);
	ct = ct_entry(IPPROTO_TCP, IPS_ASSURED, TCP_CONNTRACK_SYN_RECV);
	assert_int_equal(xr_seed_key_ct(&ct, &topo, p, &k), -ENOENT);
	ct = ct_entry(IPPROTO_TCP, IPS_ASSURED, TCP_CONNTRACK_TIME_WAIT);
	assert_int_equal(xr_seed_key_ct(&ct, &topo, p, &k), -ENOENT);
	/* UDP needs only assured. */
	ct = ct_entry(IPPROTO_UDP, IPS_ASSURED, 0);
	assert_int_equal(xr_seed_key_ct(&ct, &topo, p, &k), 0);
	assert_int_equal(k.proto, XR_PROTO_UDP);
	/* A reply that goes to no address of this host (routed through, or an
	 * inbound connection): none. */
	ct = ct_entry(IPPROTO_TCP, IPS_ASSURED, TCP_CONNTRACK_ESTABLISHED);
	pton(AF_INET, "192.0.2.99", ct.reply.dst);
	assert_int_equal(xr_seed_key_ct(&ct, &topo, p, &k), -ENOENT);
	free(p);
}

static void test_port_deadline(void **state)
{
	struct xr_policy *p = policy();
	__u64 now = 5000000000ULL;

	(void)state;
	/* At least the flow's timeout plus the egress refresh interval. */
	assert_true(xr_seed_port_deadline(p, XR_PROTO_TCP, now) >=
		    now + 3600ULL * 1000000000ULL + XR_FLOW_REFRESH_NS);
	assert_true(xr_seed_port_deadline(p, XR_PROTO_UDP, now) >=
		    now + 120ULL * 1000000000ULL + XR_FLOW_REFRESH_NS);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_tcp_established),
		cmocka_unit_test(test_v6_tcp_and_udp),
		cmocka_unit_test(test_v4_mapped_socket_is_family_4),
		cmocka_unit_test(test_states_seeded_or_not),
		cmocka_unit_test(test_skipped_sockets),
		cmocka_unit_test(test_conntrack_masquerade),
		cmocka_unit_test(test_port_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
