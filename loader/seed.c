// SPDX-License-Identifier: GPL-2.0
/* Seeding xr_flows from the host's connections (see seed.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>

#include "seed.h"

#define NS_PER_SEC 1000000000ULL

static const __u8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* ADDR (FAMILY's bytes) as 16 bytes, IPv4 v4-mapped; returns 4 or 6. */
static int addr16(__u8 *dst, int family, const __u8 *addr)
{
	if (family == AF_INET) {
		memcpy(dst, v4_mapped, 12);
		memcpy(dst + 12, addr, 4);
		return 4;
	}
	memcpy(dst, addr, 16);
	/* A dual-stack socket's v4-mapped peer is reached over IPv4. */
	return memcmp(addr, v4_mapped, 12) ? 6 : 4;
}

/* Loopback or unspecified (16-byte form): never on the filtered link. */
static bool unusable(const __u8 *a, int family)
{
	static const __u8 zero[16], loop6[16] = { [15] = 1 };

	if (family == 4)
		return a[12] == 127 || !memcmp(a + 12, zero, 4);
	return !memcmp(a, zero, 16) || !memcmp(a, loop6, 16);
}

static int xr_proto(int ipproto)
{
	return ipproto == IPPROTO_TCP ? XR_PROTO_TCP :
	       ipproto == IPPROTO_UDP ? XR_PROTO_UDP :
					-1;
}

static bool open_to_all(const struct xr_policy *p, int proto, __u16 port)
{
	__u8 f = p->ports[proto][port].flags;

	return (f & XR_PORT_ALLOW) && !(f & XR_PORT_SOURCES);
}

/* Fill KEY from one side's address and port; -ENOENT when unusable. */
static int make_key(struct xr_flow_key *key, int proto, int family,
		    const __u8 *local, __u16 lport, const __u8 *remote,
		    __u16 rport, const struct xr_policy *p)
{
	int fam_l, fam_r;

	memset(key, 0, sizeof(*key));
	fam_l = addr16(key->local, family, local);
	fam_r = addr16(key->remote, family, remote);
	if (proto < 0 || fam_l != fam_r || !lport || !rport ||
	    unusable(key->local, fam_l) || unusable(key->remote, fam_r) ||
	    open_to_all(p, proto, lport))
		return -ENOENT;
	key->local_port = htons(lport);
	key->remote_port = htons(rport);
	key->proto = (__u8)proto;
	key->family = (__u8)fam_l;
	return 0;
}

int xr_seed_key_sock(const struct xr_sock *s, const struct xr_policy *p,
		     struct xr_flow_key *key)
{
	if (s->proto == IPPROTO_TCP) {
		if (s->state > 31 || !(XR_SEED_TCP_STATES & (1U << s->state)))
			return -ENOENT;
	} else if (s->proto == IPPROTO_UDP) {
		/* inet_diag shows a connected UDP socket as ESTABLISHED. */
		if (s->state != 1)
			return -ENOENT;
	} else {
		return -ENOENT;
	}
	return make_key(key, xr_proto(s->proto), s->family, s->local,
			s->local_port, s->remote, s->remote_port, p);
}

int xr_seed_key_ct(const struct xr_ct *ct, const struct xr_iftopo *topo,
		   const struct xr_policy *p, struct xr_flow_key *key)
{
	if (!(ct->status & IPS_ASSURED) || (ct->status & IPS_DYING))
		return -ENOENT;
	if (ct->proto == IPPROTO_TCP &&
	    (ct->tcp_state < TCP_CONNTRACK_ESTABLISHED ||
	     ct->tcp_state > TCP_CONNTRACK_LAST_ACK))
		return -ENOENT;
	if (!xr_iftopo_is_local(topo, ct->family, ct->reply.dst))
		return -ENOENT;
	return make_key(key, xr_proto(ct->proto), ct->family, ct->reply.dst,
			ct->reply.dport, ct->reply.src, ct->reply.sport, p);
}

__u64 xr_seed_port_deadline(const struct xr_policy *p, __u8 proto, __u64 now)
{
	__u32 secs = proto == XR_PROTO_UDP ? p->classes.reply_udp_secs :
					     p->classes.reply_tcp_secs;

	return now + (__u64)secs * NS_PER_SEC + XR_FLOW_REFRESH_NS;
}

void xr_seed_begin(struct xr_seed_run *run)
{
	struct timespec ts;

	memset(run, 0, sizeof(*run));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	run->now = (__u64)ts.tv_sec * NS_PER_SEC + (__u64)ts.tv_nsec;
}

struct pass {
	struct xr_seed_run *run;
	const struct xr_maps *m;
	const struct xr_policy *p;
	const struct xr_iftopo *topo;
	struct xr_tables *tables; /* the .bss map, mmapped */
	int err; /* a map write failed */
};

/* Raise *SLOT to at least V; the egress program may store concurrently. */
static void raise_to(__u64 *slot, __u64 v)
{
	__u64 cur = __atomic_load_n(slot, __ATOMIC_RELAXED);

	while (cur < v && !__atomic_compare_exchange_n(slot, &cur, v, false,
						       __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
}

static int seed_one(struct pass *ps, const struct xr_flow_key *key)
{
	struct xr_seed_run *run = ps->run;
	struct xr_flow flow;

	if (!bpf_map_lookup_elem(ps->m->flows, key, &flow)) {
		/* Written by this run already (the other pass, or conntrack
		 * repeating a socket): one flow, counted once. */
		if (flow.last_egress_ns == run->now)
			return 0;
		/* The connection lives: refresh, keep what the recorder saw. */
		if (flow.last_egress_ns < run->now)
			flow.last_egress_ns = run->now;
	} else {
		if (run->seeded >= XR_SEED_MAX) {
			run->over++;
			return 0;
		}
		memset(&flow, 0, sizeof(flow));
		flow.last_egress_ns = run->now;
	}
	if (bpf_map_update_elem(ps->m->flows, key, &flow, BPF_ANY)) {
		ps->err = -errno;
		return ps->err;
	}
	run->seeded++;
	/* What ingress checks first (reply.h xr_is_reply): only ever raised. */
	raise_to(&ps->tables->flow_ports[xr_stat_key(key->proto,
						     ntohs(key->local_port))],
		 xr_seed_port_deadline(ps->p, key->proto, run->now));
	return 0;
}

static int sock_cb(const struct xr_sock *s, void *arg)
{
	struct pass *ps = arg;
	struct xr_flow_key key;

	if (xr_seed_key_sock(s, ps->p, &key))
		return 0;
	return seed_one(ps, &key);
}

static int ct_cb(const struct xr_ct *ct, void *arg)
{
	struct pass *ps = arg;
	struct xr_flow_key key;

	if (xr_seed_key_ct(ct, ps->topo, ps->p, &key))
		return 0;
	return seed_one(ps, &key);
}

int xr_seed_pass(struct xr_seed_run *run, const struct xr_maps *m,
		 const struct xr_policy *p, const char *iface)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct pass ps = { .run = run, .m = m, .p = p };
	struct xr_iftopo topo;
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (sizeof(struct xr_tables) + (size_t)page - 1) &
		     ~((size_t)page - 1);
	size_t i;
	int err = 0;

	if (!p->classes.replies)
		return 0;
	ps.tables = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 m->flow_ports, 0);
	if (ps.tables == MAP_FAILED)
		return -errno;

	for (i = 0; i < 2 && !err; i++) {
		err = xr_sockdiag_dump(families[i], IPPROTO_TCP,
				       XR_SEED_TCP_STATES, sock_cb, &ps);
		if (!err)
			err = xr_sockdiag_dump(families[i], IPPROTO_UDP,
					       1U << 1, sock_cb, &ps);
	}
	if (err && !ps.err && !run->warned) {
		fprintf(stderr, "warning: %s: cannot read the host's sockets (sock_diag): %s; "
				"replies of connections opened before this load pass only "
				"once the host sends again\n",
			iface, strerror(-err));
		run->warned = true;
	}
	/* Masqueraded flows: no conntrack here is no error, nothing to add. */
	if (!ps.err && !xr_iftopo_read(&topo)) {
		ps.topo = &topo;
		xr_conntrack_dump(ct_cb, &ps);
		xr_iftopo_free(&topo);
	}
	if (!ps.err)
		raise_to(&ps.tables->flow_ports[XR_FLOW_CLOCK], run->now);
	munmap(ps.tables, len);
	if (ps.err)
		fprintf(stderr, "warning: %s: cannot seed the flow table: %s; "
				"replies of connections opened before this load pass only "
				"once the host sends again\n",
			iface, strerror(-ps.err));
	if (run->over && !ps.err && !run->warned_over) {
		run->warned_over = true;
		fprintf(stderr, "warning: %s: %u connections not seeded: at most %u are\n",
			iface, run->over, XR_SEED_MAX);
	}
	return ps.err;
}

int xr_seed_record(const struct xr_seed_run *run, const struct xr_maps *m)
{
	struct xr_meta meta;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->meta, &zero, &meta))
		return -errno;
	meta.seeded_flows = run->seeded;
	return bpf_map_update_elem(m->meta, &zero, &meta, BPF_ANY) ? -errno : 0;
}
