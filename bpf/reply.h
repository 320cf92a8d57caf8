/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replies to connections the host (or a container it masquerades) opened.
 *
 * Egress (xr_flow_record, from the TC program), from a local port the
 * profile does not open to everyone: a connection the host initiates (its
 * TCP SYN without ACK) or a UDP datagram it sends records the flow in
 * xr_flows and pushes that port's deadline in xr_tables.flow_ports (pinned
 * as xr_flow_ports). Any other TCP packet only refreshes a flow that
 * exists: a SYN-ACK or RST the host sends (answering a scan of a closed
 * port) or a packet of a connection it accepted opens nothing, as
 * conntrack's ESTABLISHED means a connection initiated from inside. The
 * loader seeds the connections open at load time (loader/seed.c). The
 * host's own FIN or RST moves a flow to the closed timeout; nothing from
 * outside can end or shorten a flow.
 *
 * Ingress (xr_is_reply, from the XDP program, only for packets the port
 * table would drop): one load from xr_tables.flow_ports rejects a packet to
 * a local port with no live flow, which is what a flood to closed ports is;
 * only the rest pays for the hash lookup of the exact reversed 5-tuple and
 * the clock. Chosen over bpf_xdp_ct_lookup (needs conntrack on, ~100 ns)
 * and socket lookups (miss masqueraded containers): see README "Replies".
 */
#ifndef XR_REPLY_H
#define XR_REPLY_H

#include "maps.h"
#include "parse.h"

#define XR_NS 1000000000ULL
#define XR_TCP_FIN 0x01
#define XR_TCP_SYN 0x02
#define XR_TCP_RST 0x04
#define XR_TCP_ACK 0x10
/* XR_FLOW_REFRESH_NS (include/xdp_reflector.h): the loader's seeding uses it too. */

static __always_inline void xr_addr16(__u8 *dst, const struct xr_pkt *pkt,
				      int source)
{
	if (pkt->family == 4) {
		const struct iphdr *iph = pkt->l3;

		__builtin_memset(dst, 0, 10);
		dst[10] = 0xff;
		dst[11] = 0xff;
		__builtin_memcpy(dst + 12, source ? &iph->saddr : &iph->daddr, 4);
	} else {
		const struct ipv6hdr *ip6h = pkt->l3;

		__builtin_memcpy(dst, source ? &ip6h->saddr : &ip6h->daddr, 16);
	}
}

static __always_inline __u64 xr_flow_timeout(const struct xr_class_policy *cp,
					     __u32 proto, __u32 closing)
{
	__u32 secs = proto == XR_PROTO_UDP ? cp->reply_udp_secs :
		     closing		     ? cp->reply_closed_secs :
					       cp->reply_tcp_secs;

	return (__u64)secs * XR_NS;
}

/*
 * The prefilter slot of a local port. proto is 0 or 1 and port 16 bits;
 * the mask only shows the verifier the index is within the table.
 */
static __always_inline __u64 *xr_flow_port(__u32 proto, __u16 port)
{
	return &xr_tables.flow_ports[xr_stat_key(proto & 1, port)];
}

/* Ingress: is PKT (TCP/UDP to a port the policy drops) a reply? */
static __always_inline int xr_is_reply(const struct xr_pkt *pkt,
				       const struct xr_class_policy *cp)
{
	__u64 until = *xr_flow_port(pkt->proto, pkt->dport);
	struct xr_flow_key key = {};
	struct xr_flow *flow;

	if (!until || until < xr_tables.flow_ports[XR_FLOW_CLOCK])
		return 0;
	/* A connection the host opened never receives a bare SYN. */
	if (pkt->proto == XR_PROTO_TCP &&
	    (pkt->tcp_flags & (XR_TCP_SYN | XR_TCP_ACK)) == XR_TCP_SYN)
		return 0;

	xr_addr16(key.local, pkt, 0);
	xr_addr16(key.remote, pkt, 1);
	key.local_port = bpf_htons(pkt->dport);
	key.remote_port = pkt->sport;
	key.proto = pkt->proto;
	key.family = pkt->family;
	flow = bpf_map_lookup_elem(&xr_flows, &key);
	if (!flow)
		return 0;
	/*
	 * Read only: an inbound FIN or RST does not move the flow to the
	 * closed timeout, or a blind attacker who guesses a tuple would
	 * shorten the host's connections. The host's own FIN/RST does.
	 */
	return bpf_ktime_get_ns() - flow->last_egress_ns <=
	       xr_flow_timeout(cp, pkt->proto, flow->closing);
}

/* Egress: record the flow of a packet the host sends (TC program). */
static __always_inline void xr_flow_record(const struct xr_pkt *pkt,
					   const struct xr_class_policy *cp,
					   const struct xr_port_entry *local)
{
	__u16 lport = bpf_ntohs(pkt->sport);
	struct xr_flow_key key = {};
	struct xr_flow *flow, fresh = {};
	__u64 now, *until, *clock, deadline;
	__u32 closing = 0, syn;

	/* Inbound packets to an open port pass anyway: nothing to remember. */
	if (local && (local->flags & XR_PORT_ALLOW) &&
	    !(local->flags & XR_PORT_SOURCES))
		return;
	if (pkt->proto == XR_PROTO_TCP &&
	    (pkt->tcp_flags & (XR_TCP_FIN | XR_TCP_RST)))
		closing = 1;

	/* An opening SYN: no ACK, and no FIN or RST riding on it. */
	syn = pkt->proto == XR_PROTO_TCP &&
	      (pkt->tcp_flags & (XR_TCP_SYN | XR_TCP_ACK | XR_TCP_FIN |
				 XR_TCP_RST)) == XR_TCP_SYN;
	xr_addr16(key.local, pkt, 1);
	xr_addr16(key.remote, pkt, 0);
	key.local_port = pkt->sport;
	key.remote_port = bpf_htons(pkt->dport);
	key.proto = pkt->proto;
	key.family = pkt->family;
	now = bpf_ktime_get_ns();

	flow = bpf_map_lookup_elem(&xr_flows, &key);
	if (!flow) {
		/* Only a connection the host initiates, or UDP, opens a flow. */
		if (pkt->proto == XR_PROTO_TCP && !syn)
			return;
		fresh.last_egress_ns = now;
		bpf_map_update_elem(&xr_flows, &key, &fresh, BPF_ANY);
	} else {
		/* A new SYN on the same 5-tuple starts a new connection. */
		if (syn)
			flow->closing = 0;
		else if (closing)
			flow->closing = 1;
		if (now - flow->last_egress_ns > XR_FLOW_REFRESH_NS)
			flow->last_egress_ns = now;
	}

	/* The port may hold other, longer-lived flows: only ever extend. */
	deadline = now + xr_flow_timeout(cp, pkt->proto, 0) + XR_FLOW_REFRESH_NS;
	until = xr_flow_port(pkt->proto, lport);
	if (*until < deadline - XR_FLOW_REFRESH_NS)
		*until = deadline;
	clock = &xr_tables.flow_ports[XR_FLOW_CLOCK];
	if (now - *clock > XR_FLOW_REFRESH_NS)
		*clock = now;
}

#endif /* XR_REPLY_H */
