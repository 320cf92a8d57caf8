/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink dumps of this network namespace's state, over libmnl: its
 * TCP/UDP sockets (NETLINK_SOCK_DIAG, inet_diag) and its conntrack table
 * (ctnetlink). Used to seed the flow table (seed.c) and by the SSH guard.
 * Functions return 0 or -errno and print nothing.
 */
#ifndef XR_SOCKDIAG_H
#define XR_SOCKDIAG_H

#include <linux/types.h>

/* One socket as inet_diag reports it. */
struct xr_sock {
	__u8 family; /* the socket's: AF_INET or AF_INET6 */
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 state; /* TCP_* of <netinet/tcp.h>; UDP: 1 connected, 7 not */
	__u8 pad;
	__u8 local[16], remote[16]; /* IPv4 in the first 4 bytes */
	__u16 local_port, remote_port; /* host byte order */
	__u32 ifindex; /* the device it is bound to (SO_BINDTODEVICE), or 0 */
	__u32 inode;
};

/* A callback returns 0 to go on, or -errno to stop the dump with it. */
typedef int (*xr_sock_cb)(const struct xr_sock *s, void *arg);

/*
 * Every socket of FAMILY (AF_INET or AF_INET6; an AF_INET6 dump holds the
 * dual-stack sockets with v4-mapped addresses) and PROTO (IPPROTO_TCP or
 * IPPROTO_UDP) whose state is in STATES (a bit per TCP_* state).
 */
int xr_sockdiag_dump(int family, int proto, __u32 states, xr_sock_cb cb,
		     void *arg);

/* One direction of a conntrack entry, addresses as on the wire. */
struct xr_ct_tuple {
	__u8 src[16], dst[16]; /* IPv4 in the first 4 bytes */
	__u16 sport, dport; /* host byte order */
};

struct xr_ct {
	__u8 family; /* AF_INET or AF_INET6 */
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 tcp_state; /* enum tcp_conntrack, TCP only */
	__u8 pad;
	__u32 status; /* IPS_* bits */
	struct xr_ct_tuple orig, reply;
};

typedef int (*xr_ct_cb)(const struct xr_ct *ct, void *arg);

/*
 * Every TCP and UDP entry of the conntrack table, both families.
 * -EOPNOTSUPP (or another -errno) when there is no conntrack here.
 */
int xr_conntrack_dump(xr_ct_cb cb, void *arg);

#endif /* XR_SOCKDIAG_H */
