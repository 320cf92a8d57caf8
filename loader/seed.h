/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Seeding the flow table at load and reload from the connections the host
 * already has: its TCP sockets past the handshake, its connected UDP
 * sockets (sock_diag) and, where conntrack runs, the flows it masquerades.
 * A stateful firewall keeps ESTABLISHED connections across a rule change;
 * an empty flow table would drop the replies of every connection opened
 * before the load (and, after a reload that closes a port, of every
 * connection accepted on it) until the host happened to send. This is a
 * snapshot: the egress recorder (bpf/reply.h) keeps the entries alive.
 *
 * Every entry is keyed exactly as xr_flow_record() keys the host's own
 * packets: local = the host's address and port, remote = the peer's,
 * IPv4 v4-mapped, ports in network byte order, and the family of the
 * packets on the wire (a dual-stack socket talking to ::ffff:a.b.c.d sends
 * IPv4: family 4).
 */
#ifndef XR_SEED_H
#define XR_SEED_H

#include <stdbool.h>

#include "datapath.h"
#include "iftopo.h"
#include "policy.h"
#include "sockdiag.h"

/*
 * At most this many seeded entries: the other half of xr_flows stays for
 * the flows the host opens after the load.
 */
#define XR_SEED_MAX (XR_FLOWS_MAX / 2)

/* TCP_* socket states seeded: past the handshake, not yet gone. */
#define XR_SEED_TCP_STATES                                               \
	((1U << 1) | (1U << 2) | (1U << 4) | (1U << 5) | (1U << 8) |     \
	 (1U << 9) | (1U << 11))
/* ESTABLISHED SYN_SENT FIN_WAIT1 FIN_WAIT2 CLOSE_WAIT LAST_ACK CLOSING */

/*
 * The flow key of socket S, or -ENOENT when it gets none: a state not
 * seeded, an unconnected UDP socket, a loopback or unspecified address,
 * or a local port POLICY opens to everyone (its packets pass anyway, and
 * xr_flow_record() records none there either).
 */
int xr_seed_key_sock(const struct xr_sock *s, const struct xr_policy *policy,
		     struct xr_flow_key *key);

/*
 * The flow key of conntrack entry CT as the host sees it after NAT: an
 * assured TCP (established or closing) or UDP entry whose reply goes to
 * one of the host's addresses (TOPO): local = reply destination, remote =
 * reply source. -ENOENT otherwise, or when POLICY opens the local port.
 */
int xr_seed_key_ct(const struct xr_ct *ct, const struct xr_iftopo *topo,
		   const struct xr_policy *policy, struct xr_flow_key *key);

/* The prefilter deadline for a flow of PROTO seeded at NOW (ns). */
__u64 xr_seed_port_deadline(const struct xr_policy *policy, __u8 proto,
			    __u64 now);

struct xr_seed_run {
	__u64 now; /* CLOCK_MONOTONIC (bpf_ktime_get_ns's clock), ns */
	__u32 seeded; /* distinct flows written or refreshed by this run */
	__u32 over; /* connections past XR_SEED_MAX, not seeded */
	bool warned; /* the sock_diag warning was printed */
	bool warned_over; /* the XR_SEED_MAX one */
};

void xr_seed_begin(struct xr_seed_run *run);

/*
 * One pass over the host's sockets and conntrack, writing M's xr_flows and
 * pushing xr_tables.flow_ports; nothing when POLICY has replies off. A
 * failed socket dump is a warning (the filter is correct without seeds:
 * only replies of older connections suffer); no conntrack is nothing.
 * Returns 0, or -errno when the maps cannot be written.
 */
int xr_seed_pass(struct xr_seed_run *run, const struct xr_maps *m,
		 const struct xr_policy *policy, const char *iface);

/* Record the run's count in xr_meta.seeded_flows. */
int xr_seed_record(const struct xr_seed_run *run, const struct xr_maps *m);

#endif /* XR_SEED_H */
